"""Telnyx media streaming: ``wss://…/webhooks/telnyx/stream/{token}`` (issue 15).

For a business whose ``voice_mode`` is ``"stream"`` (when speech providers serve the
call's language), the signed ``call.initiated`` webhook answers the call with ``stream_url``
set to this socket, bidirectional RTP in PCMU (μ-law 8 kHz) (``telnyx_voice``). The
token in the path is ``stream_calls.stream_token``: sealed with the server's key, it
names the call (its ``call_control_id``), the business and the conversation, and lives
``stream_calls.TOKEN_AGE_S`` seconds; a forged or old token is refused at the
handshake, before any audio is read. Telnyx's ``start`` must then name the token's call
and a μ-law 8 kHz format, else the socket is closed before the call begins.

Messages (https://developers.telnyx.com/api-reference/websockets/stream-call-media-over-websocket):
in ``connected``, ``start`` (``stream_id``; ``start.call_control_id``,
``start.media_format``), ``media`` (``media.track``, base64 ``media.payload``),
``dtmf`` (``dtmf.digit``), ``mark`` (``mark.name``: the audio before it has played),
``error``, ``stop``; out ``media`` (base64 RTP payload, 20 ms to 30 s of audio),
``mark`` and ``clear`` (drops queued audio; Telnyx returns the queued marks). Marks
work as on Twilio, so the transcript keeps only the clauses whose marks came back.

Closing a Telnyx stream does not end the call (the stream is a fork of its media), so
when the agent is done the link hangs up through Call Control.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from frontdesk.channels.stream_calls import (
    Speech,
    read_token,
    side_for,
    socket_url,
    speech_serves,
)
from frontdesk.channels.telnyx_control import call_control_for
from frontdesk.errors import FrontdeskError
from frontdesk.observability import context as log_context
from frontdesk.observability.metrics import STREAMED_CALLS
from frontdesk.services.tenants import Tenant
from frontdesk.voice import mulaw
from frontdesk.voice.carrier import CarrierGone, run_call, speculation_pool
from frontdesk.voice.pipeline import (
    FRAME_BYTES,
    RATE,
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
from frontdesk.web.deps import AgentDep, FactoryDep, SettingsDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["telnyx"])

PATH = "/webhooks/telnyx/stream/{token}"
CLOSE_UNSUPPORTED = 1003  # a media format other than μ-law 8 kHz
CLOSE_POLICY = 1008
CLOSE_UNAVAILABLE = 1011
ENCODING = "PCMU"
_DIGITS = frozenset("0123456789*#ABCD")


def streams(tenant: Tenant, language: str | None, speech: Speech | None) -> bool:
    """Whether the call goes to our own pipeline: the business streams its calls and
    speech providers serve the call's language (else it is answered turn by turn, as
    ``twilio_stream.streaming_answer`` decides for Twilio)."""
    return tenant.voice_mode == "stream" and speech_serves(speech, tenant, language or "en")


def stream_url(public_base_url: str, token: str) -> str:
    """The socket Telnyx opens for the call (``wss`` for an ``https`` site)."""
    return socket_url(public_base_url, PATH.format(token=token))


# --- the wire ------------------------------------------------------------------------------


def start_refusal(message: dict[str, Any], call_control_id: str) -> int | None:
    """Why a ``start`` frame may not begin the token's call (a close code), or None."""
    start = message.get("start")
    if message.get("event") != "start" or not isinstance(start, dict) \
            or start.get("call_control_id") != call_control_id \
            or not isinstance(message.get("stream_id"), str):
        return CLOSE_POLICY
    media = start.get("media_format") or {}
    if not isinstance(media, dict):
        return CLOSE_UNSUPPORTED
    encoding, rate = media.get("encoding", ENCODING), media.get("sample_rate", RATE)
    if str(encoding).upper() != ENCODING or str(rate) != str(RATE):
        return CLOSE_UNSUPPORTED
    return None


def event_of(message: dict[str, Any]) -> Event | None:
    """A Telnyx frame as a pipeline event (None: nothing for the call)."""
    kind, body = message.get("event"), message.get(str(message.get("event")))
    body = body if isinstance(body, dict) else {}
    if kind == "media" and body.get("track", "inbound") == "inbound":
        payload = body.get("payload")
        if isinstance(payload, str):
            with contextlib.suppress(binascii.Error, ValueError):
                return CallerAudio(base64.b64decode(payload, validate=True))
    elif kind == "dtmf":
        digit = body.get("digit")
        if isinstance(digit, str) and digit in _DIGITS:
            return Digit(digit)
    elif kind == "mark":
        name = body.get("name")
        if isinstance(name, str):
            return MarkPlayed(name)
    elif kind == "stop":
        return Stopped()
    return None


