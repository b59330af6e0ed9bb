"""Booking through the HTTP API against what the database can do, in one run.

    python -m benchmarks.booking_api [--quick] [--postgres-url URL] [--baseline-src DIR]

For each database (PostgreSQL when a URL is given or FRONTDESK_TEST_POSTGRES_URL is set,
and SQLite), on the data set of ``benchmarks/dataset.py`` (one busy salon: 20 staff,
20,000 appointments, 748 free slots; its 90 days start next week, since the API books
against the real clock):

- ``raw`` (PostgreSQL only): the ceiling. 8 connections (psycopg, autocommit) each doing
  one-row transactions into a scratch table with the same exclusion constraint as
  ``appointments`` (``EXCLUDE USING gist (resource_id WITH =, tstzrange(...) WITH &&)``),
  every row a free range. Rows per second over the wall time.
- ``api``: a real uvicorn server in its own process (``benchmarks/api_server.py``:
  ``frontdesk serve``'s app plus a statement counter; rate limits on but not binding,
  access log on, outbox worker off) and 1, then 8, concurrent httpx clients (threads,
  one kept-alive connection each) sending ``POST /api/v1/appointments``: a free slot
  found by ``find_slots`` with its staff member, a new customer by phone, an
  Idempotency-Key. All must answer 201. Bookings per second over the wall time from
  release to the last answer, latency p50/p99 per request, SQL statements per booking
  (everything the server process sent during the scenario, authentication included) and
  the server process's CPU time per booking (steadier than wall time on a busy machine).
- ``--baseline-src DIR``: the same API scenarios again, served from another checkout's
  ``src`` (e.g. /work/main/src) on a fresh copy of the data set: before and after, side by
  side on the same machine in the same run.

Afterwards each data set is checked: exactly 20,000 + the 201s appointments, no two
active appointments of one staff member overlapping, each 201's appointment stored at
its slot with its staff member, one customer and three outbox rows (confirmation and two
reminders) per booking.

stdout: one JSON document; progress on stderr. Figures are measurements, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from benchmarks.booking_throughput import _integrity, all_free_slots
from benchmarks.common import REPO_ROOT, log, machine_info, ratio, summarize
from benchmarks.dataset import Dataset, Params, postgres_dataset, sqlite_dataset
from frontdesk.scheduling import Slot
from frontdesk.services.tenants import create_api_key
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, Customer, OutboxMessage

CLIENTS = 8
RAW_CONNECTIONS = 8
POSTGRES_ENV = "FRONTDESK_TEST_POSTGRES_URL"
OUTBOX_ROWS_PER_BOOKING = 3  # confirmation + reminders 24 h and 2 h before


@dataclass(frozen=True, slots=True)
class Sizes:
    serial: int  # bookings from 1 client
    per_client: int  # bookings per client with CLIENTS clients
    raw_per_connection: int
    warmup: int = 5


QUICK = Sizes(serial=30, per_client=15, raw_per_connection=300)
FULL = Sizes(serial=100, per_client=40, raw_per_connection=1500)


def _params() -> Params:
    # The API books against the real clock: the data set starts on a Monday 1-2 weeks
    # ahead (within the tenant's 365-day horizon, and past the 24 h reminder).
    first = date.today() + timedelta(days=7)
    first += timedelta(days=(7 - first.weekday()) % 7)
    return Params(first_day=first)


# --- raw inserts: the database's own ceiling --------------------------------------------

_RAW_TABLE = """
CREATE TABLE bench_raw (
    id uuid PRIMARY KEY,
    resource_id uuid NOT NULL,
    blocked_start timestamptz NOT NULL,
    blocked_end timestamptz NOT NULL,
    status varchar(16) NOT NULL,
    EXCLUDE USING gist (resource_id WITH =, tstzrange(blocked_start, blocked_end, '[)') WITH &&)
        WHERE (status <> 'cancelled')
)"""


def raw_inserts(url: str, per_connection: int) -> dict[str, Any]:
    """RAW_CONNECTIONS connections, each inserting its own rows one transaction apiece."""
    import psycopg

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw")
        conn.execute(_RAW_TABLE)
    barrier = threading.Barrier(RAW_CONNECTIONS + 1)
    latencies: list[list[float]] = [[] for _ in range(RAW_CONNECTIONS)]
    base = time.time() + 86_400 * 30

    def connection(index: int) -> None:
        resource = uuid.uuid4()  # every connection books its own staff member, end to end
        with psycopg.connect(conninfo, autocommit=True) as conn:
            barrier.wait()
            for i in range(per_connection):
                t0 = time.perf_counter()
                conn.execute(
                    "INSERT INTO bench_raw VALUES (%s, %s, to_timestamp(%s), to_timestamp(%s), "
                    "'booked')",
                    (uuid.uuid4(), resource, base + i * 2100, base + i * 2100 + 2100),
                )
                latencies[index].append(time.perf_counter() - t0)

    threads = [threading.Thread(target=connection, args=(i,)) for i in range(RAW_CONNECTIONS)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM bench_raw").fetchone()
        conn.execute("DROP TABLE bench_raw")
    rows = RAW_CONNECTIONS * per_connection
    return {
        "connections": RAW_CONNECTIONS,
        "rows": rows,
        "rows_stored": row[0] if row else None,
        "wall_s": round(wall, 3),
        "rows_per_s": round(rows / wall, 1),
        "latency": summarize([x for per in latencies for x in per]),
    }


# --- the API server and its clients ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def api_server(database_url: str, src: Path) -> Iterator[str]:
    """``benchmarks.api_server`` on a free port, importing frontdesk from ``src``."""
    port = _free_port()
    data_dir = tempfile.mkdtemp(prefix="frontdesk-bench-api-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update({
        "PYTHONPATH": f"{src}{os.pathsep}{REPO_ROOT}",
        "FRONTDESK_DATABASE_URL": database_url,
        "FRONTDESK_DATA_DIR": data_dir,
        "FRONTDESK_OUTBOX_WORKER": "false",  # the delivery side is measured elsewhere
        # On, as in production, but far above what 8 clients send: counted, never binding.
        "FRONTDESK_RATE_LIMIT_API_KEY": "1000000/minute",
        "FRONTDESK_LOG_LEVEL": "info",  # the default: one access-log line per request
    })
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.api_server", "--port", str(port)],
        env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                err = server.stderr.read().decode() if server.stderr else ""
                raise RuntimeError(f"the API server exited: {err[-2000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the API server did not start in 60 s")
            time.sleep(0.1)
        if server.stderr is not None:  # keep draining its log so it never blocks on a pipe
            threading.Thread(target=server.stderr.read, daemon=True).start()
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _counters(base: str) -> tuple[int, float]:
    """(SQL statements sent, CPU seconds used) by the server process so far."""
    got = httpx.get(f"{base}/bench/statements", timeout=10).json()
    return int(got["statements"]), float(got["cpu_s"])


@dataclass(slots=True)
class Booked:
    appointment_id: str
    resource_id: str
    start: str


class Bodies:
    """A new customer (a unique valid US number) and an idempotency key per request."""

    def __init__(self, ds: Dataset, tag: str) -> None:
        self.ds, self.tag, self.n = ds, tag, 0

    def __call__(self, slot: Slot) -> tuple[dict[str, Any], str]:
        self.n += 1
        n = self.n
        body = {
            "service_id": str(self.ds.service_id),
            "resource_id": str(slot.resource_id),
            "start": slot.start.isoformat(),
            "customer": {"phone": f"+1 212 {300 + n // 10_000:03d} {n % 10_000:04d}",
                         "name": f"Bench Customer {n}"},
        }
        return body, f"bench-{self.tag}-{n}"


def run_clients(
    base: str, key: str, plans: list[list[tuple[dict[str, Any], str]]]
) -> tuple[float, list[tuple[float, int, str]], list[Booked]]:
    """Release one thread per plan at once; each posts its bookings one after another."""
    barrier = threading.Barrier(len(plans) + 1)
    results: list[list[tuple[float, int, str]]] = [[] for _ in plans]
    booked: list[list[Booked]] = [[] for _ in plans]

    def client(index: int) -> None:
        with httpx.Client(base_url=base, timeout=60,
                          headers={"Authorization": f"Bearer {key}"}) as http:
            http.get("/bench/statements")  # open the connection first (this runs no SQL)
            barrier.wait()
            for body, idem in plans[index]:
                t0 = time.perf_counter()
                response = http.post("/api/v1/appointments", json=body,
                                     headers={"Idempotency-Key": idem})
                elapsed = time.perf_counter() - t0
                text = "" if response.status_code == 201 else response.text[:300]
                results[index].append((elapsed, response.status_code, text))
                if response.status_code == 201:
                    out = response.json()
                    booked[index].append(Booked(out["id"], body["resource_id"], body["start"]))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(plans))]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return wall, [r for per in results for r in per], [b for per in booked for b in per]


def scenario(
    base: str, key: str, slots: list[Slot], bodies: Bodies, clients: int, per_client: int
) -> tuple[dict[str, Any], list[Booked]]:
    taken = [slots.pop() for _ in range(clients * per_client)]
    plans = [[bodies(s) for s in taken[c::clients]] for c in range(clients)]
    statements_before, cpu_before = _counters(base)
    wall, outcomes, booked = run_clients(base, key, plans)
    statements_after, cpu_after = _counters(base)
    statements = statements_after - statements_before
    codes = Counter(code for _, code, _ in outcomes)
    ok = codes.get(201, 0)
    examples = {str(code): text for _, code, text in outcomes if text}
    report = {
        "clients": clients,
        "requests": len(outcomes),
        "created_201": ok,
        "other_statuses": {str(c): n for c, n in codes.items() if c != 201},
        "error_examples": dict(list(examples.items())[:3]),
        "wall_s": round(wall, 3),
        "bookings_per_s": round(ok / wall, 1) if wall else None,
        "latency": summarize([s for s, _, _ in outcomes]),
        "statements_per_booking": round(statements / len(outcomes), 2) if outcomes else None,
        "server_cpu_ms_per_booking": round((cpu_after - cpu_before) * 1000 / len(outcomes), 2)
        if outcomes else None,
    }
    return report, booked


def _stored(ds: Dataset, booked: list[Booked]) -> dict[str, Any]:
    """Each 201 is in the table at its slot, with its staff member, customer and outbox."""
    ids = [uuid.UUID(b.appointment_id) for b in booked]
    with ds.factory() as session:
        rows = {
            str(a_id): (str(r_id), start)
            for a_id, r_id, start in session.execute(
                select(Appointment.id, Appointment.resource_id, Appointment.start_at)
                .where(Appointment.id.in_(ids))
            )
        }
        customers = session.scalar(select(func.count()).select_from(Customer))
        outbox = session.scalar(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.appointment_id.in_(ids))
        )
    misplaced = sum(
        1 for b in booked
        if b.appointment_id not in rows
        or rows[b.appointment_id][0] != b.resource_id
        or rows[b.appointment_id][1] != datetime.fromisoformat(b.start)
    )
    return {
        "bookings": len(booked),
        "missing_or_misplaced": misplaced,
        "customers": customers,
        "outbox_rows": outbox,
        "ok": misplaced == 0 and customers == len(booked)
        and outbox == OUTBOX_ROWS_PER_BOOKING * len(booked),
    }


def api_run(ds: Dataset, src: Path, sizes: Sizes, tag: str) -> dict[str, Any]:
    with write_session(ds.factory) as session:
        tenant = session.merge(ds.tenant)
        _, key = create_api_key(session, tenant, "bench")
    slots = all_free_slots(ds, seed=11)
    bodies = Bodies(ds, f"{ds.backend}-{tag}")
    booked: list[Booked] = []
    with api_server(ds.url, src) as base:
        log(f"{ds.backend}/{tag}: server up ({src}); warm-up")
        _, warm = scenario(base, key, slots, bodies, 1, sizes.warmup)
        booked += warm
        log(f"{ds.backend}/{tag}: 1 client x {sizes.serial}")
        serial, got = scenario(base, key, slots, bodies, 1, sizes.serial)
        booked += got
        log(f"{ds.backend}/{tag}: {CLIENTS} clients x {sizes.per_client}")
        concurrent, got = scenario(base, key, slots, bodies, CLIENTS, sizes.per_client)
        booked += got
    return {
        "src": str(src),
        "serial": serial,
        "concurrent": concurrent,
        "concurrent_over_serial": ratio(concurrent["bookings_per_s"], serial["bookings_per_s"]),
        "integrity": _integrity(ds, ds.params.appointments + len(booked)),
        "stored": _stored(ds, booked),
    }


def run_backend(
    backend: str, server_url: str | None, sizes: Sizes, variants: list[tuple[str, Path]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tag, src in variants:
        context = (
            postgres_dataset(_params(), server_url) if backend == "postgresql" and server_url
            else sqlite_dataset(_params())
        )
        with context as ds:
            if backend == "postgresql":
                log(f"{backend}/{tag}: raw inserts, {RAW_CONNECTIONS} connections")
                out.setdefault("raw", {})[tag] = raw_inserts(ds.url, sizes.raw_per_connection)
            out[tag] = api_run(ds, src, sizes, tag)
            if backend == "postgresql":
                raw = out["raw"][tag]["rows_per_s"]
                out[tag]["api_8_over_raw"] = round(
                    out[tag]["concurrent"]["bookings_per_s"] / raw, 4
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer bookings (about a minute)")
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_ENV, ""),
                        help=f"a PostgreSQL server (default: ${POSTGRES_ENV}); a scratch "
                        "database is created there and dropped")
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="also serve the API from this checkout's src (e.g. main's)")
    parser.add_argument("--only", choices=["postgresql", "sqlite"], default=None)
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    variants = [("this", REPO_ROOT / "src")]
    if args.baseline_src:
        variants.insert(0, ("baseline", args.baseline_src.resolve()))
    info = machine_info()
    results: dict[str, Any] = {}
    for backend in ("postgresql", "sqlite"):
        if args.only and backend != args.only:
            continue
        if backend == "postgresql" and not args.postgres_url:
            results[backend] = {"skipped": f"no PostgreSQL URL (--postgres-url or ${POSTGRES_ENV})"}
            continue
        results[backend] = run_backend(backend, args.postgres_url, sizes, variants)
    print(json.dumps({
        "benchmark": "booking_api",
        "machine": info,
        "parameters": {"quick": args.quick, "clients": CLIENTS, "sizes": asdict(sizes)},
        "results": results,
    }, indent=2, default=str))


if __name__ == "__main__":
    main()
