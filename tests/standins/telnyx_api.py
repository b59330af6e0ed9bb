"""Telnyx's Messaging API: ``POST /v2/messages``.

JSON ``{"from", "to", "text"}`` with ``Authorization: Bearer <API key>``; answers 200 with
``{"data": {<message>}}`` or ``{"errors": [{"code", "title", "detail"}]}``. Honours
``Idempotency-Key`` as Telnyx documents it: a successful answer is replayed for a repeat
of the same key and body, a different body under the same key is 422.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.standins.base import Recorder


def _errors(status: int, code: str, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"errors": [{"code": code, "title": title, "detail": detail}]},
                        status_code=status)


def telnyx_app(api_key: str, recorder: Recorder) -> FastAPI:
    app = FastAPI()
    replays: dict[str, tuple[bytes, dict[str, Any]]] = {}
    lock = threading.Lock()

    @app.post("/v2/messages")
    async def send_message(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {api_key}":
            return _errors(401, "10009", "Authentication failed", "The API key is invalid.")
        if recorder.arrive():
            return _errors(recorder.fail_status, "10007", "Unexpected error", "Try again.")
        raw = await request.body()
        key = request.headers.get("idempotency-key")
        with lock:
            if key and key in replays:
                first_body, first_answer = replays[key]
                if first_body != raw:
                    return _errors(422, "10015", "Idempotency key reused", "Different body.")
                return JSONResponse(first_answer)
        body = await request.json()
        to, from_, text = body.get("to", ""), body.get("from", ""), body.get("text", "")
        if not str(to).startswith("+"):
            return _errors(400, "40310", "Invalid 'to' address", f"{to} is not a phone number.")
        now = datetime.now(UTC).isoformat()
        data = {
            "record_type": "message", "direction": "outbound", "id": str(uuid.uuid4()),
            "type": "SMS", "messaging_profile_id": body.get("messaging_profile_id"),
            "from": {"phone_number": from_, "carrier": "Telnyx", "line_type": "Wireless"},
            "to": [{"phone_number": to, "status": "queued", "carrier": "", "line_type": ""}],
            "text": text, "media": [], "encoding": "GSM-7", "parts": 1, "tags": [],
            "received_at": now, "sent_at": None, "completed_at": None, "valid_until": None,
            "errors": [],
        }
        answer = {"data": data}
        with lock:
            if key:
                replays[key] = (raw, answer)
        recorder.keep({"id": data["id"], "to": to, "from": from_, "text": text,
                       "idempotency_key": key})
        return JSONResponse(answer)

    return app
