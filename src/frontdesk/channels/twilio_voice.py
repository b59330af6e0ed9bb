"""Twilio voice webhooks: ``/webhooks/twilio/voice`` (+ ``/gather``, ``/status``).

Twilio answers the phone and does the speech (``<Gather>`` transcribes, ``<Say>``
speaks); we translate its form posts into ``Agent`` calls and the replies into TwiML.
The called number (``To``) picks the business; the ``CallSid`` is the conversation's id.

Every request must carry a valid ``X-Twilio-Signature`` (HMAC-SHA1 with the account's
auth token over the URL Twilio called plus the sorted form). Retries are harmless: a
repeated incoming call reopens the same conversation and is answered with what was
said, a repeated answer carries the same request key (so the agent replays its reply
instead of acting twice), and a status event is recorded once per (CallSid, status).
Configure the number's voice URL as ``{public_base_url}/webhooks/twilio/voice`` and its
status callback as ``{public_base_url}/webhooks/twilio/voice/status``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

import phonenumbers
from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import FormData, UploadFile
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio.twiml.voice_response import VoiceResponse  # type: ignore[import-untyped]

from frontdesk.api.bounds import without_nul
from frontdesk.api.deps import AgentDep, FactoryDep
from frontdesk.api.ratelimit import check_phone
from frontdesk.channels import twilio_twiml as twiml
from frontdesk.config import Settings
from frontdesk.conversation.agent import Agent, Reply
from frontdesk.errors import FrontdeskError, InvalidInput
from frontdesk.services import conversations as records
from frontdesk.services.customers import normalize_phone
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, ConversationTurn, Tenant, TenantPhoneNumber

log = logging.getLogger(__name__)

router = APIRouter(tags=["twilio"])

CHANNEL = "phone"
TWIML = "application/xml"
# A call in one of these states is over: the conversation ends with it.
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# Call events are kept as conversation turns of this role (see record_call_event).
CALL_EVENT_ROLE = "call"


class BadSignature(FrontdeskError):
    code = "bad_signature"
    status = 403
    title = "Invalid webhook signature"


# --- verification ------------------------------------------------------------------------


def signed_url(settings: Settings, request: Request) -> str:
    """The URL Twilio signed: the public address it called (we may sit behind a proxy)."""
    base = settings.public_base_url.rstrip("/") or f"{request.url.scheme}://{request.url.netloc}"
    url = base + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


def signature_matches(token: str, url: str, form: FormData | dict[str, str],
                      signature: str) -> bool:
    """Twilio's HMAC-SHA1, computed by its SDK, compared in constant time. Twilio may sign
    an https URL with or without its default port, so both are tried."""
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    candidates = {url}
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    default_port = ":443" if scheme == "https" else ":80"
    if host.endswith(default_port):
        candidates.add(f"{scheme}://{host.removesuffix(default_port)}{slash}{path}")
    elif ":" not in host:
        candidates.add(f"{scheme}://{host}{default_port}{slash}{path}")
    expected = signature.encode()
    return any(
        hmac.compare_digest(str(validator.compute_signature(c, form)).encode(), expected)
        for c in candidates
    )


async def twilio_form(request: Request) -> dict[str, str]:
    """The webhook's form, once its signature checks out (else 403, nothing done)."""
    settings: Settings = request.app.state.settings
    if not request.headers.get("x-twilio-signature") or not settings.twilio_auth_token:
        raise BadSignature("The X-Twilio-Signature header is missing or does not match.")
    # Twilio posts application/x-www-form-urlencoded; parsed here (no multipart needed).
    # Bytes that are not UTF-8 cannot be what Twilio signed: they only fail the signature.
    body = (await request.body()).decode("utf-8", errors="replace")
    pairs: list[tuple[str, str | UploadFile]] = list(parse_qsl(body, keep_blank_values=True))
    form = FormData(pairs)
    signature = request.headers.get("x-twilio-signature", "")
    if not signature_matches(settings.twilio_auth_token, signed_url(settings, request),
                             form, signature):
        log.warning("twilio webhook %s: missing or invalid signature", request.url.path)
        raise BadSignature("The X-Twilio-Signature header is missing or does not match.")
    call_sid = form.get("CallSid")
    if isinstance(call_sid, str) and not _CALL_SID.fullmatch(call_sid):
        # It names the conversation; Twilio's are 34 letters and digits.
        raise InvalidInput("CallSid must be 2 to 64 letters and digits.", field="CallSid")
    # A signed request is Twilio's own: a NUL (which PostgreSQL cannot store) is dropped.
    return {k: without_nul(v) for k, v in form.items() if isinstance(v, str)}


