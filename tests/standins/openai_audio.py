"""OpenAI's audio endpoints, as an OpenAI-compatible server speaks them over HTTP.

``POST /v1/audio/transcriptions``: multipart form (``file``, ``model``, ``language``,
``response_format``), ``Authorization: Bearer KEY``; answers ``{"text": ...}``. The file
must be a real 16-bit mono WAV; what it "says" is looked up by its samples in a table the
test fills (``recognizes``): unknown audio is heard as silence, "".

``POST /v1/audio/speech``: JSON ``model``, ``voice``, ``input``, ``response_format``
("pcm" only here: 24 kHz PCM16 with no header); answers a real tone as long as the text
would take to say, streamed in several chunks (cut mid-sample, as a network may).

Errors in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``. Scripted
trouble: ``recorder.fail_first`` (answer ``fail_status``), ``delay_s`` before answering,
``stall_s`` after the first chunk of speech, ``break_after`` chunks (connection cut).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.datastructures import UploadFile

from tests.standins.base import Recorder
from tests.standins.pcm import chunks, speech_length, tone

SPEECH_RATE = 24000


@dataclass
class OpenAIAudio:
    api_key: str = "sk-test-audio"
    recorder: Recorder = field(default_factory=Recorder)
    heard: dict[str, str] = field(default_factory=dict)  # sha256 of samples -> text
    delay_s: float = 0.0
    stall_s: float = 0.0
    break_after: int | None = None
    parts: int = 6

    def recognizes(self, pcm16: bytes, text: str) -> None:
        self.heard[hashlib.sha256(pcm16).hexdigest()] = text

    def reset(self) -> None:
        """Back to a healthy server that has heard nothing (one server serves a module)."""
        self.recorder, self.heard = Recorder(), {}
        self.delay_s = self.stall_s = 0.0
        self.break_after = None


def _error(status: int, message: str, kind: str = "invalid_request_error",
           param: str | None = None, code: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": param,
                                   "code": code}}, status_code=status)


def _refused(request: Request, server: OpenAIAudio) -> JSONResponse | None:
    if request.headers.get("authorization") != f"Bearer {server.api_key}":
        return _error(401, "Incorrect API key provided.", code="invalid_api_key")
    if server.recorder.arrive():
        return _error(server.recorder.fail_status, "The server had an error while "
                      "processing your request. Sorry about that!", kind="server_error")
    return None


def _samples(data: bytes) -> tuple[int, bytes]:
    """(sample rate, PCM16) of a WAV file; ValueError when it is not 16-bit mono PCM."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                raise ValueError("not 16-bit mono")
            frames = wav.readframes(wav.getnframes())
            rate = wav.getframerate()
    except (wave.Error, EOFError) as exc:
        raise ValueError(str(exc)) from exc
    if not frames or len(frames) != 2 * wav.getnframes():
        raise ValueError("no audio in the file")
    return rate, frames


def openai_audio_app(server: OpenAIAudio) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/audio/transcriptions", response_model=None)
    async def transcriptions(request: Request) -> Response:
        if (refusal := _refused(request, server)) is not None:
            return refusal
        await asyncio.sleep(server.delay_s)
        form = await request.form()
        upload, model = form.get("file"), form.get("model")
        if not isinstance(upload, UploadFile) or not isinstance(model, str) or not model:
            return _error(400, "'file' and 'model' are required", param="file")
        if form.get("response_format", "json") != "json":
            return _error(400, "this stand-in answers response_format json only",
                          param="response_format")
        try:
            rate, pcm = _samples(await upload.read())
        except ValueError as exc:
            return _error(400, f"Invalid file format ({exc}).", param="file",
                          code="invalid_value")
        server.recorder.keep({"endpoint": "transcriptions", "model": model,
                              "language": form.get("language"), "sample_rate": rate,
                              "samples": len(pcm) // 2, "filename": upload.filename})
        return JSONResponse({"text": server.heard.get(hashlib.sha256(pcm).hexdigest(), "")})

    @app.post("/v1/audio/speech", response_model=None)
    async def speech(request: Request) -> Response:
        if (refusal := _refused(request, server)) is not None:
            return refusal
        body: Any = await request.json()
        text, voice, model = body.get("input"), body.get("voice"), body.get("model")
        if not (isinstance(text, str) and text and voice and model):
            return _error(400, "'model', 'voice' and 'input' are required", param="input")
        if len(text) > 4096:
            return _error(400, "input is longer than 4096 characters", param="input")
        if body.get("response_format") != "pcm":
            return _error(400, "this stand-in speaks response_format pcm only",
                          param="response_format")
        await asyncio.sleep(server.delay_s)
        server.recorder.keep({"endpoint": "speech", "model": model, "voice": voice,
                              "input": text})
        audio = tone(speech_length(text), SPEECH_RATE)
        return StreamingResponse(_stream(server, chunks(audio, server.parts)),
                                 media_type="audio/pcm")

    return app


async def _stream(server: OpenAIAudio, parts: list[bytes]) -> AsyncIterator[bytes]:
    for number, part in enumerate(parts):
        if server.break_after is not None and number == server.break_after:
            raise ConnectionResetError("the stand-in cut the connection")
        yield part
        await asyncio.sleep(server.stall_s if number == 0 else 0.005)
