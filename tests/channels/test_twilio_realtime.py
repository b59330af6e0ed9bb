"""A realtime business's streamed Twilio call: OpenAI's Realtime API (a local stand-in
speaking its wire protocol, tests/standins/realtime_server.py) is the voice, and books
through frontdesk's own validated tools; bad arguments are refused to the model, a
barge-in clears the carrier and truncates the model, and a model that cannot be reached
hands the call to our own pipeline, or closes the stream with a reason logged."""

from __future__ import annotations

import base64
import logging
import socket
import uuid
from datetime import datetime, time, timedelta
from time import monotonic, sleep
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.websockets import WebSocketDisconnect

from frontdesk.channels import twilio_stream
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, ConversationTurn, Tenant
from frontdesk.voice.vad import EnergyVAD
from tests.channels.test_twilio_stream import CALL, _media, _open, _start, _token
from tests.conftest import Business, next_weekday, with_settings
from tests.standins.realtime_server import Action, CallTool, RealtimeStandIn, Say
from tests.voice.fakes import SILENT_FRAME, TextRecognizer, TextVoice, hear, speech

LONG = ("We are open Monday to Friday from nine to five, and on most days there is a "
        "free chair in the morning, so any time before noon is a good bet for you.")


def _realtime(factory: sessionmaker[Session], biz: Business) -> None:
    with write_session(factory) as session:
        session.get_one(Tenant, biz.tenant.id).voice_mode = "realtime"


def _connect(client: TestClient, model: RealtimeStandIn, key: str | None = None) -> None:
    with_settings(client.app, realtime_api_key=key or model.key,  # type: ignore[arg-type]
                  realtime_base_url=model.url, realtime_connect_timeout_s=3.0)


def _say(ws: Any, text: str) -> None:
    _media(ws, speech(text) + SILENT_FRAME * 20)


def _listen(ws: Any, until: str) -> str:
    """What the caller hears until ``until`` was said (each mark acknowledged as played)."""
    heard = ""
    while True:
        message = ws.receive_json()
        assert message["streamSid"] == "MZ1", message
        if message["event"] == "media":
            heard += hear(base64.b64decode(message["media"]["payload"]))
        elif message["event"] == "mark":
            ws.send_json({"event": "mark", "streamSid": "MZ1", "mark": message["mark"]})
            if until in heard:  # its last part was played
                return heard


def _stop(ws: Any) -> None:
    ws.send_json({"event": "stop", "streamSid": "MZ1", "stop": {"callSid": CALL}})


def _turns(factory: sessionmaker[Session], conversation: uuid.UUID) -> list[ConversationTurn]:
    with factory() as session:
        return list(session.scalars(select(ConversationTurn).where(
            ConversationTurn.conversation_id == conversation).order_by(ConversationTurn.seq)))


def _recorded(factory: sessionmaker[Session], conversation: uuid.UUID, text: str) -> None:
    """Wait (5 s at most) for the model's words to be on the record, as a caller who
    stays on the line a moment after hearing them would."""
    deadline = monotonic() + 5
    while monotonic() < deadline and text not in [
            t.text for t in _turns(factory, conversation) if t.role == "assistant"]:
        sleep(0.05)


