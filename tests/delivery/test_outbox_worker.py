"""The in-process outbox worker: several workers (threads, and separate engines standing
for separate processes) drain a backlog with every message sent exactly once over real
HTTP; a committed row wakes an idle worker; concurrency stays within its limits."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.delivery.dispatch import Limits
from frontdesk.delivery.worker import OutboxWorker
from frontdesk.senders.base import OutgoingMessage
from frontdesk.senders.sms_twilio import TwilioSmsSender
from frontdesk.services.booking import BookingRequest, book, reschedule
from frontdesk.services.customers import CustomerFields
from frontdesk.services.notices.claims import claim_due, record_sent, release_claims
from frontdesk.services.notices.outbox import enqueue
from frontdesk.store.db import make_engine, make_session_factory, write_session
from frontdesk.store.models import OutboxMessage
from tests.conftest import Business, next_weekday, serving
from tests.standins.base import Recorder
from tests.standins.twilio_api import twilio_app

SID, TOKEN = "AC" + "2" * 32, "twilio-test-token"
OUR_NUMBER, CUSTOMER = "+12125550100", "+12125550123"
SMALL = Limits(concurrency=4, per_carrier=4, per_tenant=3, held=8)  # contention on claims


@pytest.fixture
def twilio() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder()
    with serving(twilio_app(SID, TOKEN, recorder)) as base:
        yield base, recorder


def _enqueue(factory: sessionmaker[Session], tenant_id: uuid.UUID, bodies: list[str],
             not_before: datetime | None = None) -> None:
    with write_session(factory) as session:
        for body in bodies:
            enqueue(session, tenant_id=tenant_id, channel="sms", purpose="test",
                    recipient=CUSTOMER, payload={"body": body, "from": OUR_NUMBER},
                    dedupe_key=body, not_before=not_before)


def _statuses(factory: sessionmaker[Session]) -> Counter[str]:
    with factory() as session:
        return Counter(session.scalars(select(OutboxMessage.status)))


def _wait_for(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _worker(factory: sessionmaker[Session], base: str, **kwargs: object) -> OutboxWorker:
    sender = TwilioSmsSender(SID, TOKEN, api_base=base)
    return OutboxWorker(factory, {"sms": sender}, **kwargs)  # type: ignore[arg-type]


def test_workers_in_threads_and_processes_send_each_message_once(
    engine: Engine, factory: sessionmaker[Session], make_business: Callable[..., Business],
    twilio: tuple[str, Recorder],
) -> None:
    base, recorder = twilio
    tenants = [make_business(f"shop{i}").tenant.id for i in range(3)]
    bodies = [f"message {i}" for i in range(240)]
    for i, tenant_id in enumerate(tenants):
        _enqueue(factory, tenant_id, bodies[i::3])
    # Three workers on this engine (threads of one process) and two on engines of their
    # own (as separate processes have): every one claims from the same rows.
    other_engines = [make_engine(engine.url.render_as_string(hide_password=False))
                     for _ in range(2)]
    factories = [factory] * 3 + [make_session_factory(e) for e in other_engines]
    workers = [_worker(f, base, limits=SMALL, batch=4, interval_s=0.2) for f in factories]
    try:
        for worker in workers:
            worker.start()
        _wait_for(lambda: _statuses(factory)["sent"] == len(bodies))
    finally:
        for worker in workers:
            worker.stop()
        for other in other_engines:
            other.dispose()
    sent = Counter(m["body"] for m in recorder.sent)
    assert sent == Counter(bodies)  # each exactly once
    assert _statuses(factory) == {"sent": len(bodies)}
    with factory() as session:
        assert set(session.scalars(select(OutboxMessage.attempts))) == {1}


def test_a_committed_row_wakes_an_idle_worker(
    factory: sessionmaker[Session], biz: Business, twilio: tuple[str, Recorder]
) -> None:
    base, recorder = twilio
    worker = _worker(factory, base, interval_s=600)  # the poll never comes in this test
    worker.start()
    try:
        time.sleep(0.3)  # let it make its first (empty) pass and go to sleep
        _enqueue(factory, biz.tenant.id, ["wake up"])
        _wait_for(lambda: [m["body"] for m in recorder.sent] == ["wake up"], timeout_s=30)
    finally:
        worker.stop()


WRITER = """
import sys, uuid
from frontdesk.services.notices.outbox import enqueue
from frontdesk.store.db import make_engine, make_session_factory, write_session
factory = make_session_factory(make_engine(sys.argv[1]))
with write_session(factory) as session:
    enqueue(session, tenant_id=uuid.UUID(sys.argv[2]), channel="sms", purpose="test",
            recipient="+12125550123", payload={"body": "from afar", "from": "+12125550100"},
            dedupe_key="from afar")
