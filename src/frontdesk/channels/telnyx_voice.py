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

Hearing the caller (ADR 0052): ``gather_using_speak`` collects keypad digits only, so
once the call is answered we start Telnyx's real-time transcription of the caller's leg
(``transcription_start``, in the language the agent speaks) beside every prompt. Each
final ``call.transcription`` (``payload.transcription_data.transcript``) is one turn: we
stop the prompt's gather (``gather_stop``) and answer; a gather that ends with digits
(``call.gather.ended``) is a turn as before, and its timeout is the caller's silence.
When the agent switches language the transcription is restarted in the new one, and it
is stopped before a goodbye or a transfer (nothing is transcribed after we are done).
Interim results are ignored; a repeated event is answered ``duplicate`` as any other.

Streaming (issue 15): for a business whose ``voice_mode`` is ``"stream"``, when the
server has speech providers, ``call.initiated`` answers with a media stream to
``/webhooks/telnyx/stream/{token}`` (``telnyx_stream``) and the call is ours there.
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

from frontdesk.channels import telnyx_stream
from frontdesk.channels.signatures import TelnyxBody
from frontdesk.channels.stream_calls import stream_token
from frontdesk.channels.telnyx_control import CallControlDep
from frontdesk.config import Settings
from frontdesk.conversation import phone_calls
from frontdesk.conversation.agent import Agent, Reply
from frontdesk.conversation.call_lines import line, spoken_lang
from frontdesk.conversation.phone_calls import Line
from frontdesk.errors import InvalidInput
from frontdesk.services import calls, request_keys
from frontdesk.services.conversations import Conversation
from frontdesk.services.phone_numbers import as_e164, tenant_for_number
from frontdesk.services.tenants import Tenant
from frontdesk.telephony.base import CallControl, Voice
from frontdesk.web.database import UNAVAILABLE, failure_reason
from frontdesk.web.deps import AgentDep, FactoryDep, SettingsDep
from frontdesk.web.ratelimit import check_phone

log = logging.getLogger(__name__)

router = APIRouter(tags=["telnyx"])

_VOICES: dict[str, Voice] = {
    "en": Voice("AWS.Polly.Joanna-Neural", "en-US"),
    "es": Voice("AWS.Polly.Lupe-Neural", "es-US"),
}
# A gather that ended without being answered or timing out: we stopped it (the caller
# spoke), or answering-machine detection did.
_STOPPED = frozenset({"cancelled", "cancelled_amd"})


class WebhookAck(BaseModel):
    status: str  # "ok" | "duplicate" | "ignored" | "outage"


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


def transcript(payload: dict[str, Any]) -> str | None:
    """A ``call.transcription``'s final words (None: an interim result, or nothing)::

        "transcription_data": {"transcript": "...", "is_final": true, "confidence": 0.97}
    """
    data = payload.get("transcription_data")
    if not isinstance(data, dict) or data.get("is_final", True) is not True:
        return None
    text = data.get("transcript")
    return (text.strip() or None) if isinstance(text, str) else None


def closing(payload: dict[str, Any]) -> bool:
    """We are saying goodbye or handing over (words after that start no turn)."""
    return bool(decode_state(payload.get("client_state")).get("then"))


# --- the route ---------------------------------------------------------------------------


PATH = "/webhooks/telnyx/voice"


