"""Deepgram's REST speech API as it speaks over HTTP: pre-recorded ``/v1/listen`` and
Aura ``/v1/speak``, with ``Authorization: Token KEY``.

``POST /v1/listen?model=&language=&encoding=linear16&sample_rate=`` with raw PCM16 as the
body (raw audio must state encoding and sample rate; an odd byte count is not PCM16).
Answers Deepgram's response shape (``metadata``, ``results.channels[].alternatives[]``)
with the transcript the test registered for those samples (``recognizes``), else "".

``POST /v1/speak?model=aura-2-<voice>-<lang>&encoding=linear16&sample_rate=&container=none``
with ``{"text": ...}``: a real tone at that rate, as long as the text would take to say,
streamed in several chunks.

Errors in Deepgram's shape (``err_code``, ``err_msg``, ``request_id``). Scripted trouble
as in the OpenAI stand-in: ``recorder.fail_first``, ``delay_s``, ``stall_s``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from tests.standins.base import Recorder
from tests.standins.pcm import chunks, speech_length, tone

SAMPLE_RATES = {8000, 16000, 24000, 32000, 48000}
AURA_2 = re.compile(r"^aura-2-[a-z]+-(en|es|de|fr|nl|it|ja)$")


@dataclass
class Deepgram:
    api_key: str = "dg-test-key"
    recorder: Recorder = field(default_factory=Recorder)
    heard: dict[str, str] = field(default_factory=dict)  # sha256 of samples -> text
    delay_s: float = 0.0
    stall_s: float = 0.0
    parts: int = 5

    def recognizes(self, pcm16: bytes, text: str) -> None:
        self.heard[hashlib.sha256(pcm16).hexdigest()] = text

    def reset(self) -> None:
        """Back to a healthy server that has heard nothing (one server serves a module)."""
        self.recorder, self.heard = Recorder(), {}
        self.delay_s = self.stall_s = 0.0


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"err_code": code, "err_msg": message,
                         "request_id": str(uuid.uuid4())}, status_code=status)


def _refused(request: Request, server: Deepgram) -> JSONResponse | None:
    if request.headers.get("authorization") != f"Token {server.api_key}":
        return _error(401, "INVALID_AUTH", "Invalid credentials.")
    if server.recorder.arrive():
        return _error(server.recorder.fail_status, "INTERNAL_SERVER_ERROR",
                      "An internal error occurred.")
    return None


def deepgram_app(server: Deepgram) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/listen", response_model=None)
    async def listen(request: Request) -> Response:
        if (refusal := _refused(request, server)) is not None:
            return refusal
        await asyncio.sleep(server.delay_s)
        query, audio = request.query_params, await request.body()
        rate = int(query.get("sample_rate") or 0)
        if query.get("encoding") != "linear16" or rate not in SAMPLE_RATES:
            return _error(400, "Bad Request", "Raw audio needs encoding and sample_rate.")
        if not audio or len(audio) % 2:
            return _error(400, "Bad Request",
                          "Bad Request: failed to process audio: corrupt or unsupported data")
        request_id = str(uuid.uuid4())
        server.recorder.keep({"endpoint": "listen", "model": query.get("model"),
                              "language": query.get("language"), "sample_rate": rate,
                              "samples": len(audio) // 2,
                              "content_type": request.headers.get("content-type")})
        text = server.heard.get(hashlib.sha256(audio).hexdigest(), "")
        words: list[dict[str, Any]] = [
            {"word": word.lower(), "start": 0.0, "end": 0.0, "confidence": 0.99}
            for word in text.split()]
        return JSONResponse({
            "metadata": {"request_id": request_id, "created": "2026-01-01T00:00:00.000Z",
                         "duration": len(audio) / 2 / rate, "channels": 1,
                         "models": [str(uuid.uuid4())]},
            "results": {"channels": [{"alternatives": [
                {"transcript": text, "confidence": 0.99 if text else 0.0, "words": words}]}]},
        })

    @app.post("/v1/speak", response_model=None)
    async def speak(request: Request) -> Response:
        if (refusal := _refused(request, server)) is not None:
            return refusal
        query = request.query_params
        model, rate = query.get("model", ""), int(query.get("sample_rate") or 0)
        if not AURA_2.match(model):
            return _error(400, "Bad Request", f"No such model: {model!r}.")
        if (query.get("encoding"), query.get("container")) != ("linear16", "none") or \
                rate not in SAMPLE_RATES:
            return _error(400, "Bad Request",
                          "This stand-in speaks linear16 with container=none only.")
        body: Any = await request.json()
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text or len(text) > 2000:
            return _error(400, "Bad Request", "'text' must be 1 to 2000 characters.")
        await asyncio.sleep(server.delay_s)
        server.recorder.keep({"endpoint": "speak", "model": model, "sample_rate": rate,
                              "text": text})
        audio = tone(speech_length(text), rate)
        return StreamingResponse(_stream(server, chunks(audio, server.parts)),
                                 media_type="audio/l16")

    return app


async def _stream(server: Deepgram, parts: list[bytes]) -> AsyncIterator[bytes]:
    for number, part in enumerate(parts):
        yield part
        await asyncio.sleep(server.stall_s if number == 0 else 0.005)
