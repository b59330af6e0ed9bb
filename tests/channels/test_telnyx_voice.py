"""Telnyx Call Control: signed webhooks in, REST commands out to a local stand-in."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.channels import telnyx_voice
from frontdesk.config import Settings
from frontdesk.conversation import call_lines
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, ConversationTurn, Tenant, TenantPhoneNumber
from tests.channels.conftest import Transcript, answer_for, appointments, opening, stored_state
from tests.conftest import Business, next_weekday, serving
from tests.standins.base import Recorder
from tests.standins.telnyx_call_control import call_control_app

API_KEY = "KEYtest_telnyx"
NUMBER = "+12125550100"
CALLER = "+12125550142"
FALLBACK = "+12125550177"
PATH = "/webhooks/telnyx/voice"


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

    def event(self, event_type: str, event_id: str | None = None,
              **payload: Any) -> bytes:
        body = {"data": {
            "record_type": "event", "event_type": event_type,
            "id": event_id or str(uuid.uuid4()), "occurred_at": "2025-01-01T12:00:00Z",
            "payload": {"call_control_id": self.call_id, "call_leg_id": "leg-1",
                        "call_session_id": "session-1", "connection_id": "conn-1",
                        "from": CALLER, "to": NUMBER, "direction": "incoming",
                        "state": "parked", **payload}}}
        return json.dumps(body).encode()

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> Any:
        # Any: TestClient's response class depends on the installed httpx flavour.
        return self.http.post(PATH, content=body, headers=headers or self.sign(body))

    def send(self, event_type: str, **payload: Any) -> dict[str, Any]:
        response = self.post(self.event(event_type, **payload))
        assert response.status_code == 200, response.text
        return dict(response.json())

    @property
    def commands(self) -> list[dict[str, Any]]:
        return list(self.recorder.sent)

    def actions(self) -> list[str]:
        return [c["action"] for c in self.recorder.sent]


@pytest.fixture
def business(biz: Business, factory: sessionmaker[Session]) -> Business:
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        tenant.fallback_phone = FALLBACK
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=NUMBER))
    return biz


@pytest.fixture
def line(engine: Engine, business: Business) -> Iterator[Line]:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    recorder = Recorder()
    with serving(call_control_app(API_KEY, recorder)) as api_base:
        settings = Settings(environment="test", llm_base_url="", telnyx_api_key=API_KEY,
                            telnyx_public_key=base64.b64encode(public).decode(),
                            telnyx_api_base=api_base)
        app = create_app(settings, engine=engine)
        if not any(getattr(r, "path", None) == PATH for r in app.routes):
            app.include_router(telnyx_voice.router)  # until app.py includes the door
        with TestClient(app) as http:
            yield Line(http, key, recorder)


def connect(line: Line) -> str:
    """Ring and answer; return the greeting."""
    assert line.send("call.initiated", state="parked") == {"status": "ok"}
    assert line.actions() == ["answer"]
    line.send("call.answered", state="answered")
    assert line.actions() == ["answer", "gather_using_speak"]
    greeting = line.commands[-1]["body"]
    assert greeting["voice"] and greeting["language"] == "en-US"
    return str(greeting["payload"])


def conversation_turns(factory: sessionmaker[Session], call_id: str) -> list[ConversationTurn]:
    with factory() as session:
        row = session.scalars(select(Conversation).where(
            Conversation.external_id == call_id)).one()
        return list(session.scalars(select(ConversationTurn).where(
            ConversationTurn.conversation_id == row.id)))


def test_a_full_call_books_an_appointment(line: Line, business: Business,
                                          factory: sessionmaker[Session]) -> None:
    day = next_weekday(business.tz, 2)
    log = Transcript()
    log.add("agent", connect(line))
    text = opening(day, "en")
    for _ in range(10):
        line.send("call.gather.ended", speech=text, status="valid")
        log.add("caller", text)
        log.add("agent", line.commands[-1]["body"]["payload"])
        state = stored_state(factory, business, channel="phone", external_id=line.call_id)
        if line.commands[-1]["action"] == "speak":
            break
        text = answer_for(state, day, "en")
    else:
        pytest.fail(f"the call did not end after 10 turns:\n{log}")
    booked = appointments(factory, business)
    assert len(booked) == 1, log
    assert booked[0].start_at == business.at(day, 10), log
    assert booked[0].source == "phone"
    # the goodbye is spoken, then (when it finished) the call is hung up
    goodbye = line.commands[-1]
    assert telnyx_voice.decode_state(goodbye["body"]["client_state"]) == {"then": "hangup"}
    line.send("call.speak.ended", status="completed",
              client_state=goodbye["body"]["client_state"])
    line.send("call.hangup", hangup_cause="normal_clearing")
    actions = line.actions()
    assert actions[:2] == ["answer", "gather_using_speak"], actions
    assert set(actions[2:-2]) == {"gather_using_speak"}, actions
    assert actions[-2:] == ["speak", "hangup"], actions
    assert all(c["call_control_id"] == line.call_id for c in line.commands)
    assert len({c["body"]["command_id"] for c in line.commands}) == len(line.commands)
    with factory() as session:
        row = session.scalars(select(Conversation).where(
            Conversation.external_id == line.call_id)).one()
        assert row.caller_phone == CALLER and row.ended_at is not None
        assert row.outcome == "booked"


def test_a_replayed_gather_event_changes_nothing(line: Line, business: Business,
                                                 factory: sessionmaker[Session]) -> None:
    connect(line)
    body = line.event("call.gather.ended", event_id=str(uuid.uuid4()),
                      speech="I'd like a haircut", status="valid")
    assert line.post(body).json() == {"status": "ok"}
    turns_before = len(conversation_turns(factory, line.call_id))
    commands_before = len(line.commands)
    requests_before = line.recorder.requests
    replay = line.post(body)  # Telnyx delivers the same event again, freshly signed
    assert replay.status_code == 200 and replay.json() == {"status": "duplicate"}
    assert len(conversation_turns(factory, line.call_id)) == turns_before
    assert len(line.commands) == commands_before
    assert line.recorder.requests == requests_before  # not even a repeated command


def test_a_retry_after_a_failed_command_acts_once(line: Line, business: Business,
                                                  factory: sessionmaker[Session]) -> None:
    connect(line)
    body = line.event("call.gather.ended", speech="I'd like a haircut", status="valid")
    line.recorder.fail_first = line.recorder.requests + 1  # the next command fails
    failed = line.post(body)
    assert failed.status_code == 502, failed.text
    user_turns = [t for t in conversation_turns(factory, line.call_id) if t.role == "user"]
    assert len(user_turns) == 1
    assert line.post(body).json() == {"status": "ok"}  # Telnyx retries: gather sent now
    assert line.actions() == ["answer", "gather_using_speak", "gather_using_speak"]
    user_turns = [t for t in conversation_turns(factory, line.call_id) if t.role == "user"]
    assert len(user_turns) == 1  # the agent replayed its answer, no second turn


@pytest.mark.parametrize("tamper", ["forged", "missing", "stale", "other_body"])
def test_a_bad_signature_is_refused_and_changes_nothing(
        line: Line, business: Business, factory: sessionmaker[Session], tamper: str) -> None:
    body = line.event("call.initiated")
    if tamper == "forged":
        headers = Line(line.http, Ed25519PrivateKey.generate(), line.recorder).sign(body)
    elif tamper == "missing":
        headers = {"content-type": "application/json"}
    elif tamper == "stale":
        headers = line.sign(body, at=int(time.time()) - 600)
    else:
        headers = line.sign(line.event("call.initiated"))
    response = line.post(body, headers)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "bad_signature"
    assert line.recorder.requests == 0
    with factory() as session:
        assert session.scalars(select(Conversation)).first() is None


def test_asking_for_a_person_transfers_to_the_fallback_number(
        line: Line, business: Business) -> None:
    connect(line)
    line.send("call.gather.ended", speech="I want to speak to a person", status="valid")
    if line.commands[-1]["action"] == "gather_using_speak":  # the agent may confirm first
        line.send("call.gather.ended", speech="Yes", status="valid")
    handover = line.commands[-1]
    assert handover["action"] == "speak", line.actions()
    then = telnyx_voice.decode_state(handover["body"]["client_state"])
    assert then == {"then": "transfer", "to": FALLBACK}
    line.send("call.speak.ended", status="completed",
              client_state=handover["body"]["client_state"])
    transfer = line.commands[-1]
    assert transfer["action"] == "transfer" and transfer["body"]["to"] == FALLBACK


def test_silence_reprompts_then_says_goodbye(line: Line, business: Business) -> None:
    connect(line)
    line.send("call.gather.ended", status="timeout")
    reprompt = line.commands[-1]
    assert reprompt["action"] == "gather_using_speak"
    line.send("call.gather.ended", status="timeout",
              client_state=reprompt["body"]["client_state"])
    assert line.commands[-1]["action"] == "speak"


def test_a_call_to_an_unknown_number_is_ignored(line: Line, business: Business) -> None:
    assert line.send("call.initiated", to="+12125559999") == {"status": "ignored"}
    assert line.recorder.requests == 0


def test_events_parse_speech_or_digits() -> None:
    assert telnyx_voice.heard({"speech": "hello"}) == "hello"
    assert telnyx_voice.heard({"speech": {"result": "hola"}}) == "hola"
    assert telnyx_voice.heard({"digits": "12"}) == "12"
    assert telnyx_voice.heard({"digits": "", "speech": ""}) == ""
    state = telnyx_voice.encode_state({"then": "hangup"})
    assert telnyx_voice.decode_state(state) == {"then": "hangup"}
    assert telnyx_voice.decode_state("not base64!") == {}


def test_the_line_is_worded_as_on_every_phone_door(line: Line, business: Business) -> None:
    """The re-prompt and the goodbye come from the conversation layer, as for Twilio."""
    connect(line)
    line.send("call.gather.ended", status="timeout")
    reprompt = line.commands[-1]
    assert reprompt["body"]["payload"] == call_lines.line("reprompt", "en")
    line.send("call.gather.ended", status="timeout",
              client_state=reprompt["body"]["client_state"])
    assert line.commands[-1]["body"]["payload"] == call_lines.line("silent_goodbye", "en")
