"""The chat door: booking by chatting, conversation records, errors, idempotent retries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.channels.conftest import Transcript, answer_for, appointments, auth, opening
from tests.conftest import Business, next_weekday


def _send(client: TestClient, biz: Business, message: str, session_id: str | None = None,
          **extra: Any) -> dict[str, Any]:
    headers = {**auth(biz), **extra.pop("headers", {})}
    response = client.post("/api/v1/chat", headers=headers,
                           json={"message": message, "session_id": session_id, **extra})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def chat_until_booked(client: TestClient, biz: Business, lang: str,
                      key: Callable[[int], str | None] = lambda _: None,
                      ) -> tuple[dict[str, Any], Transcript, date]:
    """Chat as a customer who answers every question, until an appointment is made."""
    day = next_weekday(biz.tz, 2)
    transcript, session_id, text = Transcript(), None, opening(day, lang)
    for turn in range(10):
        idem = key(turn)
        out = _send(client, biz, text, session_id,
                    headers={"Idempotency-Key": idem} if idem else {})
        session_id = out["session_id"]
        transcript.add("customer", text)
        transcript.add("agent", out["reply"])
        if out["state"].get("appointment_id"):
            return out, transcript, day
        text = answer_for(out["state"], day, lang)
    pytest.fail(f"no appointment after 10 turns:\n{transcript}")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_customer_books_a_haircut_by_chatting(client: TestClient, biz: Business,
                                                lang: str) -> None:
    out, transcript, day = chat_until_booked(client, biz, lang)
    assert out["language"] == lang, transcript
    assert out["outcome"] == "booked", transcript
    assert not out["transfer"]
    listed = client.get("/api/v1/appointments", headers=auth(biz)).json()
    assert len(listed) == 1, transcript
    assert listed[0]["service_name"] == "Haircut"
    assert datetime.fromisoformat(listed[0]["start"]) == biz.at(day, 10), transcript
    assert listed[0]["source"] == "chat"
    assert listed[0]["id"] == out["state"]["appointment_id"]
    # the time the customer asked for was offered back to them in words
    assert any("10" in line for line in transcript.lines if line.startswith("agent")), transcript


def test_the_record_holds_every_turn_and_tool_call_and_is_tenant_scoped(
        client: TestClient, biz: Business, make_business: Callable[..., Business]) -> None:
    out, transcript, _ = chat_until_booked(client, biz, "en")
    response = client.get(f"/api/v1/conversations/{out['conversation_id']}", headers=auth(biz))
    assert response.status_code == 200
    record = response.json()
    assert record["channel"] == "chat" and record["external_id"] == out["session_id"]
    assert record["outcome"] == "booked"
    assert record["appointment_id"] == out["state"]["appointment_id"]
    turns = record["turns"]
    assert [t["seq"] for t in turns] == sorted(t["seq"] for t in turns)
    said = [t for t in turns if t["role"] == "user"]
    assert len(said) == record["turn_count"] == len(transcript.lines) // 2
    replies = [t for t in turns if t["role"] == "assistant"]
    assert all(t["text"] and t["latency_ms"] is not None and t["engine"] for t in replies)
    booked = [t for t in turns if t["role"] == "tool" and t["tool_name"] == "book"]
    assert booked and booked[-1]["tool_result"]["ok"], turns
    assert booked[-1]["tool_args"]
    assert datetime.fromisoformat(turns[0]["created_at"]).utcoffset() is not None

    other = make_business("elsewhere")
    hidden = client.get(f"/api/v1/conversations/{out['conversation_id']}", headers=auth(other))
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"


def test_a_session_continues_under_the_id_we_hand_out(client: TestClient, biz: Business) -> None:
    first = _send(client, biz, "Hi, I'd like a haircut")
    assert first["session_id"] and first["reply"]
    second = _send(client, biz, "Next week on Wednesday", first["session_id"])
    assert second["conversation_id"] == first["conversation_id"]
    own = _send(client, biz, "Hello", "my-widget-session-1")
    assert own["session_id"] == "my-widget-session-1"
    assert own["conversation_id"] != first["conversation_id"]


@pytest.mark.parametrize("message", ["", "   ", "\n\t"])
def test_an_empty_message_is_refused_with_a_clear_problem(client: TestClient, biz: Business,
                                                          message: str) -> None:
    response = client.post("/api/v1/chat", headers=auth(biz), json={"message": message})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "empty" in response.json()["detail"]


def test_noise_gets_a_polite_reask_and_a_flood_is_refused(client: TestClient, biz: Business,
                                                          factory: sessionmaker[Session]) -> None:
    noise = "".join(chr(0x41 + (i * 7919) % 58) for i in range(3_900))
    out = _send(client, biz, noise)
    assert out["reply"].strip() and not out["end"]
    flood = client.post("/api/v1/chat", headers=auth(biz), json={"message": noise * 3})
    assert flood.status_code == 422
    assert "4000" in flood.json()["detail"]
    assert appointments(factory, biz) == []


def test_malformed_json_wrong_fields_and_unknown_keys(client: TestClient, biz: Business) -> None:
    broken = client.post("/api/v1/chat", headers={**auth(biz), "Content-Type": "application/json"},
                         content=b'{"message": "hi"')
    assert broken.status_code == 400 and broken.json()["code"] == "malformed_json"
    wrong = client.post("/api/v1/chat", headers=auth(biz), json={"message": ["hi"]})
    assert wrong.status_code == 422
    odd_lang = client.post("/api/v1/chat", headers=auth(biz), json={"message": "hi", "lang": "fr"})
    assert odd_lang.status_code == 422
    bad_phone = client.post("/api/v1/chat", headers=auth(biz),
                            json={"message": "hi", "caller_phone": "not a number"})
    assert bad_phone.status_code == 422
    stranger = client.post("/api/v1/chat", headers={"Authorization": "Bearer fd_nope"},
                           json={"message": "hi"})
    assert stranger.status_code == 401
    assert stranger.headers["content-type"] == "application/problem+json"
    anonymous = client.post("/api/v1/chat", json={"message": "hi"})
    assert anonymous.status_code == 401


def test_a_retried_message_is_answered_from_the_record(client: TestClient, biz: Business,
                                                       factory: sessionmaker[Session]) -> None:
    out, transcript, _ = chat_until_booked(client, biz, "en", key=lambda turn: f"turn-{turn}")
    last_customer_line = transcript.lines[-2].split(": ", 1)[1]
    again = _send(client, biz, last_customer_line, out["session_id"],
                  headers={"Idempotency-Key": f"turn-{len(transcript.lines) // 2 - 1}"})
    assert again["reply"] == out["reply"]
    assert again["conversation_id"] == out["conversation_id"]
    assert len(appointments(factory, biz)) == 1
    record = client.get(f"/api/v1/conversations/{out['conversation_id']}",
                        headers=auth(biz)).json()
    assert record["turn_count"] == len(transcript.lines) // 2