"""


def test_a_row_written_by_another_process_wakes_the_worker_through_notify(
    engine: Engine, factory: sessionmaker[Session], biz: Business,
    twilio: tuple[str, Recorder],
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no cross-process signal: another process's rows wait for "
                    "the poll")
    tenant_id = biz.tenant.id
    base, recorder = twilio
    worker = _worker(factory, base, interval_s=600)
    worker.start()
    try:
        time.sleep(0.5)  # listening
        url = engine.url.render_as_string(hide_password=False)
        subprocess.run([sys.executable, "-c", WRITER, url, str(tenant_id)], check=True,
                       timeout=60)
        _wait_for(lambda: [m["body"] for m in recorder.sent] == ["from afar"], timeout_s=30)
    finally:
        worker.stop()


def test_a_row_due_later_is_sent_when_due_not_before(
    factory: sessionmaker[Session], biz: Business, twilio: tuple[str, Recorder]
) -> None:
    base, recorder = twilio
    due = datetime.now(UTC) + timedelta(seconds=1.5)
    _enqueue(factory, biz.tenant.id, ["later"], not_before=due)
    worker = _worker(factory, base, interval_s=600)
    worker.start()
    try:
        _wait_for(lambda: len(recorder.sent) == 1, timeout_s=30)
    finally:
        worker.stop()
    with factory() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "sent" and row.sent_at is not None and row.sent_at >= due


class Counting:
    """A slow sender that records how many sends ran at once, in all and per business."""

    name, channel = "counting", "sms"

    def __init__(self, tenant_of: dict[str, str]) -> None:
        self.tenant_of, self.lock = tenant_of, threading.Lock()
        self.now: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.sent: list[str] = []

    def send(self, message: OutgoingMessage) -> str:
        keys = ["all", self.tenant_of[message.recipient]]
        with self.lock:
            for key in keys:
                self.now[key] += 1
                self.peak[key] = max(self.peak[key], self.now[key])
        time.sleep(0.01)
        with self.lock:
            for key in keys:
                self.now[key] -= 1
            self.sent.append(message.id)
        return f"C{message.id}"


def test_sends_stay_within_the_carrier_and_business_limits(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    tenants = [make_business(f"biz{i}").tenant.id for i in range(3)]
    tenant_of: dict[str, str] = {}
    with write_session(factory) as session:
        for t, tenant_id in enumerate(tenants):
            for i in range(40 if t == 0 else 10):  # one business with most of the backlog
                recipient = f"+1212555{t}{i:03d}"
                tenant_of[recipient] = str(tenant_id)
                enqueue(session, tenant_id=tenant_id, channel="sms", purpose="test",
                        recipient=recipient, payload={"body": "hi", "from": OUR_NUMBER},
                        dedupe_key=recipient)
    sender = Counting(tenant_of)
    limits = Limits(concurrency=6, per_carrier=5, per_tenant=2, held=12)
    worker = OutboxWorker(factory, {"sms": sender}, limits=limits, batch=6, interval_s=0.2)
    worker.start()
    try:
        _wait_for(lambda: _statuses(factory)["sent"] == 60)
    finally:
        worker.stop()
    assert len(sender.sent) == len(set(sender.sent)) == 60
    assert sender.peak["all"] <= 5  # per carrier (below the pool's 6)
    assert max(sender.peak[str(t)] for t in tenants) <= 2


def test_a_record_from_a_lapsed_claim_does_not_land_on_the_next_claim(
    factory: sessionmaker[Session], biz: Business
) -> None:
    _enqueue(factory, biz.tenant.id, ["one"])
    now = datetime.now(UTC)
    [first] = claim_due(factory, now, timedelta(seconds=60), 10)
    [second] = claim_due(factory, now + timedelta(seconds=61), timedelta(seconds=60), 10)
    assert (first.id, first.attempts, second.attempts) == (second.id, 1, 2)
    record_sent(factory, first.id, "twilio", "SM-late", attempt=first.attempts)
    with factory() as session:
        row = session.get(OutboxMessage, first.id)
        assert row is not None and (row.status, row.provider_message_id) == ("sending", None)
    record_sent(factory, second.id, "twilio", "SM-ok", attempt=second.attempts)
    with factory() as session:
        row = session.get(OutboxMessage, first.id)
        assert row is not None and (row.status, row.provider_message_id) == ("sent", "SM-ok")


def test_released_claims_are_due_again_without_counting_an_attempt(
    factory: sessionmaker[Session], biz: Business
) -> None:
    _enqueue(factory, biz.tenant.id, ["a", "b"])
    now = datetime.now(UTC)
    claimed = claim_due(factory, now, timedelta(seconds=60), 10)
    release_claims(factory, claimed)
    again = claim_due(factory, now, timedelta(seconds=60), 10)
    assert sorted(c.id for c in again) == sorted(c.id for c in claimed)
    assert {c.attempts for c in again} == {1}


class Shuffling:
    """Takes a random time per message, so that concurrent sends finish in any order."""

    name, channel = "shuffling", "sms"

    def __init__(self) -> None:
        self.done: list[str] = []
        self.lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> str:
        time.sleep(random.uniform(0, 0.03))
        with self.lock:
            self.done.append(message.payload["body"])
        return f"S{len(self.done)}"


def test_messages_about_one_appointment_go_out_in_order(
    factory: sessionmaker[Session], biz: Business
) -> None:
    appointments = []
    for i in range(8):
        start = biz.at(next_weekday(biz.tz, i % 5) + timedelta(weeks=i // 5), 10)
        appt = book(factory, biz.tenant, BookingRequest(
            biz.haircut.id, start, biz.ana.id,
            customer=CustomerFields(phone=f"+121255501{i:02d}", name="Sam"))).appointment
        moved = reschedule(factory, biz.tenant, appt.id, start + timedelta(hours=3))
        appointments.append(moved)
    with factory() as session:
        due = session.scalars(select(OutboxMessage).where(
            OutboxMessage.next_attempt_at <= datetime.now(UTC))).all()
        assert sorted(Counter(r.purpose for r in due).values()) == [8, 8]
        purpose_of = {r.payload["body"]: (r.appointment_id, r.purpose) for r in due}
    sender = Shuffling()
    worker = OutboxWorker(factory, {"sms": sender}, limits=Limits(concurrency=16, held=32),
                          interval_s=0.2)
    worker.start()
    try:
        _wait_for(lambda: len(sender.done) == 16)
    finally:
        worker.stop()
    for appt in appointments:
        sent = [purpose_of[body][1] for body in sender.done if purpose_of[body][0] == appt.id]
        assert sent == ["confirmation", "rescheduled"]


def test_a_claim_skips_businesses_the_worker_holds_enough_of_and_takes_lapsed_leases_first(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    big, small = (make_business(slug).tenant.id for slug in ("big", "small"))
    _enqueue(factory, big, [f"big {i}" for i in range(5)])
    _enqueue(factory, small, ["small 0"])
    now = datetime.now(UTC)
    [lapsing] = claim_due(factory, now, timedelta(seconds=1), 1)  # the oldest: "big 0"
    later = now + timedelta(seconds=5)
    claimed = claim_due(factory, later, timedelta(seconds=60), 10, skip_tenants={big})
    assert [c.message.payload["body"] for c in claimed] == ["small 0"]
    claimed = claim_due(factory, later, timedelta(seconds=60), 2)
    assert claimed[0].id == lapsing.id and claimed[0].attempts == 2
    assert claimed[1].message.payload["body"] == "big 1"
