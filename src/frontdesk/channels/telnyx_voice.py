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
import json
import logging
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.channels.signatures import TelnyxBody
from frontdesk.conversation import phone_calls
from frontdesk.conversation.agent import Agent, Reply
from frontdesk.conversation.phone_calls import Line
from frontdesk.errors import InvalidInput, NotConfigured
from frontdesk.services import calls, request_keys
from frontdesk.services.conversations import Conversation
from frontdesk.services.phone_numbers import as_e164, tenant_for_number
from frontdesk.services.tenants import Tenant
from frontdesk.telephony.base import CallControl, Voice
from frontdesk.telephony.telnyx_call_control import TelnyxCallControl
from frontdesk.web.deps import AgentDep, FactoryDep, SettingsDep
from frontdesk.web.ratelimit import check_phone

log = logging.getLogger(__name__)

router = APIRouter(tags=["telnyx"])

_VOICES: dict[str, Voice] = {
    "en": Voice("AWS.Polly.Joanna-Neural", "en-US"),
    "es": Voice("AWS.Polly.Lupe-Neural", "es-US"),
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


def telnyx_event(body: TelnyxBody) -> CallEvent:
    """The signed webhook's event."""
    return CallEvent.parse(body)


TelnyxEvent = Annotated[CallEvent, Depends(telnyx_event)]


def get_call_control(request: Request, settings: SettingsDep) -> CallControl:
    """One Call Control client per app and API key, built on first use.

    Kept on the app (not rebuilt per event) so its HTTP connection pool is reused; keyed
    by the settings it was built from, so settings given through the dependency (tests,
    a reconfigured app) never meet a client built for other ones.
    """
    if not settings.telnyx_api_key:
        # A signed event we cannot act on: refused in words (Telnyx retries it later,
        # by when the operator may have set the key), not a crash.
        log.error("telnyx call event refused: FRONTDESK_TELNYX_API_KEY is not set")
        raise NotConfigured(
            "This server has no Telnyx API key (FRONTDESK_TELNYX_API_KEY), so it cannot "
            "answer Telnyx calls."
        )
    wanted = (settings.telnyx_api_key, settings.telnyx_api_base)
    cached: tuple[tuple[str, str], CallControl] | None = getattr(
        request.app.state, "telnyx_call_control", None)
    if cached is None or cached[0] != wanted:
        cached = (wanted, TelnyxCallControl(settings.telnyx_api_key,
                                            api_base=settings.telnyx_api_base))
        request.app.state.telnyx_call_control = cached
    return cached[1]


CallControlDep = Annotated[CallControl, Depends(get_call_control)]


# --- pure helpers ------------------------------------------------------------------------


def voice_for(lang: str | None) -> Voice:
    return _VOICES.get(lang or "en", _VOICES["en"])


def event_key(event: CallEvent) -> str:
    """The key an event is kept under once acted on."""
    return request_keys.fit("telnyx-event", event.id)


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


# --- the route ---------------------------------------------------------------------------


@router.post("/webhooks/telnyx/voice", response_model=WebhookAck)
def call_event(event: TelnyxEvent, factory: FactoryDep, agent: AgentDep,
               control: CallControlDep, request: Request) -> WebhookAck:
    """One Call Control event: act on it once, answer 200 quickly."""
    if event.type == "call.initiated" and event.payload.get("direction", "incoming") == "incoming":
        check_phone(request, event.caller)
    tenant = tenant_for_number(factory, event.to)
    if tenant is None:
        log.info("telnyx %s for %s: no business has number %r", event.type, event.call_id,
                 event.to)
        return WebhookAck(status="ignored")
    # A carrier caller ID on a signed webhook: the caller holds that phone.
    conversation = agent.open(tenant, calls.CHANNEL, event.call_id,
                              caller_phone=as_e164(event.caller, tenant.country),
                              caller_verified=True)
    if calls.event_seen(factory, conversation.id, event_key(event)):
        return WebhookAck(status="duplicate")
    call = TelnyxCall(agent, control, factory, tenant, conversation, event)
    handler = _HANDLERS.get(event.type)
    if handler is None:
        return WebhookAck(status="ignored")
    handler(call)
    calls.record_event(factory, conversation.id, event_key(event), event.type)
    return WebhookAck(status="ok")


@dataclass
class TelnyxCall:
    """One event on one call, with what it takes to act on it."""

    agent: Agent
    control: CallControl
    factory: sessionmaker[Session]
    tenant: Tenant
    conversation: Conversation
    event: CallEvent

    def command_id(self, action: str) -> str:
        return f"{self.event.id}:{action}"

    def initiated(self) -> None:
        if self.event.payload.get("direction", "incoming") == "incoming":
            self.control.answer(self.event.call_id, command_id=self.command_id("answer"))

    def answered(self) -> None:
        # A retry after a failed gather says the greeting it already has.
        self.say(phone_calls.greeting(self.agent, self.factory, self.tenant, self.conversation))

    def gathered(self) -> None:
        if self.event.payload.get("status") == "call_hangup":
            return  # the caller hung up mid-prompt; call.hangup ends the conversation
        text = heard(self.event.payload)
        if not text:
            self.silence()
            return
        reply = self.agent.turn(self.tenant, self.conversation.id, text,
                                request_key=request_keys.fit("telnyx", self.event.id))
        self.respond(reply)

    def spoke(self) -> None:
        """A goodbye or a hand-over line finished: now hang up or transfer."""
        then = decode_state(self.event.payload.get("client_state"))
        if then.get("then") == "transfer" and then.get("to"):
            self.control.transfer(self.event.call_id, str(then["to"]),
                                  command_id=self.command_id("transfer"))
        elif then.get("then") == "hangup":
            self.control.hangup(self.event.call_id, command_id=self.command_id("hangup"))

    def hung_up(self) -> None:
        self.agent.end(self.tenant, self.conversation.id)

    # --- saying things ---------------------------------------------------------------------

    def listen(self, text: str, lang: str, *, silence: int = 0) -> None:
        self.control.gather_using_speak(
            self.event.call_id, text, voice_for(lang), command_id=self.command_id("gather"),
            # Always set: Telnyx repeats the last client_state in every later webhook.
            client_state=encode_state({"silence": silence}))

    def say_then(self, text: str, lang: str, then: dict[str, Any]) -> None:
        self.control.speak(self.event.call_id, text, voice_for(lang),
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
        count = int(decode_state(self.event.payload.get("client_state")).get("silence", 0)) + 1
        self.say(phone_calls.after_silence(self.agent, self.tenant, self.conversation, count),
                 silence=count)

    def say(self, said: Line, *, silence: int = 0) -> None:
        if said.hang_up:
            self.say_then(said.text, said.lang, {"then": "hangup"})
        else:
            self.listen(said.text, said.lang, silence=silence)


_HANDLERS = {
    "call.initiated": TelnyxCall.initiated,
    "call.answered": TelnyxCall.answered,
    "call.gather.ended": TelnyxCall.gathered,
    "call.speak.ended": TelnyxCall.spoke,
    "call.hangup": TelnyxCall.hung_up,
}
