"""Retell's custom-LLM WebSocket, spoken by a stand-in for Retell's server."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from frontdesk.channels import retell
from tests.channels.conftest import (
    Transcript,
    answer_for,
    appointments,
    opening,
    stored_state,
)
from tests.conftest import Business, next_weekday

CALLER = "+12125550142"


def url(call_id: str, key: str) -> str:
    return f"/v1/retell/llm-websocket/{call_id}?key={key}"


class RetellStandIn:
    """What Retell's server does on its side of the socket."""

    def __init__(self, ws: WebSocketTestSession) -> None:
        self.ws = ws
        self.transcript: list[dict[str, str]] = []
        self.response_id = 0

    def start(self, from_number: str | None = CALLER) -> dict[str, Any]:
        """Read our config, send call details, return the greeting event."""
        config = self.ws.receive_json()
        assert config == {"response_type": "config",
                          "config": {"auto_reconnect": True, "call_details": True}}
        if from_number is not None:
            self.ws.send_json({"interaction_type": "call_details", "call": {
                "call_id": "c1", "call_type": "phone_call", "from_number": from_number,
                "to_number": "+12125550100", "agent_id": "agent_1", "metadata": {}}})
        greeting = self.ws.receive_json()
        if greeting["content"]:
            self.transcript.append({"role": "agent", "content": greeting["content"]})
        return greeting

    def say(self, text: str, *, response_id: int | None = None,
            kind: str = "response_required") -> dict[str, Any]:
        if text:
            self.transcript.append({"role": "user", "content": text})
            self.ws.send_json({"interaction_type": "update_only",
                               "transcript": self.transcript, "turntaking": "agent_turn"})
        if response_id is None:
            self.response_id += 1
            response_id = self.response_id
        self.ws.send_json({"interaction_type": kind, "response_id": response_id,
                           "transcript": self.transcript})
        event = self.ws.receive_json()
        assert event["response_type"] == "response" and event["response_id"] == response_id
        assert event["content_complete"] is True
        if response_id == self.response_id:
            self.transcript.append({"role": "agent", "content": event["content"]})
        return event


def test_config_and_greeting_on_connect_then_ping_pong(client: TestClient,
                                                       biz: Business) -> None:
    with client.websocket_connect(url("call-hello", biz.api_key)) as ws:
        retell_side = RetellStandIn(ws)
        greeting = retell_side.start()
        assert greeting["response_id"] == 0 and greeting["content"].strip()
        assert greeting["end_call"] is False
        ws.send_json({"interaction_type": "ping_pong", "timestamp": 1_703_302_407_333})
        assert ws.receive_json() == {"response_type": "ping_pong", "timestamp": 1_703_302_407_333}
        ws.send_text("not json")  # ignored, the call goes on
        ws.send_json({"interaction_type": "update_only", "transcript": []})
        ws.send_json({"interaction_type": "ping_pong", "timestamp": 2})
        assert ws.receive_json() == {"response_type": "ping_pong", "timestamp": 2}


