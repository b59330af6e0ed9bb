"""Retention (services/retention.py): conversations and finished messages past their
period lose their words and numbers (or go), in small idempotent batches, on real rows;
appointments are never touched; a business may only shorten the deployment's period."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.delivery.background import BackgroundWork
from frontdesk.services import booking
from frontdesk.services.retention import (
    EXPIRED,
    RetentionPolicy,
    effective_days,
    expire_batch,
    expire_due,
)
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Appointment,
    Conversation,
    ConversationTurn,
    OutboxMessage,
    PhoneVerification,
    Tenant,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.api.dashboard_data import NOW, conversation, customer, message
from tests.conftest import Business, auth, next_weekday
from tests.store.test_backup import every_row

PHONE = "+12125550101"
OLD, RECENT = NOW - timedelta(days=40), NOW - timedelta(days=5)


def talk(factory: sessionmaker[Session], biz: Business, when: Any, **extra: Any) -> uuid.UUID:
    """A finished phone conversation whose last activity was ``when``."""
    said = ("My number is +12125550101, book me a haircut", "Booked for Tuesday at 10.")
    conversation_id = conversation(factory, biz, started=when, caller_phone=PHONE, said=said,
                                   **{"customer_id": None, **extra})
    with write_session(factory) as session:
        session.execute(update(Conversation).where(Conversation.id == conversation_id)
                        .values(updated_at=when + timedelta(minutes=3)))
    return conversation_id


@pytest.fixture
def history(factory: sessionmaker[Session], biz: Business) -> dict[str, uuid.UUID]:
    """An old conversation that booked (with its confirmation and a code texted during
    it), a recent one, and messages old and new, sent and still to send."""
    carla = customer(factory, biz, PHONE, "Carla")
    day = next_weekday(biz.tz, 1)
    booked = booking.book(factory, biz.tenant, booking.BookingRequest(
        service_id=biz.haircut.id, start=biz.at(day, 10), resource_id=biz.ana.id,
        customer_id=carla, source="phone")).appointment
    old = talk(factory, biz, OLD, customer_id=carla)
    with write_session(factory) as session:
        session.execute(update(Conversation).where(Conversation.id == old)
                        .values(appointment_id=booked.id, updated_at=OLD))
        session.add(PhoneVerification(tenant_id=biz.tenant.id, conversation_id=old,
                                      phone_e164=PHONE, code_hash="0" * 64, salt="s",
                                      created_at=OLD, expires_at=OLD + timedelta(minutes=10)))
    return {
        "customer": carla, "appointment": booked.id, "old": old,
        "recent": talk(factory, biz, RECENT, customer_id=carla),
        "old_sent": message(factory, biz, carla, PHONE, created=OLD),
        "old_pending": message(factory, biz, carla, PHONE, created=OLD, status="pending"),
        "recent_sent": message(factory, biz, carla, PHONE, created=RECENT),
    }


def rows_of(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    return every_row(engine)[table]


def test_old_conversations_and_messages_are_made_anonymous_keeping_counts_and_outcomes(
        engine: Engine, factory: sessionmaker[Session], biz: Business,
        history: dict[str, uuid.UUID]) -> None:
    appointments = rows_of(engine, "appointments")
    recent_before = _said(factory, history["recent"])
    done = expire_due(factory, RetentionPolicy(days=30), now=NOW)
    assert (done.conversations, done.messages, done.verifications) == (1, 1, 1)

    old, turns = _conversation(factory, history["old"])
    assert old.caller_phone is None and old.state == {} and old.recent is None
    assert PHONE not in old.external_id
    # what the insights count stays
    assert (old.channel, old.outcome, old.turn_count, old.language) == ("phone", "booked", 1,
                                                                         "en")
    assert (old.customer_id, old.appointment_id) == (history["customer"], history["appointment"])
    assert old.started_at == OLD and old.updated_at == OLD  # its time is still its own
    assert [(t.role, t.text, t.tool_args) for t in turns] == [
        ("user", EXPIRED, None), ("assistant", EXPIRED, None), ("tool", None, None)]
    assert [t.tool_name for t in turns] == [None, None, "book"]
    assert _said(factory, history["recent"]) == recent_before
    assert recent_before[0] == PHONE and PHONE in recent_before[-1][0][0]

    sent, pending, recent = (_message(factory, history[k])
                             for k in ("old_sent", "old_pending", "recent_sent"))
    assert (sent.payload, sent.recipient, sent.status) == ({"expired": True}, EXPIRED, "sent")
    assert pending.payload == {"body": "See you Tuesday"} and pending.recipient == PHONE
    assert recent.payload == {"body": "See you Tuesday"}
    with factory() as session:
        assert session.scalars(select(PhoneVerification)).all() == []
    assert rows_of(engine, "appointments") == appointments

    everything = every_row(engine)
    again = expire_due(factory, RetentionPolicy(days=30), now=NOW)
    assert again.total == 0 and every_row(engine) == everything  # idempotent


def test_delete_mode_removes_them_and_leaves_the_appointments_whole(
        engine: Engine, factory: sessionmaker[Session], biz: Business,
        history: dict[str, uuid.UUID]) -> None:
    appointments = rows_of(engine, "appointments")
    done = expire_due(factory, RetentionPolicy(days=30, mode="delete"), now=NOW)
    assert (done.conversations, done.messages) == (1, 1)
    with factory() as session:
        assert set(session.scalars(select(Conversation.id))) == {history["recent"]}
        assert {t.conversation_id for t in session.scalars(select(ConversationTurn))} == {
            history["recent"]}
        assert set(session.scalars(select(OutboxMessage.id))) >= {
            history["old_pending"], history["recent_sent"]}
        assert history["old_sent"] not in set(session.scalars(select(OutboxMessage.id)))
        assert session.get(Appointment, history["appointment"]) is not None
    assert rows_of(engine, "appointments") == appointments
    assert expire_due(factory, RetentionPolicy(days=30, mode="delete"), now=NOW).total == 0


def test_work_goes_in_small_batches_and_two_sweepers_never_share_a_row(
        factory: sessionmaker[Session], biz: Business) -> None:
    for n in range(12):
        talk(factory, biz, OLD - timedelta(hours=n))
    policy = RetentionPolicy(days=30, batch=5)
    assert expire_batch(factory, biz.tenant.id, NOW - timedelta(days=30),
                        policy).conversations == 5
    reports = []

    def sweep() -> None:
        reports.append(expire_due(factory, policy, now=NOW))

    sweepers = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in sweepers:
        thread.start()
    for thread in sweepers:
        thread.join()
    assert sum(r.conversations for r in reports) == 7
    with factory() as session:
        left = session.scalars(select(ConversationTurn.text).where(
            ConversationTurn.role == "user")).all()
    assert left == [EXPIRED] * 12


def test_a_business_may_keep_less_than_the_deployment_never_more(
        factory: sessionmaker[Session], make_business: Any, client: TestClient) -> None:
    assert effective_days(0, None) == 0  # forever
    assert (effective_days(0, 10), effective_days(30, 10), effective_days(30, 60)) == (10, 10, 30)
    strict, relaxed = make_business("clinic"), make_business("salon")
    for biz in (strict, relaxed):
        talk(factory, biz, NOW - timedelta(days=20))
    patched = client.patch("/api/v1/tenant", headers=auth(strict), json={"retention_days": 14})
    assert patched.status_code == 200 and patched.json()["retention_days"] == 14
    assert client.patch("/api/v1/tenant", headers=auth(relaxed),
                        json={"retention_days": 90}).json()["retention_days"] == 90

    # The deployment keeps forever: only the clinic's own 14 days apply.
    assert expire_due(factory, RetentionPolicy(days=0), now=NOW).conversations == 1
    with factory() as session:
        expired = {t for (t,) in session.execute(select(Conversation.tenant_id).where(
            Conversation.caller_phone.is_(None)))}
    assert expired == {strict.tenant.id}
    # The deployment's 15 days cap the salon's 90.
    assert expire_due(factory, RetentionPolicy(days=15), now=NOW).conversations == 1

    cleared = client.patch("/api/v1/tenant", headers=auth(strict), json={"retention_days": 0})
    assert cleared.json()["retention_days"] is None
    with factory() as session:
        assert session.get_one(Tenant, strict.tenant.id).retention_days is None


def test_the_background_work_runs_it_with_the_deployment_settings(
        factory: sessionmaker[Session], biz: Business) -> None:
    old = talk(factory, biz, OLD)
    work = BackgroundWork(Settings(environment="test", retention_days=30,
                                   retention_mode="delete", retention_interval_s=3600), factory)
    assert work.retention.policy == RetentionPolicy(days=30, mode="delete")
    work.retention.start()
    try:
        deadline = time.monotonic() + 30
        while _exists(factory, old) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        work.retention.stop()
    assert not _exists(factory, old)


def _exists(factory: sessionmaker[Session], conversation_id: uuid.UUID) -> bool:
    with factory() as session:
        return session.get(Conversation, conversation_id) is not None


def _conversation(factory: sessionmaker[Session], conversation_id: uuid.UUID,
                  ) -> tuple[Conversation, list[ConversationTurn]]:
    with factory() as session:
        row = session.get_one(Conversation, conversation_id)
        turns = list(session.scalars(select(ConversationTurn).where(
            ConversationTurn.conversation_id == conversation_id).order_by(ConversationTurn.seq)))
        return row, turns


def _said(factory: sessionmaker[Session], conversation_id: uuid.UUID) -> tuple[Any, ...]:
    """What a conversation holds of the caller: number, door id, state, words."""
    row, turns = _conversation(factory, conversation_id)
    return (row.caller_phone, row.external_id, row.state,
            [(t.text, t.tool_args) for t in turns])


def _message(factory: sessionmaker[Session], message_id: uuid.UUID) -> OutboxMessage:
    with factory() as session:
        return session.get_one(OutboxMessage, message_id)


def test_the_webhook_delivery_log_expires_with_the_period(
        factory: sessionmaker[Session], biz: Business) -> None:
    endpoint = WebhookEndpoint(tenant_id=biz.tenant.id, url="https://8.8.8.8/hook",
                               event_types=[], secret="x")
    with write_session(factory) as session:
        session.add(endpoint)
        session.flush()
        for at, name in ((OLD, "old"), (RECENT, "recent")):
            session.add(WebhookDelivery(tenant_id=biz.tenant.id, endpoint_id=endpoint.id,
                                        event_id=f"msg_{name}", event_type="webhook.test",
                                        attempt=1, status_code=500,
                                        response_excerpt="receiver said no", at=at))
    done = expire_due(factory, RetentionPolicy(days=30), now=NOW)
    assert done.deliveries == 1
    with factory() as session:
        assert list(session.scalars(select(WebhookDelivery.event_id))) == ["msg_recent"]
    assert expire_due(factory, RetentionPolicy(days=30), now=NOW).deliveries == 0
