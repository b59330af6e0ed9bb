"""Calling a customer: who may be called, from which number, and the call's record.

Lawful calling is a product rule, checked before anything reaches a provider: we only
call a number that belongs to a customer who gave call consent and is not on the
business's do-not-call list. The provider (a ``CallPlacer``) only dials; the call's
conversation is opened here, keyed by the provider's call id, so its status events are
kept even when nobody answers.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.errors import FrontdeskError, InvalidInput
from frontdesk.services import conversations as records
from frontdesk.services import do_not_call, request_keys
from frontdesk.services.customers import find_by_phone, normalize_phone
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, Tenant
from frontdesk.telephony.base import CallPlacer
from frontdesk.telephony.twilio_calls import TwilioCallPlacer

# The outbound call's conversation lives on the same channel as inbound calls, keyed by
# the provider's call id, so the voice door and its status callback find it.
CHANNEL = "phone"


class CallNotPermitted(FrontdeskError):
    """The customer may not be called: no recorded consent, or on the do-not-call list."""

    code = "call_not_permitted"
    status = 409
    title = "This customer may not be called"


class NoCallerNumber(FrontdeskError):
    code = "no_caller_number"
    status = 422
    title = "The business has no number to call from"


def call_placer(settings: Settings) -> CallPlacer:
    """The provider that places calls under ``settings`` (Twilio: the only one so far)."""
    return TwilioCallPlacer.from_settings(settings)


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
    return e164


def place_call(factory: sessionmaker[Session], tenant: Tenant, placer: CallPlacer, to: str, *,
               from_: str | None = None, purpose: str = "outbound") -> str:
    """Have ``placer`` call ``to`` for the business; returns the provider's call id.

    Nothing reaches the provider unless the call is lawful and the business has a number
    to call from.
    """
    with factory() as session:
        e164 = check_call_allowed(session, tenant, to)
    sender = caller_id(tenant, from_)
    call_id = placer.place(e164, sender)
    conversation, _ = records.open_conversation(factory, tenant, CHANNEL, call_id,
                                                caller_phone=e164, caller_verified=True)
    _remember_purpose(factory, conversation.id, purpose, placer.name)
    return call_id


def _remember_purpose(factory: sessionmaker[Session], conversation_id: uuid.UUID,
                      purpose: str, provider: str) -> None:
    """Keep why we called on the conversation's timeline: a ``call`` turn, like the
    voice door's status events (the agent's history reads only user/assistant turns)."""
    with write_session(factory) as session:
        row = session.get_one(Conversation, conversation_id)
        records.append_turns(session, row, [{
            "role": "call", "text": "placed",
            "request_key": request_keys.fit(f"{provider}-placed", row.external_id),
            "tool_result": {"status": "placed", "purpose": purpose,
                            "at": datetime.now(UTC).isoformat()}}])
