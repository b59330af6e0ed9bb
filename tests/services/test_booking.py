"""Booking, rescheduling and cancelling against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import (
    BookingRefused,
    IdempotencyMismatch,
    InvalidInput,
    NotFound,
    SlotTaken,
)
from frontdesk.services import availability
from frontdesk.services.booking import BookingRequest, book, cancel, reschedule
from frontdesk.services.customers import CustomerFields
from frontdesk.store.models import Appointment, Customer
from tests.conftest import Business, next_weekday

Build = Callable[..., Business]


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Appointment)) or 0)


def test_book_stores_utc_times_and_buffered_block(
    factory: sessionmaker[Session], make_business: Build
) -> None:
    biz = make_business()
    start = biz.at(next_weekday(biz.tz, 1), 10)
    result = book(
        factory,
        biz.tenant,
        BookingRequest(
            service_id=biz.haircut.id,
            start=start,
            resource_id=biz.ana.id,
            customer=CustomerFields(phone="(212) 555-0123", name="Jordan"),
        ),
    )
    appt = result.appointment
    assert not result.replayed
    assert appt.start_at == start and appt.start_at.tzinfo is not None
    assert appt.end_at - appt.start_at == timedelta(minutes=30)
    assert appt.blocked_start == appt.start_at
    assert appt.blocked_end == appt.end_at + timedelta(minutes=10)
    with factory() as session:
        stored = session.get_one(Appointment, appt.id)
        assert stored.start_at == start
        customer = session.get_one(Customer, stored.customer_id)
        assert customer.phone_e164 == "+12125550123"


def test_same_idempotency_key_books_once(
    factory: sessionmaker[Session], make_business: Build
) -> None:
    biz = make_business()
    start = biz.at(next_weekday(biz.tz, 1), 10)
    request = BookingRequest(service_id=biz.haircut.id, start=start, idempotency_key="k-1")
    first = book(factory, biz.tenant, request)
    second = book(factory, biz.tenant, request)
    assert second.replayed and second.appointment.id == first.appointment.id
    assert _count(factory) == 1
    other = BookingRequest(
        service_id=biz.haircut.id, start=start + timedelta(hours=1), idempotency_key="k-1"
    )
    with pytest.raises(IdempotencyMismatch):
        book(factory, biz.tenant, other)
    assert _count(factory) == 1


def test_buffer_blocks_the_following_booking(
    factory: sessionmaker[Session], make_business: Build
) -> None:
    biz = make_business()
    day = next_weekday(biz.tz, 2)
    book(factory, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, 10), biz.ana.id))
    # 10:30 is inside the 10-minute clean-up buffer of the 10:00 haircut.
    with pytest.raises(SlotTaken):
        book(factory, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, 10, 30), biz.ana.id))
    # Coloring has a 15-minute buffer *before*: at 10:50 it would need Ana from 10:35,
    # still inside the haircut's block until 10:40.
    with pytest.raises(SlotTaken):
        book(factory, biz.tenant, BookingRequest(biz.coloring.id, biz.at(day, 10, 50), biz.ana.id))
    ok = book(factory, biz.tenant, BookingRequest(biz.coloring.id, biz.at(day, 10, 55), biz.ana.id))
    assert ok.appointment.blocked_start == biz.at(day, 10, 40)


@pytest.mark.parametrize(
    ("weekday", "hour", "code"),
    [
        (5, 10, "outside_hours"),  # Saturday: nobody works
        (1, 8, "outside_hours"),  # before opening
        (1, 16, "outside_hours"),  # 16:45 haircut would end after 17:00
    ],
)
def test_outside_hours_is_refused(
    factory: sessionmaker[Session], make_business: Build, weekday: int, hour: int, code: str
) -> None:
    biz = make_business()
    start = biz.at(next_weekday(biz.tz, weekday), hour, 45 if hour == 16 else 0)
    with pytest.raises(BookingRefused) as info:
        book(factory, biz.tenant, BookingRequest(biz.haircut.id, start, biz.ana.id))
    assert info.value.code == code
    assert _count(factory) == 0


def test_min_notice_and_horizon(factory: sessionmaker[Session], make_business: Build) -> None:
    biz = make_business(min_notice_minutes=24 * 60, max_days_ahead=30)
    day = next_weekday(biz.tz, 1, weeks_ahead=0)
    now = biz.at(day, 9) - timedelta(hours=1)
    with pytest.raises(BookingRefused) as info:
        book(factory, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, 10)), now=now)
    assert info.value.code == "too_soon"
    with pytest.raises(BookingRefused) as info:
        book(
            factory,
            biz.tenant,
            BookingRequest(biz.haircut.id, biz.at(day + timedelta(days=35), 10)),
            now=now,
        )
    assert info.value.code == "too_far_ahead"
    assert book(
        factory,
        biz.tenant,
        BookingRequest(biz.haircut.id, biz.at(day + timedelta(days=7), 10)),
        now=now,
    )


def test_max_per_day_fills_the_day(factory: sessionmaker[Session], make_business: Build) -> None:
    biz = make_business(max_per_day=2)
    day = next_weekday(biz.tz, 3)
    for hour in (9, 10):
        book(factory, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, hour), biz.marco.id))
    with pytest.raises(BookingRefused) as info:
        book(factory, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, 14), biz.marco.id))
    assert info.value.code == "day_full"
    # Ana's day is not full, and without a chosen resource the booking goes to her.
    result = book(factory, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, 14)))
    assert result.appointment.resource_id == biz.ana.id


def test_resource_must_offer_the_service(
    factory: sessionmaker[Session], make_business: Build
) -> None:
    biz = make_business()
    with pytest.raises(BookingRefused) as info:
        book(
            factory,
            biz.tenant,
            BookingRequest(biz.coloring.id, biz.at(next_weekday(biz.tz, 1), 10), biz.marco.id),
        )
    assert info.value.code == "service_not_offered"


def test_tenants_cannot_touch_each_other(
    factory: sessionmaker[Session], make_business: Build
) -> None:
    a, b = make_business("alpha"), make_business("beta")
    start = a.at(next_weekday(a.tz, 1), 10)
    with pytest.raises(NotFound):
        book(factory, a.tenant, BookingRequest(b.haircut.id, start))
    appt = book(factory, b.tenant, BookingRequest(b.haircut.id, start)).appointment
    with pytest.raises(NotFound):
        cancel(factory, a.tenant, appt.id)
    with pytest.raises(NotFound):
        reschedule(factory, a.tenant, appt.id, start + timedelta(hours=1))
    # The same wall-clock time is free in the other business: calendars are separate.
    assert book(factory, a.tenant, BookingRequest(a.haircut.id, start, a.ana.id))


def test_naive_start_is_invalid(factory: sessionmaker[Session], make_business: Build) -> None:
    biz = make_business()
    with pytest.raises(InvalidInput):
        book(factory, biz.tenant, BookingRequest(biz.haircut.id, datetime(2030, 1, 1, 10)))


def test_reschedule_frees_the_old_time(
    factory: sessionmaker[Session], make_business: Build
) -> None:
    biz = make_business()
    day = next_weekday(biz.tz, 1)
    appt = book(
        factory, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, 10), biz.ana.id)
    ).appointment
    # Moving by 15 minutes overlaps its own old block: it must not collide with itself.
    moved = reschedule(factory, biz.tenant, appt.id, biz.at(day, 10, 15))
    assert moved.id == appt.id and moved.start_at == biz.at(day, 10, 15)
    assert moved.resource_id == biz.ana.id
    again = book(factory, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, 11), biz.ana.id))
    with pytest.raises(SlotTaken):
        reschedule(factory, biz.tenant, appt.id, biz.at(day, 11), resource_id=biz.ana.id)
    assert again.appointment.start_at == biz.at(day, 11)
    with factory() as session:
        slots = availability.find_slots(
            session,
            biz.tenant,
            biz.haircut.id,
            biz.at(day, 9),
            biz.at(day, 17),
            resource_id=biz.ana.id,
        )
    starts = {s.start for s in slots}
    assert biz.at(day, 9) in starts and biz.at(day, 10, 15) not in starts


def test_reschedule_moves_to_another_resource_when_needed(
    factory: sessionmaker[Session], make_business: Build
) -> None:
    biz = make_business()
    day = next_weekday(biz.tz, 1)
    appt = book(
        factory, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, 10), biz.ana.id)
    ).appointment
    book(factory, biz.tenant, BookingRequest(biz.coloring.id, biz.at(day, 14), biz.ana.id))
    moved = reschedule(factory, biz.tenant, appt.id, biz.at(day, 14))
    assert moved.resource_id == biz.marco.id


def test_cancel_frees_the_slot_and_is_idempotent(
    factory: sessionmaker[Session], make_business: Build
) -> None:
    biz = make_business()
    start = biz.at(next_weekday(biz.tz, 4), 9)
    appt = book(factory, biz.tenant, BookingRequest(biz.haircut.id, start, biz.ana.id)).appointment
    cancelled = cancel(factory, biz.tenant, appt.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert cancel(factory, biz.tenant, appt.id).cancelled_at == cancelled.cancelled_at
    with pytest.raises(BookingRefused) as info:
        reschedule(factory, biz.tenant, appt.id, start + timedelta(hours=1))
    assert info.value.code == "not_active"
    assert book(factory, biz.tenant, BookingRequest(biz.haircut.id, start, biz.ana.id))


def test_past_appointment_cannot_change(
    factory: sessionmaker[Session], make_business: Build
) -> None:
    biz = make_business()
    start = biz.at(next_weekday(biz.tz, 1), 10)
    appt = book(factory, biz.tenant, BookingRequest(biz.haircut.id, start)).appointment
    later = start.astimezone(UTC) + timedelta(hours=2)
    with pytest.raises(BookingRefused) as info:
        cancel(factory, biz.tenant, appt.id, now=later)
    assert info.value.code == "already_started"


def test_postgres_constraint_forbids_overlap_even_bypassing_the_service(
    make_business: Build, factory: sessionmaker[Session]
) -> None:
    """Double booking is impossible by construction: the database itself refuses it."""
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL only")
    biz = make_business()
    start = biz.at(next_weekday(biz.tz, 1), 10)
    book(factory, biz.tenant, BookingRequest(biz.haircut.id, start, biz.ana.id))
    with factory() as session, pytest.raises(IntegrityError) as info:
        session.add(
            Appointment(
                tenant_id=biz.tenant.id,
                service_id=biz.haircut.id,
                resource_id=biz.ana.id,
                start_at=start + timedelta(minutes=35),
                end_at=start + timedelta(minutes=65),
                blocked_start=start + timedelta(minutes=35),
                blocked_end=start + timedelta(minutes=65),
            )
        )
        session.commit()
    assert getattr(info.value.orig, "sqlstate", None) == "23P01"
