"""Twilio Media Streams: ``wss://…/webhooks/twilio/stream/{token}`` (issue 15).

The signed voice webhook answers a streaming business's call with
``<Connect><Stream url=".../stream/{token}"/></Connect>`` (``stream_twiml``). The token
is sealed with the server's key, names the call, the business and the conversation, and
lives a minute (``stream_calls``): nothing else may open a stream, and a token is refused
at the handshake (before any audio is read) when it is forged or old. Twilio's ``start``
message must then name the token's call. The path carries the token because Twilio's
``<Stream>`` URL takes no query string.

Messages (https://www.twilio.com/docs/voice/media-streams/websocket-messages): in
``connected``, ``start``, ``media`` (base64 μ-law 8 kHz), ``dtmf``, ``mark``, ``stop``;
out ``media``, ``mark``, ``clear``. The door only translates them to and from
``voice.pipeline`` events; the call itself is ``StreamingCall`` with the agent behind
it (``voice/agent_side.py``). Speech providers come from ``app.state.speech`` (a
function of the language giving recognizer, voice and detector); without them the
door closes the stream (1011) and says why in the log.
"""

from __future__ import annotations

import base64
import contextlib
import logging
from functools import partial
from typing import Any

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from frontdesk.channels import twilio_twiml as twiml
from frontdesk.channels.stream_calls import (
    Speech,
    read_token,
    side_for,
    socket_url,
    speech_serves,
    stream_token,
)
from frontdesk.config import Settings
from frontdesk.conversation.realtime_session import RealtimeSession
from frontdesk.observability import context as log_context
from frontdesk.observability.metrics import STREAMED_CALLS
from frontdesk.services.conversation_turns import Conversation
from frontdesk.services.records import Tenant
from frontdesk.voice.agent_side import AgentSide
from frontdesk.voice.carrier import CarrierGone, run_call, speculation_pool
from frontdesk.voice.pipeline import (
    CallerAudio,
    ClearAudio,
    Command,
    Digit,
    EndCall,
    Event,
    MarkPlayed,
    SendAudio,
    SendMark,
    Stopped,
    StreamingCall,
)
from frontdesk.voice.realtime import RealtimeOptions, realtime_options, run_realtime
from frontdesk.web.deps import AgentDep, FactoryDep, SettingsDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["twilio"])

PATH = "/webhooks/twilio/stream/{token}"
CLOSE_POLICY = 1008
CLOSE_UNAVAILABLE = 1011


def stream_twiml(public_base_url: str, token: str) -> str:
    """The answer that hands the call to our stream (``wss`` for an ``https`` site); when
    the stream closes Twilio asks the signed stream-ended webhook what comes next."""
    return twiml.stream(socket_url(public_base_url, PATH.format(token=token)),
                        action=public_base_url.rstrip("/") + twiml.STREAM_ENDED_PATH)


def streaming_answer(app_state: Any, settings: Settings, request_base: str, tenant: Tenant,
                     conversation: Conversation) -> str | None:
    """The ``<Connect><Stream>`` answer for a business that streams its calls, or None
    when the call stays turn-based: the business chose turns, or no speech providers are
    set up for the call's language (the caller is still answered, by the carrier's voice).
    """
    if tenant.voice_mode not in ("stream", "realtime"):
        return None
    # A speech-to-speech business needs only the model (our pipeline is its fallback).
    model_speaks = tenant.voice_mode == "realtime" and realtime_options(settings) is not None
    if not model_speaks and not speech_serves(getattr(app_state, "speech", None), tenant,
                                              conversation.language):
        return None
    token = stream_token(settings, conversation.external_id, tenant.id, conversation.id)
    return stream_twiml(settings.public_base_url or request_base, token)


def event_of(message: dict[str, Any]) -> Event | None:
    """A Twilio message as a pipeline event (None: nothing for the call)."""
    kind = message.get("event")
    if kind == "media":
        payload = (message.get("media") or {}).get("payload")
        if isinstance(payload, str):
            return CallerAudio(base64.b64decode(payload))
    elif kind == "dtmf":
        digit = (message.get("dtmf") or {}).get("digit")
        if isinstance(digit, str) and len(digit) == 1:
            return Digit(digit)
    elif kind == "mark":
        name = (message.get("mark") or {}).get("name")
        if isinstance(name, str):
            return MarkPlayed(name)
    elif kind == "stop":
        return Stopped()
    return None


