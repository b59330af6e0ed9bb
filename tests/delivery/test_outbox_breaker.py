"""A carrier that keeps failing opens its circuit breaker: the outbox stops calling it,
puts the messages back without spending their attempts, and after the cool-down one
probe finds it well again and everything goes out, each message exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk import circuit
from frontdesk.delivery.worker import deliver_due
from frontdesk.senders.sms_twilio import TwilioSmsSender
from frontdesk.services.notices.outbox import enqueue
from frontdesk.store.db import write_session
from frontdesk.store.models import OutboxMessage
from tests.conftest import Business, serving
from tests.standins.base import Recorder
from tests.standins.twilio_api import twilio_app

SID, TOKEN = "AC" + "3" * 32, "twilio-test-token"
OUR_NUMBER, CUSTOMER = "+12125550100", "+12125550123"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """The breakers' clock, turned by the test: 3 failures open for 60 s."""
    clock = Clock()
    circuit.configure(circuit.Policy(failures=3, cool_down_s=60), clock)
    return clock


@pytest.fixture
def twilio() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder(fail_first=10**6, fail_status=503)  # down until the test says
    with serving(twilio_app(SID, TOKEN, recorder)) as base:
        yield base, recorder


def _rows(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage)))


def test_an_open_breaker_defers_without_requests_or_spent_attempts(
    factory: sessionmaker[Session], biz: Business, twilio: tuple[str, Recorder], clock: Clock,
) -> None:
    base, recorder = twilio
    senders = {"sms": TwilioSmsSender(SID, TOKEN, api_base=base)}
    bodies = [f"text {i}" for i in range(10)]
    with write_session(factory) as session:
        for body in bodies:
            enqueue(session, tenant_id=biz.tenant.id, channel="sms", purpose="test",
                    recipient=CUSTOMER, payload={"body": body, "from": OUR_NUMBER},
                    dedupe_key=body)
    now = datetime.now(UTC)

    report = deliver_due(factory, senders, now=now)
    assert recorder.requests == 3  # the breaker opened on the third 503
    assert len(report.retrying) == 3 and len(report.deferred) == 7
    assert circuit.breaker_states() == {f"twilio {base.split('//')[1]}": "open"}
    rows = _rows(factory)
    assert Counter(r.attempts for r in rows) == {1: 3, 0: 7}  # deferred rows spent none
    assert {r.next_attempt_at for r in rows if r.attempts == 0} == {now + timedelta(seconds=60)}
    assert all(r.status == "pending" for r in rows)

    # The three failed ones fall due again after their backoff: still not sent for.
    clock.now += 30
    report = deliver_due(factory, senders, now=now + timedelta(seconds=30))
    assert len(report.deferred) == 3 and recorder.requests == 3
    assert Counter(r.attempts for r in _rows(factory)) == {1: 3, 0: 7}

    # After the cool-down the carrier is back: one probe, then everything, once each.
    recorder.fail_first = recorder.requests
    clock.now += 31
    later = now + timedelta(seconds=61)
    report = deliver_due(factory, senders, now=later)
    assert len(report.sent) == 10
    assert Counter(m["body"] for m in recorder.sent) == Counter(bodies)
    assert recorder.requests == 3 + 10
    assert circuit.breaker_states()[f"twilio {base.split('//')[1]}"] == "closed"
    rows = _rows(factory)
    assert {r.status for r in rows} == {"sent"}
    assert Counter(r.attempts for r in rows) == {2: 3, 1: 7}
    assert deliver_due(factory, senders, now=later + timedelta(hours=1)).sent == []


def test_a_failed_probe_keeps_it_open(
    factory: sessionmaker[Session], biz: Business, twilio: tuple[str, Recorder], clock: Clock,
) -> None:
    base, recorder = twilio
    senders = {"sms": TwilioSmsSender(SID, TOKEN, api_base=base)}
    with write_session(factory) as session:
        for i in range(5):
            enqueue(session, tenant_id=biz.tenant.id, channel="sms", purpose="test",
                    recipient=CUSTOMER, payload={"body": f"b{i}", "from": OUR_NUMBER},
                    dedupe_key=f"b{i}")
    now = datetime.now(UTC)
    deliver_due(factory, senders, now=now)
    assert recorder.requests == 3
    clock.now += 60
    report = deliver_due(factory, senders, now=now + timedelta(seconds=60))
    assert recorder.requests == 4  # one probe, which failed: the rest waited
    assert len(report.retrying) == 1 and len(report.deferred) == 4
    rows = {r.id: r for r in _rows(factory)}
    assert all(r.status == "pending" for r in rows.values())
    assert sum(r.attempts for r in rows.values()) == 4  # one per request made
