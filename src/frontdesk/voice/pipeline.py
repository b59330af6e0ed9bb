"""The streaming call: caller audio in, the agent's voice out, one event at a time.

``StreamingCall.handle(event)`` takes what the carrier sent (audio frames, a key
pressed, a mark played back, the end of the stream) and returns what to send it (audio,
marks, a clear, the end of the call). It is synchronous and holds no clock: the caller's
20 ms frames keep time, so a test drives it exactly and a door runs it off the event
loop. Speech goes through three Protocols (detector, recognizer, synthesizer) and the
conversation through ``CallSide`` (voice/agent_side.py binds it to ``Agent``).

A reply is spoken clause by clause with a mark after each; at most ``LOOKAHEAD``
clauses wait in the carrier's buffer, so a barge-in wastes little synthesis. When the
caller talks over us we send ``clear``, drop the rest, and the transcript keeps only the
clauses whose marks came back: what the caller actually heard.
"""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Protocol

from frontdesk.speech.base import SpeechError, SpeechToText, TextToSpeech
from frontdesk.voice import mulaw
from frontdesk.voice.resample import Resampler

log = logging.getLogger(__name__)

RATE = 8000  # the carrier's μ-law rate
FRAME_MS = 20
FRAME_BYTES = RATE * FRAME_MS // 1000  # one μ-law byte per sample
LOOKAHEAD = 2  # clauses queued at the carrier beyond the one playing
# Our audio goes out in messages of up to a second (whole 20 ms frames), as the voice
# makes it: both carriers take any length from 20 ms (Telnyx: up to 30 s), and a message
# per frame cost a relayed call more CPU than anything else it did.
MESSAGE_BYTES = FRAME_BYTES * 50
PRE_ROLL_FRAMES = 15  # 300 ms of audio before speech is detected goes to the recognizer


# --- what the carrier tells us, and what we tell it ----------------------------------------


@dataclass(frozen=True, slots=True)
class CallerAudio:
    mulaw: bytes  # μ-law, 8 kHz, mono


@dataclass(frozen=True, slots=True)
class Digit:
    digit: str  # 0-9, *, #


@dataclass(frozen=True, slots=True)
class MarkPlayed:
    name: str


@dataclass(frozen=True, slots=True)
class Stopped:
    """The stream ended (the caller hung up, or the carrier closed it)."""


@dataclass(frozen=True, slots=True)
class Closing:
    """This process is shutting down: finish the reply under way, say the closing line
    (or hand the caller over), and end the call (voice/live_calls.py)."""


Event = CallerAudio | Digit | MarkPlayed | Stopped | Closing


@dataclass(frozen=True, slots=True)
class SendAudio:
    mulaw: bytes


@dataclass(frozen=True, slots=True)
class SendMark:
    name: str


@dataclass(frozen=True, slots=True)
class ClearAudio:
    """Drop whatever the carrier still holds of our audio."""


@dataclass(frozen=True, slots=True)
class EndCall:
    """Everything said: close the stream (the carrier hangs up)."""


Command = SendAudio | SendMark | ClearAudio | EndCall


# --- the providers and the conversation, as the call sees them -----------------------------
# The recognizer and the voice are the speech providers' own protocols (speech/base.py);
# the call gives the recognizer the carrier's 8 kHz (the provider resamples as its model
# needs) and takes a voice at any rate (resampled to 8 kHz here). The detector
# here answers per 20 ms frame; a scoring model such as speech/silero_vad.py (fixed
# chunks, a probability) is wrapped to answer so.


class VoiceActivity(Protocol):
    def is_speech(self, pcm: bytes) -> bool:
        """Whether this 8 kHz 16-bit PCM frame holds speech."""
        ...


@dataclass(frozen=True, slots=True)
class Said:
    """A line for the caller, in which language, and whether to hang up after it."""

    text: str
    lang: str
    hang_up: bool = False


class CallSide(Protocol):
    """The conversation behind the call (the agent, its record)."""

    def greeting(self) -> Said: ...

    def answer(self, text: str) -> Said: ...

    def silence(self, prompts: int) -> Said: ...

    def closing(self, lang: str) -> Said:
        """The server is shutting down: the last line (it ends the conversation)."""
        ...

    def heard(self, planned: str, spoken: str) -> None:
        """Only ``spoken`` of the reply ``planned`` reached the caller."""
        ...

    def hung_up(self) -> None: ...

    def timings(self, latencies_ms: list[float]) -> None:
        """The call is over: how long each answer took to start (``latencies_ms``)."""
        ...


@dataclass(frozen=True, slots=True)
class TurnTiming:
    silence_ms: int = 400  # this much quiet after speech ends the caller's turn
    min_speech_ms: int = 60  # shorter blips are noise
    barge_in_ms: int = 120  # speech this long over our audio interrupts it
    digits_ms: int = 1500  # keys end after this long without another (or on #)
    reprompt_ms: int = 8000  # nothing from the caller this long: prompt again
    speculate_ms: int = 120  # quiet this long: start transcribing (with an executor)