@router.post(PATH, response_model=WebhookAck)
def call_event(event: TelnyxEvent, factory: FactoryDep, agent: AgentDep,
               control: CallControlDep, settings: SettingsDep, request: Request) -> WebhookAck:
    """One Call Control event: act on it once, answer 200 quickly."""
    if event.type == "call.initiated" and event.payload.get("direction", "incoming") == "incoming":
        check_phone(request, event.caller)
    if event.type == "call.transcription" and (
            transcript(event.payload) is None or closing(event.payload)):
        return WebhookAck(status="ignored")  # interim words, silence, or words after goodbye
    try:
        found = _call_of(event, factory, agent)
        if found is None:
            log.info("telnyx %s for %s: not a call of any business here (to %r)", event.type,
                     event.call_id, event.to)
            return WebhookAck(status="ignored")
        tenant, conversation = found
        if calls.event_seen(factory, conversation.id, event_key(event)):
            return WebhookAck(status="duplicate")
        stream_base = _stream_base(request, settings, tenant, conversation) \
            if event.type == "call.initiated" else None
        call = TelnyxCall(agent, control, factory, tenant, conversation, event, settings,
                          stream_base)
        handler = _HANDLERS.get(event.type)
        if handler is None:
            return WebhookAck(status="ignored")
        handler(call)
    except UNAVAILABLE as exc:
        log.warning("telnyx %s: database unavailable (%s); apologising to the caller",
                    event.type, failure_reason(exc))
        return outage(event, control)
    calls.record_event(factory, conversation.id, event_key(event), event.type)
    return WebhookAck(status="ok")


def outage(event: CallEvent, control: CallControl) -> WebhookAck:
    """The database is away: answer the call, apologise (English, then Spanish), hang up.
    Needs nothing stored: each step is told by the event and the ``client_state`` we set
    (``then``), and repeats of an event carry the same ``command_id`` (Telnyx ignores
    the second)."""
    def command(action: str) -> str:
        return f"{event.id}:{action}"

    call_id, then = event.call_id, decode_state(event.payload.get("client_state")).get("then")
    if event.type == "call.initiated":
        if event.payload.get("direction", "incoming") != "incoming":
            return WebhookAck(status="ignored")
        control.answer(call_id, command_id=command("answer"))
    elif event.type == "call.speak.ended" and then == "trouble_es":
        control.speak(call_id, line("trouble", "es"), voice_for("es"),
                      command_id=command("speak"), client_state=encode_state({"then": "hangup"}))
    elif event.type == "call.speak.ended" and then == "hangup":
        control.hangup(call_id, command_id=command("hangup"))
    elif event.type in ("call.answered", "call.gather.ended", "call.transcription"):
        control.speak(call_id, line("trouble", "en"), voice_for("en"),
                      command_id=command("speak"),
                      client_state=encode_state({"then": "trouble_es"}))
    else:  # a hang-up or a line we were already saying: nothing to add
        return WebhookAck(status="ignored")
    return WebhookAck(status="outage")


def _call_of(event: CallEvent, factory: sessionmaker[Session],
             agent: Agent) -> tuple[Tenant, Conversation] | None:
    """The business and conversation an event is for. Events about the line name the
    called number (``to``); others (``call.speak.ended``, ``call.transcription``) only
    the call, which we must already have answered."""
    if not event.to:
        return calls.call_by_id(factory, event.call_id)
    tenant = tenant_for_number(factory, event.to)
    if tenant is None:
        return None
    # A carrier caller ID on a signed webhook: the caller holds that phone.
    return tenant, agent.open(tenant, calls.CHANNEL, event.call_id,
                              caller_phone=as_e164(event.caller, tenant.country),
                              caller_verified=True)


def _stream_base(request: Request, settings: Settings, tenant: Tenant,
                 conversation: Conversation) -> str | None:
    """Where Telnyx reaches this server, when the call streams to it."""
    if not telnyx_stream.streams(tenant, conversation.language,
                                 getattr(request.app.state, "speech", None)):
        return None
    return settings.public_base_url or f"{request.url.scheme}://{request.url.netloc}"


