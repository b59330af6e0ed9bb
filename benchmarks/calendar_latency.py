"""What a connected Google calendar costs the booking core: slot search and booking.

    python -m benchmarks.calendar_latency [--quick] [--output FILE]

One tenant (America/New_York, 15-minute grid, no minimum notice) with one 30-minute
service offered by two staff working Monday to Friday 09:00-17:00: "Ana", whose Google
calendar is connected, and "Marco", who has none (the in-run baseline). Embedded SQLite
in a temporary folder, everything in this process. Google is the wire-format stand-in
``tests/standins/google_calendar.py`` (OAuth token endpoint and Calendar API v3) served
by uvicorn on a loopback port in a thread of this process, read through the app's own
provider (Google's client library, httplib2). Ana's calendar holds 20 owner events over
the two working weeks measured (two per weekday, 30-90 minutes, on 15-minute marks).

Measured, each as p50/p99 of many calls (``--quick``: fewer):

- ``slot_search``: ``services.availability.find_slots`` (what ``GET /api/v1/availability``
  calls) for one resource over a 7-day window, a fresh session per call as a request has:
  ``marco_no_calendar`` (baseline), ``ana_cache_warm`` (Ana's busy blocks read from
  Google within the search TTL, so no network call), ``ana_cache_cold``
  (``external_busy.DEFAULT_EXTERNAL`` emptied before each call: one Google read per
  search). The three are interleaved call by call. The database-side calendar cache is
  warm in all three (nothing is booked during the searches).
- ``google_client``: the parts of a cold read: building a client of its own
  (``oauth_provider``, what every read paid before clients were pooled per connection),
  one ``busy()`` read on such a fresh client (new HTTP connection), one on the
  connection's pooled client (``provider_for``: kept-alive connection), and the bare HTTP floor
  (the same events request with ``httpx`` on a kept-alive connection).
- ``booking``: ``services.booking.book`` of Marco vs Ana, alternating, one new customer
  each, every booking on a distinct free half-hour slot of the fortnight and cancelled
  right after (the cancel is not timed). Ana's booking reads Google before its write
  transaction (``prefetch_external``: timed apart as ``prefetch``); requests are split
  into those made before the write transaction and those made inside it (while the
  database write lock is held). ``ana_after_stale_search_read``: Ana's bookings while the
  external cache still holds this week's search read, taken more than ``FRESH_S``
  seconds earlier (as when a caller searched, then talked for a while before booking).

``api_requests_per_call`` is what the stand-in saw (``GoogleState.api_requests``) divided
by the calls. ``correctness`` checks, in this run: Ana is never offered a time that
overlaps an owner event, and is offered exactly Marco's times minus those; Marco's slots
are the same before and after Ana's calendar is connected; every booking succeeded.

The stand-in is on loopback: a real Google round trip (typically ~100-300 ms, plus TLS
setup on a new connection) is not measured here and adds to every Google read. Progress
goes to stderr; stdout is one JSON document. Measurements, not tests: nothing here fails
on a slow figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from tempfile import TemporaryDirectory
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.standins.google_calendar import GoogleState, google_app

from benchmarks.common import log, machine_info, ratio, summarize
from frontdesk.calendars.oauth import OAuthTokens
from frontdesk.config import get_settings
from frontdesk.scheduling import Slot
from frontdesk.security import decrypt, encrypt
from frontdesk.services import calendars
from frontdesk.services.availability import find_slots
from frontdesk.services.booking import BookingRequest, book, cancel
from frontdesk.services.calendar_providers import oauth_provider, provider_for, tokens_of
from frontdesk.services.catalog import (
    HoursRange,
    ResourceFields,
    ServiceFields,
    save_resource,
    save_service,
)
from frontdesk.services.customers import CustomerFields
from frontdesk.services.external_busy import DEFAULT_EXTERNAL, FRESH_S
from frontdesk.services.tenants import TenantFields, create_tenant
from frontdesk.store import migrate
from frontdesk.store.db import make_engine, make_session_factory, write_session
from frontdesk.store.models import CalendarConnection, Resource, Tenant

TIMEZONE = "America/New_York"
SLOT_INTERVAL_MINUTES = 15
DURATION_MINUTES = 30
WINDOW_DAYS = 7
WEEKS = 2
HOURS = (clock(9), clock(17))
SEED = 20260105


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run ``app`` on a real uvicorn server on a free loopback port; yields its base URL.

    (The same as ``serving`` in tests/conftest.py, which cannot be imported here: that
    module is the test suite's fixtures.)"""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass(slots=True)
