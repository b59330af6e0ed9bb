"""Slot search: one service, all 20 staff, a 14-day window, on the 20,000-appointment set.

Three measurements, each over windows whose first day moves through the 90 days (a
shuffled cycle over the 77 possible start days), so no two consecutive searches ask for
the same rows:

- ``engine_only``: ``find_open_slots`` on ResourceCalendars built beforehand (pure CPU).
- ``full``: ``services.availability.find_slots`` with a fresh session per call, as an API
  request makes it: catalog rows, the appointments query, row conversion, working hours
  and the engine. ``stages`` splits the same calls into those parts.
- ``naive_baseline``: for each staff member, for each start on the 15-minute grid inside
  their working hours (time off skipped), one SQL overlap query through the session.
  ``naive_dbapi`` is the same loop on the raw DB-API cursor, with no SQLAlchemy per query:
  the cheapest a per-slot design could be, so ``speedup_vs_dbapi`` is a lower bound.

``same_result`` compares the naive answer with ``find_slots`` on every window the naive
code ran on (the set of (start, staff) pairs), which is what makes the speedup a fair one.

Run alone for a profile of ``full`` on SQLite:
``python -m benchmarks.slot_search --profile``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from time import perf_counter
from typing import Any

from sqlalchemy import Uuid, bindparam, event, select, text
from sqlalchemy.orm import Session

from benchmarks.common import log, ratio, summarize
from benchmarks.dataset import Dataset, Params, sqlite_dataset
from frontdesk.scheduling import Slot, find_open_slots
from frontdesk.services import availability, calendars
from frontdesk.services.availability import find_slots
from frontdesk.services.calendar_cache import DEFAULT_CACHE
from frontdesk.store.db import write_session
from frontdesk.store.models import ACTIVE_STATUSES, Appointment, Resource, Service
from frontdesk.store.types import UTCDateTime

WINDOW_DAYS = 14

NAIVE_SQL = (
    "SELECT 1 FROM appointments WHERE resource_id = :rid AND status != 'cancelled' "
    "AND blocked_start < :hi AND blocked_end > :lo LIMIT 1"
)


def window_offsets(params: Params, count: int, seed: int) -> list[int]:
    """``count`` first-day offsets cycling through a shuffled order of all 14-day windows."""
    order = list(range(params.days - WINDOW_DAYS + 1))
    random.Random(seed).shuffle(order)
    return [order[i % len(order)] for i in range(count)]


def _window(ds: Dataset, offset: int) -> tuple[datetime, datetime]:
    return ds.day_start(offset), ds.day_start(offset + WINDOW_DAYS)


def _keys(slots: list[Slot]) -> set[tuple[datetime, Any]]:
    return {(s.start, s.resource_id) for s in slots}


# --- engine only -----------------------------------------------------------------------


def bench_engine_only(ds: Dataset, offsets: list[int], repeats: int) -> dict[str, Any]:
    tenant = ds.tenant
    tz, policy = calendars.tenant_zone(tenant), calendars.booking_policy(tenant)
    prepared = []
    with ds.factory() as session:
        service = session.get(Service, ds.service_id)
        assert service is not None
        spec = calendars.service_spec(service)
        resources = sorted((r for r in service.resources if r.active), key=lambda r: r.name)
        for offset in dict.fromkeys(offsets):
            start, end = _window(ds, offset)
            cals = calendars.load_calendars(session, tenant, resources, start, end)
            prepared.append((start.astimezone(UTC), end.astimezone(UTC), cals))
    busy = [sum(len(c.busy) for c in cals) for _, _, cals in prepared]
    now = ds.now

    def once(i: int) -> int:
        start, end, cals = prepared[i % len(prepared)]
        return len(
            find_open_slots(spec, policy, cals, window_start=start, window_end=end, now=now, tz=tz)
        )

    for i in range(min(10, repeats)):
        once(i)
    gc.collect()
    samples, found = [], []
    for i in range(repeats):
        t0 = perf_counter()
        n = once(i)
        samples.append(perf_counter() - t0)
        found.append(n)
    return {
        **summarize(samples),
        "windows": len(prepared),
        "busy_intervals_per_search_mean": round(sum(busy) / len(busy), 1),
        "slots_per_search_mean": round(sum(found) / len(found), 1),
    }


# --- full path -------------------------------------------------------------------------


class _StageClock:
    """Wraps the module attributes ``find_slots`` calls, to split its time into stages."""

    def __init__(self) -> None:
        self.load = 0.0
        self.hours = 0.0
        self.engine = 0.0

    def _timed(self, fn: Callable[..., Any], slot: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                setattr(self, slot, getattr(self, slot) + perf_counter() - t0)

        return wrapper

    @contextmanager
    def installed(self) -> Iterator[_StageClock]:
        saved = (
            calendars.load_calendars,
            calendars.working_intervals,
            availability.find_open_slots,
        )
        calendars.load_calendars = self._timed(saved[0], "load")
        calendars.working_intervals = self._timed(saved[1], "hours")
        availability.find_open_slots = self._timed(saved[2], "engine")
        try:
            yield self
        finally:
            (
                calendars.load_calendars,
                calendars.working_intervals,
                availability.find_open_slots,
            ) = saved

    def reset(self) -> None:
        self.load = self.hours = self.engine = 0.0


def _search(ds: Dataset, offset: int) -> tuple[float, list[Slot]]:
    start, end = _window(ds, offset)
    with ds.factory() as session:
        t0 = perf_counter()
        slots = find_slots(session, ds.tenant, ds.service_id, start, end, now=ds.now)
        return perf_counter() - t0, slots


def bench_full(ds: Dataset, offsets: list[int], repeats: int) -> dict[str, Any]:
    gc.collect()
    for offset in offsets[:10]:
        _search(ds, offset)
    samples, found = [], []
    for i in range(repeats):
        elapsed, slots = _search(ds, offsets[i % len(offsets)])
        samples.append(elapsed)
        found.append(len(slots))
    return {
        **summarize(samples),
        "slots_per_search_mean": round(sum(found) / len(found), 1),
    }


def bench_full_uncached(ds: Dataset, offsets: list[int], repeats: int,
                        *, after_one_booking: bool) -> dict[str, Any]:
    """``full`` when the process cache cannot help.

    after_one_booking=False: the cache is emptied before every call (a cold process, or
    every calendar changed): all 20 calendars are loaded from the database for the
    tenant's horizon. after_one_booking=True: one resource's ``calendar_version`` is
    bumped before every call, as a booking does: only that calendar is reloaded.
    """
    samples = []
    resource_ids = list(ds.resource_ids)
    for i in range(repeats):
        if after_one_booking:
            with write_session(ds.factory) as session:
                calendars.bump(session, [resource_ids[i % len(resource_ids)]])
        else:
            DEFAULT_CACHE.clear()
        elapsed, _ = _search(ds, offsets[i % len(offsets)])
        samples.append(elapsed)
    return summarize(samples)


def bench_stages(ds: Dataset, offsets: list[int], repeats: int) -> dict[str, Any]:
    """Where a ``full`` call spends its time (p50 of each stage over ``repeats`` calls).

    catalog: service, staff, hours and time off (ORM loads); appointments: the one query
    for the window's appointments plus turning rows into busy intervals and day counts
    (``load_calendars`` minus working hours); working_hours: ``working_intervals`` for all
    staff; engine: ``find_open_slots``.
    """
    clock = _StageClock()
    parts: dict[str, list[float]] = {
        "catalog": [],
        "appointments": [],
        "working_hours": [],
        "engine": [],
        "total": [],
    }
    with clock.installed():
        for i in range(repeats):
            clock.reset()
            total, _ = _search(ds, offsets[i % len(offsets)])
            parts["total"].append(total)
            parts["engine"].append(clock.engine)
            parts["working_hours"].append(clock.hours)
            parts["appointments"].append(clock.load - clock.hours)
            parts["catalog"].append(total - clock.load - clock.engine)
    rows = _appointment_rows(ds, offsets[0])
    result: dict[str, Any] = {name: summarize(values)["p50_ms"] for name, values in parts.items()}
    result["n"] = repeats
    result["appointment_rows_per_search"] = rows
    result.update(_fetch_split(ds, offsets, repeats))
    return {"p50_ms": result}


def _appointment_rows(ds: Dataset, offset: int) -> int:
    start, end = _window(ds, offset)
    lo, hi = start - calendars.LOAD_MARGIN, end + calendars.LOAD_MARGIN
    sql = text(
        "SELECT count(*) FROM appointments WHERE status != 'cancelled' "
        "AND blocked_start < :hi AND blocked_end > :lo"
    ).bindparams(bindparam("lo", type_=UTCDateTime()), bindparam("hi", type_=UTCDateTime()))
    with ds.factory() as session:
        return int(session.execute(sql, {"lo": lo, "hi": hi}).scalar_one())


def _fetch_split(ds: Dataset, offsets: list[int], repeats: int) -> dict[str, float]:
    """The appointments query alone: through SQLAlchemy with result types, and raw.

    ``appointments_query_sqlalchemy``: the same four columns ``load_calendars`` selects,
    fetched with ``.all()`` (driver + UUID/UTCDateTime result processing, no loop);
    ``appointments_query_raw_driver``: the same SQL on the DB-API cursor, values as the
    driver returns them (text on SQLite). The gap between them is row conversion.
    """
    statuses = [s.value for s in ACTIVE_STATUSES]
    sa_times, raw_times = [], []
    captured: list[tuple[str, Any]] = []

    def capture(*event_args: Any) -> None:
        captured.append((event_args[2], event_args[3]))

    with ds.factory() as session:
        ids = [r.id for r in _resources(session, ds)]
        conn = session.connection()
        event.listen(conn, "before_cursor_execute", capture)
        for i in range(repeats):
            start, end = _window(ds, offsets[i % len(offsets)])
            lo, hi = start - calendars.LOAD_MARGIN, end + calendars.LOAD_MARGIN
            query = select(
                Appointment.resource_id,
                Appointment.start_at,
                Appointment.blocked_start,
                Appointment.blocked_end,
            ).where(
                Appointment.resource_id.in_(ids),
                Appointment.status.in_(statuses),
                Appointment.blocked_start < hi,
                Appointment.blocked_end > lo,
            )
            t0 = perf_counter()
            session.execute(query).all()
            sa_times.append(perf_counter() - t0)
            # Replay exactly what SQLAlchemy sent to the driver, on the bare cursor.
            sql, args = captured[-1]
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            t0 = perf_counter()
            cursor.execute(sql, args)
            cursor.fetchall()
            raw_times.append(perf_counter() - t0)
            cursor.close()
    return {
        "appointments_query_sqlalchemy": summarize(sa_times)["p50_ms"],
        "appointments_query_raw_driver": summarize(raw_times)["p50_ms"],
    }


def _resources(session: Session, ds: Dataset) -> list[Resource]:
    service = session.get(Service, ds.service_id)
    assert service is not None
    return sorted((r for r in service.resources if r.active), key=lambda r: r.name)


# --- naive baseline --------------------------------------------------------------------


def _off_spans(resource: Resource, day: date, tz: Any) -> list[tuple[datetime, datetime]] | None:
    """Time off on ``day`` as UTC spans; None when the whole day is off."""
    spans = []
    for e in resource.exceptions:
        if e.kind != "off" or not e.start_date <= day <= e.end_date:
            continue
        if e.start_time is None or e.end_time is None:
            return None
        spans.append(
            (
                datetime.combine(day, e.start_time, tzinfo=tz).astimezone(UTC),
                datetime.combine(day, e.end_time, tzinfo=tz).astimezone(UTC),
            )
        )
    return spans


def naive_slots(
    session: Session, ds: Dataset, start: datetime, end: datetime, *, raw_cursor: bool
) -> tuple[set[tuple[datetime, Any]], int]:
    """Slots found the naive way; returns (slots, number of SQL queries run).

    Handles what this data set has: weekly hours and "off" exceptions (no "extra" hours,
    no per-day limit, no notice beyond ``now``).
    """
    tenant = ds.tenant
    tz = calendars.tenant_zone(tenant)
    service = session.get(Service, ds.service_id)
    assert service is not None
    duration = timedelta(minutes=service.duration_minutes)
    before = timedelta(minutes=service.buffer_before_minutes)
    after = timedelta(minutes=service.buffer_after_minutes)
    step = timedelta(minutes=tenant.slot_interval_minutes)
    earliest = max(start, ds.now + timedelta(minutes=tenant.min_notice_minutes))
    statement = text(NAIVE_SQL).bindparams(
        bindparam("rid", type_=Uuid()),
        bindparam("lo", type_=UTCDateTime()),
        bindparam("hi", type_=UTCDateTime()),
    )
    if raw_cursor:
        conn = session.connection()
        compiled = statement.compile(dialect=conn.dialect)
        processors = compiled._bind_processors  # noqa: SLF001 - benchmark introspection
        order = compiled.positiontup
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        rid_p, lo_p, hi_p = (processors.get(k, lambda v: v) for k in ("rid", "lo", "hi"))

        def taken(rid: uuid.UUID, lo: datetime, hi: datetime) -> bool:
            values = {"rid": rid_p(rid), "lo": lo_p(lo), "hi": hi_p(hi)}
            args = tuple(values[k] for k in order) if order is not None else values
            cursor.execute(compiled.string, args)
            return cursor.fetchone() is not None
    else:

        def taken(rid: uuid.UUID, lo: datetime, hi: datetime) -> bool:
            row = session.execute(statement, {"rid": rid, "lo": lo, "hi": hi}).first()
            return row is not None

    found: set[tuple[datetime, Any]] = set()
    queries = 0
    first_day = start.astimezone(tz).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(tz).date()
    for resource in _resources(session, ds):
        day = first_day
        while day <= last_day:
            off = _off_spans(resource, day, tz)
            if off is not None:
                for hours in resource.hours:
                    if hours.weekday != day.weekday():
                        continue
                    t = datetime.combine(day, hours.start_time, tzinfo=tz).astimezone(UTC)
                    close = datetime.combine(day, hours.end_time, tzinfo=tz).astimezone(UTC)
                    while t + duration <= close:
                        inside = earliest <= t < end
                        if inside and not any(a < t + duration and t < b for a, b in off):
                            queries += 1
                            if not taken(resource.id, t - before, t + duration + after):
                                found.add((t, resource.id))
                        t += step
            day += timedelta(days=1)
    return found, queries


def bench_naive(
    ds: Dataset, offsets: list[int], repeats: int, *, raw_cursor: bool
) -> dict[str, Any]:
    samples, queries, same = [], [], []
    for i in range(repeats):
        offset = offsets[i % len(offsets)]
        start, end = _window(ds, offset)
        with ds.factory() as session:
            t0 = perf_counter()
            found, n = naive_slots(session, ds, start, end, raw_cursor=raw_cursor)
            samples.append(perf_counter() - t0)
        queries.append(n)
        _, slots = _search(ds, offset)
        same.append(found == _keys(slots))
    return {
        **summarize(samples),
        "sql_queries_per_search_mean": round(sum(queries) / len(queries), 1),
        "same_result": all(same),
        "windows_compared": len(same),
    }


# --- entry points ----------------------------------------------------------------------


def run(ds: Dataset, *, quick: bool, seed: int = 7) -> dict[str, Any]:
    reps = (
        {"engine": 50, "full": 30, "stages": 10, "naive": 1, "dbapi": 1}
        if quick
        else {"engine": 300, "full": 300, "stages": 100, "naive": 5, "dbapi": 5}
    )
    offsets = window_offsets(ds.params, max(reps.values()), seed)
    log(f"{ds.backend}: slot search (engine only)")
    engine_only = bench_engine_only(ds, offsets, reps["engine"])
    log(f"{ds.backend}: slot search (full find_slots)")
    full = bench_full(ds, offsets, reps["full"])
    log(f"{ds.backend}: slot search (cache emptied before each call)")
    cold = bench_full_uncached(ds, offsets, reps["naive"] * 4, after_one_booking=False)
    log(f"{ds.backend}: slot search (one calendar changed before each call)")
    one_changed = bench_full_uncached(ds, offsets, reps["stages"], after_one_booking=True)
    stages = bench_stages(ds, offsets, reps["stages"])
    # The naive runs take windows from the second half of the same shuffled cycle. Caches
    # are warm for both paths alike: the whole data set fits in memory on both databases.
    naive_offsets = offsets[len(offsets) // 2 :]
    log(f"{ds.backend}: slot search (naive baseline, {reps['naive']} windows)")
    naive = bench_naive(ds, naive_offsets, reps["naive"], raw_cursor=False)
    log(f"{ds.backend}: slot search (naive on raw DB-API cursor, {reps['dbapi']} windows)")
    dbapi = bench_naive(ds, naive_offsets[reps["naive"] :], reps["dbapi"], raw_cursor=True)
    return {
        "window_days": WINDOW_DAYS,
        "engine_only": engine_only,
        "full": full,
        "full_cold_cache": cold,
        "full_after_one_booking": one_changed,
        "full_stages": stages,
        "naive_baseline": naive,
        "naive_dbapi": dbapi,
        "same_result": naive["same_result"] and dbapi["same_result"],
        "speedup": ratio(naive["p50_ms"], full["p50_ms"]),
        "speedup_vs_dbapi": ratio(dbapi["p50_ms"], full["p50_ms"]),
        "targets": {
            "full_p50_under_5ms": full["p50_ms"] < 5.0,
            "speedup_at_least_50x": (ratio(naive["p50_ms"], full["p50_ms"]) or 0) >= 50,
        },
    }


def profile(ds: Dataset, calls: int, top: int) -> str:
    offsets = window_offsets(ds.params, calls, seed=11)
    for offset in offsets[:5]:
        _search(ds, offset)
    profiler = cProfile.Profile()
    profiler.enable()
    for offset in offsets:
        _search(ds, offset)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", action="store_true", help="cProfile full find_slots")
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with sqlite_dataset(Params()) as ds:
        if args.profile:
            print(profile(ds, args.calls, args.top))
        else:
            import json

            print(json.dumps(run(ds, quick=args.quick), indent=2))


if __name__ == "__main__":
    main()
