"""A cache entry widened window by window holds exactly what a fresh load holds.

Appointments of every length up to the longest block (72 h), some cancelled, are stored
once; then random sequences of windows are searched through one cache (which widens its
entries on either side, ``calendar_loads.span_difference``) and each answer is compared with
a load into an empty cache: same busy blocks (no block missing or counted twice) and the
same per-day counts on every local day the window can touch.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import calendars
from frontdesk.services.calendar_cache import CalendarCache
from frontdesk.store.models import Appointment
from tests.conftest import Business, next_weekday


def _store(factory: sessionmaker[Session], biz: Business, base: datetime) -> None:
    rng = random.Random(11)
    rows = []
    for resource in (biz.ana, biz.marco):
        moment = base - timedelta(days=6)
        while moment < base + timedelta(days=26):
            moment += timedelta(minutes=rng.choice([0, 5, 40, 300, 1440]))
            length = timedelta(minutes=rng.choice([15, 45, 600, 1500, 72 * 60]))
            before = min(timedelta(minutes=rng.choice([0, 10, 1440])), length / 3)
            start_at = moment + before
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "tenant_id": biz.tenant.id,
                    "service_id": biz.haircut.id,
                    "resource_id": resource.id,
                    "start_at": start_at,
                    "end_at": start_at + length / 3,
                    "blocked_start": moment,
                    "blocked_end": moment + length,
                    "status": rng.choice(["booked", "booked", "booked", "cancelled"]),
                    "source": "import",
                    "created_at": base,
                    "updated_at": base,
                }
            )
            moment += length
    with factory.begin() as session:
        session.execute(insert(Appointment.__table__), rows)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(st.integers(0, 20 * 24), st.integers(1, 9 * 24)), min_size=1, max_size=6))
def test_widened_entries_equal_fresh_loads(
    factory: sessionmaker[Session],
    make_business: Callable[..., Business],
    windows: list[tuple[int, int]],
) -> None:
    biz = _business(factory, make_business)
    base = datetime.combine(next_weekday(biz.tz, 0), datetime.min.time(), tzinfo=UTC)
    cache = CalendarCache()
    with factory() as session:
        refs = calendars.offering_resources(session, biz.tenant, biz.haircut.id)
        for offset, hours in windows:
            start = base + timedelta(hours=offset)
            end = start + timedelta(hours=hours)
            now = start  # unused by the cache; the engine is not run here
            got = calendars.cached_calendars(
                session, biz.tenant, refs, start, end, now=now, cache=cache
            )
            want = calendars.cached_calendars(
                session, biz.tenant, refs, start, end, now=now, cache=CalendarCache()
            )
            edge = start - calendars.LOAD_MARGIN
            for mine, fresh in zip(got, want, strict=True):
                assert sorted(b for b in mine.busy if b[1] > edge) == sorted(
                    b for b in fresh.busy if b[1] > edge
                )
                # A load clips the working interval that crosses its start; past the
                # margin both must agree.
                assert [w for w in mine.working if w[0] > edge] == [
                    w for w in fresh.working if w[0] > edge
                ]
                day = edge.astimezone(biz.tz).date() + timedelta(days=1)
                last = (end + calendars.LOAD_MARGIN).astimezone(biz.tz).date()
                while day < last:
                    assert mine.bookings_per_day.get(day, 0) == fresh.bookings_per_day.get(day, 0)
                    day += timedelta(days=1)


_BUILT: dict[int, Business] = {}


def _business(factory: sessionmaker[Session], make_business: Callable[..., Business]) -> Business:
    """One business with stored appointments per test run (hypothesis calls the test body
    many times with the same fixtures; the data is only read)."""
    key = id(factory)
    if key not in _BUILT:
        _BUILT.clear()
        biz = make_business()
        _store(
            factory, biz, datetime.combine(next_weekday(biz.tz, 0), datetime.min.time(), tzinfo=UTC)
        )
        _BUILT[key] = biz
    return _BUILT[key]