class Bench:
    factory: sessionmaker[Session]
    tenant: Tenant
    service_id: uuid.UUID
    ana: uuid.UUID
    marco: uuid.UUID
    state: GoogleState
    base: str
    first_day: date  # a Monday, in the tenant's zone
    events: list[tuple[datetime, datetime]]  # the owner's events, UTC

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(TIMEZONE)

    @property
    def now(self) -> datetime:
        """The fixed "now" of every search and booking: the Sunday before, at noon."""
        return datetime.combine(self.first_day - timedelta(days=1), clock(12), tzinfo=self.tz)

    def day_start(self, offset: int) -> datetime:
        return datetime.combine(self.first_day + timedelta(days=offset), clock(0), tzinfo=self.tz)

    @property
    def week(self) -> tuple[datetime, datetime]:
        """The searched window: the first week, Monday 00:00 to the next Monday 00:00."""
        return self.day_start(0), self.day_start(WINDOW_DAYS)


def _set_environment(state: GoogleState, base: str, folder: str) -> None:
    """The Google OAuth client and endpoints, a Fernet key and the data folder."""
    os.environ.update(
        {
            "FRONTDESK_SECRET_KEY": Fernet.generate_key().decode(),
            "FRONTDESK_DATA_DIR": folder,
            "FRONTDESK_GOOGLE_CLIENT_ID": state.client_id,
            "FRONTDESK_GOOGLE_CLIENT_SECRET": state.client_secret,
            "FRONTDESK_GOOGLE_AUTH_BASE": base,
            "FRONTDESK_GOOGLE_TOKEN_URL": f"{base}/token",
            "FRONTDESK_GOOGLE_REVOKE_URL": f"{base}/revoke",
            "FRONTDESK_GOOGLE_API_BASE": f"{base}/",
        }
    )
    get_settings.cache_clear()


def _next_monday(tz: ZoneInfo) -> date:
    today = datetime.now(tz).date()
    return today + timedelta(days=7 - today.weekday())


def _build(folder: str, state: GoogleState, base: str) -> Bench:
    engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    week = [HoursRange(d, *HOURS) for d in range(5)]
    with write_session(factory) as session:
        tenant = create_tenant(
            session,
            "bench-calendar",
            TenantFields(
                name="Bench Calendar",
                timezone=TIMEZONE,
                min_notice_minutes=0,
                max_days_ahead=60,
                slot_interval_minutes=SLOT_INTERVAL_MINUTES,
            ),
        )
        service = save_service(
            session, tenant, ServiceFields(name="Haircut", duration_minutes=DURATION_MINUTES)
        )
        ana = save_resource(
            session, tenant, ResourceFields(name="Ana", service_ids=[service.id], hours=week)
        )
        marco = save_resource(
            session, tenant, ResourceFields(name="Marco", service_ids=[service.id], hours=week)
        )
        ids = (service.id, ana.id, marco.id)
    return Bench(
        factory, tenant, ids[0], ids[1], ids[2], state, base, _next_monday(ZoneInfo(TIMEZONE)), []
    )


def _add_owner_events(bench: Bench) -> None:
    """Two events per weekday of the two weeks (one morning, one afternoon): 20 in all."""
    rng = random.Random(SEED)
    for offset in range(WEEKS * 7):
        day = bench.first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for earliest, latest in ((clock(9), clock(11)), (clock(13), clock(15, 30))):
            first = datetime.combine(day, earliest, tzinfo=bench.tz)
            last = datetime.combine(day, latest, tzinfo=bench.tz)
            quarters = int((last - first).total_seconds()) // (15 * 60)
            start = first + timedelta(minutes=15 * rng.randrange(quarters + 1))
            end = start + timedelta(minutes=rng.choice((30, 45, 60, 90)))
            bench.state.add_owner_event(start, end, summary="Owner busy")
            bench.events.append((start.astimezone(UTC), end.astimezone(UTC)))


