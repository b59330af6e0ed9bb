"""A worker process killed (SIGKILL) in the middle of sending: on restart, every due
message is delivered, and none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.delivery.worker import LEASE, deliver_due
from frontdesk.senders.console import ConsoleSender
from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.customers import CustomerFields
from frontdesk.store.models import OutboxMessage
from tests.conftest import Business, next_weekday

# The doomed worker: claims the due messages, tells us it is sending, then hangs in the
# provider call until it is killed.
WORKER = """
import sys, time
from pathlib import Path
from frontdesk.delivery.worker import deliver_due
from frontdesk.store.db import make_engine, make_session_factory

class Hanging:
    name, channel = "hanging", "sms"
    def send(self, message):
        Path(sys.argv[2]).write_text(message.id)
        time.sleep(600)

deliver_due(make_session_factory(make_engine(sys.argv[1])), {"sms": Hanging()})
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_due_messages_survive_a_killed_worker(
    factory: sessionmaker[Session], make_business: Callable[..., Business], tmp_path: Path
) -> None:
    biz = make_business()
    for day in range(3):
        book(factory, biz.tenant, BookingRequest(
            biz.haircut.id, biz.at(next_weekday(biz.tz, 1) + timedelta(days=day), 10),
            biz.ana.id, customer=CustomerFields(phone=f"+1212555013{day}", name="Sam")))
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    marker = tmp_path / "sending"
    worker = subprocess.Popen([sys.executable, "-c", WORKER, url, str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert worker.poll() is None, "the worker exited before sending"
            assert time.monotonic() < deadline, "the worker never started sending"
            time.sleep(0.05)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    with factory() as session:
        stuck = session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == "sending")).all()
    assert len(stuck) == 3  # the whole batch was claimed when the worker died

    provider = ConsoleSender("sms")
    now = datetime.now(UTC)
    assert deliver_due(factory, {"sms": provider}, now=now).sent == []  # lease still held
    report = deliver_due(factory, {"sms": provider}, now=now + LEASE + timedelta(seconds=1))
    assert len(report.sent) == 3
    assert sorted(m.recipient for m in provider.sent) == [
        "+12125550130", "+12125550131", "+12125550132"]
    assert marker.read_text() in {m.id for m in provider.sent}  # same idempotency key
    assert deliver_due(factory, {"sms": provider}, now=now + LEASE * 2).sent == []