def test_a_caller_books_by_voice_and_a_repeated_response_id_books_once(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    day = next_weekday(biz.tz, 2)
    log = Transcript()
    with client.websocket_connect(url("call-book-1", biz.api_key)) as ws:
        retell_side = RetellStandIn(ws)
        log.add("agent", retell_side.start()["content"])
        text, last = opening(day, "en"), None
        for _ in range(10):
            last = retell_side.say(text)
            log.add("caller", text)
            log.add("agent", last["content"])
            state = stored_state(factory, biz, external_id="retell:call-book-1")
            if state.get("appointment_id"):
                break
            text = answer_for(state, day, "en")
        else:
            pytest.fail(f"no appointment after 10 turns:\n{log}")
        assert last is not None
        # Retell asks again for the same response id (e.g. after a reconnect)
        again = retell_side.say("", response_id=retell_side.response_id)
        assert again["content"] == last["content"]
    booked = appointments(factory, biz)
    assert len(booked) == 1, log
    assert booked[0].start_at == biz.at(day, 10), log
    assert booked[0].source == "phone"
    with factory() as session:
        from frontdesk.store.models import Customer

        customer = session.get(Customer, booked[0].customer_id)
        assert customer is not None and customer.phone_e164 == CALLER, log


def test_a_reconnect_does_not_greet_twice(client: TestClient, biz: Business) -> None:
    with client.websocket_connect(url("call-again", biz.api_key)) as ws:
        assert RetellStandIn(ws).start()["content"]
    with client.websocket_connect(url("call-again", biz.api_key)) as ws:
        assert RetellStandIn(ws).start()["content"] == ""


def test_without_call_details_we_greet_anyway(client: TestClient, biz: Business,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retell, "CALL_DETAILS_WAIT_S", 0.05)
    with client.websocket_connect(url("call-no-details", biz.api_key)) as ws:
        retell_side = RetellStandIn(ws)
        assert retell_side.start(from_number=None)["content"].strip()
        assert retell_side.say("I'd like a haircut")["content"].strip()


def test_a_reminder_after_silence_gets_an_answer(client: TestClient, biz: Business) -> None:
    with client.websocket_connect(url("call-quiet", biz.api_key)) as ws:
        retell_side = RetellStandIn(ws)
        retell_side.start()
        nudge = retell_side.say("", kind="reminder_required")
        assert nudge["content"].strip() and nudge["end_call"] is False


def test_an_authorization_header_works_too(client: TestClient, biz: Business) -> None:
    with client.websocket_connect("/v1/retell/llm-websocket/call-hdr",
                                  headers={"Authorization": f"Bearer {biz.api_key}"}) as ws:
        assert RetellStandIn(ws).start()["content"].strip()


@pytest.mark.parametrize("path", ["/v1/retell/llm-websocket/c?key=fd_wrong",
                                  "/v1/retell/llm-websocket/c"])
def test_a_bad_key_closes_the_socket(client: TestClient, biz: Business, path: str) -> None:
    with client.websocket_connect(path) as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == retell.CLOSE_UNAUTHORIZED


def test_transfer_and_end_call_map_to_retells_fields() -> None:
    from frontdesk.conversation.agent import Reply

    transfer = Reply(conversation_id=None, text="Connecting you.", lang="en",  # type: ignore[arg-type]
                     transfer=True, end=True, transfer_to="+12125550100")
    event = retell.reply_event(3, transfer)
    assert event["transfer_number"] == "+12125550100" and event["end_call"] is False
    bye = Reply(conversation_id=None, text="Bye!", lang="en", end=True)  # type: ignore[arg-type]
    assert retell.reply_event(4, bye)["end_call"] is True
    assert "transfer_number" not in retell.reply_event(4, bye)
    no_number = Reply(conversation_id=None, text="One moment.", lang="en",  # type: ignore[arg-type]
                      transfer=True)
    assert "transfer_number" not in retell.reply_event(5, no_number)


def test_the_last_user_words_are_read_from_the_transcript() -> None:
    assert retell.last_user_words([{"role": "agent", "content": "Hi"},
                                   {"role": "user", "content": "book"},
                                   {"role": "user", "content": "a haircut"}]) == "book a haircut"
    assert retell.last_user_words([{"role": "user", "content": "hi"},
                                   {"role": "agent", "content": "Hello?"}]) == ""
    assert retell.last_user_words(None) == ""
    assert len(retell.request_key("x" * 100, 7)) <= 64


def test_the_key_can_be_a_path_segment_for_retells_url_appending(client: TestClient,
                                                                 biz: Business) -> None:
    with client.websocket_connect(f"/v1/retell/{biz.api_key}/llm-websocket/call-path") as ws:
        assert RetellStandIn(ws).start()["content"].strip()
    with client.websocket_connect("/v1/retell/fd_wrong/llm-websocket/call-path") as ws, \
            pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == retell.CLOSE_UNAUTHORIZED


def test_a_known_caller_is_greeted_by_name(client: TestClient, biz: Business) -> None:
    created = client.post("/api/v1/customers", headers={"Authorization": f"Bearer {biz.api_key}"},
                          json={"phone": CALLER, "name": "Dana Whitfield"})
    assert created.status_code == 201, created.text
    with client.websocket_connect(url("call-known", biz.api_key)) as ws:
        greeting = RetellStandIn(ws).start()
    assert "Dana" in greeting["content"]


def test_an_event_without_a_response_id_is_skipped(client: TestClient, biz: Business) -> None:
    with client.websocket_connect(url("call-odd", biz.api_key)) as ws:
        RetellStandIn(ws).start()
        ws.send_json({"interaction_type": "response_required", "transcript": []})
        ws.send_json({"interaction_type": "ping_pong", "timestamp": 9})
        assert ws.receive_json() == {"response_type": "ping_pong", "timestamp": 9}
