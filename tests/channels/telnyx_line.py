"""Telnyx's side of a call, for the Call Control and media-streaming tests: it signs
webhooks with an Ed25519 key, shapes each event as Telnyx documents it, and sees the
commands we send to its (stand-in) REST API.

Event payloads follow https://developers.telnyx.com/api-reference/callbacks: events about
the line (``call.initiated``, ``call.answered``, ``call.gather.ended``, ``call.hangup``)
name the numbers; ``call.speak.ended`` and ``call.transcription`` name only the call.
Every event carries the last ``client_state`` a command set, as Telnyx repeats it.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.conftest import serving
from tests.standins.base import Recorder
from tests.standins.telnyx_call_control import call_control_app

API_KEY = "KEYtest_telnyx"
NUMBER = "+12125550100"
CALLER = "+12125550142"
FALLBACK = "+12125550177"
PATH = "/webhooks/telnyx/voice"
# Events whose payload names only the call, not its numbers.
CALL_ONLY = frozenset({"call.speak.ended", "call.transcription"})


@dataclass
class Line:
    """Telnyx's side of the call: signs webhooks, and sees the commands we send."""

    http: TestClient
    key: Ed25519PrivateKey
    recorder: Recorder
    call_id: str = field(default_factory=lambda: f"v3:{uuid.uuid4().hex}")

    def sign(self, body: bytes, *, at: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if at is None else at)
        signature = self.key.sign(stamp.encode() + b"|" + body)
        return {"telnyx-timestamp": stamp, "content-type": "application/json",
                "telnyx-signature-ed25519": base64.b64encode(signature).decode()}

    def client_state(self) -> str | None:
        """The last client_state our commands set on this call (Telnyx echoes it)."""
        for command in reversed(self.recorder.sent):
            if command["call_control_id"] == self.call_id and "client_state" in command["body"]:
                return str(command["body"]["client_state"])
        return None

    def event(self, event_type: str, event_id: str | None = None,
              **payload: Any) -> bytes:
        body: dict[str, Any] = {
            "call_control_id": self.call_id, "call_leg_id": "leg-1",
            "call_session_id": "session-1", "connection_id": "conn-1",
            "client_state": self.client_state()}
        if event_type not in CALL_ONLY:
            body |= {"from": CALLER, "to": NUMBER, "direction": "incoming", "state": "parked"}
        data = {"record_type": "event", "event_type": event_type,
                "id": event_id or str(uuid.uuid4()), "occurred_at": "2025-01-01T12:00:00Z",
                "payload": body | payload}
        return json.dumps({"data": data, "meta": {"attempt": 1}}).encode()

    def transcription(self, text: str, *, final: bool = True,
                      event_id: str | None = None) -> bytes:
        """``call.transcription`` as Telnyx sends it (one result of the caller's leg)."""
        return self.event("call.transcription", event_id, transcription_data={
            "confidence": 0.977219, "is_final": final, "transcript": text})

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> Any:
        # Any: TestClient's response class depends on the installed httpx flavour.
        return self.http.post(PATH, content=body, headers=headers or self.sign(body))

    def send(self, event_type: str, **payload: Any) -> dict[str, Any]:
        return self.deliver(self.event(event_type, **payload))

    def say(self, text: str) -> dict[str, Any]:
        return self.deliver(self.transcription(text))

    def deliver(self, body: bytes) -> dict[str, Any]:
        response = self.post(body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    @property
    def commands(self) -> list[dict[str, Any]]:
        return list(self.recorder.sent)

    def actions(self) -> list[str]:
        return [c["action"] for c in self.recorder.sent]


def telnyx_line(engine: Engine, **settings: Any) -> Iterator[Line]:
    """An app whose Telnyx key and API are a local stand-in, and Telnyx's side of it."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    recorder = Recorder()
    with serving(call_control_app(API_KEY, recorder)) as api_base:
        app = create_app(Settings(
            environment="test", llm_base_url="", telnyx_api_key=API_KEY,
            telnyx_public_key=base64.b64encode(public).decode(), telnyx_api_base=api_base,
            **settings), engine=engine)
        with TestClient(app) as http:
            yield Line(http, key, recorder)
