"""Speech tests run only where the optional parts are installed; elsewhere each one skips
and says what is missing (the main test run installs none of them)."""

from __future__ import annotations

import re
import shutil
from difflib import SequenceMatcher

import pytest

from frontdesk.speech.base import SpeechUnavailable
from frontdesk.speech.espeak import EspeakTextToSpeech

NUMBER_WORDS = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five"}


def normalized(text: str) -> str:
    words = re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()
    return " ".join(NUMBER_WORDS.get(word, word) for word in words)


def similarity(heard: str, said: str) -> float:
    return SequenceMatcher(None, normalized(heard), normalized(said)).ratio()


@pytest.fixture(scope="module")
def espeak() -> EspeakTextToSpeech:
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng)")
    try:
        return EspeakTextToSpeech()
    except SpeechUnavailable as exc:  # pragma: no cover - which() found it above
        pytest.skip(str(exc))


def resample(pcm16: bytes, rate: int, to_rate: int) -> bytes:
    """Linear resampling with numpy (present wherever the speech parts are); going down, a
    moving average first stands in for the phone line's low-pass filter (without one,
    22,050 -> 8,000 Hz aliases enough to cost tiny.en words)."""
    np = pytest.importorskip("numpy", reason="numpy comes with the speech extra")
    audio = np.frombuffer(pcm16, dtype="<i2").astype(np.float32)
    width = round(rate / to_rate)
    if width > 1:
        audio = np.convolve(audio, np.ones(width) / width, mode="same")
    count = round(audio.size * to_rate / rate)
    out = np.interp(np.linspace(0, audio.size - 1, count), np.arange(audio.size), audio)
    return bytes(out.astype("<i2").tobytes())
