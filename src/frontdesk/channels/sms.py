"""The SMS door: Twilio (``POST /webhooks/twilio/sms``) and Telnyx (``POST /webhooks/telnyx``).

A text from a customer to a business's number (``tenant_phone_numbers``) becomes a turn
of the conversation on channel "sms" between those two numbers. Carrier keywords are
honoured before anything else: STOP (and its synonyms, Spanish too) opts the customer
out of every text and call, and we never text them again until START; HELP answers a
short help text. A bare C / X / R answers a reminder: confirm, cancel the next
appointment, or start moving it. Everything else is an ordinary text conversation.

Each webhook is verified in a dependency (403 before anything changes) and acted on once
per provider message: the MessageSid / Telnyx event id is the turn's request key, so a
retried delivery replays the first answer. Twilio gets the reply inline as TwiML;
Telnyx's is queued in the outbox (the webhook answers 200 at once).
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.api.bounds import without_nul
from frontdesk.api.deps import AgentDep, FactoryDep
from frontdesk.api.ratelimit import check_phone
from frontdesk.channels.signatures import BadSignature, telnyx_valid, twilio_valid
from frontdesk.config import Settings
from frontdesk.conversation.agent import Agent
from frontdesk.errors import BookingRefused, InvalidInput
from frontdesk.services import booking
from frontdesk.services import conversations as records
from frontdesk.services.customers import find_by_phone, normalize_phone
from frontdesk.services.notices.outbox import enqueue
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    Conversation,
    ConversationTurn,
    Customer,
    Tenant,
    TenantPhoneNumber,
)

log = logging.getLogger(__name__)

router = APIRouter(tags=["sms"])

CHANNEL = "sms"
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "BAJA", "ALTO", "PARAR"}
)
START_WORDS = frozenset({"START", "UNSTOP", "ALTA"})
HELP_WORDS = frozenset({"HELP", "AYUDA"})
_SPANISH = frozenset({"BAJA", "ALTO", "PARAR", "ALTA", "AYUDA"})

_TEXTS = {
    "help": {
        "en": "{business}: text us to book, move or cancel an appointment. "
        "Reply STOP to opt out.{call}",
        "es": "{business}: escríbanos para reservar, cambiar o cancelar una cita. "
        "Responda BAJA para no recibir más mensajes.{call}",
    },
    "call": {"en": " Or call {phone}.", "es": " O llame al {phone}."},
    "start": {
        "en": "{business}: you will get our texts again. Reply HELP for help, STOP to opt out.",
        "es": "{business}: volverá a recibir nuestros mensajes. Responda AYUDA para ayuda, "
        "BAJA para darse de baja.",
    },
    "confirmed": {"en": "Thanks, see you then!", "es": "¡Gracias, le esperamos!"},
    "reschedule": {"en": "I'd like to reschedule my appointment", "es": "Quiero cambiar mi cita"},
}


@dataclass(frozen=True, slots=True)
class InboundSms:
    event_id: str  # Twilio MessageSid / Telnyx event id: the de-duplication key
    from_number: str
    to_number: str
    text: str


@dataclass(frozen=True, slots=True)
class SmsAnswer:
    """What to text back (None: nothing) and where the conversation lives."""

    text: str | None
    tenant_id: uuid.UUID | None = None
    customer_phone: str | None = None
    customer_id: uuid.UUID | None = None


def keyword(text: str) -> str | None:
    """A one-word message in capitals without punctuation ("Stop." -> "STOP")."""
    words = text.split()
    if len(words) != 1:
        return None
    return re.sub(r"[^\w]", "", words[0]).upper() or None


def request_key(event_id: str) -> str:
    key = f"sms:{event_id}"
    return key if len(key) <= 64 else "sms:" + hashlib.sha256(event_id.encode()).hexdigest()[:40]


def twiml(text: str | None) -> str:
    if not text:
        return '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Message>{escape(text)}</Message></Response>"
    )


class SmsDesk:
    """Turns one inbound text into (at most) one answer, once per provider message."""

    def __init__(self, factory: sessionmaker[Session], agent: Agent) -> None:
        self.factory, self.agent = factory, agent

    def handle(self, sms: InboundSms) -> SmsAnswer:
        tenant = self._tenant_for(sms.to_number)
        if tenant is None:
            log.warning("text to %s, which no business owns: ignored", sms.to_number)
            return SmsAnswer(None)
        try:
            phone = normalize_phone(sms.from_number, tenant.country)
        except InvalidInput:
            phone = sms.from_number  # a short code or alphanumeric sender: keep as given
        # From is the sender's number on a signed webhook: the texter holds that phone.
        conversation = self.agent.open(
            tenant, CHANNEL, f"{phone}|{sms.to_number}", caller_phone=phone, caller_verified=True
        )
        key = request_key(sms.event_id)
        with self.factory() as session:
            if _seen(session, conversation.id, key):
                answer = records.reply_for_request(session, conversation.id, key)
                customer = find_by_phone(session, tenant, phone)
                return SmsAnswer(
                    (answer.text or None) if answer else None,
                    tenant.id,
                    phone,
                    customer.id if customer else None,
                )
            customer = find_by_phone(session, tenant, phone)
        text = self._respond(tenant, conversation, customer, phone, sms.text, key)
        return SmsAnswer(text, tenant.id, phone, customer.id if customer else None)

    # --- what to say ---------------------------------------------------------------------

    def _respond(
        self,
        tenant: Tenant,
        conversation: Conversation,
        customer: Customer | None,
        phone: str,
        text: str,
        key: str,
    ) -> str | None:
        word = keyword(text)
        lang = "es" if word in _SPANISH else _lang(customer, tenant)
        if word in STOP_WORDS:
            self._record(conversation.id, text, key, None, opt_in=False, tenant=tenant, phone=phone)
            return None
        if customer is not None and customer.do_not_call and word not in START_WORDS:
            return None  # opted out: we never answer, whatever they write
        if word in START_WORDS:
            reply = _TEXTS["start"][lang].format(business=tenant.name)
            self._record(conversation.id, text, key, reply, opt_in=True, tenant=tenant, phone=phone)
            return reply
        if word in HELP_WORDS:
            call = (
                _TEXTS["call"][lang].format(phone=tenant.fallback_phone)
                if tenant.fallback_phone
                else ""
            )
            reply = _TEXTS["help"][lang].format(business=tenant.name, call=call)
            self._record(conversation.id, text, key, reply)
            return reply
        upcoming = self._next_appointment(tenant, customer) if word in ("C", "X", "R") else None
        if upcoming is not None and word == "C":
            reply = _TEXTS["confirmed"][lang]
            self._record(conversation.id, text, key, reply)
            return reply
        if upcoming is not None and word == "X":
            refusal: str | None = None
            try:
                # Its cancellation text (from the outbox) is the answer.
                booking.cancel(self.factory, tenant, upcoming)
            except BookingRefused as exc:
                refusal = exc.detail
            self._record(conversation.id, text, key, refusal)
            return refusal
        if upcoming is not None and word == "R":
            text = _TEXTS["reschedule"][lang]
        answer = self.agent.turn(tenant, conversation.id, text, request_key=key)
        return answer.text or None

    # --- records -------------------------------------------------------------------------

    def _tenant_for(self, number: str) -> Tenant | None:
        with self.factory() as session:
            return session.scalars(
                select(Tenant)
                .join(TenantPhoneNumber, TenantPhoneNumber.tenant_id == Tenant.id)
                .where(TenantPhoneNumber.number_e164 == number)
            ).first()

    def _next_appointment(self, tenant: Tenant, customer: Customer | None) -> uuid.UUID | None:
        if customer is None:
            return None
        with self.factory() as session:
            return session.scalars(
                select(Appointment.id)
                .where(
                    Appointment.tenant_id == tenant.id,
                    Appointment.customer_id == customer.id,
                    Appointment.status == AppointmentStatus.BOOKED.value,
                    Appointment.start_at > datetime.now(UTC),
                )
                .order_by(Appointment.start_at)
                .limit(1)
            ).first()

    def _record(
        self,
        conversation_id: uuid.UUID,
        text: str,
        key: str,
        reply: str | None,
        *,
        opt_in: bool | None = None,
        tenant: Tenant | None = None,
        phone: str | None = None,
    ) -> None:
        """The keyword turn and its effect (opt-out / opt-in) in one transaction, keyed
        by the provider's message id: a retried delivery finds it and changes nothing."""
        rows: list[dict[str, Any]] = [
            {"role": "user", "text": text, "request_key": key},
            {"role": "assistant", "text": reply or "", "engine": "rules"},
        ]
        try:
            with write_session(self.factory) as session:
                row = session.get_one(Conversation, conversation_id)
                records.append_turns(session, row, rows)
                row.turn_count += 1
                if opt_in is False and tenant is not None:
                    records.opt_out(session, tenant, phone)
                elif opt_in and tenant is not None and phone:
                    customer = find_by_phone(session, tenant, phone)
                    if customer is not None:
                        customer.do_not_call, customer.sms_consent = False, True
                        customer.updated_at = datetime.now(UTC)
        except IntegrityError:
            log.info("sms %s: a concurrent delivery recorded it first", key)


