"""OpenAI-compatible audio endpoints as speech-to-text and text-to-speech (issue 15).

Wire format followed (https://platform.openai.com/docs/api-reference/audio):

- ``POST {base}/audio/transcriptions``: multipart form, ``file`` (here a WAV of the
  caller's PCM16), ``model``, ``language`` (ISO-639-1), ``response_format=json``;
  answers ``{"text": "..."}``.
- ``POST {base}/audio/speech``: JSON ``model``, ``voice``, ``input`` (at most 4,096
  characters), ``response_format="pcm"``: raw 24 kHz 16-bit signed little-endian mono,
  no header, sent as it is made, so the first chunk is yielded before the last exists.

Through the official ``openai`` SDK with a configurable base URL, so the same code talks
to OpenAI and to local servers with the same endpoints (speaches, LocalAI). The SDK's
retries are off: a live call has no time to wait for a second attempt, and the pipeline
decides what a failed turn becomes. Every failure is a ``SpeechError`` whose text says
what to check (key, model, server, time).
"""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator, Mapping

import httpx
import openai

from frontdesk.speech.base import (
    SAMPLE_WIDTH,
    SpeechError,
    VoiceChoice,
    check_pcm16,
    language_base,
)

# A stream that breaks off after its headers raises the transport's own error, not the
# SDK's: ``httpx2`` where the SDK runs on it (it does from openai 3), ``httpx`` before.
try:
    import httpx2
except ImportError:  # pragma: no cover - older SDKs run on httpx
    _STREAM_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError,)
    _TIMEOUTS: tuple[type[Exception], ...] = (httpx.TimeoutException,)
else:
    _STREAM_ERRORS = (httpx.HTTPError, httpx2.HTTPError)
    _TIMEOUTS = (httpx.TimeoutException, httpx2.TimeoutException)

OPENAI_PCM_SAMPLE_RATE = 24000  # what response_format "pcm" always is
MAX_INPUT_CHARS = 4096
CHUNK_BYTES = 4800  # 100 ms at 24 kHz: small enough that the first audio leaves early


def wav_of(pcm16: bytes, sample_rate: int) -> bytes:
    """PCM16 mono wrapped in a WAV header: the transcription endpoint wants a file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm16)
    return out.getvalue()


def failure(exc: openai.OpenAIError, server: str, timeout_s: float) -> SpeechError:
    """What went wrong, in words a person can act on (never the key itself)."""
    if isinstance(exc, openai.APITimeoutError):
        return SpeechError(f"{server} did not answer within {timeout_s:g} s")
    if isinstance(exc, openai.APIConnectionError):
        return SpeechError(f"{server} could not be reached: is it running, and is "
                           "FRONTDESK_SPEECH_OPENAI_BASE_URL right?")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return SpeechError(f"{server} refused the key ({exc.status_code}): check "
                           "FRONTDESK_SPEECH_OPENAI_API_KEY")
    if isinstance(exc, openai.NotFoundError):
        return SpeechError(f"{server} has no such model or endpoint (404: {exc.message}): "
                           "check the FRONTDESK_SPEECH_OPENAI_* model and base URL")
    if isinstance(exc, openai.RateLimitError):
        return SpeechError(f"{server} is rate limiting this key or its quota is spent (429)")
    if isinstance(exc, openai.APIStatusError):
        return SpeechError(f"{server} answered {exc.status_code}: {exc.message}")
    return SpeechError(f"{server}: {exc}")


def _client(base_url: str, api_key: str, timeout_s: float) -> openai.OpenAI:
    # Local servers take no key, but the SDK insists on one.
    return openai.OpenAI(base_url=base_url, api_key=api_key or "none", timeout=timeout_s,
                         max_retries=0)


class OpenAISpeechToText:
    """One request per utterance; any language the model knows (Whisper's are many)."""

    name = "openai-audio"

    def __init__(self, *, base_url: str, model: str, api_key: str = "",
                 timeout_s: float = 5.0) -> None:
        self.model = model
        self.timeout_s = timeout_s
        self.server = f"the speech recognizer at {base_url}"
        # The SDK's client (an httpx pool) is safe to share between threads: one per
        # provider, used by every call at once.
        self._client = _client(base_url, api_key, timeout_s)

    def transcribe(self, pcm16: bytes, sample_rate: int, language: str) -> str:
        check_pcm16(pcm16)
        try:
            result = self._client.audio.transcriptions.create(
                file=("speech.wav", wav_of(pcm16, sample_rate), "audio/wav"),
                model=self.model, language=language_base(language), response_format="json",
            )
        except openai.OpenAIError as exc:
            raise failure(exc, self.server, self.timeout_s) from exc
        return str(result.text).strip()


class OpenAITextToSpeech:
    """Streams 24 kHz PCM16 with one voice per language (the voices themselves are
    multilingual: a language without its own voice is not spoken, so that a Spanish
    business never gets an English-sounding fallback by accident)."""

    name = "openai-audio"
    sample_rate = OPENAI_PCM_SAMPLE_RATE

    def __init__(self, *, base_url: str, model: str, voices: Mapping[str, str],
                 api_key: str = "", timeout_s: float = 5.0) -> None:
        self.model = model
        self.timeout_s = timeout_s
        self.server = f"the voice at {base_url}"
        self._voices = VoiceChoice("OpenAI", voices)
        self._client = _client(base_url, api_key, timeout_s)

    def languages(self) -> frozenset[str]:
        return self._voices.languages()

    def voice_for(self, language: str) -> str:
        return self._voices(language)

    def synthesize(self, text: str, language: str) -> Iterator[bytes]:
        voice = self.voice_for(language)  # before the first next(): a wrong language fails now
        if len(text) > MAX_INPUT_CHARS:
            raise SpeechError(f"{len(text)} characters is more than the {MAX_INPUT_CHARS} "
                              "one speech request may carry")
        return self._stream(text, voice)

    def _stream(self, text: str, voice: str) -> Iterator[bytes]:
        try:
            with self._client.audio.speech.with_streaming_response.create(
                model=self.model, voice=voice, input=text, response_format="pcm",
            ) as response:
                pending = b""
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    pending += chunk
                    whole = len(pending) - len(pending) % SAMPLE_WIDTH  # never split a sample
                    if whole:
                        yield pending[:whole]
                        pending = pending[whole:]
        except openai.OpenAIError as exc:
            raise failure(exc, self.server, self.timeout_s) from exc
        except _TIMEOUTS as exc:
            raise SpeechError(f"{self.server} sent no audio for {self.timeout_s:g} s") from exc
        except _STREAM_ERRORS as exc:
            raise SpeechError(f"{self.server} broke off its audio: {exc!r}") from exc
