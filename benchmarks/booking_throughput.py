"""Booking throughput: ``services.booking.book`` from 1 and from 16 concurrent clients.

Every client is a thread calling ``book(factory, tenant, request)`` with the shared
sessionmaker, so each booking opens its own session and transaction, exactly as the API
does. Each request is what a phone/chat booking sends: a service, a start taken from
``find_slots``, the slot's staff member, a new customer by phone and an idempotency key.

Scenarios, each with slots no other scenario touches:

- ``distinct``: every client books its own free slots (all pairwise non-overlapping), so
  every booking must succeed. ``serial`` (1 client) is the in-run baseline.
- ``contention``: rounds of ``k`` free slots; in each round all 16 clients try all ``k``
  slots (each client starting at a different one), so exactly ``k`` bookings per round
  win and the rest must end in ``SlotTaken``. ``serial`` makes the same attempts one
  after another from one client (the first per slot wins, the repeats are refused).

Latencies are per ``book`` call (wall clock, including waiting for locks and for a pooled
connection). Throughput is successful bookings (or attempts) over the scenario's wall
time, from the moment all clients are released together until the last one finishes.
After the runs the appointments table is checked: the expected number of rows, and no
two active appointments of one staff member overlapping.
"""

from __future__ import annotations

import gc
import itertools
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from time import perf_counter
from typing import Any

from sqlalchemy import func, select, text

from benchmarks.common import log, ratio, summarize
from benchmarks.dataset import Dataset
from frontdesk.errors import SlotTaken
from frontdesk.scheduling import Slot
from frontdesk.services.availability import MAX_WINDOW, find_slots
from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.customers import CustomerFields
from frontdesk.store.models import Appointment

CLIENTS = 16
# (seconds, "ok" | "slot_taken" | exception class name, first line of the error or "")
Outcome = tuple[float, str, str]


def all_free_slots(ds: Dataset, seed: int) -> list[Slot]:
    """Every bookable slot in the 90 days, shuffled (one per empty cell, none overlap)."""
    slots: list[Slot] = []
    step = MAX_WINDOW.days
    with ds.factory() as session:
        for first in range(0, ds.params.days, step):
            start, end = ds.day_start(first), ds.day_start(min(first + step, ds.params.days))
            slots.extend(find_slots(session, ds.tenant, ds.service_id, start, end, now=ds.now))
    if len(slots) != ds.plan.free_slots:
        raise AssertionError(f"found {len(slots)} free slots, the plan has {ds.plan.free_slots}")
    random.Random(seed).shuffle(slots)
    return slots


