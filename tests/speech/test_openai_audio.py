"""The OpenAI-compatible audio provider against a stand-in speaking the real wire format
(multipart WAV in, streamed 24 kHz PCM out), through the official SDK."""

from __future__ import annotations

import io
import socket
import time
import wave
from collections.abc import Iterator

import pytest

from frontdesk.speech.base import SpeechError, UnsupportedLanguage
from frontdesk.speech.openai_audio import OpenAISpeechToText, OpenAITextToSpeech, wav_of
from tests.conftest import serving
from tests.standins.openai_audio import OpenAIAudio, openai_audio_app
from tests.standins.pcm import speech_length, tone


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[OpenAIAudio, str]]:
    server = OpenAIAudio()
    with serving(openai_audio_app(server)) as url:
        yield server, url + "/v1"


@pytest.fixture
def audio(served: tuple[OpenAIAudio, str]) -> OpenAIAudio:
    served[0].reset()
    return served[0]


@pytest.fixture
def url(served: tuple[OpenAIAudio, str]) -> str:
    return served[1]


def _stt(url: str, key: str = "sk-test-audio", timeout_s: float = 5.0) -> OpenAISpeechToText:
    return OpenAISpeechToText(base_url=url, api_key=key, model="gpt-4o-mini-transcribe",
                              timeout_s=timeout_s)


def _tts(url: str, key: str = "sk-test-audio", timeout_s: float = 5.0) -> OpenAITextToSpeech:
    return OpenAITextToSpeech(base_url=url, api_key=key, model="gpt-4o-mini-tts",
                              voices={"en": "alloy", "es": "nova"}, timeout_s=timeout_s)


def test_caller_audio_goes_as_a_wav_file_and_comes_back_as_text(audio: OpenAIAudio,
                                                                url: str) -> None:
    pcm = tone(1.2, 8000, hz=300)
    audio.recognizes(pcm, "I'd like a haircut tomorrow at 3.")
    assert _stt(url).transcribe(pcm, 8000, "en-US") == "I'd like a haircut tomorrow at 3."
    assert audio.recorder.sent == [{
        "endpoint": "transcriptions", "model": "gpt-4o-mini-transcribe", "language": "en",
        "sample_rate": 8000, "samples": 9600, "filename": "speech.wav"}]


def test_spanish_is_asked_for_as_spanish(audio: OpenAIAudio, url: str) -> None:
    pcm = tone(0.8, 8000, hz=200)
    audio.recognizes(pcm, "Quiero una cita mañana.")
    assert _stt(url).transcribe(pcm, 8000, "es-MX") == "Quiero una cita mañana."
    assert audio.recorder.sent[0]["language"] == "es"


def test_the_voice_streams_pcm_and_its_first_chunk_comes_before_the_rest(
        audio: OpenAIAudio, url: str) -> None:
    audio.stall_s = 0.6  # the stand-in waits after its first chunk
    text = "Thanks, you are booked for tomorrow at three."
    start = time.perf_counter()
    stream = _tts(url).synthesize(text, "en")
    first = next(stream)
    first_at = time.perf_counter() - start
    rest = list(stream)
    assert first_at < 0.5 <= time.perf_counter() - start
    pieces = [first, *rest]
    assert len(pieces) > 2 and all(len(piece) % 2 == 0 for piece in pieces)
    assert b"".join(pieces) == tone(speech_length(text), 24000)
    assert audio.recorder.sent == [{"endpoint": "speech", "model": "gpt-4o-mini-tts",
                                    "voice": "alloy", "input": text}]


def test_spanish_is_spoken_with_the_spanish_voice(audio: OpenAIAudio, url: str) -> None:
    tts = _tts(url)
    assert b"".join(tts.synthesize("Hasta mañana.", "es-ES"))
    assert audio.recorder.sent[0]["voice"] == "nova"
    assert tts.languages() == {"en", "es"} and tts.sample_rate == 24000


def test_a_language_without_a_voice_is_refused_before_any_request(audio: OpenAIAudio,
                                                                   url: str) -> None:
    with pytest.raises(UnsupportedLanguage, match="'fr'"):
        _tts(url).synthesize("Bonjour", "fr")
    assert audio.recorder.requests == 0


def test_a_wrong_key_is_an_error_that_names_the_setting(audio: OpenAIAudio, url: str) -> None:
    with pytest.raises(SpeechError, match=r"refused the key \(401\).*"
                                          "FRONTDESK_SPEECH_OPENAI_API_KEY"):
        _stt(url, key="sk-wrong").transcribe(tone(0.5, 8000), 8000, "en")
    with pytest.raises(SpeechError, match="FRONTDESK_SPEECH_OPENAI_API_KEY"):
        list(_tts(url, key="sk-wrong").synthesize("Hello", "en"))
    assert audio.recorder.sent == []


def test_a_server_error_is_a_speech_error(audio: OpenAIAudio, url: str) -> None:
    audio.recorder.fail_first = 2
    with pytest.raises(SpeechError, match="answered 500"):
        _stt(url).transcribe(tone(0.5, 8000), 8000, "en")
    with pytest.raises(SpeechError, match="answered 500"):
        list(_tts(url).synthesize("Hello", "en"))
    assert audio.recorder.requests == 2  # no retries: a live call has no time for them


def test_a_slow_server_is_given_up_on_in_time(audio: OpenAIAudio, url: str) -> None:
    audio.delay_s = 2.0
    start = time.perf_counter()
    with pytest.raises(SpeechError, match=r"did not answer within 0.3 s"):
        _stt(url, timeout_s=0.3).transcribe(tone(0.5, 8000), 8000, "en")
    assert time.perf_counter() - start < 1.5


def test_a_voice_that_stalls_mid_sentence_is_given_up_on(audio: OpenAIAudio,
                                                         url: str) -> None:
    audio.stall_s = 2.0
    stream = _tts(url, timeout_s=0.3).synthesize("Let me check that for you.", "en")
    assert next(stream)
    with pytest.raises(SpeechError, match=r"sent no audio for 0.3 s"):
        list(stream)


def test_a_stream_cut_off_is_a_speech_error(audio: OpenAIAudio, url: str) -> None:
    audio.break_after = 2
    with pytest.raises(SpeechError, match="broke off"):
        list(_tts(url).synthesize("One moment while I look at the calendar.", "en"))


def test_a_server_that_is_not_there_is_named() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    with pytest.raises(SpeechError, match=f"127.0.0.1:{port}/v1 could not be reached"):
        _stt(f"http://127.0.0.1:{port}/v1").transcribe(tone(0.2, 8000), 8000, "en")


def test_the_wav_file_holds_exactly_the_pcm() -> None:
    pcm = tone(0.25, 16000)
    with wave.open(io.BytesIO(wav_of(pcm, 16000)), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        assert wav.readframes(wav.getnframes()) == pcm


def test_half_a_sample_is_refused_before_any_request(audio: OpenAIAudio, url: str) -> None:
    with pytest.raises(SpeechError, match="even number of bytes"):
        _stt(url).transcribe(b"\x00\x01\x02", 8000, "en")
    assert audio.recorder.requests == 0