def message_of(command: Command, stream_sid: str) -> dict[str, Any] | None:
    """A pipeline command as a Twilio message (None: close the stream)."""
    if isinstance(command, SendAudio):
        return {"event": "media", "streamSid": stream_sid,
                "media": {"payload": base64.b64encode(command.mulaw).decode()}}
    if isinstance(command, SendMark):
        return {"event": "mark", "streamSid": stream_sid, "mark": {"name": command.name}}
    if isinstance(command, ClearAudio):
        return {"event": "clear", "streamSid": stream_sid}
    assert isinstance(command, EndCall)
    return None


class TwilioLink:
    """The call's side of Twilio's socket (``voice.carrier.CarrierLink``)."""

    def __init__(self, websocket: WebSocket, stream_sid: str) -> None:
        self.websocket, self.stream_sid = websocket, stream_sid

    async def receive(self) -> Event | None:
        try:
            message = await self.websocket.receive_json()
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise CarrierGone from exc
        return event_of(message) if isinstance(message, dict) else None

    async def send(self, command: Command) -> None:
        message = message_of(command, self.stream_sid)
        if message is None:
            return
        try:
            await self.websocket.send_json(message)
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise CarrierGone from exc

    async def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            await self.websocket.close()


@router.websocket(PATH)
async def media_stream(websocket: WebSocket, token: str, factory: FactoryDep,
                       agent: AgentDep, settings: SettingsDep) -> None:
    claims = read_token(settings, token)
    if claims is None:
        await websocket.close(CLOSE_POLICY)  # before accepting: the handshake is refused
        return
    log_context.note(call_id=claims["call"])
    speech: Speech | None = getattr(websocket.app.state, "speech", None)
    realtime = realtime_options(settings)  # a realtime business needs no speech providers
    if speech is None and realtime is None:
        log.warning("twilio stream for call %s: no speech providers configured", claims["call"])
        await websocket.close(CLOSE_UNAVAILABLE)
        return
    await websocket.accept()
    try:
        stream_sid = await _started(websocket, claims["call"])
    except WebSocketDisconnect:
        log.info("twilio stream for call %s: closed before it started", claims["call"])
        return
    side = None if stream_sid is None else await anyio.to_thread.run_sync(
        side_for, factory, agent, claims)
    if stream_sid is None or side is None:
        await websocket.close(CLOSE_POLICY)
        return
    with STREAMED_CALLS.labels("twilio").track_inprogress():
        await _converse(websocket, stream_sid, side, speech, realtime, claims["call"])


async def _converse(websocket: WebSocket, stream_sid: str, side: AgentSide,
                    speech: Speech | None, realtime: RealtimeOptions | None,
                    call_sid: str) -> None:
    """The started call: the realtime model's, or our own pipeline's."""
    if side.tenant.voice_mode == "realtime" and realtime is not None:
        # The model is the voice (ADR 0053); one it cannot reach said nothing yet, so
        # our own pipeline takes the call when it can.
        link = TwilioLink(websocket, stream_sid)
        ended = await run_realtime(link, realtime, partial(
            RealtimeSession.open, side.agent, side.tenant, side.conversation))
        if ended.transferred:  # the REST redirect to ended.transfer_to is not wired yet
            log.info("twilio stream for call %s: transfer to %s asked", call_sid,
                     ended.transfer_to)
            await link.close()
        if ended.connected:
            return
    if speech is None:
        log.warning("twilio stream for call %s: no speech providers to fall back on",
                    call_sid)
        await websocket.close(CLOSE_UNAVAILABLE)
        return
    stt, tts, vad = speech(side.conversation.language)
    call = StreamingCall(side, stt, tts, vad, lang=side.conversation.language,
                         executor=speculation_pool())
    await run_call(TwilioLink(websocket, stream_sid), call, websocket.app.state.live_calls)


async def _started(websocket: WebSocket, call_sid: str) -> str | None:
    """Read up to Twilio's ``start``; its stream id when it names the token's call."""
    while True:
        message = await websocket.receive_json()
        if message.get("event") == "connected":
            continue
        start = message.get("start") or {}
        if message.get("event") != "start" or start.get("callSid") != call_sid:
            log.warning("twilio stream: start for %r refused (token for %s)",
                        start.get("callSid"), call_sid)
            return None
        sid = message.get("streamSid") or start.get("streamSid")
        return sid if isinstance(sid, str) else None
