"""Telnyx Call Control webhooks: ``POST /webhooks/telnyx/voice``.

Telnyx tells us what happens on a call (``call.initiated``, ``call.answered``,
``call.gather.ended``, ``call.speak.ended``, ``call.hangup``) and we steer it with REST
commands (answer, gather_using_speak, speak, transfer, hangup; see
``frontdesk.telephony.telnyx_call_control``). The called number (``payload.to``) picks the
business; the ``call_control_id`` is the conversation's id.

Every webhook must carry a valid Ed25519 signature (``telnyx-signature-ed25519`` over
``f"{telnyx-timestamp}|{body}"``, at most five minutes old), else 403 and nothing
happens. Each event is acted on once: when its commands went through, its id is kept as
a conversation turn (role ``call``, ``request_key`` = the event id, unique per
conversation), and a repeat of a kept event is answered without acting. A retry of an
event whose commands failed (we answered 502) acts again safely: the agent replays its
reply for the same request key, and the commands carry the same ``command_id``, which
Telnyx ignores on a repeat.

The commands are issued inline, before we answer the webhook: a command is a short REST
call and Telnyx waits ~2 s for our answer. At scale they would be written as outbox rows
in the turn's transaction and sent by the workers (the same functions, on the queue).

Speech: ``gather_using_speak`` collects keypad digits; a gather that reports a speech
transcript (``payload.speech``, as a speech gather does) is read the same way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.api.deps import AgentDep, FactoryDep
from frontdesk.api.ratelimit import check_phone
from frontdesk.channels.signatures import BadSignature, telnyx_valid
from frontdesk.config import Settings
from frontdesk.conversation.agent import Agent, Reply
from frontdesk.errors import InvalidInput, NotConfigured
from frontdesk.services import conversations as records
from frontdesk.services.customers import normalize_phone
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, ConversationTurn, Tenant, TenantPhoneNumber
from frontdesk.telephony.base import CallControl, Voice
from frontdesk.telephony.telnyx_call_control import TelnyxCallControl

log = logging.getLogger(__name__)

router = APIRouter(tags=["telnyx"])

CHANNEL = "phone"
CALL_EVENT_ROLE = "call"
# Prompts in a row that got no answer before we say goodbye.
MAX_SILENT_PROMPTS = 2

_VOICES: dict[str, Voice] = {
    "en": Voice("AWS.Polly.Joanna-Neural", "en-US"),
    "es": Voice("AWS.Polly.Lupe-Neural", "es-US"),
}
# What the door itself says: about the line, never about the business's calendar.
_LINES: dict[str, dict[str, str]] = {
    "en": {"reprompt": "Sorry, I didn't catch that. Are you still there?",
           "silent_goodbye": "I can't hear you, so I'll hang up now. Please call again."},
    "es": {"reprompt": "Perdone, no le he oído. ¿Sigue ahí?",
           "silent_goodbye": "No le oigo, así que voy a colgar. Llame de nuevo, por favor."},
}


class WebhookAck(BaseModel):
    status: str  # "ok" | "duplicate" | "ignored"


# --- the event ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One Call Control webhook: ``{"data": {"event_type", "id", "payload": {...}}}``."""

    id: str
    type: str
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def call_id(self) -> str:
        return str(self.payload.get("call_control_id") or "")

    @property
    def to(self) -> str:
        return str(self.payload.get("to") or "")

    @property
    def caller(self) -> str:
        return str(self.payload.get("from") or "")

    @classmethod
    def parse(cls, body: bytes) -> CallEvent:
        try:
            data = json.loads(body)["data"]
            event = cls(str(data["id"]), str(data["event_type"]), dict(data.get("payload") or {}))
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput("Not a Telnyx Call Control event.") from exc
        if not event.id or not event.call_id:
            raise InvalidInput("The event has no id or no call_control_id.")
        return event


async def telnyx_event(request: Request) -> CallEvent:
    """The webhook's event, once its signature checks out (else 403, nothing done)."""
    settings: Settings = request.app.state.settings
    body = await request.body()
    if not telnyx_valid(settings.telnyx_public_key, body,
                        request.headers.get("telnyx-signature-ed25519"),
                        request.headers.get("telnyx-timestamp")):
        log.warning("telnyx webhook: missing, invalid or stale signature")
        raise BadSignature("The telnyx-signature-ed25519 header is missing, invalid or stale.")
    return CallEvent.parse(body)


TelnyxEvent = Annotated[CallEvent, Depends(telnyx_event)]


