"""Twilio's side of a media stream, played in real time: a caller who speaks audio
(beside ``carrier_sim``, which plays the carrier for calls by form webhooks).

``StreamCaller`` opens the WebSocket a ``<Connect><Stream>`` answer names and speaks as
Twilio does (https://www.twilio.com/docs/voice/media-streams/websocket-messages):
``connected``, ``start``, then a ``media`` message of μ-law every 20 ms for as long as
the call lasts (silence when the caller says nothing), ``stop`` at the end. What the
agent sends is "played" at the telephone's pace: each ``mark`` comes back once the audio
before it would have finished playing, and a ``clear`` drops what was not yet played
(its marks never come back). Used by ``frontdesk call --audio``, the end-to-end tests
and the voice benchmarks, so all three measure the same thing.

Each caller turn is audio; the next turn starts when the agent has been quiet for
``pause_s`` (or, for a barge-in, ``interrupt_after_s`` into the agent's answer).
End of speech is when the turn's last loud frame was sent; the latency of a turn is from
then to the first audio of the answer.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from frontdesk.voice import mulaw

FRAME_BYTES = 160  # 20 ms of μ-law at 8 kHz
FRAME_S = 0.02
SILENT_FRAME = bytes([mulaw.SILENCE]) * FRAME_BYTES
LOUD_RMS = 300.0  # a frame at least this loud is speech, for timing the end of a turn


@dataclass
class Turn:
    """One thing the caller says (μ-law 8 kHz), and how."""

    audio: bytes
    interrupt_after_s: float | None = None  # start this far into the agent's answer


@dataclass
class TurnResult:
    latency_ms: float | None = None  # end of the caller's speech → first audio back
    reply: bytes = b""  # the agent's audio after this turn (μ-law), as received
    cleared: bool = False  # the agent was told to stop (a barge-in) during this turn


@dataclass
class CallResult:
    greeting: bytes = b""
    turns: list[TurnResult] = field(default_factory=list)
    agent_audio: bytes = b""  # everything the agent sent, in order (μ-law)
    clears: int = 0
    hung_up_by_agent: bool = False


def last_loud_frame(audio: bytes) -> int:
    """The index of the turn's last frame loud enough to be speech (-1: none)."""
    last = -1
    for i in range(0, len(audio), FRAME_BYTES):
        if mulaw.rms(mulaw.decode(audio[i:i + FRAME_BYTES])) >= LOUD_RMS:
            last = i // FRAME_BYTES
    return last