@dataclass
class TelnyxCall:
    """One event on one call, with what it takes to act on it."""

    agent: Agent
    control: CallControl
    factory: sessionmaker[Session]
    tenant: Tenant
    conversation: Conversation
    event: CallEvent
    settings: Settings
    # Where Telnyx reaches us, when this business's calls stream to our own pipeline.
    stream_base: str | None = None

    def command_id(self, action: str) -> str:
        return f"{self.event.id}:{action}"

    @property
    def state(self) -> dict[str, Any]:
        """What we asked Telnyx to remember (the last ``client_state`` we set)."""
        return decode_state(self.event.payload.get("client_state"))

    @property
    def hearing(self) -> str:
        """The language the caller's words are transcribed in now."""
        return str(self.state.get("hear") or spoken_lang(self.conversation.language))

    def initiated(self) -> None:
        if self.event.payload.get("direction", "incoming") != "incoming":
            return
        if self.stream_base is None:
            self.control.answer(self.event.call_id, command_id=self.command_id("answer"))
            return
        token = stream_token(self.settings, self.event.call_id, self.tenant.id,
                             self.conversation.id)
        self.control.answer(self.event.call_id, command_id=self.command_id("answer"),
                            stream_url=telnyx_stream.stream_url(self.stream_base, token),
                            client_state=encode_state({"mode": "stream"}))

    def answered(self) -> None:
        if self.state.get("mode") == "stream":
            return  # the stream greets the caller
        lang = spoken_lang(self.conversation.language)
        self.control.start_transcription(
            self.event.call_id, lang, command_id=self.command_id("transcription_start"),
            client_state=encode_state({"hear": lang}))
        # A retry after a failed gather says the greeting it already has.
        self.say(phone_calls.greeting(self.agent, self.factory, self.tenant, self.conversation),
                 hear=lang)

    def gathered(self) -> None:
        status = self.event.payload.get("status")
        if status == "call_hangup" or status in _STOPPED:
            return  # hung up mid-prompt (call.hangup ends it), or the caller spoke
        text = heard(self.event.payload)
        if not text:
            self.silence()
            return
        self.answer(text)

    def transcribed(self) -> None:
        """The caller said something: stop the prompt waiting for keys, and answer."""
        self.control.stop_gather(self.event.call_id, command_id=self.command_id("gather_stop"))
        self.answer(transcript(self.event.payload) or "")

    def answer(self, text: str) -> None:
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

    def listen(self, text: str, lang: str, *, silence: int = 0, hear: str | None = None) -> None:
        hear = hear or self.hearing
        if spoken_lang(lang) != hear:  # the agent switched language: so does the ear
            hear = spoken_lang(lang)
            self.control.stop_transcription(
                self.event.call_id, command_id=self.command_id("transcription_stop"))
            self.control.start_transcription(
                self.event.call_id, hear, command_id=self.command_id("transcription_restart"),
                client_state=encode_state({"hear": hear}))
        self.control.gather_using_speak(
            self.event.call_id, text, voice_for(lang), command_id=self.command_id("gather"),
            # Always set: Telnyx repeats the last client_state in every later webhook.
            client_state=encode_state({"silence": silence, "hear": hear}))

    def say_then(self, text: str, lang: str, then: dict[str, Any]) -> None:
        # Nothing more to hear (and nothing of a transferred call is transcribed).
        self.control.stop_transcription(
            self.event.call_id, command_id=self.command_id("transcription_stop"))
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
        count = int(self.state.get("silence", 0)) + 1
        self.say(phone_calls.after_silence(self.agent, self.tenant, self.conversation, count),
                 silence=count)

    def say(self, said: Line, *, silence: int = 0, hear: str | None = None) -> None:
        if said.hang_up:
            self.say_then(said.text, said.lang, {"then": "hangup"})
        else:
            self.listen(said.text, said.lang, silence=silence, hear=hear)


_HANDLERS = {
    "call.initiated": TelnyxCall.initiated,
    "call.answered": TelnyxCall.answered,
    "call.gather.ended": TelnyxCall.gathered,
    "call.transcription": TelnyxCall.transcribed,
    "call.speak.ended": TelnyxCall.spoke,
    "call.hangup": TelnyxCall.hung_up,
}