class Requests:
    """Booking requests with a new customer (unique valid US number) and key each."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.counter = itertools.count()

    def __call__(self, slot: Slot) -> BookingRequest:
        n = next(self.counter)
        return BookingRequest(
            service_id=self.ds.service_id,
            start=slot.start,
            resource_id=slot.resource_id,  # type: ignore[arg-type]
            customer=CustomerFields(
                phone=f"+1 212 {200 + n // 10_000:03d} {n % 10_000:04d}",
                name=f"Bench Customer {n}",
            ),
            source="api",
            idempotency_key=f"bench-{self.ds.backend}-{n}",
        )


def _run_clients(ds: Dataset, plans: list[list[BookingRequest]]) -> tuple[float, list[Outcome]]:
    """Release all clients at once; returns (wall seconds, every call's outcome)."""
    barrier = threading.Barrier(len(plans) + 1)
    tenant, factory, now = ds.tenant, ds.factory, ds.now

    def client(requests: list[BookingRequest]) -> list[Outcome]:
        barrier.wait()
        outcomes: list[Outcome] = []
        for request in requests:
            t0 = perf_counter()
            message = ""
            try:
                book(factory, tenant, request, now=now)
                outcome = "ok"
            except SlotTaken:
                outcome = "slot_taken"
            except Exception as exc:  # reported, not raised: the run must finish
                outcome = type(exc).__name__
                message = str(exc).splitlines()[0][:300] if str(exc) else repr(exc)
            outcomes.append((perf_counter() - t0, outcome, message))
        return outcomes

    gc.collect()
    with ThreadPoolExecutor(max_workers=len(plans)) as pool:
        futures = [pool.submit(client, plan) for plan in plans]
        barrier.wait()
        t0 = perf_counter()
        results = [f.result() for f in futures]
        wall = perf_counter() - t0
    return wall, [o for r in results for o in r]


def _report(clients: int, wall: float, outcomes: list[Outcome]) -> dict[str, Any]:
    counts = Counter(o for _, o, _ in outcomes)
    examples: dict[str, str] = {}
    for _, outcome, message in outcomes:
        if message:
            examples.setdefault(outcome, message)
    report: dict[str, Any] = {
        "clients": clients,
        "attempts": len(outcomes),
        "ok": counts.pop("ok", 0),
        "slot_taken": counts.pop("slot_taken", 0),
        "errors": dict(counts),
        "error_examples": examples,
        "wall_s": round(wall, 3),
    }
    report["bookings_per_s"] = round(report["ok"] / wall, 1) if wall else None
    report["attempts_per_s"] = round(len(outcomes) / wall, 1) if wall else None
    report["latency"] = summarize([s for s, _, _ in outcomes])
    if report["slot_taken"]:
        report["latency_ok"] = summarize([s for s, o, _ in outcomes if o == "ok"])
        report["latency_slot_taken"] = summarize([s for s, o, _ in outcomes if o == "slot_taken"])
    return report


def _distinct(
    ds: Dataset, slots: list[Slot], clients: int, per_client: int, make: Requests
) -> dict[str, Any]:
    taken = [slots.pop() for _ in range(clients * per_client)]
    plans = [[make(s) for s in taken[c::clients]] for c in range(clients)]
    wall, outcomes = _run_clients(ds, plans)
    return _report(clients, wall, outcomes)


def _contention(
    ds: Dataset, slots: list[Slot], clients: int, rounds: int, k: int, make: Requests
) -> dict[str, Any]:
    total_wall, outcomes = 0.0, []
    for _ in range(rounds):
        hot = [slots.pop() for _ in range(k)]
        orders = [hot[c % k :] + hot[: c % k] for c in range(CLIENTS)]
        if clients == 1:
            plans = [[make(s) for order in orders for s in order]]
        else:
            plans = [[make(s) for s in order] for order in orders]
        wall, round_outcomes = _run_clients(ds, plans)
        total_wall += wall
        outcomes.extend(round_outcomes)
    report = _report(clients, total_wall, outcomes)
    report["rounds"] = rounds
    report["slots_per_round"] = k
    report["expected_ok"] = rounds * k
    return report


def _integrity(ds: Dataset, expected: int) -> dict[str, Any]:
    overlap_sql = text(
        "SELECT count(*) FROM (SELECT blocked_start, LAG(blocked_end) OVER "
        "(PARTITION BY resource_id ORDER BY blocked_start) AS previous_end "
        "FROM appointments WHERE status != 'cancelled') AS t "
        "WHERE previous_end > blocked_start"
    )
    with ds.factory() as session:
        count = session.scalar(select(func.count()).select_from(Appointment))
        overlaps = session.scalar(overlap_sql)
    return {
        "appointments": count,
        "expected": expected,
        "overlaps": overlaps,
        "ok": count == expected and overlaps == 0,
    }


def run(ds: Dataset, *, quick: bool, seed: int = 3) -> dict[str, Any]:
    sizes = (
        {"serial": 20, "per_client": 3, "rounds": 1, "k": 4}
        if quick
        else {"serial": 100, "per_client": 20, "rounds": 6, "k": 4}
    )
    slots = all_free_slots(ds, seed)
    total_free = len(slots)
    needed = sizes["serial"] + CLIENTS * sizes["per_client"] + 2 * sizes["rounds"] * sizes["k"]
    if needed > len(slots):
        raise AssertionError(f"need {needed} free slots, the data set has {len(slots)}")
    make = Requests(ds)
    # Warm up (imports, pool, statement caches) on a few slots of their own.
    _distinct(ds, slots, 1, 3, make)
    log(f"{ds.backend}: booking, distinct slots, 1 client x {sizes['serial']}")
    serial = _distinct(ds, slots, 1, sizes["serial"], make)
    log(f"{ds.backend}: booking, distinct slots, {CLIENTS} clients x {sizes['per_client']}")
    concurrent = _distinct(ds, slots, CLIENTS, sizes["per_client"], make)
    log(f"{ds.backend}: booking, contention, {sizes['rounds']} rounds x {sizes['k']} slots")
    contention_serial = _contention(ds, slots, 1, sizes["rounds"], sizes["k"], make)
    contention = _contention(ds, slots, CLIENTS, sizes["rounds"], sizes["k"], make)
    booked = 3 + serial["ok"] + concurrent["ok"] + contention_serial["ok"] + contention["ok"]
    return {
        "request": "service + slot's staff member + new customer by phone + idempotency key",
        "free_slots_in_data_set": total_free,
        "sizes": sizes,
        "distinct": {
            "serial": serial,
            "concurrent": concurrent,
            "throughput_ratio": ratio(concurrent["bookings_per_s"], serial["bookings_per_s"]),
            "all_succeeded": serial["ok"] == serial["attempts"]
            and concurrent["ok"] == concurrent["attempts"],
        },
        "contention": {
            "serial": contention_serial,
            "concurrent": contention,
            "attempts_throughput_ratio": ratio(
                contention["attempts_per_s"], contention_serial["attempts_per_s"]
            ),
            # One booking per slot won; every other attempt was refused with SlotTaken
            # (anything else, such as a raw database error, is listed under "errors").
            "one_winner_per_slot": contention["ok"] == contention["expected_ok"]
            and contention_serial["ok"] == contention_serial["expected_ok"],
            "all_losers_got_slot_taken": not contention["errors"]
            and not contention_serial["errors"],
        },
        "integrity": _integrity(ds, ds.params.appointments + booked),
    }
