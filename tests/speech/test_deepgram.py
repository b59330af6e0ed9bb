"""Deepgram's recognizer and Aura-2 voice against a stand-in speaking its REST wire
format (raw linear16 in, JSON transcript out; JSON text in, streamed PCM out)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from frontdesk.speech.base import SpeechError, SpeechUnavailable, UnsupportedLanguage
from frontdesk.speech.deepgram import DeepgramSpeechToText, DeepgramTextToSpeech
from tests.conftest import serving
from tests.standins.deepgram import Deepgram, deepgram_app
from tests.standins.pcm import speech_length, tone

VOICES = {"en": "aura-2-thalia-en", "es": "aura-2-celeste-es"}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Deepgram, str]]:
    server = Deepgram()
    with serving(deepgram_app(server)) as url:
        yield server, url


@pytest.fixture
def deepgram(served: tuple[Deepgram, str]) -> Deepgram:
    served[0].reset()
    return served[0]


@pytest.fixture
def url(served: tuple[Deepgram, str]) -> str:
    return served[1]


def _stt(url: str, key: str = "dg-test-key", timeout_s: float = 5.0) -> DeepgramSpeechToText:
    return DeepgramSpeechToText(api_key=key, base_url=url, timeout_s=timeout_s)


def _tts(url: str, key: str = "dg-test-key", timeout_s: float = 5.0) -> DeepgramTextToSpeech:
    return DeepgramTextToSpeech(api_key=key, base_url=url, voices=VOICES, timeout_s=timeout_s)


def test_phone_audio_is_sent_raw_and_its_transcript_read(deepgram: Deepgram, url: str) -> None:
    pcm = tone(1.5, 8000, hz=250)
    deepgram.recognizes(pcm, "I need to move my appointment")
    assert _stt(url).transcribe(pcm, 8000, "en-US") == "I need to move my appointment"
    assert deepgram.recorder.sent == [{
        "endpoint": "listen", "model": "nova-3", "language": "en", "sample_rate": 8000,
        "samples": 12000, "content_type": "application/octet-stream"}]


def test_spanish_is_heard_as_spanish_and_spoken_by_a_spanish_voice(deepgram: Deepgram,
                                                                   url: str) -> None:
    pcm = tone(0.9, 8000, hz=220)
    deepgram.recognizes(pcm, "Quiero cancelar mi cita")
    assert _stt(url).transcribe(pcm, 8000, "es-MX") == "Quiero cancelar mi cita"
    audio = b"".join(_tts(url).synthesize("Su cita está cancelada.", "es"))
    assert audio == tone(speech_length("Su cita está cancelada."), 8000)
    listen, speak = deepgram.recorder.sent
    assert listen["language"] == "es"
    assert speak == {"endpoint": "speak", "model": "aura-2-celeste-es", "sample_rate": 8000,
                     "text": "Su cita está cancelada."}


def test_the_voice_streams_8khz_pcm_whole_samples_first_chunk_early(deepgram: Deepgram,
                                                                    url: str) -> None:
    deepgram.stall_s = 0.6
    tts = _tts(url)
    assert tts.sample_rate == 8000  # the phone line's rate: nothing to resample
    start = time.perf_counter()
    stream = tts.synthesize("Your appointment is on Tuesday at ten.", "en")
    first = next(stream)
    first_at = time.perf_counter() - start
    pieces = [first, *stream]
    assert first_at < 0.5 <= time.perf_counter() - start
    assert len(pieces) > 2 and all(len(piece) % 2 == 0 for piece in pieces)
    assert deepgram.recorder.sent[0]["model"] == "aura-2-thalia-en"


def test_a_language_without_a_voice_is_refused_before_any_request(deepgram: Deepgram,
                                                                   url: str) -> None:
    with pytest.raises(UnsupportedLanguage, match="'de'"):
        _tts(url).synthesize("Guten Tag", "de")
    assert deepgram.recorder.requests == 0


def test_a_wrong_key_is_an_error_with_deepgrams_reason_and_the_setting(
        deepgram: Deepgram, url: str) -> None:
    with pytest.raises(SpeechError, match=r"refused the key \(401 INVALID_AUTH: Invalid "
                                          r"credentials.\) \(request [0-9a-f-]{36}\): check "
                                          "FRONTDESK_SPEECH_DEEPGRAM_API_KEY"):
        _stt(url, key="wrong").transcribe(tone(0.3, 8000), 8000, "en")
    with pytest.raises(SpeechError, match="FRONTDESK_SPEECH_DEEPGRAM_API_KEY"):
        list(_tts(url, key="wrong").synthesize("Hello", "en"))
    assert deepgram.recorder.sent == []


def test_no_key_at_all_is_unavailable_not_a_request() -> None:
    with pytest.raises(SpeechUnavailable, match="FRONTDESK_SPEECH_DEEPGRAM_API_KEY"):
        DeepgramSpeechToText(api_key="")


def test_a_server_error_is_a_speech_error(deepgram: Deepgram, url: str) -> None:
    deepgram.recorder.fail_first = 2
    with pytest.raises(SpeechError, match="answered 500 INTERNAL_SERVER_ERROR"):
        _stt(url).transcribe(tone(0.3, 8000), 8000, "en")
    with pytest.raises(SpeechError, match="answered 500"):
        list(_tts(url).synthesize("Hello", "en"))


def test_a_slow_server_is_given_up_on_in_time(deepgram: Deepgram, url: str) -> None:
    deepgram.delay_s = 2.0
    start = time.perf_counter()
    with pytest.raises(SpeechError, match=r"did not answer within 0.3 s"):
        _stt(url, timeout_s=0.3).transcribe(tone(0.3, 8000), 8000, "en")
    assert time.perf_counter() - start < 1.5


def test_a_voice_that_stalls_mid_sentence_is_given_up_on(deepgram: Deepgram, url: str) -> None:
    deepgram.stall_s = 2.0
    stream = _tts(url, timeout_s=0.3).synthesize("Let me look at the calendar.", "en")
    assert next(stream)
    with pytest.raises(SpeechError, match=r"did not answer within 0.3 s"):
        list(stream)


def test_a_refused_request_carries_deepgrams_own_words(deepgram: Deepgram, url: str) -> None:
    # 11,025 Hz is no linear16 rate Deepgram takes: it answers 400 with its reason.
    with pytest.raises(SpeechError, match="answered 400 Bad Request: Raw audio needs"):
        _stt(url).transcribe(tone(0.3, 8000), 11025, "en")
