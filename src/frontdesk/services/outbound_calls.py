"""Calling a customer: who may be called, from which number, and queueing the call.

Lawful calling is a product rule, checked before anything reaches a provider: we only
call a number that belongs to a customer who gave call consent and is not on the
business's or the server's do-not-call list. A call is not dialled here: it is written
to the outbox (channel ``call``), in the caller's transaction, keyed by an idempotency
key, and the outbox worker places it (``frontdesk.delivery.call_sender``). So a request
retried with the same key queues one call, and a worker dying mid-dial places at most one
(``services.call_dials``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.errors import FrontdeskError, InvalidInput
from frontdesk.services import do_not_call
from frontdesk.services.call_dials import CallView, call_view
from frontdesk.services.customers import find_by_phone, normalize_phone
from frontdesk.services.notices import outbox
from frontdesk.store.db import write_session
from frontdesk.store.models import Customer, OutboxMessage, Tenant
from frontdesk.telephony.twilio_calls import TwilioNotConfigured

# The outbound call's conversation lives on the same channel as inbound calls, keyed by
# the provider's call id, so the voice door and its status callback find it.
CHANNEL = "phone"
OUTBOX_CHANNEL = "call"  # the outbox channel whose "sender" dials
# A call that cannot be placed after this many tries is failed (each try that may have
# dialled is reconciled with the provider before another, see services.call_dials).
CALL_MAX_TRIES = 4


class CallNotPermitted(FrontdeskError):
    """The customer may not be called: no recorded consent, or on the do-not-call list."""

    code = "call_not_permitted"
    status = 409
    title = "This customer may not be called"


class NoCallerNumber(FrontdeskError):
    code = "no_caller_number"
    status = 422
    title = "The business has no number to call from"


def require_calling(settings: Settings) -> None:
    """Refuse at once, rather than queue a call no worker can place."""
    missing = [name for name, value in (
        ("FRONTDESK_TWILIO_ACCOUNT_SID", settings.twilio_account_sid),
        ("FRONTDESK_TWILIO_AUTH_TOKEN", settings.twilio_auth_token),
        ("FRONTDESK_PUBLIC_BASE_URL", settings.public_base_url)) if not value]
    if missing:
        raise TwilioNotConfigured(f"Outbound calls need {' and '.join(missing)}.",
                                  missing=missing)


def caller_id(tenant: Tenant, from_: str | None) -> str:
    """The number to call from: ``from_`` if it is one of the business's own numbers
    (a tenant never calls from another's), else the business's first number."""
    numbers = [n.number_e164 for n in tenant.phone_numbers]
    if from_:
        e164 = normalize_phone(from_, tenant.country or "US")
        if e164 not in numbers:
            raise InvalidInput(f"{e164} is not one of this business's phone numbers.",
                               field="from")
        return e164
    if not numbers:
        raise NoCallerNumber("Give the business a phone number to call from first.")
    return min(numbers)  # the relationship has no order: pick one deterministically


def check_call_allowed(session: Session, tenant: Tenant, to: str) -> str:
    """``to`` as E.164, if the business may call it; else ``CallNotPermitted``."""
    return allowed_customer(session, tenant, to)[0]


def allowed_customer(session: Session, tenant: Tenant, to: str) -> tuple[str, Customer]:
    """``to`` as E.164 and its customer, if the business may call it."""
    e164 = normalize_phone(to, tenant.country or "US")
    if do_not_call.block_reason(session, tenant, e164) == "server_do_not_call":
        raise CallNotPermitted(f"{e164} is on this server's do-not-call list.",
                               reason="do_not_call", to=e164)
    customer = find_by_phone(session, tenant, e164)
    if customer is None:
        raise CallNotPermitted(f"{e164} is not a customer of this business, so there is no "
                               "consent to call it.", reason="no_customer", to=e164)
    if customer.do_not_call:
        raise CallNotPermitted(f"{e164} is on the do-not-call list.", reason="do_not_call",
                               to=e164)
    if not customer.call_consent:
        raise CallNotPermitted(f"{e164} has not agreed to be called.",
                               reason="no_call_consent", to=e164)
    return e164, customer


def call_draft(tenant_id: uuid.UUID, to: str, from_: str, *, purpose: str, dedupe_key: str,
               customer_id: uuid.UUID | None = None,
               context: dict[str, Any] | None = None) -> outbox.Draft:
    """The outbox row that places one call (``context``: what the call is about, e.g.
    the campaign attempt, kept in the payload for the sender and the conversation)."""
    payload: dict[str, Any] = {"to": to, "from": from_, "purpose": purpose,
                               "tenant_id": str(tenant_id)}
    if context:
        payload["context"] = context
    return outbox.Draft(tenant_id, OUTBOX_CHANNEL, purpose[:24], to, payload, dedupe_key,
                        customer_id=customer_id, max_attempts=CALL_MAX_TRIES)


def queue_call(session: Session, tenant: Tenant, to: str, *, key: str,
               from_: str | None = None, purpose: str = "outbound") -> OutboxMessage:
    """Queue a call to a customer who may be called; idempotent by ``key`` (the same key
    answers the call queued first, whatever the other fields say)."""
    dedupe_key = "call:" + key
    existing = outbox.find(session, tenant.id, dedupe_key)
    if existing is not None:
        return existing
    e164, customer = allowed_customer(session, tenant, to)
    sender = caller_id(tenant, from_)
    outbox.write(session, [call_draft(tenant.id, e164, sender, purpose=purpose,
                                      dedupe_key=dedupe_key, customer_id=customer.id)])
    found = outbox.find(session, tenant.id, dedupe_key)
    assert found is not None  # written just now, or by a racing twin with the same key
    return found


def request_call(factory: sessionmaker[Session], tenant: Tenant, settings: Settings, to: str,
                 *, key: str, from_: str | None = None, purpose: str = "outbound") -> CallView:
    """Queue a call (``queue_call``) in a transaction of its own; refused, with nothing
    queued, when no provider is configured to place it."""
    with write_session(factory) as session:
        message = queue_call(session, tenant, to, key=key, from_=from_, purpose=purpose)
        require_calling(settings)  # after the consent rule: a refused customer hears why
        return call_view(session, tenant, message.id)
