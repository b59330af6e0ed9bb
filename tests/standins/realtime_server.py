"""A stand-in for OpenAI's Realtime API (GA WebSocket protocol), on 127.0.0.1.

It speaks the wire format of
https://developers.openai.com/api/reference/resources/realtime/client-events and
.../server-events: the bearer key is checked at the handshake (401 otherwise);
``session.update`` must come first, asking for ``audio/pcmu`` both ways, server VAD,
input transcription and function tools; it then "hears" the caller's appended μ-law
(the text-as-audio of tests/voice/fakes.py: loud frames are speech, 300 ms of quiet ends
an utterance), emits ``input_audio_buffer.speech_started/stopped`` and the
transcription, and answers each response from a scripted ``Brain``: function calls, and
replies as μ-law audio deltas (paced, so a caller can talk over them) with their
transcript. ``response.cancel`` stops a reply's audio; ``conversation.item.truncate``
is checked against the item's audio. Everything the client sent is kept in ``received``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import ServerConnection, serve

from frontdesk.voice import mulaw
from tests.voice.fakes import hear, speech

FRAME = 160  # 20 ms of μ-law
QUIET_FRAMES_TO_END = 15  # 300 ms
CHUNK = 800  # 100 ms of audio per delta
GREETING_PREFIX = "Say exactly this to the caller, and nothing else: "


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class CallTool:
    name: str
    args: dict[str, Any]


Action = Say | CallTool
# What the scripted model answers: the caller's latest words (None: no new words) and
# the function outputs (parsed) sent since its last response.
Brain = Callable[[str | None, list[dict[str, Any]]], list[Action]]


@dataclass
class _Session:
    ws: ServerConnection
    configured: bool = False
    audio: bytearray = field(default_factory=bytearray)
    speaking_from: int | None = None  # byte offset where the current utterance began
    quiet: int = 0
    heard: str | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    calls: set[str] = field(default_factory=set)
    items: dict[str, int] = field(default_factory=dict)  # assistant audio item -> ms sent
    active: str | None = None
    cancelled: set[str] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)
    n: int = 0

    def next_id(self, prefix: str) -> str:
        with self.lock:
            self.n += 1
            return f"{prefix}_{self.n:04d}"

    def send(self, event: dict[str, Any]) -> None:
        event.setdefault("event_id", self.next_id("event"))
        self.ws.send(json.dumps(event))


class RealtimeStandIn:
    def __init__(self, brain: Brain, *, key: str = "sk-test-realtime",
                 pace_s: float = 0.01) -> None:
        self.brain, self.key, self.pace_s = brain, key, pace_s
        self.received: list[dict[str, Any]] = []
        self.sessions: list[dict[str, Any]] = []  # each accepted session.update's session
        self.errors: list[dict[str, Any]] = []  # errors sent to the client
        self.url = ""

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.received if e.get("type") == kind]

    @contextmanager
    def running(self) -> Iterator[RealtimeStandIn]:
        with serve(self._handle, "127.0.0.1", 0, process_request=self._check) as server:
            port = server.socket.getsockname()[1]
            self.url = f"ws://127.0.0.1:{port}"
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                yield self
            finally:
                server.shutdown()
                thread.join(5)

    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        if not request.path.startswith("/v1/realtime?model="):
            return connection.respond(404, "no such path\n")
        if request.headers.get("Authorization") != f"Bearer {self.key}":
            body = json.dumps({"error": {"type": "invalid_request_error",
                                         "code": "invalid_api_key", "message": "bad key"}})
            response = connection.respond(401, body)
            response.headers = Headers({"Content-Type": "application/json",
                                        "Content-Length": str(len(body))})
            return response
        return None

    # --- the socket --------------------------------------------------------------------------

    def _handle(self, ws: ServerConnection) -> None:
        s = _Session(ws)
        s.send({"type": "session.created", "session": {"id": s.next_id("sess"),
                                                      "type": "realtime"}})
        for raw in ws:
            event = json.loads(raw)
            self.received.append(event)
            kind = event.get("type")
            if not s.configured:
                if kind != "session.update" or not self._configure(s, event):
                    self._error(s, "session_update_required",
                                "session.update with audio/pcmu and tools first")
                    ws.close()
                    return
                continue
            if kind == "input_audio_buffer.append":
                self._append(s, base64.b64decode(event["audio"]))
            elif kind == "conversation.item.create":
                self._item(s, event["item"])
            elif kind == "response.create":
                self._respond(s, event.get("response") or {})
            elif kind == "response.cancel":
                self._cancel(s, event)
            elif kind == "conversation.item.truncate":
                self._truncate(s, event)

    def _error(self, s: _Session, code: str, message: str) -> None:
        error = {"type": "invalid_request_error", "code": code, "message": message}
        self.errors.append(error)
        s.send({"type": "error", "error": error})

    def _configure(self, s: _Session, event: dict[str, Any]) -> bool:
        session = event.get("session") or {}
        audio = session.get("audio") or {}
        inp, out = audio.get("input") or {}, audio.get("output") or {}
        tools = session.get("tools") or []
        ok = (session.get("type") == "realtime"
              and (inp.get("format") or {}).get("type") == "audio/pcmu"
              and (out.get("format") or {}).get("type") == "audio/pcmu"
              and (inp.get("turn_detection") or {}).get("type") == "server_vad"
              and bool((inp.get("transcription") or {}).get("model"))
              and bool(tools)
              and all(t.get("type") == "function" and t.get("name")
                      and isinstance(t.get("parameters"), dict) for t in tools))
        if ok:
            s.configured = True
            self.sessions.append(session)
            s.send({"type": "session.updated", "session": session})
        return ok

    # --- hearing the caller ------------------------------------------------------------------

    def _append(self, s: _Session, audio: bytes) -> None:
        start = len(s.audio)
        s.audio += audio
        for at in range(start - start % FRAME, len(s.audio) - FRAME + 1, FRAME):
            if at < start:
                continue
            loud = mulaw.rms(mulaw.decode(bytes(s.audio[at:at + FRAME]))) > 500
            if loud and s.speaking_from is None:
                s.speaking_from, s.quiet = at, 0
                s.send({"type": "input_audio_buffer.speech_started",
                        "audio_start_ms": at // 8, "item_id": s.next_id("item")})
            elif s.speaking_from is not None:
                s.quiet = 0 if loud else s.quiet + 1
                if s.quiet >= QUIET_FRAMES_TO_END:
                    self._utterance_end(s, at + FRAME)

    def _utterance_end(self, s: _Session, end: int) -> None:
        assert s.speaking_from is not None
        text = hear(bytes(s.audio[s.speaking_from:end]))
        s.speaking_from = None
        item_id = s.next_id("item")
        s.send({"type": "input_audio_buffer.speech_stopped", "audio_end_ms": end // 8,
                "item_id": item_id})
        s.send({"type": "input_audio_buffer.committed", "item_id": item_id})
        s.send({"type": "conversation.item.input_audio_transcription.completed",
                "item_id": item_id, "content_index": 0, "transcript": text})
        with s.lock:
            s.heard = text
            if s.active is None:  # server VAD answers the turn itself (else once it ends)
                self._respond(s, {})

    def _item(self, s: _Session, item: dict[str, Any]) -> None:
        if item.get("type") == "function_call_output":
            if item.get("call_id") not in s.calls:
                self._error(s, "invalid_call_id", "no such function call")
                return
            s.outputs.append(json.loads(item["output"]))
        elif item.get("type") == "message" and item.get("role") == "user":
            s.heard = " ".join(c.get("text", "") for c in item.get("content") or [])
        s.send({"type": "conversation.item.created", "item": {"id": s.next_id("item"), **item}})

    # --- answering ---------------------------------------------------------------------------

    def _respond(self, s: _Session, response: dict[str, Any]) -> None:
        with s.lock:
            self._respond_now(s, response)

    def _respond_now(self, s: _Session, response: dict[str, Any]) -> None:
        if s.active is not None:
            self._error(s, "conversation_already_has_active_response", "one at a time")
            return
        instructions = str(response.get("instructions") or "")
        if instructions.startswith(GREETING_PREFIX):
            actions: list[Action] = [Say(instructions.removeprefix(GREETING_PREFIX))]
        else:
            heard, outputs = s.heard, s.outputs
            s.heard, s.outputs = None, []
            actions = self.brain(heard, outputs)
        rid = s.active = s.next_id("resp")
        s.send({"type": "response.created", "response": {
            "id": rid, "object": "realtime.response", "status": "in_progress",
            "metadata": response.get("metadata")}})
        threading.Thread(target=self._speak, args=(s, rid, actions), daemon=True).start()

    def _speak(self, s: _Session, rid: str, actions: list[Action]) -> None:
        with contextlib.suppress(ConnectionClosed):  # the client may go mid-reply
            self._speak_out(s, rid, actions)

    def _speak_out(self, s: _Session, rid: str, actions: list[Action]) -> None:
        for index, action in enumerate(actions):
            item_id = s.next_id("item")
            if isinstance(action, CallTool):
                call_id = s.next_id("call")
                s.calls.add(call_id)
                s.send({"type": "response.function_call_arguments.done", "response_id": rid,
                        "item_id": item_id, "output_index": index, "call_id": call_id,
                        "name": action.name, "arguments": json.dumps(action.args)})
                continue
            audio = speech(action.text)
            s.items[item_id] = 0
            # The transcript runs ahead of the audio, as the API's does.
            s.send({"type": "response.output_audio_transcript.delta", "response_id": rid,
                    "item_id": item_id, "output_index": index, "content_index": 0,
                    "delta": action.text})
            for at in range(0, len(audio), CHUNK):
                if at:
                    time.sleep(self.pace_s)  # made a little faster than it plays
                if rid in s.cancelled:
                    break
                piece = audio[at:at + CHUNK]
                s.items[item_id] += len(piece) // 8
                s.send({"type": "response.output_audio.delta", "response_id": rid,
                        "item_id": item_id, "output_index": index, "content_index": 0,
                        "delta": base64.b64encode(piece).decode()})
            s.send({"type": "response.output_audio.done", "response_id": rid,
                    "item_id": item_id, "output_index": index, "content_index": 0})
            s.send({"type": "response.output_audio_transcript.done", "response_id": rid,
                    "item_id": item_id, "output_index": index, "content_index": 0,
                    "transcript": action.text})
        status = "cancelled" if rid in s.cancelled else "completed"
        with s.lock:
            s.active = None
            s.send({"type": "response.done", "response": {"id": rid, "status": status}})
            if s.heard is not None:  # words heard while it spoke get their answer now
                self._respond(s, {})

    def _cancel(self, s: _Session, event: dict[str, Any]) -> None:
        rid = event.get("response_id") or s.active
        if rid is None or rid != s.active:
            self._error(s, "response_cancel_not_active", "no active response")
            return
        s.cancelled.add(rid)

    def _truncate(self, s: _Session, event: dict[str, Any]) -> None:
        item_id, end = event.get("item_id"), event.get("audio_end_ms")
        if item_id not in s.items or not isinstance(end, int) or end > s.items[item_id] \
                or event.get("content_index") != 0:
            self._error(s, "invalid_truncate", f"cannot truncate {item_id} at {end}")
            return
        s.send({"type": "conversation.item.truncated", "item_id": item_id,
                "content_index": 0, "audio_end_ms": end})
