"""The availability cache never serves a calendar older than the database's."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from threading import Barrier

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import SlotTaken
from frontdesk.scheduling import Slot, find_open_slots
from frontdesk.services import availability, calendars
from frontdesk.services.booking import BookingRequest, book, cancel, reschedule
from frontdesk.services.calendar_cache import DEFAULT_CACHE, CalendarCache
from frontdesk.services.catalog import (
    ExceptionFields,
    HoursRange,
    ResourceFields,
    add_exception,
    save_resource,
)
from frontdesk.services.lookup import get_scoped
from frontdesk.store.db import make_engine, make_session_factory, write_session
from frontdesk.store.models import Resource
from tests.conftest import Business, next_weekday


def _starts(factory: sessionmaker[Session], biz: Business, day_offset: int = 0) -> set[datetime]:
    day = next_weekday(biz.tz, 1) + timedelta(days=day_offset)
    with factory() as session:
        slots = availability.find_slots(
            session,
            biz.tenant,
            biz.haircut.id,
            biz.at(day, 0),
            biz.at(day, 23),
            resource_id=biz.ana.id,
        )
    return {s.start for s in slots}


def test_second_search_is_served_from_the_cache(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    first = _starts(factory, biz)
    hits = DEFAULT_CACHE.hits
    assert _starts(factory, biz, day_offset=1)  # another day in the horizon: still cached
    assert _starts(factory, biz) == first
    assert DEFAULT_CACHE.hits >= hits + 2


def test_writes_from_another_process_are_seen(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    """A second engine stands in for another server process sharing the database."""
    biz = make_business()
    before = _starts(factory, biz)
    day = next_weekday(biz.tz, 1)
    other_engine = make_engine(factory.kw["bind"].url.render_as_string(hide_password=False))
    other = make_session_factory(other_engine)
    appt = book(other, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, 10), biz.ana.id))
    after_book = _starts(factory, biz)
    assert biz.at(day, 10) in before and biz.at(day, 10) not in after_book
    cancel(other, biz.tenant, appt.appointment.id)
    assert _starts(factory, biz) == before
    other_engine.dispose()


def test_hours_and_time_off_changes_are_seen(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    day = next_weekday(biz.tz, 1)
    assert min(_starts(factory, biz)) == biz.at(day, 9)
    with write_session(factory) as session:
        ana = get_scoped(session, Resource, biz.tenant.id, biz.ana.id)
        save_resource(
            session,
            biz.tenant,
            ResourceFields(hours=[HoursRange(d, time(12), time(17)) for d in range(5)]),
            ana,
        )
    assert min(_starts(factory, biz)) == biz.at(day, 12)
    with write_session(factory) as session:
        ana = get_scoped(session, Resource, biz.tenant.id, biz.ana.id)
        add_exception(session, biz.tenant, ana, ExceptionFields("off", day, day))
    assert _starts(factory, biz) == set()


def test_contended_few_slots_only_ever_refuse_cleanly(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    """Many clients rotating over a few slots: every failure is SlotTaken, never a
    deadlock or a database error, and each slot is booked exactly once."""
    biz = make_business()
    day = next_weekday(biz.tz, 2)
    slots = [biz.at(day, 9) + timedelta(minutes=40 * i) for i in range(4)]
    clients = 24
    barrier = Barrier(clients)

    def client(i: int) -> list[str]:
        barrier.wait()
        outcomes = []
        for k in range(len(slots)):
            start = slots[(i + k) % len(slots)]
            resource = biz.ana.id if i % 2 else None  # half name Ana, half take anyone
            try:
                book(factory, biz.tenant, BookingRequest(biz.haircut.id, start, resource))
                outcomes.append("ok")
            except SlotTaken:
                outcomes.append("taken")
        return outcomes

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = [o for r in pool.map(client, range(clients)) for o in r]
    # Two staff offer haircuts: each of the 4 times can be booked at most twice.
    assert results.count("ok") == 2 * len(slots)
    assert results.count("taken") == clients * len(slots) - 2 * len(slots)


def _search(
    factory: sessionmaker[Session],
    biz: Business,
    start: datetime,
    end: datetime,
    cache: CalendarCache,
) -> list[Slot]:
    """All slots of the window through ``cache`` (as one process's searches see them)."""
    with factory() as session:
        refs = calendars.offering_resources(session, biz.tenant, biz.haircut.id)
        cals = calendars.cached_calendars(
            session, biz.tenant, refs, start, end, now=_NOW, cache=cache
        )
        return find_open_slots(
            calendars.service_spec(biz.haircut),
            calendars.booking_policy(biz.tenant),
            cals,
            window_start=start,
            window_end=end,
            now=_NOW,
            tz=biz.tz,
        )


_NOW = datetime.now(UTC)


def test_a_cache_follows_writes_made_elsewhere_window_by_window(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    """One cache (this process) against bookings, a reschedule to the other staff member,
    a cancellation and an hours change made through another engine (another process):
    after each, every search through the cache equals a search through an empty one."""
    biz = make_business(max_per_day=2)  # per-day counts must survive extension too
    cache = CalendarCache()
    day = next_weekday(biz.tz, 0)
    narrow = (biz.at(day, 0), biz.at(day + timedelta(days=2), 0))
    wide = (biz.at(day, 0), biz.at(day + timedelta(days=9), 0))
    early = (biz.at(day - timedelta(days=4), 0), biz.at(day + timedelta(days=1), 0))
    other_engine = make_engine(factory.kw["bind"].url.render_as_string(hide_password=False))
    other = make_session_factory(other_engine)

    def agree() -> None:
        for start, end in (narrow, wide, early, narrow):
            assert _search(factory, biz, start, end, cache) == _search(
                factory, biz, start, end, CalendarCache()
            )

    agree()  # narrow loads, wide grows it to the right, early to the left, narrow hits
    entry = cache.get(biz.ana.id, 0, biz.tz)
    assert entry is not None and entry.lo <= early[0] and entry.hi >= wide[1]
    booked = [
        book(other, biz.tenant, BookingRequest(biz.haircut.id, biz.at(d, 10), biz.ana.id))
        for d in (day - timedelta(days=3), day, day + timedelta(days=1), day + timedelta(days=8))
    ]
    agree()
    first = booked[1].appointment.id
    reschedule(other, biz.tenant, first, biz.at(day, 14), resource_id=biz.marco.id)
    agree()
    cancel(other, biz.tenant, booked[2].appointment.id)
    cancel(other, biz.tenant, first)
    agree()
    with write_session(other) as session:
        marco = get_scoped(session, Resource, biz.tenant.id, biz.marco.id)
        save_resource(
            session,
            biz.tenant,
            ResourceFields(hours=[HoursRange(d, time(11), time(15)) for d in range(5)]),
            marco,
        )
    agree()
    assert min(
        s.start for s in _search(factory, biz, *narrow, cache) if s.resource_id == biz.marco.id
    ) == biz.at(day, 11)
    other_engine.dispose()
