"""``conversation.ended`` goes out once per ending, carrying the final analysis: at the
end itself without an LLM, only after the refinement with one."""

from __future__ import annotations

import uuid

from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.services import conversation_analysis
from frontdesk.services.webhook_endpoints import EndpointFields, create_endpoint
from frontdesk.store.db import write_session
from frontdesk.store.models import OutboxMessage, Tenant
from tests.conftest import Business
from tests.services.analysis_chats import book_and_leave, row, send

SETTINGS = Settings(environment="test", secret_key=Fernet.generate_key().decode())


def _subscribe(factory: sessionmaker[Session], biz: Business) -> None:
    with write_session(factory) as session:
        create_endpoint(session, session.get_one(Tenant, biz.tenant.id), EndpointFields(
            "https://8.8.8.8/hook", event_types=("conversation.ended",)), SETTINGS)


def _ended(factory: sessionmaker[Session]) -> list[dict[str, object]]:
    with factory() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")
                               .order_by(OutboxMessage.created_at))
        return [r.payload for r in rows if r.payload["type"] == "conversation.ended"]


def test_a_booked_chat_sends_conversation_ended_with_its_summary(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    _subscribe(factory, biz)
    out, _ = book_and_leave(client, biz)
    [event] = _ended(factory)
    data = event["data"]
    assert isinstance(data, dict)
    assert data["conversation"]["id"] == out["conversation_id"]
    assert data["conversation"]["outcome"] == "booked"
    stored = row(factory, out["conversation_id"]).analysis
    assert stored is not None and data["analysis"] == stored
    assert data["analysis"]["success"] is True and data["analysis"]["summary"]


def test_each_ending_sends_its_own_event_and_no_more(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    _subscribe(factory, biz)
    agent = client.app.state.agent  # type: ignore[attr-defined]
    out = send(client, biz, "What are your opening hours?")
    conversation_id = uuid.UUID(out["conversation_id"])
    agent.end(biz.tenant, conversation_id)
    agent.end(biz.tenant, conversation_id)  # a retried hang-up: the same ending
    assert len(_ended(factory)) == 1
    send(client, biz, "And I'd like a haircut", out["session_id"])
    agent.end(biz.tenant, conversation_id)
    events = _ended(factory)
    assert len(events) == 2 and events[0]["id"] != events[1]["id"]
    assert [e["data"]["analysis"]["intent"] for e in events] == ["info", "book"]  # type: ignore[index]
    # The hours were asked and answered: a success, though nobody said goodbye.
    assert events[0]["data"]["analysis"]["success"] is True  # type: ignore[index]


def test_with_an_llm_the_event_waits_for_the_refinement(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    _subscribe(factory, biz)
    client.app.state.agent.refine_analysis = True  # type: ignore[attr-defined]
    out, _ = book_and_leave(client, biz)
    assert _ended(factory) == []  # the analysis is still being refined
    conversation_id = uuid.UUID(out["conversation_id"])
    current = row(factory, conversation_id).analysis
    assert current is not None and current["status"] == "refining"
    # The model failed for good: the rules' analysis becomes final and the event goes.
    assert conversation_analysis.finish_refinement(
        factory, biz.tenant.id, conversation_id, current["ending"], proposal=None,
        error="model down") == "rules"
    [event] = _ended(factory)
    assert event["data"]["analysis"]["status"] == "final"  # type: ignore[index]
    assert event["data"]["analysis"]["llm_error"] == "model down"  # type: ignore[index]
    conversation_analysis.finish_refinement(  # redelivered: no second event
        factory, biz.tenant.id, conversation_id, current["ending"], proposal=None,
        error="model down")
    assert len(_ended(factory)) == 1