_CALL_SID = re.compile(r"[A-Za-z0-9]{2,64}")
TwilioForm = Annotated[dict[str, str], Depends(twilio_form)]


def twiml_response(document: str) -> Response:
    return Response(content=document, media_type=TWIML)


# --- pure helpers --------------------------------------------------------------------------


def request_key(form: dict[str, str], turn: int) -> str:
    """The agent's idempotency key for one answer. Twilio repeats a webhook with the same
    form, and the gather URL carries the turn number, so (turn, form) names one answer
    (the same words said twice are two turns: their turn numbers differ)."""
    call_sid = form.get("CallSid", "")
    sequence = form.get("SequenceNumber")
    if sequence:
        key = f"twilio:{call_sid}:{sequence}"
    else:
        digest = hashlib.sha256(repr(sorted(form.items())).encode()).digest()
        key = f"twilio:{call_sid}:{turn}:{base64.urlsafe_b64encode(digest[:9]).decode()}"
    if len(key) <= 64:
        return key
    return "twilio:" + hashlib.sha256(key.encode()).hexdigest()[:48]


def caller_phone(form: dict[str, str], tenant: Tenant) -> str | None:
    """The caller's number as E.164, or None for a withheld or SIP/client caller."""
    raw = form.get("From", "").strip()
    if not raw:
        return None
    try:
        return normalize_phone(raw, tenant.country or "US")
    except InvalidInput:
        return None


def event_time(form: dict[str, str]) -> datetime:
    """When Twilio says the event happened (RFC 2822 ``Timestamp``), else now."""
    raw = form.get("Timestamp")
    if raw:
        try:
            return parsedate_to_datetime(raw).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)


def reply_document(reply: Reply, tenant: Tenant, turn: int) -> str:
    voice = twiml.voice_for(reply.lang, tenant.country)
    # A replayed reply does not carry the transfer flag; the recorded outcome does.
    transferring = reply.transfer or (reply.replayed and reply.outcome == "transferred")
    if transferring:
        return twiml.transfer(reply.text, voice, reply.transfer_to or tenant.fallback_phone)
    if reply.end:
        return twiml.goodbye(reply.text, voice)
    return twiml.prompt(reply.text, voice, turn=turn + 1)


# --- data access -----------------------------------------------------------------------------


def tenant_for_number(factory: sessionmaker[Session], number: str) -> Tenant | None:
    if not number.strip():
        return None
    try:
        e164 = normalize_phone(number, "US")
    except InvalidInput:
        return None
    with factory() as session:
        return session.scalars(
            select(Tenant).join(TenantPhoneNumber, TenantPhoneNumber.tenant_id == Tenant.id)
            .where(TenantPhoneNumber.number_e164 == e164)
        ).first()


def find_call(factory: sessionmaker[Session], form: dict[str, str]
              ) -> tuple[Tenant, Conversation] | None:
    """The conversation of this call (the business is the called number, or the caller
    for a call it placed); None if we never answered it."""
    call_sid = form.get("CallSid", "")
    for number in (form.get("To", ""), form.get("From", "")):
        tenant = tenant_for_number(factory, number)
        if tenant is None:
            continue
        with factory() as session:
            row = session.scalars(select(Conversation).where(
                Conversation.tenant_id == tenant.id, Conversation.channel == CHANNEL,
                Conversation.external_id == call_sid)).first()
        if row is not None:
            return tenant, row
    return None


def last_said(factory: sessionmaker[Session], conversation_id: uuid.UUID) -> tuple[str, str]:
    """The agent's last words and their language (to answer a repeated webhook)."""
    with factory() as session:
        said = [t for t in records.turns(session, conversation_id) if t.role == "assistant"]
    if not said:
        return "", "en"
    return said[-1].text or "", said[-1].language or "en"


@dataclass(frozen=True, slots=True)
class CallEvent:
    status: str
    at: datetime
    duration_s: int | None
    sequence: int | None

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "at": self.at.isoformat(),
                "duration": self.duration_s, "sequence": self.sequence}


