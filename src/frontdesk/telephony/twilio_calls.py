"""Outbound calls through Twilio's Programmable Voice, with the official ``twilio`` SDK.

``place_call`` asks Twilio to dial a customer from one of the business's numbers, with
answering-machine detection (``DetectMessageEnd``: Twilio waits for a machine's greeting
to end, so a voicemail we leave starts after the beep). When the call is answered Twilio
requests ``/webhooks/twilio/voice?direction=outbound`` with ``AnsweredBy``; the voice door
(``channels.twilio_voice``) talks to a person or leaves a voicemail.

Lawful calling is a product rule, checked here before anything reaches Twilio: we only
call a number that belongs to a customer who gave call consent and is not on the
business's do-not-call list. The SDK's own retries are off and its base URL is
configurable, as for SMS (``notify.sms_twilio``), so tests point it at a stand-in.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import requests
from sqlalchemy.orm import Session, sessionmaker
from twilio.base.exceptions import TwilioRestException  # type: ignore[import-untyped]
from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

from frontdesk.config import Settings
from frontdesk.errors import FrontdeskError, InvalidInput
from frontdesk.services import conversations as records
from frontdesk.services.customers import find_by_phone, normalize_phone
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, Tenant

DEFAULT_API_BASE = "https://api.twilio.com"
DEFAULT_TIMEOUT_S = 10.0
VOICE_URL_PATH = "/webhooks/twilio/voice?direction=outbound"
STATUS_URL_PATH = "/webhooks/twilio/voice/status"
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
MACHINE_DETECTION = "DetectMessageEnd"
# The outbound call's conversation lives on the same channel as inbound calls, keyed by
# the Call SID, so the voice door and its status callback find it.
CHANNEL = "phone"


class CallNotPermitted(FrontdeskError):
    """The customer may not be called: no recorded consent, or on the do-not-call list."""

    code = "call_not_permitted"
    status = 409
    title = "This customer may not be called"


class TwilioNotConfigured(FrontdeskError):
    code = "twilio_not_configured"
    status = 503
    title = "Outbound calling is not configured"


class NoCallerNumber(FrontdeskError):
    code = "no_caller_number"
    status = 422
    title = "The business has no number to call from"


class CallRejected(FrontdeskError):
    """Twilio refused the call request (e.g. 21211 invalid 'To', 21215 geo permissions)."""

    code = "call_rejected"
    status = 422
    title = "Twilio refused the call"


class CallProviderUnavailable(FrontdeskError):
    code = "call_provider_unavailable"
    status = 502
    title = "Twilio did not accept the call request"


def twilio_client(settings: Settings, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Client:
    """The SDK client for the account in settings, pointed at ``twilio_api_base``."""
    missing = [name for name, value in (
        ("FRONTDESK_TWILIO_ACCOUNT_SID", settings.twilio_account_sid),
        ("FRONTDESK_TWILIO_AUTH_TOKEN", settings.twilio_auth_token)) if not value]
    if missing:
        raise TwilioNotConfigured(f"Outbound calls need {' and '.join(missing)}.",
                                  missing=missing)
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                    http_client=TwilioHttpClient(timeout=timeout_s))
    # Voice calls, like messages, go through the "api" domain: its base URL is the one
    # knob the SDK offers for a different host (a stand-in in tests).
    client.api.base_url = (settings.twilio_api_base or DEFAULT_API_BASE).rstrip("/")
    return client


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


def place_call(settings: Settings, tenant: Tenant, to: str, *,
               factory: sessionmaker[Session], from_: str | None = None,
               purpose: str = "outbound", client: Client | None = None) -> str:
    """Ask Twilio to call ``to`` for the business; returns the Call SID.

    Nothing reaches Twilio unless the call is lawful and configured. The call's
    conversation is opened here (keyed by the SID) so its status events are kept even
    when nobody answers.
    """
    with factory() as session:
        e164 = check_call_allowed(session, tenant, to)
    sender = caller_id(tenant, from_)
    base = settings.public_base_url.rstrip("/")
    if not base:
        raise TwilioNotConfigured("Outbound calls need FRONTDESK_PUBLIC_BASE_URL: the address "
                                  "Twilio calls back when the customer answers.",
                                  missing=["FRONTDESK_PUBLIC_BASE_URL"])
    client = client or twilio_client(settings)
    try:
        call = client.calls.create(
            to=e164, from_=sender, url=base + VOICE_URL_PATH,
            status_callback=base + STATUS_URL_PATH, status_callback_event=STATUS_EVENTS,
            machine_detection=MACHINE_DETECTION)
    except TwilioRestException as exc:
        detail = f"twilio {exc.status} (code {exc.code}): {exc.msg}"
        if exc.status == 429 or int(exc.status) >= 500:
            raise CallProviderUnavailable(detail) from exc
        raise CallRejected(detail, twilio_code=exc.code) from exc
    except requests.RequestException as exc:  # timeouts, refused connections
        raise CallProviderUnavailable(f"twilio unreachable: {exc}") from exc
    call_sid = str(call.sid)
    conversation, _ = records.open_conversation(factory, tenant, CHANNEL, call_sid,
                                                caller_phone=e164, caller_verified=True)
    _remember_purpose(factory, conversation.id, purpose)
    return call_sid


def _remember_purpose(factory: sessionmaker[Session], conversation_id: uuid.UUID,
                      purpose: str) -> None:
    """Keep why we called on the conversation's timeline: a ``call`` turn, like the
    voice door's status events (the agent's history reads only user/assistant turns)."""
    with write_session(factory) as session:
        row = session.get_one(Conversation, conversation_id)
        records.append_turns(session, row, [{
            "role": "call", "text": "placed",
            "request_key": f"twilio-placed:{row.external_id}"[:64],
            "tool_result": {"status": "placed", "purpose": purpose,
                            "at": datetime.now(UTC).isoformat()}}])
