"""The streaming resampler: speech-band tones pass, what 8 kHz cannot carry is removed,
and chunking never changes the result."""

from __future__ import annotations

import math

import numpy as np
import pytest

from frontdesk.voice.resample import Resampler


def tone(freq: float, rate: int, seconds: float, level: float = 8000.0) -> bytes:
    n = int(rate * seconds)
    return np.array([level * math.sin(2 * math.pi * freq * i / rate) for i in range(n)],
                    dtype="<i2").tobytes()


def level(pcm: bytes) -> float:
    x = np.frombuffer(pcm, dtype="<i2").astype(float)[100:-100]  # past the filter's edges
    return float(np.sqrt(np.mean(x * x)))


@pytest.mark.parametrize("rate", [16000, 22050, 24000, 44100])
def test_a_speech_tone_keeps_its_length_and_level(rate: int) -> None:
    out = Resampler(rate).feed(tone(1000, rate, 0.5))
    assert abs(len(out) // 2 - 4000) <= 1  # half a second at 8 kHz
    assert level(out) == pytest.approx(level(tone(1000, 8000, 0.5)), rel=0.05)


def test_a_tone_above_four_kilohertz_is_filtered_not_folded_back() -> None:
    # 7 kHz at 22,050 Hz would alias to 1 kHz at 8 kHz without the low-pass.
    out = Resampler(22050).feed(tone(7000, 22050, 0.5))
    assert level(out) < 0.05 * 8000 / math.sqrt(2)


@pytest.mark.parametrize("chunk", [1, 333, 4096])
def test_chunks_of_any_size_give_the_same_audio(chunk: int) -> None:
    audio = tone(440, 22050, 0.3) + tone(1200, 22050, 0.2)
    whole = Resampler(22050).feed(audio)
    resampler = Resampler(22050)
    pieces = b"".join(resampler.feed(audio[i:i + chunk]) for i in range(0, len(audio), chunk))
    assert pieces == whole


def test_the_same_rate_passes_through_untouched() -> None:
    audio = tone(300, 8000, 0.1)
    assert Resampler(8000).feed(audio) == audio