def record_call_event(factory: sessionmaker[Session], conversation_id: uuid.UUID,
                      call_sid: str, event: CallEvent) -> bool:
    """Append the event to the conversation's timeline once; False if already there.

    Events are turns (role ``call``), not dialogue state: the agent rewrites the state
    JSON on every turn, and a status event can land mid-call. The turn's unique
    ``request_key`` makes (CallSid, status) idempotent in the database itself.
    """
    key = f"twilio-status:{call_sid}:{event.status}"
    if len(key) > 64:
        key = "twilio-status:" + hashlib.sha256(key.encode()).hexdigest()[:48]
    row = {"role": CALL_EVENT_ROLE, "text": event.status, "request_key": key,
           "tool_result": event.as_json()}
    for _ in range(3):  # a concurrent turn may take the same sequence number: retry
        with factory() as session:
            if session.scalars(select(ConversationTurn.id).where(
                    ConversationTurn.conversation_id == conversation_id,
                    ConversationTurn.request_key == key)).first() is not None:
                return False
        try:
            with write_session(factory) as session:
                records.append_turns(session, session.get_one(Conversation, conversation_id),
                                     [dict(row)])
            return True
        except IntegrityError:
            continue
    return False


# --- routes ----------------------------------------------------------------------------------


@router.post("/webhooks/twilio/voice", response_class=Response)
def incoming_call(form: TwilioForm, factory: FactoryDep, agent: AgentDep, request: Request,
                  direction: str = "") -> Response:
    """A call comes in (or one we placed is answered): greet the caller and listen."""
    if direction == "outbound":
        return twiml_response(answered_outbound(form, factory, agent))
    check_phone(request, form.get("From"))
    tenant = tenant_for_number(factory, form.get("To", ""))
    if tenant is None:
        log.info("twilio call %s to unknown number %r", form.get("CallSid"), form.get("To"))
        return twiml_response(twiml.not_in_service())
    conversation = agent.open(tenant, CHANNEL, form.get("CallSid", ""),
                              caller_phone=caller_phone(form, tenant), caller_verified=True)
    return twiml_response(_greeting(agent, factory, tenant, conversation))


def _greeting(agent: Agent, factory: sessionmaker[Session], tenant: Tenant,
              conversation: Conversation, *, outbound: bool = False) -> str:
    if conversation.turn_count == 0 and not conversation.state:
        reply = agent.greet(tenant, conversation.id, outbound=outbound)
        text, lang = reply.text, reply.lang
    else:  # Twilio retried the call's first webhook: say it again, record nothing new
        text, lang = last_said(factory, conversation.id)
    voice = twiml.voice_for(lang, tenant.country)
    return twiml.prompt(text, voice, turn=conversation.turn_count + 1)


@router.post("/webhooks/twilio/voice/gather", response_class=Response)
def gathered(form: TwilioForm, factory: FactoryDep, agent: AgentDep,
             turn: Annotated[int, Query(ge=0, le=10_000)] = 0,
             silence: Annotated[int, Query(ge=0, le=100)] = 0) -> Response:
    """What the caller said (or keyed), or a silence (the fallback redirect)."""
    tenant = tenant_for_number(factory, business_number(form))
    if tenant is None:
        return twiml_response(twiml.not_in_service())
    conversation = agent.open(tenant, CHANNEL, form.get("CallSid", ""),
                              caller_phone=caller_phone(form, tenant), caller_verified=True)
    text = (form.get("SpeechResult") or form.get("Digits") or "").strip()
    if text:
        reply = agent.turn(tenant, conversation.id, text,
                           request_key=request_key(form, turn))
        return twiml_response(reply_document(reply, tenant, turn))
    return twiml_response(_silence(agent, tenant, conversation, turn, silence))


def _silence(agent: Agent, tenant: Tenant, conversation: Conversation, turn: int,
             silence: int) -> str:
    voice = twiml.voice_for(conversation.language, tenant.country)
    lang = twiml.voice_lang(voice)
    if silence >= twiml.MAX_SILENT_PROMPTS:
        agent.end(tenant, conversation.id)
        return twiml.goodbye(twiml.line("silent_goodbye", lang), voice)
    return twiml.prompt(twiml.line("reprompt", lang), voice, turn=max(turn, 1),
                        silence=max(silence, 1))


