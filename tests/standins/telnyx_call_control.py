"""Telnyx Call Control commands: ``POST /v2/calls/{call_control_id}/actions/{action}``.

JSON bodies with ``Authorization: Bearer <API key>``; answers 200 ``{"data": {"result":
"ok"}}`` or ``{"errors": [{"code", "title", "detail"}]}``. Honours ``command_id`` as Telnyx
documents it: a command repeating an id already taken on the same call is acknowledged
and ignored, so ``recorder.sent`` holds each command once (``recorder.requests`` counts
every request).
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.standins.base import Recorder

# The commands this stand-in knows, with the body fields Telnyx requires for each.
REQUIRED: dict[str, tuple[str, ...]] = {
    "answer": (),
    "gather_using_speak": ("payload", "voice"),
    "speak": ("payload", "voice"),
    "transfer": ("to",),
    "hangup": (),
    "transcription_start": (),
    "transcription_stop": (),
    "gather_stop": (),
}
# Fields Telnyx takes only from a fixed set (a value outside it is a 422).
ENUMS: dict[str, frozenset[Any]] = {
    "stream_track": frozenset({"inbound_track", "outbound_track", "both_tracks"}),
    "stream_codec": frozenset({"PCMU", "PCMA", "G722", "OPUS", "AMR-WB", "default"}),
    "stream_bidirectional_mode": frozenset({"mp3", "rtp"}),
    "stream_bidirectional_codec": frozenset({"PCMU", "PCMA", "G722", "OPUS", "AMR-WB"}),
    "transcription_engine": frozenset({"Google", "Telnyx", "Deepgram", "Azure", "A", "B"}),
    "transcription_tracks": frozenset({"inbound", "outbound", "both"}),
}


def _errors(status: int, code: str, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"errors": [{"code": code, "title": title, "detail": detail}]},
                        status_code=status)


def call_control_app(api_key: str, recorder: Recorder) -> FastAPI:
    app = FastAPI()
    taken: set[tuple[str, str]] = set()
    lock = threading.Lock()

    @app.post("/v2/calls/{call_control_id}/actions/{action}")
    async def command(call_control_id: str, action: str, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {api_key}":
            return _errors(401, "10009", "Authentication failed", "The API key is invalid.")
        if recorder.arrive():
            return _errors(recorder.fail_status, "10007", "Unexpected error", "Try again.")
        if action not in REQUIRED:
            return _errors(404, "10005", "Resource not found", f"No action {action!r}.")
        body: dict[str, Any] = await request.json()
        missing = [f for f in REQUIRED[action] if not body.get(f)]
        if missing:
            return _errors(422, "10015", "Invalid parameter", f"Missing {', '.join(missing)}.")
        invalid = [f for f, allowed in ENUMS.items() if f in body and body[f] not in allowed]
        if invalid:
            return _errors(422, "10015", "Invalid parameter", f"Invalid {', '.join(invalid)}.")
        command_id = body.get("command_id")
        with lock:
            if command_id and (call_control_id, command_id) in taken:
                return JSONResponse({"data": {"result": "ok"}})
            if command_id:
                taken.add((call_control_id, command_id))
        recorder.keep({"call_control_id": call_control_id, "action": action, "body": body})
        return JSONResponse({"data": {"result": "ok"}})

    return app