@dataclass
class StreamCaller:
    call_sid: str
    stream_sid: str = "MZ" + "0" * 32
    pause_s: float = 1.2  # the agent quiet this long: its answer is over
    answer_timeout_s: float = 30.0
    result: CallResult = field(default_factory=CallResult)
    _ws: Any = None
    _pending_marks: list[tuple[float, str]] = field(default_factory=list)
    _played_until: float = 0.0
    _last_audio_at: float = 0.0
    _current: TurnResult | None = None
    _spoke_at: float | None = None  # when the current turn's speech ended
    _answer_started: float | None = None
    _closed: bool = False

    async def call(self, url: str, turns: list[Turn]) -> CallResult:
        """A whole call: listen to the greeting, say each turn, hang up."""
        async with self.connected(url):
            if not turns or turns[0].interrupt_after_s is None:
                await self.hear_out()  # the greeting, heard to its end
            for i, turn in enumerate(turns):
                if self._closed:
                    break
                following = turns[i + 1] if i + 1 < len(turns) else None
                await self.say(turn, hear_out=following is None
                               or following.interrupt_after_s is None)
        return self.result

    @contextlib.asynccontextmanager
    async def connected(self, url: str) -> AsyncIterator[StreamCaller]:
        """The stream open (``connected`` and ``start`` sent); ``stop`` on leaving."""
        import websockets

        async with websockets.connect(url, max_size=2**22, compression=None) as ws:
            self._ws = ws
            await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
            await self._send({"event": "start", "sequenceNumber": "1",
                              "streamSid": self.stream_sid,
                              "start": {"streamSid": self.stream_sid, "callSid": self.call_sid,
                                        "tracks": ["inbound"], "customParameters": {},
                                        "mediaFormat": {"encoding": "audio/x-mulaw",
                                                        "sampleRate": 8000, "channels": 1}}})
            receiver = asyncio.create_task(self._receive())
            try:
                yield self
                if not self._closed:
                    await self._send({"event": "stop", "streamSid": self.stream_sid,
                                      "stop": {"callSid": self.call_sid}})
            finally:
                receiver.cancel()

    async def hear_out(self) -> bytes:
        """Wait until the agent has spoken and gone quiet; what it said since the last
        turn (the greeting, before any)."""
        await self._wait_quiet()
        if not self.result.turns:
            self.result.greeting = self.result.agent_audio
            return self.result.greeting
        return self.result.turns[-1].reply

    async def hold(self, timeout_s: float) -> bool:
        """Stay on the line (silence, marks acknowledged) until the agent ends the call
        (True) or ``timeout_s`` passes (False): a caller waiting through a shutdown."""
        try:
            await self._silence_until(lambda: self._closed, timeout_s)
        except TimeoutError:
            return False
        return True

    async def say(self, turn: Turn, *, hear_out: bool = True) -> TurnResult:
        """Speak ``turn`` in real time; then (``hear_out``) wait for the whole answer."""
        await self._speak(turn)
        if hear_out:
            await self.hear_out()
        return self.result.turns[-1]

    # --- the caller's side: a frame every 20 ms -----------------------------------------

    async def _speak(self, turn: Turn) -> None:
        if turn.interrupt_after_s is not None:
            await self._wait_answer_started(turn.interrupt_after_s)
        else:
            self._answer_started = None
        self._current = TurnResult()
        self.result.turns.append(self._current)
        last = last_loud_frame(turn.audio)
        start = time.monotonic()
        for n, i in enumerate(range(0, len(turn.audio), FRAME_BYTES)):
            frame = turn.audio[i:i + FRAME_BYTES].ljust(FRAME_BYTES, bytes([mulaw.SILENCE]))
            await self._pace(start, n)
            await self._media(frame)
            if n == last:
                self._spoke_at = time.monotonic()
                self._answer_started = None

    async def _pace(self, start: float, n: int) -> None:
        delay = start + n * FRAME_S - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _media(self, frame: bytes) -> None:
        await self._send({"event": "media", "streamSid": self.stream_sid,
                          "media": {"track": "inbound", "payload":
                                    base64.b64encode(frame).decode()}})

    async def _silence_until(self, done: Any, timeout_s: float) -> None:
        """Keep sending silence (as a phone line does) until ``done()`` or the timeout."""
        start = time.monotonic()
        n = 0
        while not done() and not self._closed:
            if time.monotonic() - start > timeout_s:
                raise TimeoutError("the agent did not answer in time")
            await self._pace(start, n)
            await self._media(SILENT_FRAME)
            n += 1

    async def _wait_quiet(self) -> None:
        """Until the agent has said something and then been quiet for ``pause_s``."""
        began = time.monotonic()

        def quiet() -> bool:
            now = time.monotonic()
            heard = self._last_audio_at > began
            return heard and not self._pending_marks and now - max(
                self._last_audio_at, self._played_until) >= self.pause_s

        await self._silence_until(quiet, self.answer_timeout_s)

    async def _wait_answer_started(self, after_s: float) -> None:
        def started() -> bool:
            return self._answer_started is not None and \
                time.monotonic() - self._answer_started >= after_s

        await self._silence_until(started, self.answer_timeout_s)

    # --- the agent's side: play, acknowledge marks, obey clear ---------------------------

    async def _receive(self) -> None:
        import websockets

        try:
            async for raw in self._ws:
                message = json.loads(raw)
                now = time.monotonic()
                kind = message.get("event")
                if kind == "media":
                    audio = base64.b64decode(message["media"]["payload"])
                    self._heard(audio, now)
                elif kind == "mark":
                    self._pending_marks.append((self._played_until, message["mark"]["name"]))
                elif kind == "clear":
                    self.result.clears += 1
                    if self._current is not None:
                        self._current.cleared = True
                    self._pending_marks.clear()  # cleared audio's marks never come back
                    self._played_until = now
                await self._ack_marks()
        except websockets.ConnectionClosed:
            pass
        self._closed = True
        self.result.hung_up_by_agent = True

    def _heard(self, audio: bytes, now: float) -> None:
        if self._spoke_at is not None and self._current is not None:
            self._current.latency_ms = (now - self._spoke_at) * 1000
            self._spoke_at = None
        if self._answer_started is None:
            self._answer_started = now
        if self._current is not None:
            self._current.reply += audio
        self.result.agent_audio += audio
        self._last_audio_at = now
        self._played_until = max(self._played_until, now) + len(audio) / 8000

    async def _ack_marks(self) -> None:
        now = time.monotonic()
        while self._pending_marks and self._pending_marks[0][0] <= now:
            _, name = self._pending_marks.pop(0)
            await self._send({"event": "mark", "streamSid": self.stream_sid,
                              "mark": {"name": name}})

    async def _send(self, message: dict[str, Any]) -> None:
        if self._closed:
            return
        import websockets

        try:
            await self._ws.send(json.dumps(message))
        except websockets.ConnectionClosed:
            self._closed = True
        if message.get("event") == "media":
            await self._ack_marks()  # marks fall due as time passes, not only on messages
