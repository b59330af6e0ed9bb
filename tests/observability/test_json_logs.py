"""`FRONTDESK_LOG_FORMAT=json`, read whole from the real server process: every line it
writes (uvicorn's, our access log, the start lines) is one JSON object; lines written
while answering carry the request id (the client's X-Request-ID when well-formed), the
tenant, the conversation and the call; no phone number or email appears raw."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from twilio.request_validator import RequestValidator

from frontdesk.cli import DEMO_TWILIO_TOKEN
from tests.channels.conftest import answer_for, opening
from tests.cli.serving import start_serve
from tests.cli.test_cli import _env, _free_port
from tests.conftest import next_weekday

SALON_KEY = "fd_demo_salon_key"
SALON_NUMBER = "+12125550100"
CALLER = "+12125550142"


def _start(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    return start_serve(_env(tmp_path, FRONTDESK_LOG_FORMAT="json"), port, "--demo")


def _book_by_chat(http: httpx.Client, request_id: str) -> dict[str, Any]:
    day = next_weekday(ZoneInfo("America/New_York"), 2)
    session_id, text = None, opening(day, "en")
    for _ in range(10):
        response = http.post("/api/v1/chat", json={"message": text, "session_id": session_id},
                             headers={"X-Request-ID": request_id})
        assert response.status_code == 200, response.text
        assert response.headers["x-request-id"] == request_id
        out: dict[str, Any] = response.json()
        if out["state"].get("appointment_id"):
            return out
        session_id, text = out["session_id"], answer_for(out["state"], day, "en")
    pytest.fail("no appointment after 10 turns")


def test_every_line_is_json_with_its_ids_and_nothing_personal(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start(tmp_path, port)
    chat_id, call_sid = "chat-" + uuid.uuid4().hex, "CA" + uuid.uuid4().hex
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {SALON_KEY}"},
                          timeout=30) as http:
            booked = _book_by_chat(http, chat_id)
            params = {"AccountSid": "AC" + "0" * 32, "CallSid": call_sid,
                      "CallStatus": "ringing", "Direction": "inbound", "From": CALLER,
                      "To": SALON_NUMBER}
            path = "/webhooks/twilio/voice"
            signature = RequestValidator(DEMO_TWILIO_TOKEN).compute_signature(base + path,
                                                                              params)
            answered = httpx.post(base + path, data=params,
                                  headers={"X-Twilio-Signature": signature})
            assert answered.status_code == 200, answered.text
            generated = answered.headers["x-request-id"]  # none sent: one was made
            assert generated and generated != chat_id
            # A malformed id is not taken as it is (it would go into every line).
            bad = http.get("/health", headers={"X-Request-ID": "a b;c"})
            assert bad.headers["x-request-id"] != "a b;c"
            time.sleep(0.5)  # the confirmation text's console line (the worker's)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]

    lines = [line for line in output.splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not JSON: {line!r}\n{output}")
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)

    chat_lines = [r for r in records if r.get("request_id") == chat_id]
    accessed = [r for r in chat_lines if r["logger"] == "frontdesk.access"]
    assert len(accessed) >= 2, output  # one access line per chat turn
    assert all(r.get("tenant") == "demo-salon" for r in accessed), accessed
    assert all(r.get("conversation_id") == booked["conversation_id"] for r in accessed)
    call_lines = [r for r in records if r.get("request_id") == generated]
    assert call_lines and all(r.get("call_id") == call_sid for r in call_lines), output
    assert all(r.get("tenant") == "demo-salon" for r in call_lines)
    assert any(r["logger"].startswith("uvicorn") for r in records)  # uvicorn's own lines

    for personal in (CALLER, CALLER[1:], "2125550199", "@example.com", "@frontdesk"):
        assert personal not in output, f"{personal!r} is in the log:\n{output}"