def message_of(command: Command) -> dict[str, Any] | None:
    """A pipeline command as a Telnyx frame (None: end the call)."""
    if isinstance(command, SendAudio):
        # Telnyx plays RTP chunks of 20 ms or more: a reply's last, shorter piece is
        # padded with silence.
        audio = command.mulaw + bytes([mulaw.SILENCE]) * (FRAME_BYTES - len(command.mulaw))
        return {"event": "media", "media": {"payload": base64.b64encode(audio).decode()}}
    if isinstance(command, SendMark):
        return {"event": "mark", "mark": {"name": command.name}}
    if isinstance(command, ClearAudio):
        return {"event": "clear"}
    assert isinstance(command, EndCall)
    return None


class TelnyxLink:
    """The call's side of Telnyx's socket (``voice.carrier.CarrierLink``); ``hang_up``
    ends the call itself (a blocking Call Control command)."""

    def __init__(self, websocket: WebSocket, hang_up: Callable[[], None]) -> None:
        self.websocket, self.hang_up = websocket, hang_up

    async def receive(self) -> Event | None:
        try:
            message = await self.websocket.receive_json()
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise CarrierGone from exc
        except ValueError:
            log.warning("telnyx stream: a frame that is not JSON, ignored")
            return None
        if not isinstance(message, dict):
            return None
        if message.get("event") == "error":
            log.warning("telnyx stream error: %s", message.get("payload"))
        return event_of(message)

    async def send(self, command: Command) -> None:
        message = message_of(command)
        if message is None:
            return
        try:
            await self.websocket.send_json(message)
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise CarrierGone from exc

    async def close(self) -> None:
        try:
            await anyio.to_thread.run_sync(self.hang_up)
        except FrontdeskError as exc:  # the caller may already be gone: say so, go on
            log.warning("telnyx stream: hang-up refused: %s", exc.detail)
        with contextlib.suppress(RuntimeError):
            await self.websocket.close()


# --- the door ------------------------------------------------------------------------------


@router.websocket(PATH)
async def media_stream(websocket: WebSocket, token: str, factory: FactoryDep,
                       agent: AgentDep, settings: SettingsDep) -> None:
    claims = read_token(settings, token)
    if claims is None:
        await websocket.close(CLOSE_POLICY)  # before accepting: the handshake is refused
        return
    log_context.note(call_id=claims["call"])
    speech: Speech | None = getattr(websocket.app.state, "speech", None)
    if speech is None:
        log.warning("telnyx stream for call %s: no speech providers configured", claims["call"])
        await websocket.close(CLOSE_UNAVAILABLE)
        return
    await websocket.accept()
    try:
        start = await _start(websocket)
    except (WebSocketDisconnect, ValueError):
        log.info("telnyx stream for call %s: closed before it started", claims["call"])
        return
    refusal = start_refusal(start, claims["call"])
    side = None if refusal else await anyio.to_thread.run_sync(side_for, factory, agent, claims)
    if refusal or side is None:
        log.warning("telnyx stream: start %r refused (token for %s)", start.get("start"),
                    claims["call"])
        await websocket.close(refusal or CLOSE_POLICY)
        return
    call_id, stream_id = claims["call"], str(start["stream_id"])

    def hang_up() -> None:
        """The agent is done: put the caller through when it handed them over (closing
        a Telnyx stream leaves the call up), else hang up."""
        control = call_control_for(websocket.app.state, settings)
        if side.handed_over:
            control.transfer(call_id, side.handed_over[-1],
                             command_id=f"{stream_id}:transfer")
        else:
            control.hangup(call_id, command_id=f"{stream_id}:hangup")

    stt, tts, vad = speech(side.conversation.language)
    call = StreamingCall(side, stt, tts, vad, lang=side.conversation.language,
                         executor=speculation_pool())
    # The call keeps its own timings; a shutdown asks it to say its closing line.
    with STREAMED_CALLS.labels("telnyx").track_inprogress():
        await run_call(TelnyxLink(websocket, hang_up), call, websocket.app.state.live_calls)


async def _start(websocket: WebSocket) -> dict[str, Any]:
    """The first frame after ``connected`` (Telnyx's ``start``, when all is well)."""
    while True:
        message = await websocket.receive_json()
        if not isinstance(message, dict):
            return {}
        if message.get("event") != "connected":
            return message