def get_call_control(request: Request) -> CallControl:
    """One Call Control client per app, built from settings on first use."""
    client: CallControl | None = getattr(request.app.state, "telnyx_call_control", None)
    if client is None:
        settings: Settings = request.app.state.settings
        if not settings.telnyx_api_key:
            # A signed event we cannot act on: refused in words (Telnyx retries it later,
            # by when the operator may have set the key), not a crash.
            log.error("telnyx call event refused: FRONTDESK_TELNYX_API_KEY is not set")
            raise NotConfigured(
                "This server has no Telnyx API key (FRONTDESK_TELNYX_API_KEY), so it cannot "
                "answer Telnyx calls."
            )
        client = TelnyxCallControl(settings.telnyx_api_key, api_base=settings.telnyx_api_base)
        request.app.state.telnyx_call_control = client
    return client


CallControlDep = Annotated[CallControl, Depends(get_call_control)]


# --- pure helpers ------------------------------------------------------------------------


def voice_for(lang: str | None) -> Voice:
    return _VOICES.get(lang or "en", _VOICES["en"])


def line(key: str, lang: str | None) -> str:
    return _LINES.get(lang or "en", _LINES["en"])[key]


def short_key(prefix: str, raw: str) -> str:
    """A request key within the column's 64 characters."""
    key = prefix + raw
    return key if len(key) <= 64 else prefix + hashlib.sha256(raw.encode()).hexdigest()[:40]


