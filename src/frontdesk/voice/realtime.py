"""Speech-to-speech: OpenAI's Realtime API is the voice of a call (issue 15, ADR 0053).

``run_realtime(link, options, open_session)`` joins a carrier's stream (``CarrierLink``:
μ-law 8 kHz both ways) to a Realtime WebSocket, ``{base}/v1/realtime?model=...`` with
``Authorization: Bearer KEY``. It speaks the GA protocol (no ``OpenAI-Beta`` header;
the beta's ``response.audio.*`` event names are read too), as documented at
https://developers.openai.com/api/reference/resources/realtime/client-events and
https://developers.openai.com/api/reference/resources/realtime/server-events:

- ``session.update`` first: the business's instructions and our tools
  (``RealtimeSession``), ``audio/pcmu`` in and out (the carrier's own format: nothing
  is resampled), server VAD, input transcription; the call goes on only once
  ``session.updated`` says it was taken. Before that nothing was sent to the carrier,
  so a refused key, a missing model or no answer returns ``connected=False`` and the
  door can hand the call to our own pipeline.
- The greeting is the phone door's (recorded once), said through ``response.create``.
- Caller audio → ``input_audio_buffer.append``; ``response.output_audio.delta`` →
  ``SendAudio`` and a ``SendMark`` after each part, so the marks that come back say
  how much of each item the caller heard.
- ``input_audio_buffer.speech_started`` while our audio is still playing (a barge-in):
  ``ClearAudio`` to the carrier, ``conversation.item.truncate`` at the audio actually
  played, and ``response.cancel`` when a response is still running. The transcript
  keeps the share of the reply that was heard (by time: the API gives no word times).
- ``response.function_call_arguments.done`` → the tool runs (``RealtimeSession.run_tool``,
  in a worker thread: database work), its result goes back as a
  ``function_call_output`` item, and ``response.create`` follows once the response that
  called it is done (one response at a time, as the API requires).
- Transcripts (``conversation.item.input_audio_transcription.completed``,
  ``response.output_audio_transcript.done``) are recorded on the conversation.
- A key pressed → a user text item; Stopped or the socket gone → the model's socket is
  closed and the conversation ended. A transfer lets the model say its last words,
  then returns ``transfer_to`` without closing the carrier's stream: the door redirects
  the call (for Twilio, a REST update of the call with ``<Dial>``, which ends the stream).
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
import anyio.abc
import anyio.to_thread
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from frontdesk.config import Settings
from frontdesk.conversation.realtime_session import RealtimeSession, ToolOutput
from frontdesk.voice.carrier import CarrierGone, CarrierLink
from frontdesk.voice.pipeline import (
    CallerAudio,
    ClearAudio,
    Digit,
    MarkPlayed,
    SendAudio,
    SendMark,
    Stopped,
)

log = logging.getLogger(__name__)

BYTES_PER_MS = 8  # μ-law, 8 kHz: one byte a sample
CHARS_PER_S = 15  # a usual speaking rate (about 150 words a minute)
GOODBYE_S = 10.0  # after a transfer, at most this long for the model's last words to play
_GREETING = "greeting"  # the greeting response's metadata tag: its words are already recorded
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RealtimeOptions:
    base_url: str
    api_key: str
    model: str
    voice: str
    transcription_model: str = "gpt-4o-mini-transcribe"
    connect_timeout_s: float = 5.0

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/v1/realtime?model={quote(self.model)}"


def realtime_options(settings: Settings) -> RealtimeOptions | None:
    """The Realtime settings, or None when no key is set (realtime is off)."""
    if not settings.realtime_api_key:
        return None
    return RealtimeOptions(settings.realtime_base_url, settings.realtime_api_key,
                           settings.realtime_model, settings.realtime_voice,
                           settings.realtime_transcription_model,
                           settings.realtime_connect_timeout_s)


@dataclass(frozen=True, slots=True)
class RealtimeEnd:
    """How the call ended. ``connected`` False: the model was never reached (nothing was
    said to the caller), so the door may fall back; ``reason`` says why, for the log."""

    connected: bool
    reason: str
    transfer_to: str | None = None
    transferred: bool = False


class RealtimeRefused(Exception):
    """The model server would not take the session (bad key, unknown model, no answer)."""


async def run_realtime(link: CarrierLink, options: RealtimeOptions,
                       open_session: Callable[[], RealtimeSession]) -> RealtimeEnd:
    """Run a call with the realtime model as its voice; see the module docstring."""
    try:
        with anyio.fail_after(options.connect_timeout_s):
            model = await connect(options.url, open_timeout=None, max_size=None,
                                  additional_headers={"Authorization": f"Bearer {options.api_key}"})
    except InvalidStatus as exc:
        return _refused(f"http {exc.response.status_code}")
    except TimeoutError:
        return _refused("timeout")
    except (OSError, InvalidHandshake, InvalidURI) as exc:
        return _refused(f"cannot connect: {type(exc).__name__}")
    try:
        session = await anyio.to_thread.run_sync(open_session)
        call = _Call(link, model, session)
        try:
            with anyio.fail_after(options.connect_timeout_s):
                await call.configure(options)
        except (RealtimeRefused, ConnectionClosed, TimeoutError) as exc:
            return _refused(f"session refused: {exc}" if str(exc) else "session refused")
        return await call.run()
    finally:
        await model.close()


def _refused(reason: str) -> RealtimeEnd:
    log.warning("realtime model not reached (%s): the call is not connected to it", reason)
    return RealtimeEnd(False, reason)


@dataclass
class _Item:
    """One assistant audio item: how much was sent, how much the caller heard."""

    response_id: str
    sent_ms: int = 0
    played_ms: int = 0
    truncated: bool = False
    made: bool = False  # all its audio has come (``response.output_audio.done``)
    cut_short: bool = False  # its response was cancelled: its audio ends before its words
    said: str = ""  # its transcript so far (the deltas)
    recorded: str | None = None  # its transcript as recorded

    def length_ms(self, text: str) -> int:
        """How long ``text`` takes to say: its audio's length once all of it came, else
        at least what a usual speaking rate gives (its rest was never made)."""
        if self.made and not self.cut_short:
            return self.sent_ms
        return max(self.sent_ms, len(text) * 1000 // CHARS_PER_S)


@dataclass
class _Call:
    link: CarrierLink
    model: ClientConnection
    session: RealtimeSession
    journal: _Journal = field(default_factory=lambda: _Journal())
    items: dict[str, _Item] = field(default_factory=dict)
    responding: str | None = None  # the response running now
    greetings: set[str] = field(default_factory=set)
    cancelled: set[str] = field(default_factory=set)
    reply_owed: bool = False  # a tool answered during the running response
    transfer: ToolOutput | None = None
    goodbye_said: bool = False
    ending_since: float | None = None
    reason: str = ""
    tasks: anyio.abc.TaskGroup | None = None

    async def configure(self, options: RealtimeOptions) -> None:
        """``session.update``, then wait for ``session.updated`` (an ``error`` refuses)."""
        await self._send({"type": "session.update", "session": {
            "type": "realtime",
            "instructions": self.session.instructions(),
            "output_modalities": ["audio"],
            "audio": {
                "input": {"format": {"type": "audio/pcmu"},
                          "transcription": {"model": options.transcription_model},
                          "turn_detection": {"type": "server_vad"}},
                "output": {"format": {"type": "audio/pcmu"}, "voice": options.voice},
            },
            "tools": self.session.tools(),
            "tool_choice": "auto",
        }})
        while True:
            event = json.loads(await self.model.recv())
            if event.get("type") == "session.updated":
                return
            if event.get("type") == "error":
                error = event.get("error") or {}
                raise RealtimeRefused(str(error.get("code") or error.get("message") or "error"))

    async def run(self) -> RealtimeEnd:
        greeting = await anyio.to_thread.run_sync(self.session.greet)
        if greeting.text:
            await self._send({"type": "response.create", "response": {
                "instructions": "Say exactly this to the caller, and nothing else: "
                                + greeting.text,
                "metadata": {"frontdesk": _GREETING}}})
        try:
            async with anyio.create_task_group() as tasks:
                self.tasks = tasks
                tasks.start_soon(self.journal.run)
                tasks.start_soon(self._from_carrier)
                tasks.start_soon(self._from_model)
        finally:
            with anyio.CancelScope(shield=True):
                self._unfinished()
                self.journal.post(self.session.end)
                await anyio.to_thread.run_sync(self.journal.drain)
                if self.transfer is None and self.reason != "caller hung up":
                    await self.link.close()
        log.info("realtime call %s ended: %s", self.session.conversation_id, self.reason)
        transfer = self.transfer
        return RealtimeEnd(True, self.reason, transferred=transfer is not None,
                           transfer_to=transfer.transfer_to if transfer else None)

    def _unfinished(self) -> None:
        """The call ended mid-reply: keep what the caller heard of it."""
        for item_id, item in self.items.items():
            if item.recorded is None and item.said.strip() \
                    and item.response_id not in self.greetings:
                self._spoken({"item_id": item_id, "transcript": item.said, "cut": True})

    def _finish(self, reason: str) -> None:
        self.reason = self.reason or reason
        assert self.tasks is not None
        self.tasks.cancel_scope.cancel()

    async def _send(self, event: dict[str, Any]) -> None:
        await self.model.send(json.dumps(event))

    # --- the carrier -----------------------------------------------------------------------

    async def _from_carrier(self) -> None:
        try:
            while True:
                event = await self.link.receive()
                if isinstance(event, CallerAudio):
                    await self._send({"type": "input_audio_buffer.append",
                                      "audio": base64.b64encode(event.mulaw).decode()})
                elif isinstance(event, MarkPlayed):
                    self._played(event.name)
                elif isinstance(event, Digit):
                    await self._pressed(event.digit)
                elif isinstance(event, Stopped):
                    self._finish("caller hung up")
                    return
                self._maybe_done()
        except CarrierGone:
            self._finish("caller hung up")

    def _played(self, mark: str) -> None:
        item_id, _, ms = mark.rpartition("/")
        item = self.items.get(item_id)
        if item is not None and ms.isdigit():
            item.played_ms = max(item.played_ms, int(ms))

    async def _pressed(self, digit: str) -> None:
        self.journal.post(lambda: self.session.caller_said(digit))
        await self._send({"type": "conversation.item.create", "item": {
            "type": "message", "role": "user",
            "content": [{"type": "input_text", "text": f"[The caller pressed {digit}]"}]}})
        if self.responding:
            self.reply_owed = True
        else:
            await self._send({"type": "response.create"})

    # --- the model -------------------------------------------------------------------------

    async def _from_model(self) -> None:
        try:
            async for raw in self.model:
                await self._on(json.loads(raw))
        except ConnectionClosed as exc:
            self._finish(f"model closed the socket ({exc.rcvd.code if exc.rcvd else 'no code'})")
            return
        self._finish("model closed the socket")

    async def _on(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "response.created":
            response = event.get("response") or {}
            self.responding = response.get("id")
            if (response.get("metadata") or {}).get("frontdesk") == _GREETING and self.responding:
                self.greetings.add(self.responding)
        elif kind in ("response.output_audio.delta", "response.audio.delta"):
            await self._audio(event)
        elif kind in ("response.output_audio.done", "response.audio.done"):
            self._made(str(event.get("item_id") or ""))
        elif kind in ("response.output_audio_transcript.delta",
                      "response.audio_transcript.delta"):
            item = self.items.setdefault(str(event.get("item_id") or ""),
                                         _Item(str(event.get("response_id") or "")))
            item.said += str(event.get("delta") or "")
        elif kind in ("response.output_audio_transcript.done", "response.audio_transcript.done"):
            self._spoken(event)
        elif kind == "conversation.item.input_audio_transcription.completed":
            text = str(event.get("transcript") or "").strip()
            if text:
                self.journal.post(lambda: self.session.caller_said(text))
        elif kind == "input_audio_buffer.speech_started":
            await self._barge_in()
        elif kind == "response.function_call_arguments.done":
            await self._tool(event)
        elif kind == "response.done":
            await self._response_done(event.get("response") or {})
        elif kind == "error":
            error = event.get("error") or {}
            log.warning("realtime model error in conversation %s: %s %s",
                        self.session.conversation_id, error.get("code"), error.get("message"))

    async def _audio(self, event: dict[str, Any]) -> None:
        response_id = str(event.get("response_id") or "")
        if response_id in self.cancelled:  # still arriving after the caller cut in
            return
        audio = base64.b64decode(event.get("delta") or "")
        item_id = str(event.get("item_id") or "")
        item = self.items.setdefault(item_id, _Item(response_id))
        if not audio or item.truncated:
            return
        item.sent_ms += len(audio) // BYTES_PER_MS
        await self.link.send(SendAudio(audio))
        await self.link.send(SendMark(f"{item_id}/{item.sent_ms}"))

    def _spoken(self, event: dict[str, Any]) -> None:
        item_id = str(event.get("item_id") or "")
        item = self.items.get(item_id)
        response_id = str(event.get("response_id") or (item.response_id if item else ""))
        text = str(event.get("transcript") or "").strip()
        if not text or response_id in self.greetings:
            return
        if item is not None and (item.truncated or event.get("cut")):
            text = heard_part(text, item.played_ms, item.length_ms(text))
        if item is not None:
            item.recorded = text
        if text:
            self.journal.post(lambda: self.session.agent_said(text))

    async def _barge_in(self) -> None:
        # Audio not yet played, or still being made: the caller will not hear the rest.
        playing = [(item_id, item) for item_id, item in self.items.items()
                   if not item.truncated and item.sent_ms > 0
                   and (item.played_ms < item.sent_ms or not item.made)]
        if playing:
            await self.link.send(ClearAudio())
        for item_id, item in playing:
            item.truncated = True
            await self._send({"type": "conversation.item.truncate", "item_id": item_id,
                              "content_index": 0, "audio_end_ms": item.played_ms})
            if item.recorded is not None:
                self._heard(item.recorded, heard_part(item.recorded, item.played_ms,
                                                      item.length_ms(item.recorded)))
        if self.responding and playing:
            self.cancelled.add(self.responding)
            for item in self.items.values():
                item.cut_short = item.cut_short or item.response_id == self.responding
            await self._send({"type": "response.cancel", "response_id": self.responding})

    def _heard(self, planned: str, spoken: str) -> None:
        self.journal.post(lambda: self.session.heard(planned, spoken))

    async def _tool(self, event: dict[str, Any]) -> None:
        name, call_id = str(event.get("name") or ""), str(event.get("call_id") or "")
        arguments = str(event.get("arguments") or "")
        done = await self.journal.call(lambda: self.session.run_tool(name, arguments, call_id))
        await self._send({"type": "conversation.item.create", "item": {
            "type": "function_call_output", "call_id": call_id,
            "output": json.dumps(done.output, default=str)}})
        if done.transferred:
            self.transfer = done
            self.ending_since = time.monotonic()
        self.reply_owed = True

    def _made(self, item_id: str) -> None:
        item = self.items.get(item_id)
        if item is not None:
            item.made = True

    async def _response_done(self, response: dict[str, Any]) -> None:
        for item in self.items.values():  # a response that is over makes no more audio
            if item.response_id == response.get("id"):
                item.made = True
        if response.get("status") == "failed":
            log.warning("realtime response failed in conversation %s: %s",
                        self.session.conversation_id, response.get("status_details"))
        self.responding = None
        if self.reply_owed:
            self.reply_owed = False
            await self._send({"type": "response.create"})
        elif self.transfer is not None:
            self.goodbye_said = True
        self._maybe_done()

    def _maybe_done(self) -> None:
        """After a transfer: end once the last words were played (or took too long)."""
        if self.transfer is None or self.ending_since is None:
            return
        played = all(i.truncated or i.played_ms >= i.sent_ms for i in self.items.values())
        if (self.goodbye_said and played) or time.monotonic() - self.ending_since > GOODBYE_S:
            self._finish("transferred")


def heard_part(text: str, played_ms: int, sent_ms: int) -> str:
    """The words of ``text`` the caller heard, by the share of its audio played."""
    words = text.split()
    if sent_ms <= 0 or played_ms >= sent_ms:
        return text
    return " ".join(words[:round(len(words) * played_ms / sent_ms)])


class _Journal:
    """The call's work on its record, in order, one job at a time in a worker thread
    (the tools and the transcript writes are synchronous database code)."""

    def __init__(self) -> None:
        self.jobs: deque[tuple[Callable[[], Any], anyio.Event | None, list[Any]]] = deque()
        self.wake = anyio.Event()

    def post(self, job: Callable[[], Any]) -> None:
        self.jobs.append((job, None, []))
        self.wake.set()

    async def call(self, job: Callable[[], _T]) -> _T:
        """Run ``job`` after everything posted before it; its result."""
        done, box = anyio.Event(), list[Any]()
        self.jobs.append((job, done, box))
        self.wake.set()
        await done.wait()
        result: _T = box[0]
        return result

    async def run(self) -> None:
        while True:
            while self.jobs:
                job, done, box = self.jobs.popleft()
                box.append(await anyio.to_thread.run_sync(job))  # waits even when cancelled
                if done is not None:
                    done.set()
            self.wake = anyio.Event()
            await self.wake.wait()

    def drain(self) -> None:
        """What is left when the call ends (blocking: run in a thread)."""
        while self.jobs:
            job, _, _ = self.jobs.popleft()
            try:
                job()
            except Exception:  # one failed write must not lose the rest (the call's end)
                log.exception("realtime call: recording failed at the end of the call")
