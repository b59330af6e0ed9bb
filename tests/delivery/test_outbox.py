"""Confirmations and reminders are written with the booking and delivered exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.delivery.worker import deliver_due
from frontdesk.errors import SlotTaken
from frontdesk.senders.base import OutgoingMessage, PermanentSendError, TransientSendError
from frontdesk.senders.console import ConsoleSender
from frontdesk.services.booking import BookingRequest, book, cancel, reschedule
from frontdesk.services.customers import CustomerFields
from frontdesk.services.notices.claims import claim_due
from frontdesk.store.db import write_session
from frontdesk.store.models import Customer, OutboxMessage
from tests.conftest import Business, auth, next_weekday

PHONE = "+12125550123"


def _rows(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.next_attempt_at)))


def _book(factory: sessionmaker[Session], biz: Business, day_offset: int = 0, hour: int = 10):  # type: ignore[no-untyped-def]
    start = biz.at(next_weekday(biz.tz, 1) + timedelta(days=day_offset), hour)
    return book(
        factory,
        biz.tenant,
        BookingRequest(
            biz.haircut.id, start, biz.ana.id, customer=CustomerFields(phone=PHONE, name="Jordan")
        ),
    )


def test_a_booking_writes_its_confirmation_and_reminders(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    appt = _book(factory, biz).appointment
    rows = _rows(factory)
    assert sorted(r.purpose for r in rows) == ["confirmation", "reminder", "reminder"]
    assert all(r.recipient == PHONE and r.status == "pending" for r in rows)
    reminders = sorted(r.next_attempt_at for r in rows if r.purpose == "reminder")
    assert reminders == [appt.start_at - timedelta(hours=24), appt.start_at - timedelta(hours=2)]
    confirmation = next(r for r in rows if r.purpose == "confirmation")
    assert "Reply C to confirm" in confirmation.payload["body"]
    assert "10 AM" in confirmation.payload["body"]


def test_a_refused_booking_writes_nothing(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    _book(factory, biz)
    before = len(_rows(factory))
    with pytest.raises(SlotTaken):
        _book(factory, biz)
    assert len(_rows(factory)) == before


def test_reschedule_and_cancel_replace_the_reminders(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    appt = _book(factory, biz).appointment
    moved = reschedule(factory, biz.tenant, appt.id, appt.start_at + timedelta(days=1))
    rows = _rows(factory)
    live = [r for r in rows if r.purpose == "reminder" and r.status == "pending"]
    assert sorted(r.next_attempt_at for r in live) == [
        moved.start_at - timedelta(hours=24),
        moved.start_at - timedelta(hours=2),
    ]
    assert sum(r.status == "cancelled" for r in rows) == 2
    assert any(r.purpose == "rescheduled" for r in rows)
    cancel(factory, biz.tenant, appt.id)
    rows = _rows(factory)
    assert not [r for r in rows if r.purpose == "reminder" and r.status == "pending"]
    assert any(r.purpose == "cancellation" and r.status == "pending" for r in rows)


def test_an_opted_out_customer_gets_nothing(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    with write_session(factory) as session:
        session.add(Customer(tenant_id=biz.tenant.id, phone_e164=PHONE, do_not_call=True))
    _book(factory, biz)
    assert _rows(factory) == []


class Flaky:
    """A provider that is down for the first ``failures`` sends."""

    name, channel = "flaky", "sms"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.accepted: list[OutgoingMessage] = []
        self.calls = 0

    def send(self, message: OutgoingMessage) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise TransientSendError("503 Service Unavailable")
        self.accepted.append(message)
        return f"SM{len(self.accepted)}"


def test_an_outage_delays_the_message_and_it_arrives_exactly_once(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    _book(factory, biz)
    provider = Flaky(failures=3)
    now = datetime.now(UTC)
    for step in range(8):  # passes every minute: backoffs of 5, 10, 20 s have run out
        deliver_due(factory, {"sms": provider}, now=now + timedelta(minutes=step))
    confirmations = [
        m
        for m in provider.accepted
        if "Reply C" in m.payload["body"] and "reminder" not in m.payload["body"]
    ]
    assert len(confirmations) == 1
    row = next(r for r in _rows(factory) if r.purpose == "confirmation")
    assert (row.status, row.attempts, row.provider_message_id) == ("sent", 4, "SM1")
    assert provider.calls == 4  # the reminders are not due yet


def test_a_worker_killed_mid_delivery_is_picked_up_after_its_lease(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    _book(factory, biz)
    now = datetime.now(UTC)
    claimed = claim_due(factory, now, timedelta(seconds=60), 50)  # ...and then the worker died
    assert len(claimed) == 1
    provider = ConsoleSender("sms")
    assert deliver_due(factory, {"sms": provider}, now=now + timedelta(seconds=30)).sent == []
    report = deliver_due(factory, {"sms": provider}, now=now + timedelta(seconds=61))
    assert len(report.sent) == 1 and len(provider.sent) == 1
    assert provider.sent[0].id == str(claimed[0][0])  # same idempotency key as before


def test_permanent_errors_stop_retrying(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    _book(factory, biz)

    class Refusing:
        name, channel = "refusing", "sms"
        calls = 0

        def send(self, message: OutgoingMessage) -> str:
            Refusing.calls += 1
            raise PermanentSendError("21211 invalid 'To' number")

    now = datetime.now(UTC)
    for step in range(3):
        deliver_due(factory, {"sms": Refusing()}, now=now + timedelta(minutes=step))
    row = next(r for r in _rows(factory) if r.purpose == "confirmation")
    assert row.status == "failed" and "21211" in (row.last_error or "")
    assert Refusing.calls == 1


def test_no_provider_keeps_messages_waiting(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    _book(factory, biz)
    report = deliver_due(factory, {})
    assert len(report.retrying) == 1
    row = next(r for r in _rows(factory) if r.purpose == "confirmation")
    assert row.status == "pending" and row.attempts == 0


def test_concurrent_workers_send_each_message_once(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    for day in range(4):
        _book(factory, biz, day_offset=day)
    provider = ConsoleSender("sms")
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        deliver_due(factory, {"sms": provider}, now=datetime.now(UTC), limit=2)
        deliver_due(factory, {"sms": provider}, now=datetime.now(UTC), limit=2)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [m.id for m in provider.sent]
    assert len(ids) == len(set(ids)) == 4  # the 4 confirmations, each once


def test_the_outbox_is_readable_per_tenant_over_the_api(
    client: TestClient,
    factory: sessionmaker[Session],
    make_business: Callable[..., Business],
) -> None:
    biz, other = make_business(), make_business("other")
    _book(factory, biz)
    listed = client.get("/api/v1/messages", headers=auth(biz), params={"to": "(212) 555-0123"})
    assert listed.status_code == 200
    assert sorted(m["purpose"] for m in listed.json()) == ["confirmation", "reminder", "reminder"]
    assert client.get("/api/v1/messages", headers=auth(other)).json() == []
