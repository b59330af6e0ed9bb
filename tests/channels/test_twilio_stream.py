"""The Twilio Media Streams door: only a stream our signed answer named may open, the
start must name that call, and a call runs end to end over the WebSocket — a haircut
booked by (stand-in) speech, a barge-in answered with ``clear``."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.websockets import WebSocketDisconnect

from frontdesk.channels import stream_calls, twilio_stream, twilio_twiml
from frontdesk.conversation.agent import Agent
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, Conversation, ConversationTurn, Tenant
from frontdesk.voice.pipeline import FRAME_BYTES, clauses
from frontdesk.voice.vad import EnergyVAD
from tests.channels.conftest import opening
from tests.conftest import Business, next_weekday
from tests.voice.fakes import SILENT_FRAME, TextRecognizer, TextVoice, hear, speech

CALL = "CA" + "1" * 32


@pytest.fixture
def streaming(client: TestClient) -> TestClient:
    client.app.state.speech = lambda lang: (  # type: ignore[attr-defined]
        TextRecognizer(), TextVoice(), EnergyVAD())
    return client


def _open(factory: sessionmaker[Session], biz: Business, call: str = CALL) -> uuid.UUID:
    with factory() as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        session.expunge(tenant)
    return Agent(factory).open(tenant, "phone", call, caller_phone="+12125550142",
                               caller_verified=True).id


def _token(client: TestClient, biz: Business, conversation: uuid.UUID,
           call: str = CALL) -> str:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    return twilio_stream.stream_token(settings, call, biz.tenant.id, conversation)


def _start(ws: Any, call: str = CALL) -> None:
    ws.send_json({"event": "connected", "protocol": "Call", "version": "1.0.0"})
    ws.send_json({"event": "start", "sequenceNumber": "1", "streamSid": "MZ1",
                  "start": {"streamSid": "MZ1", "callSid": call, "tracks": ["inbound"],
                            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                            "channels": 1}}})


def _media(ws: Any, audio: bytes) -> None:
    for i in range(0, len(audio), FRAME_BYTES):
        ws.send_json({"event": "media", "streamSid": "MZ1",
                      "media": {"payload": base64.b64encode(audio[i:i + FRAME_BYTES]).decode()}})


def _last_said(factory: sessionmaker[Session], conversation: uuid.UUID) -> str:
    with factory() as session:
        return str(session.scalars(
            select(ConversationTurn.text).where(
                ConversationTurn.conversation_id == conversation,
                ConversationTurn.role == "assistant")
            .order_by(ConversationTurn.seq.desc()).limit(1)).one())


def _hear_reply(ws: Any, factory: sessionmaker[Session], conversation: uuid.UUID) -> str:
    """Read one reply (acknowledging each mark, as Twilio does once played)."""
    first = ws.receive_json()
    assert first["event"] == "media" and first["streamSid"] == "MZ1", first
    wanted = len(clauses(_last_said(factory, conversation)))
    heard, audio, marks = [], base64.b64decode(first["media"]["payload"]), 0
    while marks < wanted:
        message = ws.receive_json()
        if message["event"] == "media":
            audio += base64.b64decode(message["media"]["payload"])
        elif message["event"] == "mark":
            marks += 1
            heard.append(hear(audio))
            audio = b""
            ws.send_json({"event": "mark", "streamSid": "MZ1", "mark": message["mark"]})
    return " ".join(heard)


def _say(ws: Any, text: str) -> None:
    _media(ws, speech(text) + SILENT_FRAME * 25)


def test_a_haircut_is_booked_over_the_stream(
    streaming: TestClient, biz: Business, factory: sessionmaker[Session],
) -> None:
    conversation = _open(factory, biz)
    with streaming.websocket_connect(f"/webhooks/twilio/stream/"
                                     f"{_token(streaming, biz, conversation)}") as ws:
        _start(ws)
        assert "thanks for calling" in _hear_reply(ws, factory, conversation).lower()
        _say(ws, opening(next_weekday(biz.tz, 1), "en"))
        heard = _hear_reply(ws, factory, conversation)
        for _ in range(6):
            lowered = heard.lower()
            if "all set" in lowered:
                break
            _say(ws, "Alex Smith" if "name" in lowered else "yes please")
            heard = _hear_reply(ws, factory, conversation)
        ws.send_json({"event": "stop", "streamSid": "MZ1", "stop": {"callSid": CALL}})
    with factory() as session:
        booked = session.scalars(select(Appointment)).all()
    assert "all set" in heard.lower()
    assert len(booked) == 1 and booked[0].start_at.astimezone(biz.tz).hour == 10


def test_talking_over_the_greeting_clears_it(
    streaming: TestClient, biz: Business, factory: sessionmaker[Session],
) -> None:
    conversation = _open(factory, biz)
    with streaming.websocket_connect(f"/webhooks/twilio/stream/"
                                     f"{_token(streaming, biz, conversation)}") as ws:
        _start(ws)
        seen = [ws.receive_json() for _ in range(3)]
        assert all(m["event"] in ("media", "mark") for m in seen)
        _media(ws, speech("sorry, I want a haircut"))
        message = ws.receive_json()
        while message["event"] != "clear":
            message = ws.receive_json()
        assert message == {"event": "clear", "streamSid": "MZ1"}


@pytest.mark.parametrize("token", ["not-a-token", "gAAAAABfake"])
def test_a_forged_token_is_refused_at_the_handshake(streaming: TestClient, token: str) -> None:
    with pytest.raises(WebSocketDisconnect) as refused:
        with streaming.websocket_connect(f"/webhooks/twilio/stream/{token}"):
            pass
    assert refused.value.code == twilio_stream.CLOSE_POLICY


def test_an_old_token_is_refused(streaming: TestClient, biz: Business,
                                 factory: sessionmaker[Session],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    token = _token(streaming, biz, _open(factory, biz))
    monkeypatch.setattr(stream_calls, "TOKEN_AGE_S", 1)
    time.sleep(2.1)
    with pytest.raises(WebSocketDisconnect):
        with streaming.websocket_connect(f"/webhooks/twilio/stream/{token}"):
            pass


def test_a_start_for_another_call_is_refused(streaming: TestClient, biz: Business,
                                             factory: sessionmaker[Session]) -> None:
    token = _token(streaming, biz, _open(factory, biz))
    with streaming.websocket_connect(f"/webhooks/twilio/stream/{token}") as ws:
        _start(ws, call="CA" + "2" * 32)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == twilio_stream.CLOSE_POLICY


def test_a_token_for_another_business_conversation_is_refused(
    streaming: TestClient, make_business: Any, factory: sessionmaker[Session],
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    theirs = _open(factory, clinic)
    token = twilio_stream.stream_token(streaming.app.state.settings,  # type: ignore[attr-defined]
                                       CALL, salon.tenant.id, theirs)
    with streaming.websocket_connect(f"/webhooks/twilio/stream/{token}") as ws:
        _start(ws)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == twilio_stream.CLOSE_POLICY


def test_without_speech_providers_the_stream_closes(client: TestClient, biz: Business,
                                                    factory: sessionmaker[Session]) -> None:
    client.app.state.speech = None  # type: ignore[attr-defined]  # speech is off
    token = _token(client, biz, _open(factory, biz))
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(f"/webhooks/twilio/stream/{token}"):
            pass
    assert closed.value.code == twilio_stream.CLOSE_UNAVAILABLE


def test_the_answer_names_a_secure_socket() -> None:
    assert twilio_stream.stream_twiml("https://desk.example.com/", "T0K") == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Connect action="https://desk.example.com/webhooks/twilio/voice/stream-ended">'
        '<Stream url="wss://desk.example.com/webhooks/twilio/stream/T0K" /></Connect></Response>')


# --- from the signed voice webhook to the stream ----------------------------------------


def _streaming_business(factory: sessionmaker[Session], biz: Business, mode: str) -> None:
    from frontdesk.store.models import TenantPhoneNumber
    from tests.channels.test_twilio_voice import NUMBER

    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        tenant.voice_mode = mode
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=NUMBER))


def test_a_streaming_business_is_answered_with_a_stream_that_opens(
    streaming: TestClient, biz: Business, factory: sessionmaker[Session],
) -> None:
    from tests.channels.test_twilio_voice import TwilioStandIn, verbs, with_twilio

    with_twilio(streaming.app)  # type: ignore[arg-type]
    _streaming_business(factory, biz, "stream")
    twilio = TwilioStandIn(streaming, call_sid=CALL)
    answer = verbs(twilio.ring())
    assert [v.tag for v in answer] == ["Connect"]
    url = answer[0][0].get("url", "")
    assert url.startswith("wss://desk.example.com/webhooks/twilio/stream/")
    with factory() as session:
        conversation = session.scalars(select(Conversation.id).where(
            Conversation.external_id == CALL)).one()
    with streaming.websocket_connect(url.removeprefix("wss://desk.example.com")) as ws:
        _start(ws)
        assert "thanks for calling" in _hear_reply(ws, factory, conversation).lower()
        _say(ws, "what are your hours")
        assert _hear_reply(ws, factory, conversation)
        ws.send_json({"event": "stop", "streamSid": "MZ1", "stop": {"callSid": CALL}})
    for _ in range(100):  # the call's thread finishes after the socket has closed
        with factory() as session:
            stored = session.get_one(Conversation, conversation)
            ended, stats = stored.ended_at, stored.voice_stats
        if ended is not None and stats is not None:
            break
        time.sleep(0.05)
    assert ended is not None  # the stop ended the conversation
    # The one turn answered is measured (a fake recognizer: fast, but a real clock).
    assert stats is not None and stats["turns"] == 1 and 0 <= stats["p50_ms"] < 5000


@pytest.mark.parametrize(("mode", "speech"), [("turns", True), ("stream", False)])
def test_a_call_stays_turn_based_unless_the_business_streams_and_speech_is_set_up(
    client: TestClient, biz: Business, factory: sessionmaker[Session], mode: str,
    speech: bool,
) -> None:
    from tests.channels.test_twilio_voice import TwilioStandIn, verbs, with_twilio

    with_twilio(client.app)  # type: ignore[arg-type]
    client.app.state.speech = (lambda lang: (  # type: ignore[attr-defined]
        TextRecognizer(), TextVoice(), EnergyVAD())) if speech else None
    _streaming_business(factory, biz, mode)
    assert [v.tag for v in verbs(TwilioStandIn(client).ring())] == ["Gather", "Redirect"]


def test_asking_for_a_person_on_the_stream_ends_it_and_twilio_dials_the_business(
    streaming: TestClient, biz: Business, factory: sessionmaker[Session],
) -> None:
    from tests.channels.test_twilio_voice import FALLBACK, TwilioStandIn, verbs, with_twilio

    with_twilio(streaming.app)  # type: ignore[arg-type]
    _streaming_business(factory, biz, "stream")
    with write_session(factory) as session:
        session.get_one(Tenant, biz.tenant.id).fallback_phone = FALLBACK
    twilio = TwilioStandIn(streaming, call_sid=CALL)
    connect = verbs(twilio.ring())[0]
    action = connect.get("action", "")
    assert action == "https://desk.example.com" + twilio_twiml.STREAM_ENDED_PATH
    with factory() as session:
        conversation = session.scalars(select(Conversation.id).where(
            Conversation.external_id == CALL)).one()
    with streaming.websocket_connect(
            connect[0].get("url", "").removeprefix("wss://desk.example.com")) as ws:
        _start(ws)
        _hear_reply(ws, factory, conversation)
        _say(ws, "can I talk to a person")
        _hear_reply(ws, factory, conversation)
        with pytest.raises(WebSocketDisconnect):  # we close the stream after the words
            for _ in range(200):
                ws.receive_json()
    # Twilio then requests <Connect action>: the caller is put through.
    after = verbs(twilio.twiml(twilio_twiml.STREAM_ENDED_PATH, twilio.params()))
    assert [(v.tag, (v.text or "").strip()) for v in after] == [("Dial", FALLBACK)]


def test_when_the_stream_ends_without_a_transfer_twilio_hangs_up(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
) -> None:
    from tests.channels.test_twilio_voice import TwilioStandIn, verbs, with_twilio

    with_twilio(client.app)  # type: ignore[arg-type]
    _streaming_business(factory, biz, "turns")
    twilio = TwilioStandIn(client, call_sid=CALL)
    twilio.ring()
    after = verbs(twilio.twiml(twilio_twiml.STREAM_ENDED_PATH, twilio.params()))
    assert [v.tag for v in after] == ["Hangup"]
    unsigned = client.post(twilio_twiml.STREAM_ENDED_PATH, data=twilio.params())
    assert unsigned.status_code == 403  # signed like every Twilio webhook
