"""What one booking costs the database, counted (never timed), and the paths that keep
the short version correct: a customer created meanwhile, a resource changed meanwhile.

The bounds are today's counts: a change that adds a statement to every booking (or one
under the resource's lock) fails here and must say why it needs it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import BookingRefused
from frontdesk.services import booking_plan
from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.catalog import ExceptionFields, add_exception
from frontdesk.services.customers import CustomerFields
from frontdesk.services.tenants import authenticate
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, Customer, OutboxMessage, Resource
from tests.conftest import Business, next_weekday

Build = Callable[..., Business]

# One booking: a resource asked for, a new customer by phone, an idempotency key.
# PostgreSQL: replay check, service with resources, hours and time off, customer, the
# webhook endpoints that want "appointment.booked" (reads, before any lock: ADR 0063);
# customer, lock, busy time, appointment, outbox (writes). SQLite adds its two BEGINs.
MAX_STATEMENTS = {"postgresql": 9, "sqlite": 11}
# Sent while the resource's row is locked (after the version bump): the busy-time check,
# the appointment and the outbox rows. Then COMMIT.
MAX_UNDER_LOCK = 3


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements this thread sends (not, say, the outbox's NOTIFY thread)."""
    sent: list[str] = []
    me = threading.get_ident()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() == me:
            sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _request(biz: Business, day: date, hour: int, phone: str, key: str) -> BookingRequest:
    return BookingRequest(
        service_id=biz.haircut.id,
        start=biz.at(day, hour),
        resource_id=biz.ana.id,
        customer=CustomerFields(phone=phone, name="Jordan"),
        idempotency_key=key,
    )


def test_a_booking_costs_a_bounded_number_of_statements(
    engine: Engine, factory: sessionmaker[Session], make_business: Build
) -> None:
    biz = make_business()
    with factory() as session:  # the tenant as an API request has it
        tenant = authenticate(session, biz.api_key)
    day = next_weekday(biz.tz, 1)
    book(factory, tenant, _request(biz, day, 9, "+1 212 555 0100", "warm"))  # warm caches
    with statements(engine) as sent:
        book(factory, tenant, _request(biz, day, 11, "+1 212 555 0101", "k1"))
    assert len(sent) <= MAX_STATEMENTS[engine.dialect.name], "\n".join(sent)
    lock = next(i for i, s in enumerate(sent) if s.startswith("UPDATE resources"))
    assert len(sent) - lock - 1 <= MAX_UNDER_LOCK, "\n".join(sent[lock:])
    outbox_inserts = [s for s in sent if s.startswith("INSERT INTO outbox_messages")]
    assert len(outbox_inserts) == 1  # all of the booking's messages in one statement
    with factory() as session:
        rows = session.scalars(select(OutboxMessage.purpose).join(
            Appointment, Appointment.id == OutboxMessage.appointment_id
        ).where(Appointment.idempotency_key == "k1")).all()
    assert sorted(rows) == ["confirmation", "reminder", "reminder"]


def test_a_replay_writes_nothing(
    engine: Engine, factory: sessionmaker[Session], make_business: Build
) -> None:
    biz = make_business()
    request = _request(biz, next_weekday(biz.tz, 1), 10, "+1 212 555 0102", "again")
    first = book(factory, biz.tenant, request)
    with statements(engine) as sent:
        again = book(factory, biz.tenant, request)
    assert again.replayed and again.appointment.id == first.appointment.id
    assert not [s for s in sent if s.split()[0] in ("INSERT", "UPDATE", "DELETE")], sent


def test_same_new_customer_booked_at_once_is_created_once(
    factory: sessionmaker[Session], make_business: Build
) -> None:
    """Every booking reads "no such customer" before any of them writes one: all but the
    first find the phone taken at insert and plan again, finding it."""
    biz = make_business()
    day = next_weekday(biz.tz, 2)
    requests = [_request(biz, day, 9 + i, "+1 212 555 0177", f"same-{i}") for i in range(6)]
    barrier = threading.Barrier(len(requests))

    def client(request: BookingRequest) -> object:
        barrier.wait()
        return book(factory, biz.tenant, request).appointment.customer_id

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        owners = list(pool.map(client, requests))
    assert len(set(owners)) == 1
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1
        assert session.scalar(select(func.count()).select_from(Appointment)) == len(requests)


def test_hours_changed_between_reading_and_locking_are_read_again(
    factory: sessionmaker[Session], make_business: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Time off added after the booking read Ana's hours, before it locked her: the lock
    sees her version moved past its own bump, reads her again, and refuses."""
    biz = make_business()
    day = next_weekday(biz.tz, 3)
    prepare = booking_plan.prepare

    def prepare_then_time_off(session: Session, *args: Any) -> Any:
        plan = prepare(session, *args)
        with write_session(factory) as other:
            ana = other.get_one(Resource, biz.ana.id)
            add_exception(other, biz.tenant, ana, ExceptionFields("off", day, day, time(9),
                                                                   time(13)))
        return plan

    monkeypatch.setattr(booking_plan, "prepare", prepare_then_time_off)
    with pytest.raises(BookingRefused) as refused:
        book(factory, biz.tenant, _request(biz, day, 10, "+1 212 555 0103", "off"))
    assert refused.value.code == "outside_hours"
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Appointment)) == 0


def test_messages_built_before_the_lock_speak_of_the_customer_as_updated(
    factory: sessionmaker[Session], make_business: Build
) -> None:
    """A returning customer who now asks for Spanish: the stored customer and the texts
    written with the booking (rendered before the write) both say so."""
    biz = make_business()
    day = next_weekday(biz.tz, 1)
    book(factory, biz.tenant, _request(biz, day, 9, "+1 212 555 0190", "first"))
    again = _request(biz, day, 11, "+1 212 555 0190", "second")
    spanish = BookingRequest(
        service_id=again.service_id, start=again.start, resource_id=again.resource_id,
        customer=CustomerFields(phone="+1 212 555 0190", name="Jordana", language="es"),
        idempotency_key="second",
    )
    result = book(factory, biz.tenant, spanish)
    assert result.appointment.customer is not None
    assert result.appointment.customer.name == "Jordana"
    with factory() as session:
        stored = session.get_one(Customer, result.appointment.customer_id)
        assert (stored.name, stored.language) == ("Jordana", "es")
        bodies = session.scalars(select(OutboxMessage.payload).where(
            OutboxMessage.appointment_id == result.appointment.id,
            OutboxMessage.purpose == "confirmation",
        )).all()
    assert len(bodies) == 1 and "tiene cita de corte" in bodies[0]["body"]
