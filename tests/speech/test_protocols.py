"""Every provider keeps its Protocol: checked on the classes always (no optional package
needed), and on live instances where the provider can be built here."""

from __future__ import annotations

import inspect

import pytest

from frontdesk.speech.base import (
    SpeechToText,
    SpeechUnavailable,
    TextToSpeech,
    VoiceActivity,
    language_base,
)
from frontdesk.speech.espeak import EspeakTextToSpeech
from frontdesk.speech.faster_whisper_stt import FasterWhisperSpeechToText
from frontdesk.speech.piper_tts import PiperTextToSpeech
from frontdesk.speech.silero_vad import SileroVoiceActivity

CASES = [
    (EspeakTextToSpeech, TextToSpeech, "synthesize"),
    (PiperTextToSpeech, TextToSpeech, "synthesize"),
    (FasterWhisperSpeechToText, SpeechToText, "transcribe"),
    (SileroVoiceActivity, VoiceActivity, "is_speech"),
]


@pytest.mark.parametrize(("provider", "protocol", "method"), CASES)
def test_provider_methods_match_the_protocol(provider: type, protocol: type, method: str) -> None:
    """The provider module imports without its optional package, and its method takes the
    Protocol's parameters by the same names (a renamed or extra parameter fails here)."""
    expected = list(inspect.signature(getattr(protocol, method)).parameters)
    actual = list(inspect.signature(getattr(provider, method)).parameters)
    assert actual == expected
    for member in ("name", *(m for m in ("languages", "reset") if hasattr(protocol, m))):
        assert hasattr(provider, member), f"{provider.__name__} lacks {member}"


def test_language_base() -> None:
    assert language_base("es-MX") == "es"
    assert language_base("EN_us") == "en"
    assert language_base("en") == "en"


@pytest.mark.parametrize(("factory", "protocol"), [
    (EspeakTextToSpeech, TextToSpeech),
    (PiperTextToSpeech, TextToSpeech),
    (FasterWhisperSpeechToText, SpeechToText),
    (SileroVoiceActivity, VoiceActivity),
])
def test_live_instances_are_protocol_instances(factory: type, protocol: type) -> None:
    try:
        instance = factory()
    except SpeechUnavailable as exc:
        pytest.skip(f"{factory.__name__} is not available here: {exc}")
    assert isinstance(instance, protocol)
