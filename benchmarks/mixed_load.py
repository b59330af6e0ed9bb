"""Mixed load over HTTP against 1 and N server processes on PostgreSQL.

    python -m benchmarks.mixed_load [--quick] [--postgres-url URL] [--workers 1,4]
                                    [--tenants 1000] [--concurrency 32] [--rate R]
                                    [--duration S] [--warmup S]

Creates a scratch database on the PostgreSQL server (dropped at the end), bulk-creates
``--tenants`` businesses (each: one 30-minute service, two staff working Mon-Fri
09:00-17:00, ten booked appointments in the next two weeks), then for each ``--workers``
value starts ``frontdesk serve --workers N`` as its own process tree on that database
and drives it from a load generator in another process (asyncio + httpx). By default
a closed loop: ``--concurrency`` clients, each sending its next request when its last
one is answered (throughput at saturation; latency is then mostly queueing). With
``--rate R`` an open loop: R requests/s arrive (Poisson) whatever the answers, latency
counted from when each was due (the latency a given load gets):

- 60% availability searches (``GET /api/v1/availability``, a random business, a 7-day
  window starting 0-13 days ahead),
- 20% bookings (``POST /api/v1/appointments``, a random business, staff member and
  15-minute start 15-59 days ahead; ``409 slot_taken`` is a normal answer, counted apart),
- 20% chat turns (``POST /api/v1/chat``: whole booking conversations in English, one
  turn per request, many conversations in flight).

The first ``warmup`` seconds are not measured (each process fills its calendar cache).
Prints one JSON document on stdout (progress on stderr): the machine (CPU count
included), and per worker count the throughput, p50/p95/p99 per kind, status counts,
errors, the CPU the server processes used (cores, over the measured window) and the
generator's own (on a small machine it competes with the servers and the database for
the same cores), then ``ratio`` (throughput of the largest
worker count over the smallest). Measurements, not tests: nothing fails on a slow figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.common import REPO_ROOT, log, machine_info, percentile, ratio

TIMEZONE = "America/New_York"
KINDS = ("availability", "booking", "chat")
WEIGHTS = (60, 20, 20)
APPOINTMENTS_PER_TENANT = 10


def key_of(i: int) -> str:
    return f"fd_mixed_{i:05d}_benchmark_key"


# --- the data set ---------------------------------------------------------------------


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"frontdesk_mixed_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@dataclass(frozen=True)
class TenantRef:
    index: int
    service_id: str
    staff: tuple[str, str]


def phone_of(i: int) -> str:
    return f"+1646555{i:04d}"


def populate(url: str, tenants: int) -> list[TenantRef]:
    """Create the businesses through the services (as the API would), then their
    appointments with one Core executemany. Business ``i`` answers ``phone_of(i)``."""
    from sqlalchemy import insert

    from frontdesk.services.catalog import (
        HoursRange,
        ResourceFields,
        ServiceFields,
        save_resource,
        save_service,
    )
    from frontdesk.services.tenants import TenantFields, create_api_key, create_tenant
    from frontdesk.store import migrate
    from frontdesk.store.db import make_engine, make_session_factory, write_session
    from frontdesk.store.models import Appointment

    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    week = [HoursRange(d, wall(9), wall(17)) for d in range(5)]
    refs: list[TenantRef] = []
    rows: list[dict[str, Any]] = []
    tz = ZoneInfo(TIMEZONE)
    today = datetime.now(tz).date()
    rng = random.Random(11)
    t0 = time.perf_counter()
    for first in range(0, tenants, 100):
        with write_session(factory) as session:
            for i in range(first, min(first + 100, tenants)):
                tenant = create_tenant(session, f"mixed-{i:05d}", TenantFields(
                    name=f"Business {i}", timezone=TIMEZONE, min_notice_minutes=0,
                    phone_numbers=[phone_of(i)]))
                create_api_key(session, tenant, key=key_of(i))
                service = save_service(session, tenant, ServiceFields(
                    name="Haircut", duration_minutes=30,
                    spoken_names={"en": ["haircut"], "es": ["corte"]}))
                staff = [save_resource(session, tenant, ResourceFields(
                    name=name, service_ids=[service.id], hours=week)) for name in ("Ana", "Marco")]
                refs.append(TenantRef(i, str(service.id), (str(staff[0].id), str(staff[1].id))))
                taken: set[tuple[int, date, int]] = set()
                while len(taken) < APPOINTMENTS_PER_TENANT:
                    day = today + timedelta(days=rng.randrange(1, 15))
                    if day.weekday() < 5:
                        taken.add((rng.randrange(2), day, rng.randrange(16)))
                for who, day, half_hour in taken:
                    start = datetime.combine(day, wall(9), tzinfo=tz) + timedelta(
                        minutes=30 * half_hour)
                    start, end = start.astimezone(UTC), start.astimezone(UTC) + timedelta(
                        minutes=30)
                    rows.append({
                        "id": uuid.uuid4(), "tenant_id": tenant.id, "service_id": service.id,
                        "resource_id": staff[who].id, "start_at": start, "end_at": end,
                        "blocked_start": start, "blocked_end": end, "status": "booked",
                        "source": "api",
                    })
        log(f"  {min(first + 100, tenants)} businesses ({time.perf_counter() - t0:.1f} s)")
    with engine.begin() as conn:
        for chunk in range(0, len(rows), 5000):
            conn.execute(insert(Appointment.__table__), rows[chunk:chunk + 5000])
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    log(f"data set: {tenants} businesses, {len(rows)} appointments "
        f"({time.perf_counter() - t0:.1f} s)")
    return refs


# --- the server -----------------------------------------------------------------------


@contextmanager
def server(url: str, workers: int, port: int,
           extra_env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update(extra_env or {})
    env.update({
        "FRONTDESK_DATABASE_URL": url,
        "FRONTDESK_DATA_DIR": tempfile.mkdtemp(prefix="frontdesk-mixed-"),
        "FRONTDESK_LOG_LEVEL": "warning",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT / "src"),
                                                    env.get("PYTHONPATH")])),
    })
    proc = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "serve", "--workers", str(workers),
         "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        import httpx

        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"frontdesk serve --workers {workers} did not start")
            time.sleep(0.2)
        time.sleep(2 if workers > 1 else 0)  # let every process finish its start
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- the load generator (its own process) ------------------------------------------------


def _chat_script(day: date, hour: int, n: int) -> list[str]:
    clock = f"{hour if hour <= 12 else hour - 12}{'am' if hour < 12 else 'pm'}"
    return [f"Hi, I'd like to book a haircut on {day:%B} {day.day} at {clock}", "the first one",
            f"My name is Client {n}", f"212 555 {n % 10000:04d}", "yes", "no, that's all"]


class Generator:
    def __init__(self, base: str, refs: list[dict[str, Any]], seed: int) -> None:
        self.base, self.refs = base, refs
        self.rng = random.Random(seed)
        self.tz = ZoneInfo(TIMEZONE)
        self.today = datetime.now(self.tz).date()
        self.chats: list[dict[str, Any]] = []
        self.started_chats = 0
        self.samples: list[tuple[str, float, int, float]] = []  # kind, t_end, status, seconds
        self.errors: Counter[str] = Counter()

    def _workday(self, lo: int, hi: int) -> date:
        while True:
            day = self.today + timedelta(days=self.rng.randrange(lo, hi))
            if day.weekday() < 5:
                return day

    def request(self) -> tuple[str, str, str, dict[str, Any], dict[str, Any] | None]:
        """The next request: kind, method, path, httpx arguments, and the chat it
        advances (kept out of the pool until answered: one turn at a time per chat)."""
        kind = self.rng.choices(KINDS, WEIGHTS)[0]
        if kind == "chat":
            return self._chat_turn()
        ref = self.rng.choice(self.refs)
        headers = {"Authorization": f"Bearer {key_of(ref['index'])}"}
        if kind == "availability":
            start = self.today + timedelta(days=self.rng.randrange(0, 14))
            return kind, "GET", "/api/v1/availability", {"headers": headers, "params": {
                "service": ref["service_id"], "from": start.isoformat(),
                "to": (start + timedelta(days=6)).isoformat()}}, None
        day = self._workday(15, 60)
        start = datetime.combine(day, wall(9), tzinfo=self.tz) + timedelta(
            minutes=15 * self.rng.randrange(31))
        n = self.rng.randrange(10_000_000)
        return kind, "POST", "/api/v1/appointments", {"headers": headers, "json": {
            "service_id": ref["service_id"], "start": start.isoformat(),
            "resource_id": self.rng.choice(ref["staff"]),
            "customer": {"phone": f"+1212555{n % 10000:04d}", "name": f"Client {n}"}}}, None

    def _chat_turn(self) -> tuple[str, str, str, dict[str, Any], dict[str, Any] | None]:
        # Advance a conversation in flight (a new one a third of the time, or when none
        # is free): a chat is several customers talking at once, one turn per request.
        if not self.chats or self.rng.random() < 0.3:
            self.started_chats += 1
            ref = self.rng.choice(self.refs)
            self.chats.append({"ref": ref, "session": uuid.uuid4().hex, "step": 0,
                               "script": _chat_script(self._workday(15, 45),
                                                      self.rng.randrange(9, 17),
                                                      self.started_chats)})
        chat = self.chats.pop(self.rng.randrange(len(self.chats)))
        text = chat["script"][chat["step"]]
        chat["step"] += 1
        return "chat", "POST", "/api/v1/chat", {
            "headers": {"Authorization": f"Bearer {key_of(chat['ref']['index'])}"},
            "json": {"session_id": chat["session"], "message": text}}, chat

    async def one(self, http: Any, measure_from: float, sent_at: float | None = None) -> None:
        """One request; its latency counts from ``sent_at`` (open loop: when it was due,
        so time spent waiting for a free connection counts too), else from now."""
        import httpx

        kind, method, path, kwargs, chat = self.request()
        t0 = sent_at if sent_at is not None else time.perf_counter()
        try:
            response = await http.request(method, path, **kwargs)
            status = response.status_code
            if status >= 500 or status in (401, 404, 422, 429):
                self.errors[f"{kind} {status}: {response.text[:120]}"] += 1
        except httpx.HTTPError as exc:
            status = 0
            self.errors[f"{kind} {type(exc).__name__}"] += 1
        t1 = time.perf_counter()
        if chat is not None and chat["step"] < len(chat["script"]):
            self.chats.append(chat)  # answered: its next turn may go
        if t0 >= measure_from:
            self.samples.append((kind, t1, status, t1 - t0))

    async def closed_loop(self, http: Any, until: float, measure_from: float) -> None:
        """One client: its next request when its last one is answered."""
        while time.perf_counter() < until:
            await self.one(http, measure_from)

    async def open_loop(self, http: Any, until: float, measure_from: float, rate: float) -> None:
        """Requests arriving at ``rate`` per second (Poisson), answered or not."""
        pending: set[asyncio.Task[None]] = set()
        due = time.perf_counter()
        while due < until:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            task = asyncio.create_task(self.one(http, measure_from, sent_at=due))
            pending.add(task)
            task.add_done_callback(pending.discard)
            due += self.rng.expovariate(rate)
        await asyncio.gather(*pending)

    async def run(self, concurrency: int, warmup_s: float, duration_s: float,
                  rate: float | None = None) -> dict[str, Any]:
        import httpx

        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=self.base, limits=limits, timeout=60) as http:
            start = time.perf_counter()
            measure_from, until = start + warmup_s, start + warmup_s + duration_s
            cpu0: float | None = None

            async def mark_cpu() -> None:
                nonlocal cpu0
                await asyncio.sleep(warmup_s)
                cpu0 = time.process_time()

            marker = asyncio.create_task(mark_cpu())
            if rate:
                await self.open_loop(http, until, measure_from, rate)
            else:
                await asyncio.gather(*(self.closed_loop(http, until, measure_from)
                                       for _ in range(concurrency)))
            await marker
            wall_s = time.perf_counter() - measure_from
            cpu_s = time.process_time() - (cpu0 or 0.0)
        return {"samples": self.samples, "wall_s": wall_s, "cpu_s": cpu_s,
                "errors": dict(self.errors.most_common(10)),
                "chats_started": self.started_chats}


def generator_main() -> int:
    spec = json.load(sys.stdin)
    gen = Generator(spec["base"], spec["refs"], spec["seed"])
    out = asyncio.run(gen.run(spec["concurrency"], spec["warmup_s"], spec["duration_s"],
                              spec["rate"]))
    json.dump(out, sys.stdout)
    return 0


# --- one run and the report ---------------------------------------------------------------


def summarize(out: dict[str, Any]) -> dict[str, Any]:
    by_kind: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    for kind, _, status, seconds in out["samples"]:
        by_kind[kind].append(seconds)
        statuses[kind][status] += 1
    wall_s = out["wall_s"]
    total = sum(len(v) for v in by_kind.values())
    everything = sorted(s for v in by_kind.values() for s in v)

    def pct(values: list[float]) -> dict[str, Any]:
        values = sorted(values)
        return {"n": len(values), **{f"p{q}_ms": round(percentile(values, q) * 1000, 1)
                                     for q in (50, 95, 99)},
                "max_ms": round(values[-1] * 1000, 1) if values else None}

    return {
        "requests_per_s": round(total / wall_s, 1),
        "measured_s": round(wall_s, 1),
        "all": pct(everything),
        "kinds": {k: {**pct(by_kind[k]), "per_s": round(len(by_kind[k]) / wall_s, 1),
                      "statuses": {str(s): n for s, n in sorted(statuses[k].items())}}
                  for k in KINDS},
        "errors": sum(n for k in KINDS for s, n in statuses[k].items()
                      if s == 0 or s >= 500 or s in (401, 404, 422, 429)),
        "error_examples": out["errors"],
        "chats_started": out["chats_started"],
        "generator_cpu": {"cpu_s": round(out["cpu_s"], 2),
                          "cores_used": round(out["cpu_s"] / wall_s, 2)},
    }


def run_once(url: str, refs: list[TenantRef], workers: int, args: argparse.Namespace,
             port: int) -> dict[str, Any]:
    load = f"{args.rate}/s arriving" if args.rate else f"{args.concurrency} clients"
    log(f"serve --workers {workers}: {load}, {args.warmup:.0f} s warm-up, "
        f"{args.duration:.0f} s measured")
    with server(url, workers, port) as proc:
        spec = {"base": f"http://127.0.0.1:{port}", "seed": workers,
                "refs": [r.__dict__ | {"staff": list(r.staff)} for r in refs],
                "concurrency": args.concurrency, "warmup_s": args.warmup,
                "duration_s": args.duration, "rate": args.rate}
        at_start: list[tuple[float, float | None]] = []
        timer = threading.Timer(args.warmup, lambda: at_start.append(
            (time.perf_counter(), tree_cpu_s(proc.pid))))
        timer.start()
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.mixed_load", "--generator"],
            input=json.dumps(spec), capture_output=True, text=True, cwd=REPO_ROOT,
            timeout=args.warmup + args.duration + 300,
        )
        timer.cancel()
        end = (time.perf_counter(), tree_cpu_s(proc.pid))
        if done.returncode != 0:
            raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    result = summarize(json.loads(done.stdout))
    if at_start and at_start[0][1] is not None and end[1] is not None:
        cpu_s = end[1] - at_start[0][1]
        result["server_cpu"] = {"cpu_s": round(cpu_s, 2),
                                "cores_used": round(cpu_s / (end[0] - at_start[0][0]), 2)}
    log(f"  {result['requests_per_s']} requests/s, p99 {result['all']['p99_ms']} ms, "
        f"{result['errors']} errors, generator {result['generator_cpu']['cores_used']} cores, "
        f"server {result.get('server_cpu', {}).get('cores_used')} cores")
    return result


def tree_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) of ``pid`` and its descendants now (Linux /proc;
    None elsewhere): what the server processes use, without the database's."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        with open(f"/proc/{pid}/task/{pid}/children") as kids:
            children = [int(k) for k in kids.read().split()]
    except (OSError, ValueError, IndexError):
        return None
    return own + sum(tree_cpu_s(child) or 0.0 for child in children)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="10 s measured after 5 s warm-up (default 30 s after 10 s)")
    parser.add_argument("--postgres-url", default=os.environ.get("FRONTDESK_TEST_POSTGRES_URL"),
                        help="server to create the scratch database on "
                             "(default: FRONTDESK_TEST_POSTGRES_URL)")
    parser.add_argument("--workers", default="1,4", help="worker counts to compare")
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=None,
                        help="open loop: this many requests/s arrive whatever the answers "
                             "(at most --concurrency connections); default: closed loop")
    parser.add_argument("--duration", type=float, default=None)
    parser.add_argument("--warmup", type=float, default=None)
    parser.add_argument("--generator", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generator:
        return generator_main()
    if not args.postgres_url:
        parser.error("a PostgreSQL URL is needed: --postgres-url or FRONTDESK_TEST_POSTGRES_URL")
    args.duration = args.duration or (10.0 if args.quick else 30.0)
    args.warmup = args.warmup if args.warmup is not None else (5.0 if args.quick else 10.0)
    counts = [int(w) for w in args.workers.split(",")]
    from benchmarks.turn_latency import _free_port

    report: dict[str, Any] = {
        "machine": machine_info(),
        "parameters": {"tenants": args.tenants, "concurrency": args.concurrency,
                       "warmup_s": args.warmup, "duration_s": args.duration,
                       "mix": dict(zip(KINDS, WEIGHTS, strict=True)),
                       "loop": f"open, {args.rate}/s" if args.rate else "closed",
                       "workers": counts},
        "results": {},
    }
    with scratch_database(args.postgres_url) as url:
        refs = populate(url, args.tenants)
        for workers in counts:
            report["results"][f"workers_{workers}"] = run_once(url, refs, workers, args,
                                                               _free_port())
    lo, hi = min(counts), max(counts)
    if lo != hi:
        many, one = report["results"][f"workers_{hi}"], report["results"][f"workers_{lo}"]
        report["ratio"] = {
            "workers": f"{hi}/{lo}",
            # In an open loop both get the same arrivals: only latency can differ.
            "throughput": None if args.rate else ratio(many["requests_per_s"],
                                                       one["requests_per_s"]),
            "p99": ratio(many["all"]["p99_ms"], one["all"]["p99_ms"]),
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
