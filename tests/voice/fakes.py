"""Deterministic stand-ins for speech: text becomes loud μ-law "audio" that decodes back.

Each printable character is one loud μ-law code (|sample| ≥ ~2,000, so the energy
detector hears it as speech), held for a run of samples; reading every run's first
sample gives the text back. The recognizer and the carrier's "ear" both read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from frontdesk.voice import mulaw
from frontdesk.voice.pipeline import FRAME_BYTES, Said

SILENT_FRAME = bytes([mulaw.SILENCE]) * FRAME_BYTES
RUN = 40  # samples per character of "speech" (5 ms)


def _code(char: str) -> int:
    n = ord(char) - 0x20
    if not 0 <= n < 95:
        raise ValueError(f"not printable: {char!r}")
    return n if n < 64 else 0x80 + n - 64


def _char(code: int) -> str | None:
    if code < 64:
        return chr(code + 0x20)
    if 0x80 <= code < 0x80 + 31:
        return chr(code - 0x80 + 64 + 0x20)
    return None  # quiet: not speech


def speech(text: str, run: int = RUN) -> bytes:
    """μ-law audio of ``text``, padded with silence to whole 20 ms frames."""
    audio = b"".join(bytes([_code(c)]) * run for c in text)
    return audio + bytes([mulaw.SILENCE]) * (-len(audio) % FRAME_BYTES)


def hear(mulaw_audio: bytes, run: int = RUN) -> str:
    """The text in audio made by ``speech`` (from its first loud run to the next quiet
    one)."""
    out: list[str] = []
    for code in mulaw_audio[run // 2::run]:  # mid-run: clear of a resampler's smoothing
        char = _char(code)
        if char is None:
            if out:
                break
            continue  # quiet before the speech (a recognizer gets a moment of it too)
        out.append(char)
    return "".join(out)


@dataclass
class TextRecognizer:
    """A SpeechToText that reads ``speech`` audio back (it receives 8 kHz PCM)."""

    heard: list[str] = field(default_factory=list)
    name: str = "text-recognizer"

    def transcribe(self, pcm: bytes, sample_rate: int, lang: str) -> str:
        assert sample_rate == 8000  # the carrier's rate: the provider resamples if it must
        text = hear(mulaw.encode(pcm))
        self.heard.append(text)
        return text


@dataclass
class TextVoice:
    """A TextToSpeech that "speaks" text as ``speech`` audio, one chunk per word."""

    sample_rate: int = 8000
    run: int = RUN
    spoken: list[str] = field(default_factory=list)
    name: str = "text-voice"

    def languages(self) -> frozenset[str]:
        return frozenset({"en", "es"})

    def synthesize(self, text: str, lang: str) -> Iterator[bytes]:
        self.spoken.append(text)
        repeat = self.sample_rate // 8000
        for i, word in enumerate(text.split(" ")):
            piece = (" " if i else "") + word
            pcm = mulaw.decode(b"".join(bytes([_code(c)]) * self.run for c in piece))
            # At 16 kHz every sample twice: the middle of each run survives resampling.
            yield b"".join(pcm[j:j + 2] * repeat for j in range(0, len(pcm), 2))


@dataclass
class ScriptedSide:
    """A CallSide that echoes the caller, and remembers what it was told."""

    greeting_text: str = "Hello. How can I help?"
    replies: dict[str, Said] = field(default_factory=dict)
    answered: list[str] = field(default_factory=list)
    heard_calls: list[tuple[str, str]] = field(default_factory=list)
    silences: list[int] = field(default_factory=list)
    hangups: int = 0
    closings: int = 0
    latencies: list[list[float]] = field(default_factory=list)

    def greeting(self) -> Said:
        return Said(self.greeting_text, "en")

    def answer(self, text: str) -> Said:
        self.answered.append(text)
        return self.replies.get(text, Said(f"You said {text}. Anything else?", "en"))

    def silence(self, prompts: int) -> Said:
        self.silences.append(prompts)
        return Said("Are you still there?", "en")

    def closing(self, lang: str) -> Said:
        self.closings += 1
        return Said("Sorry, we must go.", lang, hang_up=True)

    def heard(self, planned: str, spoken: str) -> None:
        self.heard_calls.append((planned, spoken))

    def hung_up(self) -> None:
        self.hangups += 1

    def timings(self, latencies_ms: list[float]) -> None:
        self.latencies.append(list(latencies_ms))
