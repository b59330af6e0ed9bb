"""Silero VAD hears espeak-ng's speech and not silence, at phone (8 kHz) and 16 kHz."""

from __future__ import annotations

import pytest

from frontdesk.speech.base import SpeechError, SpeechUnavailable
from frontdesk.speech.espeak import EspeakTextToSpeech
from frontdesk.speech.silero_vad import SileroVoiceActivity

from .conftest import resample


def _vad(rate: int) -> SileroVoiceActivity:
    try:
        return SileroVoiceActivity(rate)
    except SpeechUnavailable as exc:
        pytest.skip(f"Silero VAD is absent (onnxruntime + silero-vad's model): {exc}")


def _scores(vad: SileroVoiceActivity, audio: bytes) -> list[float]:
    size = vad.chunk_samples * 2
    return [vad.is_speech(audio[i:i + size]) for i in range(0, len(audio) - size + 1, size)]


@pytest.mark.parametrize("rate", [8000, 16000])
def test_speech_is_found_and_silence_is_not(espeak: EspeakTextToSpeech, rate: int) -> None:
    vad = _vad(rate)
    speech = resample(b"".join(espeak.synthesize("I'd like a haircut tomorrow at three", "en")),
                      espeak.sample_rate, rate)
    silence = b"\0\0" * rate  # one second
    scores = _scores(vad, silence)
    assert max(scores) < 0.2, scores
    vad.reset()
    scores = _scores(vad, speech)
    assert sum(score > 0.5 for score in scores) >= len(scores) // 3, scores
    vad.reset()
    after = _scores(vad, speech + silence)[-10:]  # the last 320 ms of the silence
    assert max(after) < 0.5, after


def test_wrong_chunk_size_is_refused() -> None:
    vad = _vad(8000)
    with pytest.raises(SpeechError):
        vad.is_speech(b"\0\0" * 512)
