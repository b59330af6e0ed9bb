from __future__ import annotations

import pytest

from frontdesk.speech.base import UnsupportedLanguage
from frontdesk.speech.espeak import EspeakTextToSpeech


@pytest.mark.parametrize(("language", "text"), [
    ("en", "I'd like a haircut tomorrow at three"),
    ("es-MX", "Quisiera una cita mañana a las tres"),
])
def test_speaks_english_and_spanish_in_chunks(espeak: EspeakTextToSpeech, language: str,
                                              text: str) -> None:
    chunks = list(espeak.synthesize(text, language))
    audio = b"".join(chunks)
    assert espeak.sample_rate == 22050
    assert all(len(chunk) % 2 == 0 for chunk in chunks)
    assert len(chunks) > 1, "audio should stream in several chunks"
    seconds = len(audio) / 2 / espeak.sample_rate
    assert 1.0 < seconds < 6.0, seconds
    assert max(abs(int.from_bytes(audio[i:i + 2], "little", signed=True))
               for i in range(0, len(audio), 2)) > 3000, "silence instead of speech"


def test_text_that_looks_like_an_option_is_spoken(espeak: EspeakTextToSpeech) -> None:
    audio = b"".join(espeak.synthesize("--version please", "en"))
    assert len(audio) / 2 / espeak.sample_rate > 0.5


def test_unknown_language_is_refused(espeak: EspeakTextToSpeech) -> None:
    assert espeak.languages() == frozenset({"en", "es"})
    with pytest.raises(UnsupportedLanguage):
        espeak.synthesize("bonjour", "fr")


def test_stopping_early_ends_the_process(espeak: EspeakTextToSpeech) -> None:
    stream = espeak.synthesize("This is a long sentence that we interrupt. " * 10, "en")
    first = next(stream)
    assert first
    stream.close()  # barge-in: the generator's cleanup kills espeak-ng without error