def _connect_ana(bench: Bench) -> None:
    """Ana's Google calendar, stored as the OAuth callback stores it."""
    issued = bench.state.issue_tokens()
    tokens = OAuthTokens(
        access_token=issued["access_token"],
        refresh_token=issued["refresh_token"],
        expires_at=datetime.now(UTC) + timedelta(seconds=int(issued["expires_in"])),
        scope=issued.get("scope", ""),
        account=bench.state.email,
    )
    with write_session(bench.factory) as session:
        session.add(
            CalendarConnection(
                id=uuid.uuid4(),
                tenant_id=bench.tenant.id,
                resource_id=bench.ana,
                provider="google",
                url=f"{bench.base}/",
                username=bench.state.email,
                calendar="primary",
                secret=encrypt(tokens.to_json()),
                status="ok",
                checked_at=datetime.now(UTC),
            )
        )
        resource = session.get_one(Resource, bench.ana)
        resource.has_calendar = True
        resource.calendar_version += 1
        session.get_one(Tenant, bench.tenant.id).has_calendars = True
    with bench.factory() as session:
        bench.tenant = session.get_one(Tenant, bench.tenant.id)  # has_calendars now True


def _search(
    bench: Bench, resource_id: uuid.UUID, window: tuple[datetime, datetime] | None = None
) -> tuple[float, list[Slot]]:
    start, end = window or bench.week
    with bench.factory() as session:
        t0 = perf_counter()
        slots = find_slots(
            session,
            bench.tenant,
            bench.service_id,
            start,
            end,
            resource_id=resource_id,
            now=bench.now,
        )
        return perf_counter() - t0, slots


def _fortnight(bench: Bench, resource_id: uuid.UUID) -> list[Slot]:
    return _search(bench, resource_id, (bench.day_start(0), bench.day_start(WEEKS * 7)))[1]


def _starts(slots: list[Slot]) -> list[datetime]:
    return [s.start for s in slots]


def check_correctness(bench: Bench, marco_before: list[Slot]) -> dict[str, Any]:
    DEFAULT_EXTERNAL.clear()
    ana, marco = _fortnight(bench, bench.ana), _fortnight(bench, bench.marco)
    duration = timedelta(minutes=DURATION_MINUTES)

    def clashes(start: datetime) -> bool:
        return any(a < start + duration and start < b for a, b in bench.events)

    expected_ana = [s for s in _starts(marco) if not clashes(s)]
    return {
        "window_days": WEEKS * 7,
        "owner_events": len(bench.events),
        "marco_slots": len(marco),
        "ana_slots": len(ana),
        "owner_events_never_offered_to_ana": not any(clashes(s) for s in _starts(ana)),
        "ana_offered_exactly_marco_minus_owner_events": _starts(ana) == expected_ana,
        "marco_slots_same_as_before_connecting": _starts(marco) == _starts(marco_before),
    }


def _requests(bench: Bench) -> int:
    return len(bench.state.api_requests)


