"""The contracts every speech provider keeps, and the PCM helpers they share.

Audio crosses these Protocols as 16-bit signed little-endian mono PCM (``pcm16``) with its
sample rate stated beside it; nothing here depends on numpy or any speech library.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Protocol, runtime_checkable

SAMPLE_WIDTH = 2  # bytes per sample: PCM16


class SpeechError(Exception):
    """A speech provider could not do what it was asked."""


class SpeechUnavailable(SpeechError):
    """The provider's optional package, model or program is not on this machine."""


class UnsupportedLanguage(SpeechError):
    """The provider has no model or voice for the language asked for."""


@runtime_checkable
class SpeechToText(Protocol):
    """Turns one utterance of caller audio into text."""

    name: str

    def transcribe(self, pcm16: bytes, sample_rate: int, language: str) -> str: ...


@runtime_checkable
class TextToSpeech(Protocol):
    """Speaks text as PCM16 chunks at ``sample_rate``, yielding the first chunk as soon as
    it exists so the caller hears the start before the end is made."""

    name: str
    sample_rate: int

    def languages(self) -> frozenset[str]: ...

    def synthesize(self, text: str, language: str) -> Iterator[bytes]: ...


@runtime_checkable
class VoiceActivity(Protocol):
    """Scores one fixed-size chunk of audio (``chunk_samples`` at ``sample_rate``) as the
    probability, 0..1, that it is speech. Stateful across chunks of one stream."""

    name: str
    sample_rate: int
    chunk_samples: int

    def is_speech(self, pcm16_chunk: bytes) -> float: ...

    def reset(self) -> None: ...


class VoiceChoice:
    """A cloud provider's voice per base language ("en", "es"), as the settings name them
    (a language left empty has none)."""

    def __init__(self, provider: str, voices: Mapping[str, str]) -> None:
        self.provider = provider
        self.by_language = {language_base(lang): voice for lang, voice in voices.items()
                            if voice}

    def languages(self) -> frozenset[str]:
        return frozenset(self.by_language)

    def __call__(self, language: str) -> str:
        voice = self.by_language.get(language_base(language))
        if voice is None:
            raise UnsupportedLanguage(f"no {self.provider} voice is set for {language!r}")
        return voice


def language_base(language: str) -> str:
    """"es-MX" -> "es", "EN_us" -> "en": providers pick voices by the base language."""
    return language.replace("_", "-").split("-", 1)[0].lower()


def check_pcm16(pcm16: bytes) -> None:
    if len(pcm16) % SAMPLE_WIDTH:
        raise SpeechError("PCM16 audio must have an even number of bytes")
    if sys.byteorder != "little":  # pragma: no cover - every supported platform is
        raise SpeechError("PCM16 helpers assume a little-endian machine")
