"""The Telnyx media-streaming door: a streaming business's call is answered with a
stream to our socket (the token sealed in our answer to the signed webhook), only that
call may open it, and the call runs end to end over the WebSocket in Telnyx's frames —
a haircut booked by (stand-in) speech, a barge-in answered with ``clear``, the call hung
up through Call Control when the agent is done."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.websockets import WebSocketDisconnect

from frontdesk.channels import stream_calls, telnyx_stream, telnyx_voice
from frontdesk.speech.base import UnsupportedLanguage
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, ConversationTurn, Tenant, TenantPhoneNumber
from frontdesk.voice.pipeline import (
    FRAME_BYTES,
    CallerAudio,
    ClearAudio,
    Digit,
    MarkPlayed,
    SendAudio,
    SendMark,
    Stopped,
    clauses,
)
from frontdesk.voice.vad import EnergyVAD
from tests.channels.conftest import opening
from tests.channels.telnyx_line import NUMBER, Line, telnyx_line
from tests.conftest import Business, next_weekday
from tests.voice.fakes import SILENT_FRAME, TextRecognizer, TextVoice, hear, speech

STREAM = "32DE0DEA-53CB-4B21-89A4-9E1819C043BC"
SITE = "https://desk.example.com"


def _business(biz: Business, factory: sessionmaker[Session], mode: str) -> Business:
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        tenant.voice_mode = mode
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=NUMBER))
    return biz


@pytest.fixture
def line(engine: Engine) -> Iterator[Line]:
    for line in telnyx_line(engine, public_base_url=SITE):
        line.http.app.state.speech = lambda lang: (  # type: ignore[attr-defined]
            TextRecognizer(), TextVoice(), EnergyVAD())
        yield line


@pytest.fixture
def streaming(biz: Business, factory: sessionmaker[Session]) -> Business:
    return _business(biz, factory, "stream")


def answered(line: Line) -> str:
    """Ring the business; the path of the stream its answer asked Telnyx to open."""
    assert line.send("call.initiated") == {"status": "ok"}
    answer = line.commands[-1]
    assert answer["action"] == "answer", line.actions()
    body = answer["body"]
    assert {k: v for k, v in body.items() if k not in ("stream_url", "command_id",
                                                       "client_state")} == {
        "stream_track": "inbound_track", "stream_codec": "PCMU",
        "stream_bidirectional_mode": "rtp", "stream_bidirectional_codec": "PCMU"}
    url = urlsplit(body["stream_url"])
    assert (url.scheme, url.netloc) == ("wss", "desk.example.com")
    assert url.path.startswith("/webhooks/telnyx/stream/")
    # The call is ours on the socket: the answered event starts nothing else.
    assert line.send("call.answered") == {"status": "ok"}
    assert line.actions() == ["answer"]
    return url.path


def _start(ws: Any, call: str, encoding: str = "PCMU") -> None:
    ws.send_json({"event": "connected", "version": "1.0.0"})
    ws.send_json({"event": "start", "sequence_number": "1", "stream_id": STREAM, "start": {
        "user_id": "3E6F995F-85F7-4705-9741-53B116D28237", "call_control_id": call,
        "call_session_id": "ff55a038-6f5d-11ef-9692-02420aeffb1f", "from": "+12125550142",
        "to": NUMBER, "client_state": None, "custom_parameters": {},
        "media_format": {"encoding": encoding, "sample_rate": 8000, "channels": 1}}})


def _media(ws: Any, audio: bytes) -> None:
    for n, i in enumerate(range(0, len(audio), FRAME_BYTES)):
        ws.send_json({"event": "media", "sequence_number": str(n + 2), "stream_id": STREAM,
                      "media": {"track": "inbound", "chunk": str(n + 1),
                                "timestamp": str(n * 20),
                                "payload": base64.b64encode(audio[i:i + FRAME_BYTES]).decode()}})


def _say(ws: Any, text: str) -> None:
    _media(ws, speech(text) + SILENT_FRAME * 25)


def _last_said(factory: sessionmaker[Session]) -> str:
    with factory() as session:
        return str(session.scalars(
            select(ConversationTurn.text).where(ConversationTurn.role == "assistant")
            .order_by(ConversationTurn.created_at.desc(), ConversationTurn.seq.desc())
            .limit(1)).one())


def _hear_reply(ws: Any, factory: sessionmaker[Session]) -> str:
    """Read one reply, returning each mark once its audio "played", as Telnyx does."""
    first = ws.receive_json()
    assert first["event"] == "media" and set(first) == {"event", "media"}, first
    wanted = len(clauses(_last_said(factory)))
    heard, audio, marks = [], base64.b64decode(first["media"]["payload"]), 0
    while marks < wanted:
        message = ws.receive_json()
        if message["event"] == "media":
            chunk = base64.b64decode(message["media"]["payload"])
            # RTP payloads of whole 20 ms frames, never shorter (Telnyx takes 20 ms–30 s)
            assert chunk and len(chunk) % FRAME_BYTES == 0, len(chunk)
            audio += chunk
        elif message["event"] == "mark":
            marks += 1
            heard.append(hear(audio))
            audio = b""
            ws.send_json({"event": "mark", "sequence_number": "99", "stream_id": STREAM,
                          "mark": message["mark"]})
    return " ".join(heard)


def test_a_haircut_is_booked_over_the_stream_and_the_call_hung_up(
    line: Line, streaming: Business, factory: sessionmaker[Session],
) -> None:
    with line.http.websocket_connect(answered(line)) as ws:
        _start(ws, line.call_id)
        assert "thanks for calling" in _hear_reply(ws, factory).lower()
        _say(ws, opening(next_weekday(streaming.tz, 1), "en"))
        heard = _hear_reply(ws, factory)
        for _ in range(6):
            lowered = heard.lower()
            if "all set" in lowered:
                break
            _say(ws, "Alex Smith" if "name" in lowered else "yes please")
            heard = _hear_reply(ws, factory)
        assert "all set" in heard.lower()
        _say(ws, "No, thanks")
        _hear_reply(ws, factory)  # the goodbye, played to its last mark
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()  # we closed the stream ...
    with factory() as session:
        booked = session.scalars(select(Appointment)).all()
    assert len(booked) == 1 and booked[0].start_at.astimezone(streaming.tz).hour == 10
    hangup = line.commands[-1]  # ... and hung up the call, which a closed stream does not
    assert hangup["action"] == "hangup" and hangup["call_control_id"] == line.call_id
    assert hangup["body"] == {"command_id": f"{STREAM}:hangup"}


def test_talking_over_the_greeting_clears_it(line: Line, streaming: Business) -> None:
    with line.http.websocket_connect(answered(line)) as ws:
        _start(ws, line.call_id)
        seen = [ws.receive_json() for _ in range(3)]
        assert all(m["event"] in ("media", "mark") for m in seen)
        _media(ws, speech("sorry, I want a haircut"))
        message = ws.receive_json()
        while message["event"] != "clear":
            message = ws.receive_json()
        assert message == {"event": "clear"}


@pytest.mark.parametrize("token", ["not-a-token", "gAAAAABfake"])
def test_a_forged_token_is_refused_at_the_handshake(line: Line, token: str) -> None:
    with pytest.raises(WebSocketDisconnect) as refused:
        with line.http.websocket_connect(f"/webhooks/telnyx/stream/{token}"):
            pass
    assert refused.value.code == telnyx_stream.CLOSE_POLICY


def test_an_old_token_is_refused(line: Line, streaming: Business,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = answered(line)
    monkeypatch.setattr(stream_calls, "TOKEN_AGE_S", 1)
    time.sleep(2.1)
    with pytest.raises(WebSocketDisconnect) as refused:
        with line.http.websocket_connect(path):
            pass
    assert refused.value.code == telnyx_stream.CLOSE_POLICY


def test_a_start_for_another_call_is_refused(line: Line, streaming: Business) -> None:
    with line.http.websocket_connect(answered(line)) as ws:
        _start(ws, "v3:someone-elses-call")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == telnyx_stream.CLOSE_POLICY
    assert line.actions() == ["answer"]  # nothing said, nobody hung up


def test_a_stream_in_another_codec_is_refused(line: Line, streaming: Business) -> None:
    with line.http.websocket_connect(answered(line)) as ws:
        _start(ws, line.call_id, encoding="PCMA")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == telnyx_stream.CLOSE_UNSUPPORTED


def test_a_turn_based_business_is_answered_without_a_stream(
    line: Line, biz: Business, factory: sessionmaker[Session],
) -> None:
    _business(biz, factory, "turns")
    line.send("call.initiated")
    assert "stream_url" not in line.commands[-1]["body"]
    line.send("call.answered")
    assert line.actions() == ["answer", "transcription_start", "gather_using_speak"]


def test_without_speech_providers_a_streaming_business_takes_turns(
    line: Line, streaming: Business,
) -> None:
    line.http.app.state.speech = None  # type: ignore[attr-defined]
    line.send("call.initiated")
    assert "stream_url" not in line.commands[-1]["body"]
    line.send("call.answered")
    assert line.actions() == ["answer", "transcription_start", "gather_using_speak"]


def test_a_language_the_speech_providers_lack_takes_turns(
    line: Line, streaming: Business,
) -> None:
    def no_voice(lang: str) -> Any:
        raise UnsupportedLanguage(f"no voice for {lang}")

    line.http.app.state.speech = no_voice  # type: ignore[attr-defined]
    line.send("call.initiated")
    assert "stream_url" not in line.commands[-1]["body"]
    line.send("call.answered")
    assert line.actions() == ["answer", "transcription_start", "gather_using_speak"]


def test_without_speech_providers_the_stream_closes(line: Line, streaming: Business) -> None:
    path = answered(line)
    line.http.app.state.speech = None  # type: ignore[attr-defined]
    with pytest.raises(WebSocketDisconnect) as closed:
        with line.http.websocket_connect(path):
            pass
    assert closed.value.code == telnyx_stream.CLOSE_UNAVAILABLE


def test_frames_translate_both_ways() -> None:
    audio = speech("hi")
    media = {"event": "media", "stream_id": STREAM, "media": {
        "track": "inbound", "chunk": "1", "timestamp": "0",
        "payload": base64.b64encode(audio).decode()}}
    assert telnyx_stream.event_of(media) == CallerAudio(audio)
    outbound = {**media, "media": {**media["media"], "track": "outbound"}}
    assert telnyx_stream.event_of(outbound) is None  # our own voice, if both tracks came
    bad = {**media, "media": {"track": "inbound", "payload": "not base64!"}}
    assert telnyx_stream.event_of(bad) is None
    dtmf = {"event": "dtmf", "stream_id": STREAM, "occurred_at": "2025-01-01T12:00:00Z",
            "dtmf": {"digit": "7"}}
    assert telnyx_stream.event_of(dtmf) == Digit("7")
    assert telnyx_stream.event_of({"event": "dtmf", "dtmf": {"digit": "77"}}) is None
    mark = {"event": "mark", "stream_id": STREAM, "mark": {"name": "r1c0"}}
    assert telnyx_stream.event_of(mark) == MarkPlayed("r1c0")
    assert telnyx_stream.event_of({"event": "stop", "stream_id": STREAM,
                                   "stop": {"call_control_id": "v3:x"}}) == Stopped()
    short = telnyx_stream.message_of(SendAudio(b"\x00" * 40))
    assert short is not None
    assert base64.b64decode(short["media"]["payload"]) == b"\x00" * 40 + b"\xff" * 120
    assert telnyx_stream.message_of(SendMark("r1c0")) == {"event": "mark",
                                                           "mark": {"name": "r1c0"}}
    assert telnyx_stream.message_of(ClearAudio()) == {"event": "clear"}


def test_the_stream_url_is_a_secure_socket() -> None:
    assert telnyx_stream.stream_url("https://desk.example.com/", "T0K") == \
        "wss://desk.example.com/webhooks/telnyx/stream/T0K"
    assert telnyx_stream.stream_url("http://127.0.0.1:8000", "T0K") == \
        "ws://127.0.0.1:8000/webhooks/telnyx/stream/T0K"
    assert telnyx_voice.decode_state(telnyx_voice.encode_state({"mode": "stream"})) == {
        "mode": "stream"}


def test_asking_for_a_person_on_the_stream_transfers_the_call(
    line: Line, streaming: Business, factory: sessionmaker[Session],
) -> None:
    with write_session(factory) as session:
        session.get_one(Tenant, streaming.tenant.id).fallback_phone = "+12125550110"
    with line.http.websocket_connect(answered(line)) as ws:
        _start(ws, line.call_id)
        _hear_reply(ws, factory)
        _say(ws, "can I talk to a person")
        _hear_reply(ws, factory)  # "let me connect you", played to its last mark
        with pytest.raises(WebSocketDisconnect):
            for _ in range(200):
                ws.receive_json()
    transfer = line.commands[-1]  # Call Control puts the caller through, no hang-up
    assert transfer["action"] == "transfer" and transfer["call_control_id"] == line.call_id
    assert transfer["body"] == {"to": "+12125550110", "command_id": f"{STREAM}:transfer"}