def _seen(session: Session, conversation_id: uuid.UUID, key: str) -> bool:
    return (
        session.scalars(
            select(ConversationTurn.id).where(
                ConversationTurn.conversation_id == conversation_id,
                ConversationTurn.request_key == key,
            )
        ).first()
        is not None
    )


def _lang(customer: Customer | None, tenant: Tenant) -> str:
    lang = (customer.language if customer else None) or tenant.languages[0]
    return lang if lang in ("en", "es") else "en"


# --- HTTP --------------------------------------------------------------------------------


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def public_url(request: Request, settings: Settings) -> str:
    """The URL the provider called: behind a proxy, the configured public address."""
    if not settings.public_base_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return settings.public_base_url.rstrip("/") + request.url.path + query


async def verified_twilio_form(request: Request) -> dict[str, str]:
    settings = _settings(request)
    signature = request.headers.get("X-Twilio-Signature")
    if not signature or not settings.twilio_auth_token:
        raise BadSignature("X-Twilio-Signature does not match this request.")
    # Twilio posts application/x-www-form-urlencoded; parsed here without python-multipart.
    # Bytes that are not UTF-8 cannot be what Twilio signed: decoded leniently, they only
    # make the signature differ (403), never an error of ours.
    body = (await request.body()).decode("utf-8", errors="replace")
    params = parse_qs(body, keep_blank_values=True)
    url = public_url(request, settings)
    if not twilio_valid(settings.twilio_auth_token, url, params, signature):
        raise BadSignature("X-Twilio-Signature does not match this request.")
    # A signed text is real and a carrier retries it until we take it: a NUL (which
    # PostgreSQL cannot store) is dropped rather than refused.
    return {name: without_nul(values[-1]) for name, values in params.items()}


