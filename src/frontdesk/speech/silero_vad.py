"""Silero VAD (MIT) as the voice-activity provider, run with onnxruntime directly.

The PyPI package ``silero-vad`` ships the ONNX model (``silero_vad/data/silero_vad.onnx``,
2.3 MB) but depends on torch; frontdesk needs only the file. The model is found without
importing the package (which would import torch), so ``pip install --no-deps silero-vad``
plus onnxruntime is enough. The model takes 32 ms windows: 256 samples at 8 kHz (phone
audio, no resampling) or 512 at 16 kHz, each with the previous window's last 32/64 samples
as context, and carries a recurrent state between windows.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from frontdesk.speech.base import SpeechError, SpeechUnavailable, check_pcm16

CHUNK_SAMPLES = {8000: 256, 16000: 512}
CONTEXT_SAMPLES = {8000: 32, 16000: 64}


def bundled_model_path() -> Path | None:
    """The ONNX model inside the installed ``silero-vad`` package, without importing it."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / "silero_vad.onnx"
        if path.is_file():
            return path
    return None


class SileroVoiceActivity:
    """One instance per audio stream: the model's state runs from chunk to chunk."""

    name = "silero-vad"

    def __init__(self, sample_rate: int = 8000, *, model_path: str | Path | None = None) -> None:
        if sample_rate not in CHUNK_SAMPLES:
            raise SpeechError("Silero VAD takes 8000 or 16000 Hz audio")
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        try:
            import numpy as np
            import onnxruntime
        except ImportError as exc:
            raise SpeechUnavailable("onnxruntime is not installed (the speech extra)") from exc
        path = Path(model_path) if model_path is not None else bundled_model_path()
        if path is None or not path.is_file():
            raise SpeechUnavailable(
                "no Silero VAD model on disk: pip install --no-deps silero-vad, or name the file"
            )
        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1  # 0.1 ms a window: threads would cost more
        self._np: Any = np
        self._session: Any = onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.sample_rate = sample_rate
        self.chunk_samples = CHUNK_SAMPLES[sample_rate]
        self._context_samples = CONTEXT_SAMPLES[sample_rate]
        self._rate = np.array(sample_rate, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        np = self._np
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._context = np.zeros((1, self._context_samples), dtype=np.float32)

    def is_speech(self, pcm16_chunk: bytes) -> float:
        check_pcm16(pcm16_chunk)
        if len(pcm16_chunk) != self.chunk_samples * 2:
            raise SpeechError(
                f"Silero VAD takes {self.chunk_samples} samples ({self.chunk_samples * 2} "
                f"bytes) at {self.sample_rate} Hz, not {len(pcm16_chunk)} bytes"
            )
        np = self._np
        samples = np.frombuffer(pcm16_chunk, dtype="<i2").astype(np.float32) / 32768.0
        window = np.concatenate([self._context, samples.reshape(1, -1)], axis=1)
        output, self._state = self._session.run(
            None, {"input": window, "state": self._state, "sr": self._rate}
        )
        self._context = window[:, -self._context_samples:]
        return float(output[0][0])
