"""Deepgram as speech-to-text (pre-recorded ``/v1/listen``) and text-to-speech
(Aura-2, ``/v1/speak``), over its REST API with httpx (issue 15).

Wire format followed:

- https://developers.deepgram.com/reference/speech-to-text/listen-pre-recorded and
  https://developers.deepgram.com/docs/sample-rate: ``POST /v1/listen?model=nova-3
  &language=es&encoding=linear16&sample_rate=8000&channels=1`` with the raw PCM as the
  body (raw audio needs ``encoding`` and ``sample_rate``); the text is at
  ``results.channels[0].alternatives[0].transcript``.
- https://developers.deepgram.com/docs/tts-media-output-settings and
  https://developers.deepgram.com/docs/tts-models: ``POST /v1/speak?model=aura-2-
  celeste-es&encoding=linear16&sample_rate=8000&container=none`` with ``{"text": ...}``;
  the body is the audio, streamed as it is made (``container=none``: no WAV header).
  Voices are one per language (``aura-2-<name>-<lang>``; Spanish: celeste, estrella,
  nestor, ...). Asking for 8 kHz means the phone line needs no resampling.
- Authentication: ``Authorization: Token <key>``. Errors:
  https://developers.deepgram.com/docs/errors (``err_code``/``err_msg`` or
  ``category``/``message``, with a ``request_id``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from frontdesk.speech.base import (
    SAMPLE_WIDTH,
    SpeechError,
    SpeechUnavailable,
    VoiceChoice,
    check_pcm16,
    language_base,
)

DEEPGRAM_API = "https://api.deepgram.com"
TTS_SAMPLE_RATES = frozenset({8000, 16000, 24000, 32000, 48000})  # linear16's choices
MAX_TEXT_CHARS = 2000  # one /v1/speak request
CHUNK_BYTES = 1600  # 100 ms at 8 kHz


def _client(base_url: str, api_key: str, timeout_s: float) -> httpx.Client:
    if not api_key:
        raise SpeechUnavailable("Deepgram needs FRONTDESK_SPEECH_DEEPGRAM_API_KEY")
    # One pool per provider, shared by every call's thread (httpx clients are).
    return httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                        headers={"Authorization": f"Token {api_key}"})


def _refusal(response: httpx.Response, server: str) -> SpeechError:
    """Deepgram's error body (either of its two shapes) as something to act on."""
    try:
        body: Any = json.loads(response.read() or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    said = body.get("err_msg") or body.get("message") or response.reason_phrase
    code = body.get("err_code") or body.get("category") or ""
    request = f" (request {body['request_id']})" if body.get("request_id") else ""
    status = response.status_code
    if status in (401, 403):
        return SpeechError(f"{server} refused the key ({status} {code}: {said}){request}: "
                           "check FRONTDESK_SPEECH_DEEPGRAM_API_KEY")
    if status == 429:
        return SpeechError(f"{server} is rate limiting this key (429){request}")
    return SpeechError(f"{server} answered {' '.join(filter(None, (str(status), code)))}: "
                       f"{said}{request}")


def _transport(exc: httpx.HTTPError, server: str, timeout_s: float) -> SpeechError:
    if isinstance(exc, httpx.TimeoutException):
        return SpeechError(f"{server} did not answer within {timeout_s:g} s")
    if isinstance(exc, httpx.TransportError):
        return SpeechError(f"{server} could not be reached ({exc!r}): check "
                           "FRONTDESK_SPEECH_DEEPGRAM_BASE_URL and the network")
    return SpeechError(f"{server}: {exc!r}")


class DeepgramSpeechToText:
    """One pre-recorded request per utterance; nova-3 hears English and Spanish."""

    name = "deepgram"

    def __init__(self, *, api_key: str, model: str = "nova-3",
                 base_url: str = DEEPGRAM_API, timeout_s: float = 5.0) -> None:
        self.model = model
        self.timeout_s = timeout_s
        self.server = f"Deepgram's recognizer at {base_url}"
        self._client = _client(base_url, api_key, timeout_s)

    def transcribe(self, pcm16: bytes, sample_rate: int, language: str) -> str:
        check_pcm16(pcm16)
        params = {"model": self.model, "language": language_base(language),
                  "encoding": "linear16", "sample_rate": str(sample_rate), "channels": "1",
                  "smart_format": "true"}
        try:
            response = self._client.post("/v1/listen", params=params, content=pcm16,
                                         headers={"Content-Type": "application/octet-stream"})
        except httpx.HTTPError as exc:
            raise _transport(exc, self.server, self.timeout_s) from exc
        if response.status_code != 200:
            raise _refusal(response, self.server)
        try:
            text = response.json()["results"]["channels"][0]["alternatives"][0]["transcript"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise SpeechError(f"{self.server} answered without a transcript") from exc
        return str(text).strip()


class DeepgramTextToSpeech:
    """Aura-2 voices, one per language, streamed as PCM16 at ``sample_rate``."""

    name = "deepgram"

    def __init__(self, *, api_key: str, voices: Mapping[str, str],
                 base_url: str = DEEPGRAM_API, sample_rate: int = 8000,
                 timeout_s: float = 5.0) -> None:
        if sample_rate not in TTS_SAMPLE_RATES:
            raise ValueError(f"Deepgram speaks linear16 at {sorted(TTS_SAMPLE_RATES)} Hz")
        self.sample_rate = sample_rate
        self.timeout_s = timeout_s
        self.server = f"Deepgram's voice at {base_url}"
        self._voices = VoiceChoice("Deepgram", voices)
        self._client = _client(base_url, api_key, timeout_s)

    def languages(self) -> frozenset[str]:
        return self._voices.languages()

    def voice_for(self, language: str) -> str:
        return self._voices(language)

    def synthesize(self, text: str, language: str) -> Iterator[bytes]:
        voice = self.voice_for(language)
        if len(text) > MAX_TEXT_CHARS:
            raise SpeechError(f"{len(text)} characters is more than the {MAX_TEXT_CHARS} "
                              "one Deepgram speech request may carry")
        return self._stream(text, voice)

    def _stream(self, text: str, voice: str) -> Iterator[bytes]:
        params = {"model": voice, "encoding": "linear16",
                  "sample_rate": str(self.sample_rate), "container": "none"}
        try:
            with self._client.stream("POST", "/v1/speak", params=params,
                                     json={"text": text}) as response:
                if response.status_code != 200:
                    raise _refusal(response, self.server)
                pending = b""
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    pending += chunk
                    whole = len(pending) - len(pending) % SAMPLE_WIDTH  # never split a sample
                    if whole:
                        yield pending[:whole]
                        pending = pending[whole:]
        except httpx.HTTPError as exc:
            raise _transport(exc, self.server, self.timeout_s) from exc