def bench_search(bench: Bench, repeats: int) -> dict[str, Any]:
    """Interleaved per iteration: cold Ana (cache emptied first), warm Ana, Marco."""
    for _ in range(10):  # warm up imports, statement caches, the calendar cache
        DEFAULT_EXTERNAL.clear()
        _search(bench, bench.ana)
        _search(bench, bench.ana)
        _search(bench, bench.marco)
    times: dict[str, list[float]] = {"marco": [], "warm": [], "cold": []}
    calls: Counter[str] = Counter()
    found: dict[str, set[int]] = {"marco": set(), "warm": set(), "cold": set()}
    gc.collect()
    for _ in range(repeats):
        for name, resource_id, empty_first in (
            ("cold", bench.ana, True),
            ("warm", bench.ana, False),
            ("marco", bench.marco, False),
        ):
            if empty_first:
                DEFAULT_EXTERNAL.clear()
            before = _requests(bench)
            elapsed, slots = _search(bench, resource_id)
            calls[name] += _requests(bench) - before
            times[name].append(elapsed)
            found[name].add(len(slots))

    def report(name: str) -> dict[str, Any]:
        return {
            **summarize(times[name]),
            "slots_found": sorted(found[name]),
            "api_requests_per_call": round(calls[name] / repeats, 2),
        }

    marco, warm, cold = report("marco"), report("warm"), report("cold")
    return {
        "window_days": WINDOW_DAYS,
        "marco_no_calendar": marco,
        "ana_cache_warm": warm,
        "ana_cache_cold": cold,
        "warm_minus_baseline_p50_ms": round(warm["p50_ms"] - marco["p50_ms"], 3),
        "cold_minus_baseline_p50_ms": round(cold["p50_ms"] - marco["p50_ms"], 3),
        "warm_vs_baseline_p50": ratio(warm["p50_ms"], marco["p50_ms"]),
        "cold_vs_baseline_p50": ratio(cold["p50_ms"], marco["p50_ms"]),
    }


def bench_google_client(bench: Bench, repeats: int) -> dict[str, Any]:
    """The parts of one cold read, outside the booking core."""
    with bench.factory() as session:
        connection = session.scalars(
            select(CalendarConnection).where(CalendarConnection.resource_id == bench.ana)
        ).one()
    start, end = bench.week
    build_t, fresh_t, reused_t, raw_t = [], [], [], []
    reused = provider_for(connection, TIMEZONE, None)
    reused.busy(start, end)
    before = _requests(bench)
    gc.collect()
    for _ in range(repeats):
        t0 = perf_counter()
        # A client of its own (not the connection's pooled one): what every read paid
        # before clients were pooled.
        provider = oauth_provider(
            connection.provider, tokens_of(connection), connection.calendar, TIMEZONE
        )
        build_t.append(perf_counter() - t0)
        t0 = perf_counter()
        provider.busy(start, end)
        fresh_t.append(perf_counter() - t0)
        close = getattr(provider, "close", None)
        if close is not None:
            close()
        t0 = perf_counter()
        reused.busy(start, end)
        reused_t.append(perf_counter() - t0)
    busy_calls = _requests(bench) - before
    token = OAuthTokens.from_json(decrypt(connection.secret)).access_token
    params = {
        "timeMin": start.astimezone(UTC).isoformat(),
        "timeMax": end.astimezone(UTC).isoformat(),
        "singleEvents": "true",
        "orderBy": "startTime",
    }
    url = f"{bench.base}/calendar/v3/calendars/primary/events"
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
        http.get(url, params=params).raise_for_status()
        for _ in range(repeats):
            t0 = perf_counter()
            http.get(url, params=params).raise_for_status()
            raw_t.append(perf_counter() - t0)
    return {
        "provider_build": summarize(build_t),
        "busy_read_new_provider": summarize(fresh_t),
        "busy_read_reused_provider": summarize(reused_t),
        "raw_httpx_events_list_keepalive": summarize(raw_t),
        "api_requests_per_busy_read": round(busy_calls / (2 * repeats), 2),
    }


