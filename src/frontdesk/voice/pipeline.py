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

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from frontdesk.speech.base import SpeechToText, TextToSpeech
from frontdesk.voice import mulaw

RATE = 8000  # the carrier's μ-law rate
FRAME_MS = 20
FRAME_BYTES = RATE * FRAME_MS // 1000  # one μ-law byte per sample
LOOKAHEAD = 2  # clauses queued at the carrier beyond the one playing


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


Event = CallerAudio | Digit | MarkPlayed | Stopped


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
# the call gives the recognizer 16 kHz and takes a voice at 8 or 16 kHz. The detector
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

    def heard(self, planned: str, spoken: str) -> None:
        """Only ``spoken`` of the reply ``planned`` reached the caller."""
        ...

    def hung_up(self) -> None: ...


@dataclass(frozen=True, slots=True)
class TurnTiming:
    silence_ms: int = 400  # this much quiet after speech ends the caller's turn
    min_speech_ms: int = 60  # shorter blips are noise
    barge_in_ms: int = 120  # speech this long over our audio interrupts it
    digits_ms: int = 1500  # keys end after this long without another (or on #)
    reprompt_ms: int = 8000  # nothing from the caller this long: prompt again


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
    side: CallSide
    stt: SpeechToText
    tts: TextToSpeech
    vad: VoiceActivity
    timing: TurnTiming = field(default_factory=TurnTiming)
    lang: str = "en"
    ended: bool = False
    _reply: _Reply | None = None
    _replies: int = 0
    _speech: list[bytes] = field(default_factory=list)  # the caller's turn so far (PCM)
    _voiced: int = 0  # speech frames in a row
    _quiet: int = 0  # quiet frames in a row since the caller last spoke
    _talking: bool = False  # the caller's turn has begun
    _digits: str = ""
    _since_digit: int = 0
    _idle: int = 0  # frames with nothing from either side
    _silent_prompts: int = 0

    def start(self) -> list[Command]:
        """The call is connected: greet the caller."""
        return self._speak(self.side.greeting())

    def handle(self, event: Event) -> list[Command]:
        if self.ended:
            return []
        if isinstance(event, CallerAudio):
            out: list[Command] = []
            for frame in frames_of(event.mulaw):
                out += self._frame(mulaw.decode(frame))
            return out
        if isinstance(event, Digit):
            return self._digit(event.digit)
        if isinstance(event, MarkPlayed):
            return self._played(event.name)
        self.ended = True
        self._interrupt()  # hung up mid-reply: keep what was heard
        self.side.hung_up()
        return []

    # --- listening -----------------------------------------------------------------------

    def _frames(self, ms: int) -> int:
        return max(1, ms // FRAME_MS)

    def _frame(self, pcm: bytes) -> list[Command]:
        out: list[Command] = []
        if self.vad.is_speech(pcm):
            self._voiced += 1
            self._quiet = 0
        else:
            self._voiced = 0
            self._quiet += 1
        if self._reply is not None and self._voiced >= self._frames(self.timing.barge_in_ms):
            out.append(ClearAudio())
            self._interrupt()
        if self._talking or self._voiced:
            self._speech.append(pcm)
        if not self._talking and self._voiced >= self._frames(self.timing.min_speech_ms):
            self._talking = True
        elif not self._talking and not self._voiced:
            self._speech.clear()  # a blip, not a turn
        if self._talking and self._quiet >= self._frames(self.timing.silence_ms):
            return out + self._caller_turn()
        if self._digits:
            self._since_digit += 1
            if self._since_digit >= self._frames(self.timing.digits_ms):
                return out + self._keyed()
        return out + self._tick_idle()

    def _tick_idle(self) -> list[Command]:
        if self._reply is not None or self._talking or self._digits:
            self._idle = 0
            return []
        self._idle += 1
        if self._idle < self._frames(self.timing.reprompt_ms):
            return []
        self._idle = 0
        self._silent_prompts += 1
        return self._speak(self.side.silence(self._silent_prompts))

    def _caller_turn(self) -> list[Command]:
        audio = mulaw.upsample_8k_to_16k(b"".join(self._speech))
        self._speech.clear()
        self._talking, self._voiced, self._quiet = False, 0, 0
        text = self.stt.transcribe(audio, 16000, self.lang).strip()
        return self._answer(text) if text else []

    def _digit(self, digit: str) -> list[Command]:
        out: list[Command] = []
        if self._reply is not None:  # a key pressed over our audio interrupts it too
            out.append(ClearAudio())
            self._interrupt()
        if digit == "#":
            return out + self._keyed()
        self._digits += digit
        self._since_digit = 0
        return out

    def _keyed(self) -> list[Command]:
        digits, self._digits = self._digits, ""
        return self._answer(digits) if digits else []

    def _answer(self, text: str) -> list[Command]:
        self._silent_prompts = 0
        return self._speak(self.side.answer(text))

    # --- speaking ------------------------------------------------------------------------

    def _speak(self, said: Said) -> list[Command]:
        self.lang = said.lang or self.lang
        self._replies += 1
        self._reply = _Reply(self._replies, said, clauses(said.text))
        if not self._reply.parts:
            self._reply = None
            return self._finish(said)
        return self._send_ahead()

    def _send_ahead(self) -> list[Command]:
        reply = self._reply
        out: list[Command] = []
        while reply is not None and reply.sent < min(len(reply.parts),
                                                     reply.played + 1 + LOOKAHEAD):
            out += [SendAudio(f) for f in self._voice(reply.parts[reply.sent], reply.said.lang)]
            out.append(SendMark(reply.mark(reply.sent)))
            reply.sent += 1
        return out

    def _voice(self, text: str, lang: str) -> Iterator[bytes]:
        """μ-law frames of ``text`` spoken, as the synthesizer yields them."""
        pending = b""
        for chunk in self.tts.synthesize(text, lang):
            pending += chunk
            whole = len(pending) - len(pending) % (4 if self.tts.sample_rate == 16000 else 2)
            pcm, pending = pending[:whole], pending[whole:]
            if self.tts.sample_rate == 16000:
                pcm = mulaw.downsample_16k_to_8k(pcm)
            yield from frames_of(mulaw.encode(pcm))

    def _played(self, name: str) -> list[Command]:
        reply = self._reply
        if reply is None or reply.played >= reply.sent or name != reply.mark(reply.played):
            return []  # a mark of audio we cleared, or not ours
        reply.played += 1
        if reply.played < len(reply.parts):
            return self._send_ahead()
        self._reply = None
        return self._finish(reply.said)

    def _finish(self, said: Said) -> list[Command]:
        if said.hang_up:
            self.ended = True
            return [EndCall()]
        return []

    def _interrupt(self) -> None:
        reply, self._reply = self._reply, None
        if reply is not None and reply.played < len(reply.parts):
            self.side.heard(reply.said.text, reply.spoken)
