"""Slot search at scale: 200 staff, 100,000 upcoming appointments; new search vs old.

    python -m benchmarks.slot_search_scale [--quick] [--postgres-url URL]

One data set (``benchmarks.dataset``'s tenant, service and hours; its own appointment
layout): 200 staff, Monday-Saturday 09:00-13:00 and 14:00-18:00, 365 days, 100,000
appointments (500 per staff member, on random cells of the 35-minute grid), all of them
upcoming (the fixed "now" is the day before the first). So a 30-day window holds about
140,000 free slots, as in issue 11. Every search is for the one service, all 200 staff,
a 30-day window from local midnight of day 1, as the API asks (``limit`` 1000, its
default). Each figure is measured for the new path
(``availability.search_slots``: lazy engine, window-sized cache) and for the old one
(``benchmarks.legacy_slot_search``: horizon cache + ``find_open_slots`` + ``[:limit]``)
in the same run, on the same database:

- ``warm``: caches full; p50 of the search with a fresh session, in process.
- ``warm_ranked``: the same with a preference (afternoons) that ranks every slot.
- ``warm_api_new``: the new path through ``GET /api/v1/availability`` (FastAPI TestClient).
- ``warm_page_11``: the 11th page of 100 slots, reached by cursor (new) or by slicing
  the whole answer (old): a later page costs what the first one does.
- ``cold``: cache emptied before each call (a new process, or every calendar changed).
- ``after_one_booking``: one resource's calendar version bumped before each call.

``same_result`` checks the new answer equals the old one on every compared case.
PostgreSQL runs when ``--postgres-url`` or ``FRONTDESK_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime, timedelta
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from benchmarks import dataset
from benchmarks.common import log, machine_info, ratio, summarize
from benchmarks.dataset import (
    CELLS_PER_HALF_DAY,
    HALF_DAYS,
    PITCH,
    TIMEZONE,
    WORKDAYS,
    Dataset,
    Params,
    Plan,
    postgres_dataset,
    sqlite_dataset,
)
from benchmarks.legacy_slot_search import LegacyCache, find_slots_legacy
from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.scheduling import Slot, SlotPreferences, rank_slots
from frontdesk.services import calendars
from frontdesk.services.availability import search_slots
from frontdesk.services.calendar_cache import DEFAULT_CACHE
from frontdesk.services.tenants import create_api_key
from frontdesk.store.db import write_session

PARAMS = Params(
    staff=200,
    days=365,
    appointments=100_000,
    # Next Monday: close enough to today that the API's real clock sees it in the horizon.
    first_day=date.today() + timedelta(days=7 - date.today().weekday()),
    full_days_off_per_staff=0,
    afternoons_off_per_staff=0,
)


def _sparse_plan(params: Params) -> Plan:
    """``params.appointments`` spread evenly over the staff, each on a random free cell of
    its working half-days (the stock plan fills 4-7 of 7 cells per half-day)."""
    rng = random.Random(params.seed)
    tz = ZoneInfo(TIMEZONE)
    days = [params.first_day + timedelta(days=i) for i in range(params.days)]
    cells = [
        datetime.combine(day, begin, tzinfo=tz).astimezone(UTC) + cell * PITCH
        for day in days
        if day.weekday() in WORKDAYS
        for begin, _ in HALF_DAYS
        for cell in range(CELLS_PER_HALF_DAY)
    ]
    per_staff = params.appointments // params.staff
    appointments = [
        (staff, start) for staff in range(params.staff) for start in rng.sample(cells, per_staff)
    ]
    free = (len(cells) - per_staff) * params.staff
    return Plan([[] for _ in range(params.staff)], appointments, free, len(cells) // 7)


@contextmanager
def _dataset(make: Callable[[], AbstractContextManager[Dataset]]) -> Iterator[Dataset]:
    """``make()`` with ``_sparse_plan`` in place of the stock layout while it populates."""
    stock = dataset.make_plan
    dataset.make_plan = _sparse_plan
    try:
        with make() as ds:
            dataset.make_plan = stock
            yield ds
    finally:
        dataset.make_plan = stock


WINDOW_DAYS = 30
LIMIT = 1000
AFTERNOON = SlotPreferences(parts_of_day=frozenset({"afternoon"}))


def _window(ds: Dataset) -> tuple[Any, Any]:
    return ds.day_start(1), ds.day_start(1 + WINDOW_DAYS)


def _new(ds: Dataset, prefs: SlotPreferences | None = None) -> list[Slot]:
    start, end = _window(ds)
    with ds.factory() as session:
        page = search_slots(
            session,
            ds.tenant,
            ds.service_id,
            start,
            end,
            limit=LIMIT,
            preferences=prefs,
            now=ds.now,
        )
    return page.slots


def _old(ds: Dataset, cache: LegacyCache, prefs: SlotPreferences | None = None) -> list[Slot]:
    start, end = _window(ds)
    with ds.factory() as session:
        slots = find_slots_legacy(
            session, ds.tenant, ds.service_id, start, end, now=ds.now, cache=cache
        )
    if prefs is not None:
        slots = rank_slots(slots, prefs, ds.tz)
    return slots[:LIMIT]


def _page(ds: Dataset, after: str | None) -> list[Slot]:
    start, end = _window(ds)
    with ds.factory() as session:
        return search_slots(
            session, ds.tenant, ds.service_id, start, end, limit=100, after=after, now=ds.now
        ).slots


def _cursor_of_page(ds: Dataset, pages: int) -> str | None:
    start, end = _window(ds)
    after = None
    with ds.factory() as session:
        for _ in range(pages):
            after = search_slots(
                session, ds.tenant, ds.service_id, start, end, limit=100, after=after, now=ds.now
            ).next_cursor
    return after


def _old_all(ds: Dataset, cache: LegacyCache) -> list[Slot]:
    start, end = _window(ds)
    with ds.factory() as session:
        return find_slots_legacy(
            session, ds.tenant, ds.service_id, start, end, now=ds.now, cache=cache
        )


def _timed(
    fn: Callable[[], Any], n: int, before: Callable[[int], None] | None = None
) -> dict[str, Any]:
    gc.collect()
    samples = []
    for i in range(n):
        if before is not None:
            before(i)
        t0 = perf_counter()
        fn()
        samples.append(perf_counter() - t0)
    return summarize(samples)


def _pair(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    return {"new": new, "old": old, "speedup_p50": ratio(old["p50_ms"], new["p50_ms"])}


def run(ds: Dataset, *, quick: bool) -> dict[str, Any]:
    n_warm, n_cold, n_bump = (15, 3, 10) if quick else (100, 10, 50)
    legacy = LegacyCache()
    DEFAULT_CACHE.clear()
    same = _new(ds) == _old(ds, legacy)
    same_ranked = _new(ds, AFTERNOON) == _old(ds, legacy, AFTERNOON)
    log(f"{ds.backend}: warm")
    warm = _pair(_timed(lambda: _new(ds), n_warm), _timed(lambda: _old(ds, legacy), n_warm))
    log(f"{ds.backend}: warm, ranked")
    ranked = _pair(
        _timed(lambda: _new(ds, AFTERNOON), n_warm),
        _timed(lambda: _old(ds, legacy, AFTERNOON), n_warm),
    )
    log(f"{ds.backend}: page 11 by cursor")
    cursor = _cursor_of_page(ds, 10)
    page = _pair(
        _timed(lambda: _page(ds, cursor), n_warm),
        _timed(lambda: _old_all(ds, legacy)[1000:1100], n_warm),
    )
    same_page = _page(ds, cursor) == _old_all(ds, legacy)[1000:1100]
    log(f"{ds.backend}: through the API")
    api = _api(ds, n_warm)
    log(f"{ds.backend}: cold")
    cold = _pair(
        _timed(lambda: _new(ds), n_cold, lambda _: DEFAULT_CACHE.clear()),
        _timed(lambda: _old(ds, legacy), n_cold, lambda _: legacy.clear()),
    )
    DEFAULT_CACHE.clear()
    same_cold = _new(ds) == _old(ds, legacy)

    def bump(i: int) -> None:
        with write_session(ds.factory) as session:
            calendars.bump(session, [ds.resource_ids[(i * 37) % len(ds.resource_ids)]])

    log(f"{ds.backend}: after one booking")
    one = _pair(
        _timed(lambda: _new(ds), n_bump, bump), _timed(lambda: _old(ds, legacy), n_bump, bump)
    )
    return {
        "staff": ds.params.staff,
        "appointments_upcoming": len(ds.plan.appointments),
        "window_days": WINDOW_DAYS,
        "limit": LIMIT,
        "warm": warm,
        "warm_ranked": ranked,
        "warm_page_11": page,
        "warm_api_new": api,
        "cold": cold,
        "after_one_booking": one,
        "same_result": {
            "warm": same,
            "warm_ranked": same_ranked,
            "warm_page_11": same_page,
            "cold": same_cold,
        },
        "targets": {
            "warm_p50_under_50ms": warm["new"]["p50_ms"] < 50,
            "cold_p50_under_500ms": cold["new"]["p50_ms"] < 500,
        },
    }


def _api(ds: Dataset, n: int) -> dict[str, Any]:
    with write_session(ds.factory) as session:
        _, key = create_api_key(session, ds.tenant, "bench")
    app = create_app(Settings(environment="test", llm_base_url=""), engine=ds.engine)
    start, end = _window(ds)
    params = {
        "service": str(ds.service_id),
        "from": start.isoformat(),
        "to": (end - timedelta(days=1)).date().isoformat(),
    }
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        # ``to`` as a date is inclusive: the same 30 days. "now" is the real clock here,
        # before the data set's dates, so the answer is the same.
        first = client.get("/api/v1/availability", params=params, headers=headers)
        assert first.status_code == 200, first.text
        assert len(first.json()["slots"]) == LIMIT

        def call() -> None:
            assert (
                client.get("/api/v1/availability", params=params, headers=headers).status_code
                == 200
            )

        return _timed(call, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres-url", default=os.environ.get("FRONTDESK_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    result: dict[str, Any] = {"machine": machine_info(), "quick": args.quick}
    makers: list[tuple[str, Callable[[], AbstractContextManager[Dataset]]]] = [
        ("sqlite", lambda: sqlite_dataset(PARAMS))
    ]
    if args.postgres_url:
        url = args.postgres_url
        makers.append(("postgresql", lambda: postgres_dataset(PARAMS, url)))
    for name, make in makers:
        with _dataset(make) as ds:
            result[name] = run(ds, quick=args.quick)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