async def verified_telnyx_event(request: Request) -> dict[str, Any]:
    settings = _settings(request)
    body = await request.body()
    if not telnyx_valid(
        settings.telnyx_public_key,
        body,
        request.headers.get("telnyx-signature-ed25519"),
        request.headers.get("telnyx-timestamp"),
    ):
        raise BadSignature("telnyx-signature-ed25519 does not match this request.")
    try:
        event: dict[str, Any] = (await request.json())["data"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("Expected a Telnyx webhook: {\"data\": {...}}.") from exc
    if not isinstance(event, dict):
        raise InvalidInput("Expected a Telnyx webhook: {\"data\": {...}}.")
    result: dict[str, Any] = without_nul(event)  # as for Twilio: a signed event is kept
    return result


def get_desk(factory: FactoryDep, agent: AgentDep) -> SmsDesk:
    return SmsDesk(factory, agent)


TwilioFormDep = Annotated[dict[str, str], Depends(verified_twilio_form)]
TelnyxEventDep = Annotated[dict[str, Any], Depends(verified_telnyx_event)]
DeskDep = Annotated[SmsDesk, Depends(get_desk)]


class WebhookAck(BaseModel):
    received: bool = True


@router.post("/webhooks/twilio/sms", response_class=Response)
def twilio_sms(form: TwilioFormDep, desk: DeskDep, request: Request) -> Response:
    sms = InboundSms(
        form.get("MessageSid") or form.get("SmsSid") or "",
        form.get("From", ""),
        form.get("To", ""),
        form.get("Body", ""),
    )
    if not sms.event_id:
        raise InvalidInput("A Twilio message webhook carries a MessageSid.")
    check_phone(request, sms.from_number)
    answer = desk.handle(sms)
    return Response(twiml(answer.text), media_type="application/xml")


@router.post("/webhooks/telnyx", response_model=WebhookAck)
def telnyx_webhook(event: TelnyxEventDep, desk: DeskDep, request: Request) -> WebhookAck:
    payload = event.get("payload") or {}
    if event.get("event_type") != "message.received" or payload.get("direction") == "outbound":
        return WebhookAck()  # delivery receipts and other events: nothing to do
    to = (payload.get("to") or [{}])[0].get("phone_number") or ""
    sms = InboundSms(
        str(event.get("id") or ""),
        str((payload.get("from") or {}).get("phone_number") or ""),
        str(to),
        str(payload.get("text") or ""),
    )
    if not sms.event_id:
        raise InvalidInput("A Telnyx event carries an id.")
    check_phone(request, sms.from_number)
    answer = desk.handle(sms)
    if answer.text and answer.tenant_id and answer.customer_phone:
        with write_session(desk.factory) as session:
            enqueue(
                session,
                tenant_id=answer.tenant_id,
                channel="sms",
                purpose="reply",
                recipient=answer.customer_phone,
                payload={"body": answer.text, "from": sms.to_number},
                dedupe_key=f"sms-reply:{sms.event_id}",
                customer_id=answer.customer_id,
            )
    return WebhookAck()
