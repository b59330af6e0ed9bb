"""Slot search at scale: 200 staff, 100,000 upcoming appointments; new search vs old.

    python -m benchmarks.slot_search_scale [--quick] [--postgres-url URL]

One data set (``benchmarks.dataset``): 200 staff, 47 days, 100,000 appointments, all of
them upcoming (the fixed "now" is the day before the first). Every search is for the one
service, all 200 staff, a 30-day window from local midnight of day 1, as the API asks
(``limit`` 1000, its default). Each figure is measured for the new path
(``availability.search_slots``: lazy engine, window-sized cache) and for the old one
(``benchmarks.legacy_slot_search``: horizon cache + ``find_open_slots`` + ``[:limit]``)
in the same run, on the same database:

- ``warm``: caches full; p50 of the search with a fresh session, in process.
- ``warm_ranked``: the same with a preference (afternoons) that ranks every slot.
- ``warm_api``: the new path through ``GET /api/v1/availability`` (FastAPI TestClient).
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
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from time import perf_counter
from typing import Any

from fastapi.testclient import TestClient

from benchmarks.common import log, machine_info, ratio, summarize
from benchmarks.dataset import Dataset, Params, postgres_dataset, sqlite_dataset
from benchmarks.legacy_slot_search import LegacyCache, find_slots_legacy
from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.scheduling import Slot, SlotPreferences, rank_slots
from frontdesk.services import calendars
from frontdesk.services.availability import search_slots
from frontdesk.services.calendar_cache import DEFAULT_CACHE
from frontdesk.services.tenants import create_api_key
from frontdesk.store.db import write_session

PARAMS = Params(staff=200, days=47, appointments=100_000)
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
        "warm_api_new": api,
        "cold": cold,
        "after_one_booking": one,
        "same_result": {"warm": same, "warm_ranked": same_ranked, "cold": same_cold},
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
        with make() as ds:
            result[name] = run(ds, quick=args.quick)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