class _Prefetch:
    """Times ``calendars.prefetch_external`` (the read before the write transaction) and
    counts the Calendar API requests it makes, while installed."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.seconds = 0.0
        self.requests = 0

    @contextmanager
    def installed(self) -> Iterator[_Prefetch]:
        original = calendars.prefetch_external

        def timed(*args: Any, **kwargs: Any) -> None:
            before = _requests(self.bench)
            t0 = perf_counter()
            try:
                original(*args, **kwargs)
            finally:
                self.seconds += perf_counter() - t0
                self.requests += _requests(self.bench) - before

        calendars.prefetch_external = timed
        try:
            yield self
        finally:
            calendars.prefetch_external = original

    def take(self) -> tuple[float, int]:
        seconds, requests = self.seconds, self.requests
        self.seconds, self.requests = 0.0, 0
        return seconds, requests


# (seconds, outcome, Calendar API requests, of which before the write transaction,
#  seconds spent in the prefetch)
Sample = tuple[float, str, int, int, float]


@dataclass(slots=True)
class _Booker:
    bench: Bench
    prefetch: _Prefetch
    counter: int = 0

    def request(self, slot: Slot) -> BookingRequest:
        n = self.counter
        self.counter += 1
        return BookingRequest(
            service_id=self.bench.service_id,
            start=slot.start,
            resource_id=slot.resource_id,  # type: ignore[arg-type]
            customer=CustomerFields(
                phone=f"+1 212 {300 + n // 10_000:03d} {n % 10_000:04d}", name=f"Bench {n}"
            ),
            source="api",
            idempotency_key=f"bench-calendar-{n}",
        )

    def book_once(self, slot: Slot) -> Sample:
        """One timed ``book``; a booking made is cancelled right after (not timed)."""
        bench = self.bench
        request = self.request(slot)
        self.prefetch.take()
        before = _requests(bench)
        t0 = perf_counter()
        try:
            result = book(bench.factory, bench.tenant, request, now=bench.now)
            outcome = "ok"
        except Exception as exc:  # reported, not raised: the run must finish
            result, outcome = None, type(exc).__name__
        elapsed = perf_counter() - t0
        calls = _requests(bench) - before
        prefetch_s, prefetch_calls = self.prefetch.take()
        if result is not None:
            cancel(bench.factory, bench.tenant, result.appointment.id, now=bench.now)
        return elapsed, outcome, calls, prefetch_calls, prefetch_s


def _non_overlapping(slots: list[Slot]) -> list[Slot]:
    """Slots starting on the hour or half hour (30-minute service: none overlap)."""
    return [s for s in slots if s.start.minute % DURATION_MINUTES == 0]


def _booking_report(samples: list[Sample], *, connected: bool) -> dict[str, Any]:
    outcomes = Counter(o for _, o, _, _, _ in samples)
    ok = outcomes.pop("ok", 0)
    n = len(samples) or 1
    report: dict[str, Any] = {
        **summarize([s[0] for s in samples]),
        "ok": ok,
        "failures": dict(outcomes),
        "api_requests_per_call": round(sum(s[2] for s in samples) / n, 2),
    }
    if connected:
        report["api_requests_before_write_transaction_per_call"] = round(
            sum(s[3] for s in samples) / n, 2
        )
        report["api_requests_inside_write_transaction_per_call"] = round(
            sum(s[2] - s[3] for s in samples) / n, 2
        )
        report["prefetch"] = summarize([s[4] for s in samples])
    return report


def bench_booking(bench: Bench, repeats: int, stale_repeats: int) -> dict[str, Any]:
    marco_slots = _non_overlapping(_fortnight(bench, bench.marco))
    ana_slots = _non_overlapping(_fortnight(bench, bench.ana))
    rng = random.Random(SEED + 1)
    rng.shuffle(marco_slots)
    rng.shuffle(ana_slots)
    if repeats > min(len(marco_slots), len(ana_slots)):
        raise AssertionError(f"{repeats} bookings need as many distinct free slots per person")
    booker = _Booker(bench, _Prefetch(bench))
    with booker.prefetch.installed():
        for i in range(5):  # warm up both paths (on slots booked again later: cancelled)
            booker.book_once(marco_slots[-1 - i])
            booker.book_once(ana_slots[-1 - i])
        samples: dict[str, list[Sample]] = {"marco": [], "ana": []}
        DEFAULT_EXTERNAL.clear()  # only bookings' own reads in the cache from here
        gc.collect()
        for i in range(repeats):
            order = (("marco", marco_slots), ("ana", ana_slots))
            for name, slots in order if i % 2 == 0 else order[::-1]:
                samples[name].append(booker.book_once(slots[i]))

        # A search read of this week, older than FRESH_S, still in the cache.
        DEFAULT_EXTERNAL.clear()
        _search(bench, bench.ana)
        log(
            f"calendar: waiting {FRESH_S + 0.5:.1f}s so this week's search read is older "
            f"than FRESH_S ({FRESH_S:g}s)"
        )
        time.sleep(FRESH_S + 0.5)
        start, end = bench.week
        this_week = [s for s in ana_slots if start <= s.start < end]
        stale = [booker.book_once(this_week[i % len(this_week)]) for i in range(stale_repeats)]
    marco = _booking_report(samples["marco"], connected=False)
    ana = _booking_report(samples["ana"], connected=True)
    return {
        "request": "service + the slot's staff member + new customer by phone + idempotency key",
        "free_half_hour_slots": {"marco": len(marco_slots), "ana": len(ana_slots)},
        "marco_no_calendar": marco,
        "ana_google": ana,
        "ana_minus_marco_p50_ms": round(ana["p50_ms"] - marco["p50_ms"], 3),
        "ana_vs_marco_p50": ratio(ana["p50_ms"], marco["p50_ms"]),
        "ana_after_stale_search_read": _booking_report(stale, connected=True),
        "all_succeeded": not marco["failures"]
        and not ana["failures"]
        and marco["ok"] == repeats
        and ana["ok"] == repeats,
    }


def bench_client_memory(count: int) -> dict[str, Any]:
    """Python heap per pooled client (tracemalloc, ``count`` clients kept alive), built
    without network: Google with the shared service object vs a service object of its own
    (how clients were built before), Microsoft Graph, CalDAV."""
    import tracemalloc

    import httplib2
    from googleapiclient.discovery import build

    from frontdesk.calendars.caldav_provider import CalDAVProvider
    from frontdesk.calendars.google_provider import GoogleCalendarProvider, calendar_api_root
    from frontdesk.calendars.microsoft_provider import MicrosoftCalendarProvider
    from frontdesk.calendars.oauth import google_config, microsoft_config

    google = google_config("id", "secret", api_base="http://127.0.0.1:9/")
    graph = microsoft_config("id", "secret", authority="http://127.0.0.1:9/common",
                             api_base="http://127.0.0.1:9/v1.0")
    tokens = OAuthTokens("access", "refresh", datetime.now(UTC) + timedelta(hours=1))

    def own_service() -> object:
        return build("calendar", "v3", http=httplib2.Http(), static_discovery=True,
                     cache_discovery=False,
                     client_options={"api_endpoint": calendar_api_root(google.api_base)})

    makers = {
        "google_shared_service": lambda: GoogleCalendarProvider(google, tokens, timezone="UTC"),
        "google_own_service_before": lambda: (
            GoogleCalendarProvider(google, tokens, timezone="UTC"), own_service()),
        "microsoft": lambda: MicrosoftCalendarProvider(graph, tokens, timezone="UTC"),
        "caldav": lambda: CalDAVProvider("http://127.0.0.1:9/", "u", "p", "c", timezone="UTC"),
    }
    out: dict[str, Any] = {"clients": count}
    for name, make in makers.items():
        make()  # imports and one-time caches outside the measurement
        gc.collect()
        tracemalloc.start()
        kept = [make() for _ in range(count)]
        gc.collect()
        current, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out[f"{name}_kib_per_client"] = round(current / count / 1024, 1)
        del kept
    return out


def bench_caldav_client(folder: str, repeats: int) -> dict[str, Any]:
    """A CalDAV read (one week) against a real Radicale: a client of its own per read (what
    every read paid before pooling: principal and calendar discovery, a new connection)
    vs the connection's pooled client. Interleaved call by call."""
    from caldav.davclient import DAVClient

    from frontdesk.cli_calendar import DEMO_PASSWORD, DEMO_USER, start_radicale
    from frontdesk.security import encrypt
    from frontdesk.services.calendar_providers import caldav_provider

    process, url = start_radicale(Path(folder) / "radicale")
    try:
        owner = DAVClient(url=url, username=DEMO_USER, password=DEMO_PASSWORD, timeout=10)
        owner.principal().make_calendar(name="work")
        connection = CalendarConnection(
            id=uuid.uuid4(), tenant_id=uuid.uuid4(), resource_id=uuid.uuid4(),
            provider="caldav", url=url, username=DEMO_USER, calendar="work",
            secret=encrypt(DEMO_PASSWORD),
        )
        start = datetime.now(UTC)
        end = start + timedelta(days=7)
        pooled = provider_for(connection, TIMEZONE, None)
        pooled.busy(start, end)
        fresh_t, pooled_t = [], []
        for _ in range(repeats):
            t0 = perf_counter()
            caldav_provider(connection, TIMEZONE).busy(start, end)
            fresh_t.append(perf_counter() - t0)
            t0 = perf_counter()
            pooled.busy(start, end)
            pooled_t.append(perf_counter() - t0)
        fresh, reused = summarize(fresh_t), summarize(pooled_t)
        return {
            "server": "Radicale (python -m radicale) on loopback",
            "read_with_own_client": fresh,
            "read_with_pooled_client": reused,
            "own_vs_pooled_p50": ratio(fresh["p50_ms"], reused["p50_ms"]),
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


def run(quick: bool) -> dict[str, Any]:
    reps = (
        {"search": 40, "client": 15, "booking": 20, "stale": 5}
        if quick
        else {"search": 300, "client": 100, "booking": 100, "stale": 20}
    )
    state = GoogleState(time_zone=TIMEZONE)
    with (
        TemporaryDirectory(prefix="frontdesk-bench-") as folder,
        serving(google_app(state)) as base,
    ):
        _set_environment(state, base, folder)
        bench = _build(folder, state, base)
        marco_before = _fortnight(bench, bench.marco)
        _add_owner_events(bench)
        _connect_ana(bench)
        log("calendar: checking the slots offered")
        correctness = check_correctness(bench, marco_before)
        log(f"calendar: slot search x {reps['search']} (Marco, Ana warm, Ana cold)")
        search = bench_search(bench, reps["search"])
        log(f"calendar: Google client parts x {reps['client']}")
        client = bench_google_client(bench, reps["client"])
        log(f"calendar: CalDAV client x {reps['client']} (own vs pooled)")
        caldav = bench_caldav_client(folder, reps["client"])
        log("calendar: memory per pooled client")
        memory = bench_client_memory(100 if quick else 200)
        log(f"calendar: booking x {reps['booking']} each (Marco, Ana)")
        booking = bench_booking(bench, reps["booking"], reps["stale"])
        correctness["all_bookings_succeeded"] = (
            booking["all_succeeded"] and not booking["ana_after_stale_search_read"]["failures"]
        )
        return {
            "parameters": {
                "timezone": TIMEZONE,
                "first_day": bench.first_day.isoformat(),
                "now": bench.now.isoformat(),
                "service": f"{DURATION_MINUTES} min, no buffer",
                "hours": "Mon-Fri 09:00-17:00 (Ana and Marco)",
                "slot_interval_minutes": SLOT_INTERVAL_MINUTES,
                "owner_events": len(bench.events),
                "search_window_days": WINDOW_DAYS,
                "external_cache_ttl_s": get_settings().calendar_cache_s,
                "booking_fresh_s": FRESH_S,
                "google": "tests/standins/google_calendar.py, uvicorn on loopback, same process",
                "repetitions": reps,
            },
            "correctness": correctness,
            "slot_search": search,
            "google_client": client,
            "caldav_client": caldav,
            "client_memory": memory,
            "booking": booking,
            "calendar_api_requests_total": _requests(bench),
            "token_requests": dict(state.token_requests),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--output", help="also write the JSON document to this file")
    args = parser.parse_args(argv)
    started = perf_counter()
    doc: dict[str, Any] = {
        "benchmark": "calendar_latency",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "machine": machine_info(),
    }
    doc.update(run(args.quick))
    doc["total_seconds"] = round(perf_counter() - started, 1)
    text = json.dumps(doc, indent=2, default=str)
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    log(f"done in {doc['total_seconds']}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
