"""Post-call analysis from the rules: every ending of a real chat (through the chat door
and the Agent) stores what it came to, and the final hook runs once per ending."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import conversation_analysis
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, OutboxMessage, Tenant
from tests.conftest import Business
from tests.services.analysis_chats import book_and_leave, row, send, speak_spanish_first


@pytest.fixture
def finals(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[uuid.UUID, int]]]:
    """Each call of the final hook: (conversation, its analysis's ending)."""
    calls: list[tuple[uuid.UUID, int]] = []

    def record(session: Session, tenant: Tenant, conversation: Conversation) -> None:
        assert conversation.analysis is not None and conversation.analysis["status"] == "final"
        calls.append((conversation.id, conversation.analysis["ending"]))

    monkeypatch.setattr(conversation_analysis, "analysis_final", record)
    yield calls


def test_a_booked_chat_is_analysed_when_it_ends(
        client: TestClient, biz: Business, factory: sessionmaker[Session],
        finals: list[tuple[uuid.UUID, int]]) -> None:
    out, day = book_and_leave(client, biz)
    analysis = row(factory, out["conversation_id"]).analysis
    assert analysis is not None
    assert (analysis["engine"], analysis["status"], analysis["version"]) == ("rules", "final", 1)
    assert analysis["intent"] == "book" and analysis["outcome"] == "booked"
    assert analysis["success"] is True and analysis["success_basis"] == "completed"
    assert analysis["service"]["name"] == "Haircut"
    assert [datetime.fromisoformat(t) for t in analysis["booked_times"]] == [biz.at(day, 10)]
    assert analysis["appointments"][0]["appointment_id"] == out["state"]["appointment_id"]
    asked = [r for r in analysis["requested_times"]
             if r["start"] and datetime.fromisoformat(r["start"]) == biz.at(day, 10)]
    # Once, in the caller's words, though the agent also searched from that time.
    assert len(asked) == 1 and asked[0]["text"], analysis["requested_times"]
    assert analysis["channel"] == "chat" and analysis["language"] == "en"
    assert analysis["customer_id"] is not None and analysis["turns"] >= 4
    assert analysis["duration_s"] is not None and analysis["llm_error"] is None
    assert "Haircut" in analysis["summary"] and "booked" in analysis["summary"]
    assert finals == [(uuid.UUID(out["conversation_id"]), analysis["ending"])]


def test_a_spanish_chat_is_summarised_in_the_business_language(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    speak_spanish_first(factory, biz)
    out, _ = book_and_leave(client, biz, "es")
    analysis = row(factory, out["conversation_id"]).analysis
    assert analysis is not None
    assert analysis["language"] == "es" and analysis["summary_language"] == "es"
    assert analysis["summary"].startswith("El cliente reservó"), analysis["summary"]
    assert analysis["success"] is True and analysis["intent"] == "book"


def test_asking_for_a_person_is_a_success_and_misunderstanding_is_not(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    asked = send(client, biz, "Can I speak to a person please?")
    assert asked["transfer"], asked
    analysis = row(factory, asked["conversation_id"]).analysis
    assert analysis is not None
    assert analysis["outcome"] == "transferred" and analysis["intent"] == "human"
    assert analysis["transfer_reason"] == "caller asked for a person"
    assert (analysis["success"], analysis["success_basis"]) == (True, "asked_for_person")

    out: dict[str, object] = {}
    for _ in range(6):
        out = send(client, biz, "zxq vbnm plok", out.get("session_id"))  # type: ignore[arg-type]
        if out["transfer"]:
            break
    assert out["transfer"], out
    lost = row(factory, str(out["conversation_id"])).analysis
    assert lost is not None and lost["transfer_reason"] == "repeated misunderstanding"
    assert (lost["success"], lost["success_basis"]) == (False, "transferred_unresolved")
    assert "put through to a person" in lost["summary"]


def test_leaving_mid_booking_is_abandoned_and_not_a_success(
        client: TestClient, biz: Business, factory: sessionmaker[Session],
        finals: list[tuple[uuid.UUID, int]]) -> None:
    out = send(client, biz, "Hi, I'd like to book a haircut")
    assert row(factory, out["conversation_id"]).analysis is None  # still live
    client.app.state.agent.end(biz.tenant, uuid.UUID(out["conversation_id"]))  # type: ignore[attr-defined]
    analysis = row(factory, out["conversation_id"]).analysis
    assert analysis is not None and analysis["outcome"] == "abandoned"
    assert analysis["intent"] == "book" and analysis["service"]["name"] == "Haircut"
    assert (analysis["success"], analysis["success_basis"]) == (False, "abandoned_mid_task")
    assert "left before" in analysis["summary"]
    assert len(finals) == 1
    # The door saying "over" again is no new ending: nothing analysed twice.
    client.app.state.agent.end(biz.tenant, uuid.UUID(out["conversation_id"]))  # type: ignore[attr-defined]
    assert len(finals) == 1


def test_an_ending_resumed_and_ended_again_is_analysed_again(
        client: TestClient, biz: Business, factory: sessionmaker[Session],
        finals: list[tuple[uuid.UUID, int]]) -> None:
    agent = client.app.state.agent  # type: ignore[attr-defined]
    out = send(client, biz, "What are your opening hours?")
    conversation_id = uuid.UUID(out["conversation_id"])
    agent.end(biz.tenant, conversation_id)
    first = row(factory, conversation_id).analysis
    assert first is not None
    send(client, biz, "And I'd like a haircut", out["session_id"])
    assert row(factory, conversation_id).ended_at is None  # a reconnect: it goes on
    agent.end(biz.tenant, conversation_id)
    second = row(factory, conversation_id).analysis
    assert second is not None and second["ending"] > first["ending"]
    assert second["intent"] == "book"
    assert finals == [(conversation_id, first["ending"]), (conversation_id, second["ending"])]


def test_with_an_llm_the_ending_queues_one_refinement_and_waits(
        client: TestClient, biz: Business, factory: sessionmaker[Session],
        finals: list[tuple[uuid.UUID, int]]) -> None:
    client.app.state.agent.refine_analysis = True  # type: ignore[attr-defined]
    out, _ = book_and_leave(client, biz)
    analysis = row(factory, out["conversation_id"]).analysis
    assert analysis is not None and analysis["status"] == "refining"
    assert finals == []  # not final until the model has answered (or failed)
    with factory() as session:
        queued = session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "analysis")).all()
    assert [(m.recipient, m.payload["ending"]) for m in queued] == [
        (out["conversation_id"], analysis["ending"])]


def test_backfill_and_reading_an_old_conversation(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    out, _ = book_and_leave(client, biz)
    with write_session(factory) as session:  # as if it ended before revision 0023
        session.get_one(Conversation, uuid.UUID(out["conversation_id"])).analysis = None
    with factory() as session:
        old = session.get_one(Conversation, uuid.UUID(out["conversation_id"]))
        computed = conversation_analysis.analysis_of(session, biz.tenant, old)
        assert computed is not None and computed.outcome == "booked"
        assert old.analysis is None  # read, not stored
    assert conversation_analysis.backfill(factory) == 1
    stored = row(factory, out["conversation_id"]).analysis
    assert stored is not None and stored["success"] is True
    assert conversation_analysis.backfill(factory) == 0
