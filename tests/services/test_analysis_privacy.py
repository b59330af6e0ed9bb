"""The post-call analysis and staff's feedback repeat what was said: erasing the customer
or their conversation expiring takes those words too, and keeps what the insights count."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.conversation_feedback import FeedbackFields, rate
from frontdesk.services.retention import EXPIRED, RetentionPolicy, expire_due
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, ConversationFeedback
from tests.conftest import Business, auth
from tests.services.analysis_chats import book_and_leave, row


def _booked_and_rated(client: TestClient, biz: Business,
                      factory: sessionmaker[Session]) -> tuple[uuid.UUID, dict[str, object]]:
    out, _ = book_and_leave(client, biz)
    conversation_id = uuid.UUID(out["conversation_id"])
    rate(factory, biz.tenant, conversation_id, "api_key:staff",
         FeedbackFields("good", reason="Lovely call with the customer, she was happy"))
    before = row(factory, conversation_id).analysis
    assert before is not None and before["summary"] != EXPIRED
    assert any(t.get("text") for t in before["requested_times"])  # type: ignore[union-attr]
    return conversation_id, before


def _words_gone(factory: sessionmaker[Session], conversation_id: uuid.UUID,
                before: dict[str, object], marker: str) -> None:
    after = row(factory, conversation_id).analysis
    assert after is not None
    assert after["summary"] == marker and after["customer_id"] is None
    assert all(t["text"] is None for t in after["requested_times"])
    # What the insights count is still there.
    for kept in ("intent", "outcome", "success", "success_basis", "service", "booked_times",
                 "language", "channel", "turns"):
        assert after[kept] == before[kept], kept
    with factory() as session:
        [feedback] = session.scalars(select(ConversationFeedback).where(
            ConversationFeedback.conversation_id == conversation_id)).all()
    assert (feedback.rating, feedback.reason) == ("good", marker)


def test_erasing_the_customer_takes_the_summary_and_feedback_words(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    conversation_id, before = _booked_and_rated(client, biz, factory)
    customer = row(factory, conversation_id).customer_id
    erased = client.post(f"/api/v1/customers/{customer}/erase", headers=auth(biz))
    assert erased.status_code == 200, erased.text
    _words_gone(factory, conversation_id, before, "[erased]")


def test_an_expired_conversation_loses_its_summary_and_feedback_words(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    conversation_id, before = _booked_and_rated(client, biz, factory)
    old = datetime.now(UTC) - timedelta(days=60)
    with write_session(factory) as session:
        session.execute(update(Conversation).where(Conversation.id == conversation_id)
                        .values(started_at=old, updated_at=old))
    done = expire_due(factory, RetentionPolicy(days=30))
    assert done.conversations == 1
    _words_gone(factory, conversation_id, before, EXPIRED)