class Receptionist:
    """A scripted model: finds a haircut time, reads it back, books it on a yes."""

    def __init__(self, biz: Business, day: Any) -> None:
        self.biz, self.day = biz, day
        self.slot: dict[str, Any] = {}
        self.outputs: list[dict[str, Any]] = []

    def __call__(self, heard: str | None, outputs: list[dict[str, Any]]) -> list[Action]:
        self.outputs += outputs
        if outputs:
            out = outputs[-1]
            if out.get("slots"):
                self.slot = out["slots"][0]
                return [Say("I have ten in the morning. Shall I book it?")]
            if out.get("ok") and "appointment" in out:
                return [Say("You are all set. Goodbye.")]
            return [Say("Sorry, that did not work.")]
        if heard and "haircut" in heard:
            start = datetime.combine(self.day, time(10), self.biz.tz)
            return [CallTool("find_open_slots", {
                "service_id": str(self.biz.haircut.id), "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(), "limit": 1})]
        if heard and "wait" in heard:
            return [Say("Sorry. Go on.")]
        if heard and "yes" in heard:
            return [CallTool("book", {"service_id": str(self.biz.haircut.id),
                                      "start": self.slot["start"],
                                      "resource_id": self.slot["resource_id"],
                                      "customer_name": "Alex Smith"})]
        return [Say(LONG)]


def test_the_model_books_a_haircut_through_our_tools(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
) -> None:
    _realtime(factory, biz)
    brain = Receptionist(biz, next_weekday(biz.tz, 1))
    with RealtimeStandIn(brain).running() as model:
        _connect(client, model)
        conversation = _open(factory, biz)
        with client.websocket_connect(
                f"/webhooks/twilio/stream/{_token(client, biz, conversation)}") as ws:
            _start(ws)
            assert "thanks for calling" in _listen(ws, "?").lower()
            _say(ws, "I'd like a haircut")
            assert "Shall I book it?" in _listen(ws, "?")
            _say(ws, "yes please")
            assert "all set" in _listen(ws, "Goodbye.")
            _recorded(factory, conversation, "You are all set. Goodbye.")
            _stop(ws)
    with factory() as session:
        booked = session.scalars(select(Appointment)).all()
    assert len(booked) == 1
    assert booked[0].start_at == datetime.fromisoformat(brain.slot["start"])
    assert booked[0].tenant_id == biz.tenant.id
    turns = _turns(factory, conversation)
    said = [(t.role, t.text) for t in turns if t.role in ("user", "assistant")]
    assert ("user", "I'd like a haircut") in said and ("user", "yes please") in said
    assert said[-1] == ("assistant", "You are all set. Goodbye.")
    assert [t.engine for t in turns if t.role == "assistant"][1:] == ["realtime"] * 2
    tools = [(t.tool_name, (t.tool_result or {}).get("ok")) for t in turns if t.role == "tool"]
    assert tools == [("find_open_slots", True), ("book", True)]
    session_config = model.sessions[0]
    assert biz.tenant.name in session_config["instructions"]
    assert str(biz.haircut.id) in session_config["instructions"]
    assert {"find_open_slots", "book", "reschedule", "cancel", "transfer_to_human"} <= {
        t["name"] for t in session_config["tools"]}
    assert model.errors == []


def test_bad_arguments_are_refused_to_the_model(
    client: TestClient, make_business: Any, factory: sessionmaker[Session],
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    _realtime(factory, salon)
    day = next_weekday(salon.tz, 1)

    def brain(heard: str | None, outputs: list[dict[str, Any]]) -> list[Action]:
        if outputs:
            return [Say("Sorry, that did not work.")]
        if heard and "book" in heard:
            at_three_am = datetime.combine(day, time(3), salon.tz).isoformat()
            at_ten = datetime.combine(day, time(10), salon.tz).isoformat()
            return [
                CallTool("book", {"service_id": str(salon.haircut.id), "start": at_three_am,
                                  "customer_name": "Alex Smith"}),
                CallTool("book", {"service_id": str(clinic.haircut.id), "start": at_ten,
                                  "customer_name": "Alex Smith"}),
            ]
        return [Say("Hello?")]

    outputs: list[dict[str, Any]] = []

    def recording(heard: str | None, out: list[dict[str, Any]]) -> list[Action]:
        outputs.extend(out)
        return brain(heard, out)

    with RealtimeStandIn(recording).running() as model:
        _connect(client, model)
        conversation = _open(factory, salon)
        with client.websocket_connect(
                f"/webhooks/twilio/stream/{_token(client, salon, conversation)}") as ws:
            _start(ws)
            _listen(ws, "?")
            _say(ws, "book me in")
            assert "did not work" in _listen(ws, "work.")
            _stop(ws)
    with factory() as session:
        assert session.scalars(select(Appointment)).all() == []
    assert [o["ok"] for o in outputs] == [False, False]
    assert all(o["error"] and o["detail"] for o in outputs)
    tools = [t for t in _turns(factory, conversation) if t.role == "tool"]
    assert [(t.tool_name, (t.tool_result or {}).get("ok")) for t in tools] == [
        ("book", False), ("book", False)]


def test_talking_over_the_model_clears_the_carrier_and_truncates_the_model(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
) -> None:
    _realtime(factory, biz)
    with RealtimeStandIn(Receptionist(biz, next_weekday(biz.tz, 1)),
                         pace_s=0.05).running() as model:
        _connect(client, model)
        conversation = _open(factory, biz)
        with client.websocket_connect(
                f"/webhooks/twilio/stream/{_token(client, biz, conversation)}") as ws:
            _start(ws)
            _listen(ws, "?")
            _say(ws, "hello")
            message = ws.receive_json()
            while message["event"] != "mark":  # the long answer's first part is played ...
                message = ws.receive_json()
            ws.send_json({"event": "mark", "streamSid": "MZ1", "mark": message["mark"]})
            _media(ws, speech("wait, wait"))  # ... then the caller talks over the rest
            while message["event"] != "clear":
                message = ws.receive_json()
            assert message == {"event": "clear", "streamSid": "MZ1"}
            _media(ws, SILENT_FRAME * 20)
            assert "Go on." in _listen(ws, "Go on.")
            _recorded(factory, conversation, "Sorry. Go on.")
            _stop(ws)
    truncates = model.of("conversation.item.truncate")
    assert truncates and truncates[-1]["audio_end_ms"] == 100  # the one part played
    assert truncates[-1]["content_index"] == 0
    assert model.of("response.cancel")
    assert model.errors == []  # each truncate within its item's audio, each cancel live
    replies = [t.text or "" for t in _turns(factory, conversation) if t.role == "assistant"]
    assert replies[-1] == "Sorry. Go on."
    assert LONG not in replies  # the caller heard a tenth of a second of it, no more
    assert all(LONG.startswith(r) for r in replies[1:-1])


def test_a_refused_key_hands_the_call_to_our_own_pipeline(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _realtime(factory, biz)
    client.app.state.speech = lambda lang: (  # type: ignore[attr-defined]
        TextRecognizer(), TextVoice(), EnergyVAD())
    with RealtimeStandIn(Receptionist(biz, next_weekday(biz.tz, 1))).running() as model:
        _connect(client, model, key="sk-wrong")
        conversation = _open(factory, biz)
        with caplog.at_level(logging.WARNING, logger="frontdesk.voice.realtime"), \
                client.websocket_connect(
                    f"/webhooks/twilio/stream/{_token(client, biz, conversation)}") as ws:
            _start(ws)
            assert "thanks for calling" in _listen(ws, "?").lower()  # our pipeline's voice
            _stop(ws)
    assert model.received == []  # the handshake was refused: nothing reached the model
    assert any("http 401" in r.getMessage() for r in caplog.records)


def test_an_unreachable_model_without_a_pipeline_closes_the_stream(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _realtime(factory, biz)
    client.app.state.speech = None  # type: ignore[attr-defined]  # no pipeline to fall back on
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with_settings(client.app, realtime_api_key="sk-x",  # type: ignore[arg-type]
                  realtime_base_url=f"ws://127.0.0.1:{port}")
    conversation = _open(factory, biz)
    with caplog.at_level(logging.WARNING):
        with client.websocket_connect(
                f"/webhooks/twilio/stream/{_token(client, biz, conversation)}") as ws:
            _start(ws)
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
    assert closed.value.code == twilio_stream.CLOSE_UNAVAILABLE
    assert any("cannot connect" in r.getMessage() for r in caplog.records)
    assert _turns(factory, conversation) == []  # nothing was said, so nothing recorded