def encode_state(state: dict[str, Any]) -> str:
    """Telnyx carries ``client_state`` as base64 and echoes it in later webhooks."""
    return base64.b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def decode_state(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        value = json.loads(base64.b64decode(raw, validate=True))
    except (ValueError, binascii.Error):
        return {}
    return value if isinstance(value, dict) else {}


def heard(payload: dict[str, Any]) -> str:
    """What the caller said (a speech transcript) or keyed (digits)."""
    speech = payload.get("speech")
    if isinstance(speech, dict):
        speech = speech.get("result") or speech.get("transcript")
    text = speech if isinstance(speech, str) and speech.strip() else payload.get("digits")
    return str(text or "").strip()


# --- data access -------------------------------------------------------------------------


def tenant_for_number(factory: sessionmaker[Session], number: str) -> Tenant | None:
    try:
        e164 = normalize_phone(number, "US") if number.strip() else ""
    except InvalidInput:
        return None
    if not e164:
        return None
    with factory() as session:
        return session.scalars(
            select(Tenant).join(TenantPhoneNumber, TenantPhoneNumber.tenant_id == Tenant.id)
            .where(TenantPhoneNumber.number_e164 == e164)).first()


def caller_phone(event: CallEvent, tenant: Tenant) -> str | None:
    try:
        return normalize_phone(event.caller, tenant.country or "US") if event.caller else None
    except InvalidInput:
        return None  # a SIP URI or a withheld number


def seen(factory: sessionmaker[Session], conversation_id: uuid.UUID, event: CallEvent) -> bool:
    key = short_key("telnyx-event:", event.id)
    with factory() as session:
        return session.scalars(select(ConversationTurn.id).where(
            ConversationTurn.conversation_id == conversation_id,
            ConversationTurn.request_key == key)).first() is not None


def keep(factory: sessionmaker[Session], conversation_id: uuid.UUID, event: CallEvent) -> None:
    """Record the event as handled (a ``call`` turn keyed by its id), once."""
    row = {"role": CALL_EVENT_ROLE, "text": event.type,
           "request_key": short_key("telnyx-event:", event.id)}
    for _ in range(3):  # a concurrent turn may take the same sequence number: retry
        if seen(factory, conversation_id, event):
            return
        try:
            with write_session(factory) as session:
                records.append_turns(session, session.get_one(Conversation, conversation_id),
                                     [dict(row)])
            return
        except IntegrityError:
            continue


def has_spoken(factory: sessionmaker[Session], conversation_id: uuid.UUID) -> tuple[str, str]:
    """The agent's last words and their language ("" when it has said nothing yet)."""
    with factory() as session:
        said = [t for t in records.turns(session, conversation_id) if t.role == "assistant"]
    return (said[-1].text or "", said[-1].language or "en") if said else ("", "en")


# --- the route ---------------------------------------------------------------------------


@router.post("/webhooks/telnyx/voice", response_model=WebhookAck)
def call_event(event: TelnyxEvent, factory: FactoryDep, agent: AgentDep,
               calls: CallControlDep, request: Request) -> WebhookAck:
    """One Call Control event: act on it once, answer 200 quickly."""
    if event.type == "call.initiated" and event.payload.get("direction", "incoming") == "incoming":
        check_phone(request, event.caller)
    tenant = tenant_for_number(factory, event.to)
    if tenant is None:
        log.info("telnyx %s for %s: no business has number %r", event.type, event.call_id,
                 event.to)
        return WebhookAck(status="ignored")
    conversation = agent.open(tenant, CHANNEL, event.call_id,
                              caller_phone=caller_phone(event, tenant), caller_verified=True)
    if seen(factory, conversation.id, event):
        return WebhookAck(status="duplicate")
    call = TelnyxCall(agent, calls, factory, tenant, conversation, event)
    handler = _HANDLERS.get(event.type)
    if handler is None:
        return WebhookAck(status="ignored")
    handler(call)
    keep(factory, conversation.id, event)
    return WebhookAck(status="ok")


@dataclass
class TelnyxCall:
    """One event on one call, with what it takes to act on it."""

    agent: Agent
    calls: CallControl
    factory: sessionmaker[Session]
    tenant: Tenant
    conversation: Conversation
    event: CallEvent

    def command_id(self, action: str) -> str:
        return f"{self.event.id}:{action}"

    def initiated(self) -> None:
        if self.event.payload.get("direction", "incoming") == "incoming":
            self.calls.answer(self.event.call_id, command_id=self.command_id("answer"))

    def answered(self) -> None:
        text, lang = has_spoken(self.factory, self.conversation.id)
        if not text:  # a retry after a failed gather has the greeting already
            reply = self.agent.greet(self.tenant, self.conversation.id)
            text, lang = reply.text, reply.lang
        self.listen(text, lang)

    def gathered(self) -> None:
        if self.event.payload.get("status") == "call_hangup":
            return  # the caller hung up mid-prompt; call.hangup ends the conversation
        text = heard(self.event.payload)
        if not text:
            self.silence()
            return
        reply = self.agent.turn(self.tenant, self.conversation.id, text,
                                request_key=short_key("telnyx:", self.event.id))
        self.respond(reply)

    def spoke(self) -> None:
        """A goodbye or a hand-over line finished: now hang up or transfer."""
        then = decode_state(self.event.payload.get("client_state"))
        if then.get("then") == "transfer" and then.get("to"):
            self.calls.transfer(self.event.call_id, str(then["to"]),
                                command_id=self.command_id("transfer"))
        elif then.get("then") == "hangup":
            self.calls.hangup(self.event.call_id, command_id=self.command_id("hangup"))

    def hung_up(self) -> None:
        self.agent.end(self.tenant, self.conversation.id)

    # --- saying things ---------------------------------------------------------------------

    def listen(self, text: str, lang: str, *, silence: int = 0) -> None:
        self.calls.gather_using_speak(
            self.event.call_id, text, voice_for(lang), command_id=self.command_id("gather"),
            # Always set: Telnyx repeats the last client_state in every later webhook.
            client_state=encode_state({"silence": silence}))

    def say_then(self, text: str, lang: str, then: dict[str, Any]) -> None:
        self.calls.speak(self.event.call_id, text, voice_for(lang),
                         command_id=self.command_id("speak"), client_state=encode_state(then))

    def respond(self, reply: Reply) -> None:
        # A replayed reply does not carry the transfer flag; the recorded outcome does.
        transferring = reply.transfer or (reply.replayed and reply.outcome == "transferred")
        to = reply.transfer_to or self.tenant.fallback_phone
        if transferring and to:
            self.say_then(reply.text, reply.lang, {"then": "transfer", "to": to})
        elif transferring or reply.end:
            self.say_then(reply.text, reply.lang, {"then": "hangup"})
        else:
            self.listen(reply.text, reply.lang)

    def silence(self) -> None:
        lang = self.conversation.language
        count = int(decode_state(self.event.payload.get("client_state")).get("silence", 0)) + 1
        if count >= MAX_SILENT_PROMPTS:
            self.agent.end(self.tenant, self.conversation.id)
            self.say_then(line("silent_goodbye", lang), lang, {"then": "hangup"})
        else:
            self.listen(line("reprompt", lang), lang, silence=count)


_HANDLERS = {
    "call.initiated": TelnyxCall.initiated,
    "call.answered": TelnyxCall.answered,
    "call.gather.ended": TelnyxCall.gathered,
    "call.speak.ended": TelnyxCall.spoke,
    "call.hangup": TelnyxCall.hung_up,
}