@router.post("/webhooks/twilio/voice/status", status_code=204, response_class=Response)
def call_status(form: TwilioForm, factory: FactoryDep, agent: AgentDep) -> Response:
    """Twilio's status callback: keep the call's timeline; a finished call ends the
    conversation."""
    status = form.get("CallStatus", "").strip().lower()
    found = find_call(factory, form)
    if found is None or not status:
        return Response(status_code=204)
    tenant, conversation = found
    duration = form.get("CallDuration", "")
    sequence = form.get("SequenceNumber", "")
    event = CallEvent(status, event_time(form),
                      int(duration) if duration.isdigit() else None,
                      int(sequence) if sequence.isdigit() else None)
    record_call_event(factory, conversation.id, form.get("CallSid", ""), event)
    if status in FINAL_STATUSES:
        agent.end(tenant, conversation.id)  # idempotent: a repeated event changes nothing
    return Response(status_code=204)


def call_timeline(session: Session, conversation_id: uuid.UUID) -> list[dict[str, Any]]:
    """The call's status events, in the order they arrived."""
    return [dict(t.tool_result or {}) for t in records.turns(session, conversation_id)
            if t.role == CALL_EVENT_ROLE]


# --- outbound calls: answering-machine detection ----------------------------------------------
# A call placed by telephony.twilio_calls is answered here with ?direction=outbound: the
# business is the caller (From), the customer the called party (To), and Twilio's
# AnsweredBy (DetectMessageEnd) says who picked up. Its later webhooks (gather, status)
# carry Direction=outbound-api instead.

# With DetectMessageEnd Twilio answers after a machine's greeting, so our message starts
# after the beep; machine_start (plain "Enable" detection) is treated the same way.
MACHINE_ANSWERS = frozenset({"machine_start", "machine_end_beep", "machine_end_silence",
                             "machine_end_other"})
VOICEMAIL_OUTCOME = "voicemail"
_VOICEMAIL: dict[str, str] = {
    "en": "Hi, this is {business}. Please call us back at {number}. Thank you.",
    "es": "Hola, le llamamos de {business}. Por favor, devuélvanos la llamada al {number}. "
          "Gracias.",
}


def business_number(form: dict[str, str]) -> str:
    """The business's side of the call: the called number, or the caller on a call we
    placed (Twilio's Direction is ``outbound-api`` then)."""
    outbound = form.get("Direction", "").startswith("outbound")
    return form.get("From" if outbound else "To", "")


def voicemail_text(tenant: Tenant, number: str, lang: str) -> str:
    try:
        parsed = phonenumbers.parse(number, tenant.country or "US")
        spoken = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        spoken = number
    return _VOICEMAIL.get(lang, _VOICEMAIL["en"]).format(business=tenant.name, number=spoken)


def answered_outbound(form: dict[str, str], factory: sessionmaker[Session],
                      agent: Agent) -> str:
    """A call we placed was answered: a person (or unknown) hears the greeting and is
    listened to; a machine gets a short voicemail; a fax gets nothing."""
    tenant = tenant_for_number(factory, form.get("From", ""))
    if tenant is None:  # not placed by a business we know: say nothing, hang up
        log.info("twilio outbound call %s from unknown number %r", form.get("CallSid"),
                 form.get("From"))
        return _hangup()
    try:
        customer = normalize_phone(form.get("To", ""), tenant.country or "US")
    except InvalidInput:
        customer = None
    # We dialled this number: whoever answers holds that phone.
    conversation = agent.open(tenant, CHANNEL, form.get("CallSid", ""), caller_phone=customer,
                              caller_verified=True)
    answered_by = form.get("AnsweredBy", "").strip().lower()
    if answered_by in MACHINE_ANSWERS:
        record_outcome(factory, tenant, conversation.id, VOICEMAIL_OUTCOME)
        voice = twiml.voice_for(conversation.language, tenant.country)
        text = voicemail_text(tenant, form.get("From", ""), twiml.voice_lang(voice))
        return twiml.goodbye(text, voice)
    if answered_by == "fax":
        agent.end(tenant, conversation.id)
        return _hangup()
    return _greeting(agent, factory, tenant, conversation, outbound=True)


def _hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def record_outcome(factory: sessionmaker[Session], tenant: Tenant,
                   conversation_id: uuid.UUID, outcome: str) -> None:
    """End the conversation with ``outcome`` (idempotent: a retried webhook sets it again;
    the final status callback keeps it, as ``Agent.end`` only fills a missing one)."""
    with write_session(factory) as session:
        row = records.get_conversation(session, tenant, conversation_id)
        row.outcome = outcome
        if row.ended_at is None:
            row.ended_at = datetime.now(UTC)