_CLAUSE_END = re.compile(r"(?<=[.!?;:])\s+")


def clauses(text: str) -> list[str]:
    """The reply cut where a speaker would pause: after . ! ? ; and :."""
    return [c for c in (p.strip() for p in _CLAUSE_END.split(text)) if c]


def frames_of(mulaw_audio: bytes) -> Iterator[bytes]:
    for start in range(0, len(mulaw_audio), FRAME_BYTES):
        yield mulaw_audio[start:start + FRAME_BYTES]


@dataclass
class _Reply:
    number: int
    said: Said
    parts: list[str]
    sent: int = 0  # clauses synthesized and queued
    played: int = 0  # clauses whose marks came back

    def mark(self, index: int) -> str:
        return f"r{self.number}c{index}"

    @property
    def spoken(self) -> str:
        return " ".join(self.parts[: self.played])


@dataclass
class StreamingCall:
    """One call. ``handle``/``start`` return the commands as a list; ``stream``/``greet``
    yield them one by one as they are made, so a door sends the first clause's audio
    while the next is still being synthesized."""

    side: CallSide
    stt: SpeechToText
    tts: TextToSpeech
    vad: VoiceActivity
    timing: TurnTiming = field(default_factory=TurnTiming)
    lang: str = "en"
    # Transcribes a turn early, once the caller has been quiet ``speculate_ms``, so the
    # text is ready when the turn ends; without an executor every turn waits for it.
    executor: Executor | None = None
    clock: Callable[[], float] = time.monotonic
    ended: bool = False
    # End of the caller's speech → first audio of the answer, per turn (ms).
    latencies_ms: list[float] = field(default_factory=list)
    _reply: _Reply | None = None
    _replies: int = 0
    _speech: list[bytes] = field(default_factory=list)  # the caller's turn so far (PCM)
    # The last quiet frames before a turn: a detector is sure of speech only a frame or
    # two into it, and the soft start of a word ("h", "f", "s") would be lost without them.
    _before: deque[bytes] = field(default_factory=lambda: deque(maxlen=PRE_ROLL_FRAMES))
    _voiced: int = 0  # speech frames in a row
    _quiet: int = 0  # quiet frames in a row since the caller last spoke
    _talking: bool = False  # the caller's turn has begun
    _spoke_at: float = 0.0  # when the last speech frame came in
    _early: Future[str] | None = None  # the turn transcribed ahead of its end
    _answering_since: float | None = None  # a turn ended; its answer not yet heard
    _digits: str = ""
    _since_digit: int = 0
    _idle: int = 0  # frames with nothing from either side
    _silent_prompts: int = 0
    _closing: bool = False  # the closing line is due (after the reply being spoken)

    def start(self) -> list[Command]:
        """The call is connected: greet the caller."""
        return list(self.greet())

    def greet(self) -> Iterator[Command]:
        return self._speak(self.side.greeting())

    def handle(self, event: Event) -> list[Command]:
        return list(self.stream(event))

    def stream(self, event: Event) -> Iterator[Command]:
        if self.ended:
            return
        if self._closing and isinstance(event, CallerAudio | Digit):
            return  # nothing more is heard: the closing line is said whatever the caller does
        if isinstance(event, CallerAudio):
            for frame in frames_of(event.mulaw):
                yield from self._frame(mulaw.decode(frame))
                if self.ended:
                    return
        elif isinstance(event, Digit):
            yield from self._digit(event.digit)
        elif isinstance(event, MarkPlayed):
            yield from self._played(event.name)
        elif isinstance(event, Closing):
            yield from self._close()
        else:
            self.ended = True
            self._interrupt()  # hung up mid-reply: keep what was heard
            self.side.hung_up()
            self.side.timings(self.latencies_ms)

    # --- listening -----------------------------------------------------------------------

    def _frames(self, ms: int) -> int:
        return max(1, ms // FRAME_MS)

    def _frame(self, pcm: bytes) -> Iterator[Command]:
        if self.vad.is_speech(pcm):
            self._voiced += 1
            self._quiet = 0
            self._spoke_at = self.clock()
            self._early = None  # the caller went on: what was transcribed is not the turn
        else:
            self._voiced = 0
            self._quiet += 1
        if self._reply is not None and self._voiced >= self._frames(self.timing.barge_in_ms):
            yield ClearAudio()
            self._interrupt()
        if self._talking or self._voiced:
            if not self._speech:  # speech begins: with the moments before it
                self._speech.extend(self._before)
                self._before.clear()
            self._speech.append(pcm)
        if not self._talking and self._voiced >= self._frames(self.timing.min_speech_ms):
            self._talking = True
        elif not self._talking and not self._voiced:
            self._speech.clear()  # a blip, not a turn
            self._before.append(pcm)
        if self._talking and self._quiet >= self._frames(self.timing.silence_ms):
            yield from self._caller_turn()
            return
        if self._talking and self.executor is not None and self._early is None \
                and self._quiet == self._frames(self.timing.speculate_ms):
            self._early = self.executor.submit(
                self.stt.transcribe, b"".join(self._speech), RATE, self.lang)
        if self._digits:
            self._since_digit += 1
            if self._since_digit >= self._frames(self.timing.digits_ms):
                yield from self._keyed()
                return
        yield from self._tick_idle()

    def _tick_idle(self) -> Iterator[Command]:
        if self._reply is not None or self._talking or self._digits:
            self._idle = 0
            return
        self._idle += 1
        if self._idle < self._frames(self.timing.reprompt_ms):
            return
        self._idle = 0
        self._silent_prompts += 1
        yield from self._speak(self.side.silence(self._silent_prompts))

    def _caller_turn(self) -> Iterator[Command]:
        audio = b"".join(self._speech)
        early, self._early = self._early, None
        self._speech.clear()
        self._talking, self._voiced, self._quiet = False, 0, 0
        ended_at = self._spoke_at
        try:
            text = (early.result() if early is not None
                    else self.stt.transcribe(audio, RATE, self.lang)).strip()
        except SpeechError as exc:  # e.g. the caller switched to a language it lacks
            log.warning("streaming call: the turn could not be recognised: %s", exc)
            text = ""
        if text:
            self._answering_since = ended_at
            yield from self._answer(text)

    def _digit(self, digit: str) -> Iterator[Command]:
        if self._reply is not None:  # a key pressed over our audio interrupts it too
            yield ClearAudio()
            self._interrupt()
        if digit == "#":
            yield from self._keyed()
            return
        self._digits += digit
        self._since_digit = 0

    def _keyed(self) -> Iterator[Command]:
        digits, self._digits = self._digits, ""
        if digits:
            yield from self._answer(digits)

    def _answer(self, text: str) -> Iterator[Command]:
        self._silent_prompts = 0
        return self._speak(self.side.answer(text))

    # --- speaking ------------------------------------------------------------------------

    def _speak(self, said: Said) -> Iterator[Command]:
        self.lang = said.lang or self.lang
        self._replies += 1
        self._reply = _Reply(self._replies, said, clauses(said.text))
        if not self._reply.parts:
            self._reply = None
            self._answering_since = None
            return self._finish(said)
        return self._send_ahead()

    def _send_ahead(self) -> Iterator[Command]:
        reply = self._reply
        while reply is not None and reply.sent < min(len(reply.parts),
                                                     reply.played + 1 + LOOKAHEAD):
            try:
                for audio in self._voice(reply.parts[reply.sent], reply.said.lang):
                    if self._answering_since is not None:
                        self.latencies_ms.append(
                            (self.clock() - self._answering_since) * 1000)
                        self._answering_since = None
                    yield SendAudio(audio)
            except SpeechError as exc:  # a cloud voice failed mid-reply: say no more of it
                log.warning("streaming call: the voice failed: %s", exc)
                del reply.parts[reply.sent + 1:]
            yield SendMark(reply.mark(reply.sent))
            reply.sent += 1

    def _voice(self, text: str, lang: str) -> Iterator[bytes]:
        """μ-law audio of ``text`` spoken (whole frames but the last), as the synthesizer
        yields it."""
        resampler = Resampler(self.tts.sample_rate, RATE)
        pending = b""
        for chunk in self.tts.synthesize(text, lang):
            pending += mulaw.encode(resampler.feed(chunk))
            whole = len(pending) - len(pending) % FRAME_BYTES
            for start in range(0, whole, MESSAGE_BYTES):
                yield pending[start:min(start + MESSAGE_BYTES, whole)]
            pending = pending[whole:]
        if pending:
            yield pending

    def _played(self, name: str) -> Iterator[Command]:
        reply = self._reply
        if reply is None or reply.played >= reply.sent or name != reply.mark(reply.played):
            return  # a mark of audio we cleared, or not ours
        reply.played += 1
        if reply.played < len(reply.parts):
            yield from self._send_ahead()
            return
        self._reply = None
        yield from self._finish(reply.said)

    def _close(self) -> Iterator[Command]:
        """Say the closing line now, or once the reply being spoken has been heard (a
        turn the caller waited for is not cut short by a shutdown)."""
        if self._closing:
            return
        self._closing = True
        self._speech.clear()
        self._talking, self._early, self._digits = False, None, ""
        if self._reply is None:
            yield from self._speak(self.side.closing(self.lang))

    def _finish(self, said: Said) -> Iterator[Command]:
        if self._closing and not said.hang_up:
            yield from self._speak(self.side.closing(self.lang))
            return
        if said.hang_up:
            self.ended = True
            self.side.timings(self.latencies_ms)
            yield EndCall()

    def _interrupt(self) -> None:
        reply, self._reply = self._reply, None
        if reply is not None and reply.played < len(reply.parts):
            self.side.heard(reply.said.text, reply.spoken)
