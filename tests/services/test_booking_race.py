"""Concurrent clients racing for slots, on a real SQLite file and a real PostgreSQL server.

Each client is a thread with its own connection and transaction, so the database's own
locking (BEGIN IMMEDIATE on SQLite, the exclusion constraint on PostgreSQL) is what is
being tested — the booking code has no in-process lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import SlotTaken
from frontdesk.services.booking import BookingRequest, book
from frontdesk.store.models import Appointment
from tests.conftest import Business, next_weekday

CLIENTS = 50


def _race(
    requests: list[BookingRequest], factory: sessionmaker[Session], business: Business
) -> tuple[list[object], list[Exception]]:
    barrier = threading.Barrier(len(requests))

    def client(request: BookingRequest) -> object:
        barrier.wait()
        return book(factory, business.tenant, request)

    successes: list[object] = []
    failures: list[Exception] = []
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(client, r) for r in requests]
        for future in futures:
            exc = future.exception()
            if exc is None:
                successes.append(future.result())
            else:
                failures.append(exc)  # type: ignore[arg-type]
    return successes, failures


def test_fifty_clients_same_slot_exactly_one_wins(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    start = biz.at(next_weekday(biz.tz, 1), 10)
    requests = [
        BookingRequest(service_id=biz.haircut.id, start=start, resource_id=biz.ana.id)
        for _ in range(CLIENTS)
    ]
    successes, failures = _race(requests, factory, biz)
    assert len(successes) == 1
    assert len(failures) == CLIENTS - 1
    assert all(isinstance(f, SlotTaken) for f in failures), {type(f).__name__ for f in failures}
    with factory() as session:
        count = session.scalar(select(func.count()).select_from(Appointment))
    assert count == 1


def test_fifty_clients_overlapping_not_identical_times(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    """Starts 5 minutes apart all overlap one another's buffered range: one wins."""
    biz = make_business()
    day = next_weekday(biz.tz, 2)
    base = biz.at(day, 9)
    requests = [
        BookingRequest(
            service_id=biz.haircut.id, start=base + timedelta(minutes=i % 8), resource_id=biz.ana.id
        )
        for i in range(CLIENTS)
    ]
    successes, failures = _race(requests, factory, biz)
    assert len(successes) == 1
    assert all(isinstance(f, SlotTaken) for f in failures)


def test_fifty_clients_fifty_slots_all_succeed(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    monday = next_weekday(biz.tz, 0)
    # 10 slots a day (30 min + 10 min buffer fits in 40 min) x 5 days, one resource.
    starts = [
        biz.at(monday + timedelta(days=d), 9) + timedelta(minutes=40 * i)
        for d in range(5)
        for i in range(10)
    ]
    assert len(starts) == CLIENTS
    requests = [
        BookingRequest(service_id=biz.haircut.id, start=s, resource_id=biz.ana.id) for s in starts
    ]
    successes, failures = _race(requests, factory, biz)
    assert failures == []
    assert len(successes) == CLIENTS
    with factory() as session:
        rows = session.scalars(select(Appointment).order_by(Appointment.start_at)).all()
    assert [r.start_at for r in rows] == sorted(
        s.astimezone(rows[0].start_at.tzinfo) for s in starts
    )


def test_any_resource_race_fills_each_staff_once(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    """Without a chosen resource, two staff can take the time: exactly two win."""
    biz = make_business()
    start = biz.at(next_weekday(biz.tz, 3), 11)
    requests = [BookingRequest(service_id=biz.haircut.id, start=start) for _ in range(CLIENTS)]
    successes, failures = _race(requests, factory, biz)
    assert len(successes) == 2
    assert all(isinstance(f, SlotTaken) for f in failures)
    with factory() as session:
        resources = set(session.scalars(select(Appointment.resource_id)))
    assert resources == {biz.ana.id, biz.marco.id}
