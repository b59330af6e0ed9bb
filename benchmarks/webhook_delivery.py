"""Webhooks out (issue 17): what events cost a booking, and how fast a backlog leaves.

    python -m benchmarks.webhook_delivery [--quick] [--postgres-url URL] [--output FILE]

On SQLite (temporary file) and PostgreSQL (a scratch database, dropped after; from
``--postgres-url`` or ``FRONTDESK_TEST_POSTGRES_URL``). Prints one JSON document.

1. Booking cost. The data set of ``benchmarks/dataset.py`` (one busy business, 20 staff,
   20,000 appointments); serial ``services.booking.book`` on distinct free slots, as
   ``benchmarks/booking_throughput.py`` requests them. Baseline: the business's webhook
   endpoints are all disabled (the subscribers query finds none, exactly as with no
   endpoint); with events: 3 enabled endpoints subscribed to ``appointment.booked``, so
   each booking writes 3 more outbox rows in its one outbox INSERT. The two alternate in
   rounds (ABBA...), so drift on a shared machine falls on both alike. Also counted: the
   SQL statements of one booking each way (as ``tests/services/test_booking_cost.py``
   counts them), and the outbox rows it writes.

2. Delivery. 10 businesses, one endpoint each, on a local receiver (stdlib threaded HTTP
   server, same process) that checks every signature with the Standard Webhooks
   reference implementation (``standardwebhooks.Webhook(secret).verify``) and answers
   204. The worker (``OutboxWorker``, default limits) is started idle; then one
   transaction emits a backlog of N events (``services.events.emit``); measured: events/s
   from that commit to the last receipt, and each event's commit-to-receipt latency
   (for a backlog that is mostly its place in the queue). Then idle latency: one event
   committed at a time into the idle worker. Every run asserts each event arrived
   exactly once, verified, and every outbox row ended "sent".

   Baseline, in the same run: the same backlog with the receiver answering at once vs
   after 50 ms (a real receiver is remote and does work). Chosen over an SMS backlog to
   the Twilio stand-in (``benchmarks/outbox_drain.py`` measures that) because it
   isolates the question that matters for webhooks, whether the worker's concurrency
   hides a slow receiver, on the same code path, without comparing one stand-in's
   server costs with another's. The ceiling for a slow receiver is set by the limits:
   16 sends at once per carrier (all webhooks are one carrier), 8 per business.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from tests.services.test_booking_cost import statements

from benchmarks.booking_throughput import Requests, all_free_slots
from benchmarks.common import log, machine_info, percentile, ratio, summarize
from benchmarks.dataset import Dataset, Params, postgres_dataset, sqlite_dataset
from benchmarks.outbox_drain import BUSINESSES, POSTGRES_ENV, _businesses, _database
from frontdesk.config import Settings
from frontdesk.delivery.dispatch import Limits
from frontdesk.delivery.webhook_sender import WebhookSender
from frontdesk.delivery.worker import OutboxWorker
from frontdesk.services import events
from frontdesk.services.booking import book
from frontdesk.services.webhook_endpoints import EndpointFields, create_endpoint, update_endpoint
from frontdesk.store.db import make_session_factory, write_session
from frontdesk.store.models import OutboxMessage, OutboxStatus, Tenant

SETTINGS = Settings(environment="test", secret_key=Fernet.generate_key().decode(),
                    webhook_allow_private_hosts=True)
ENDPOINTS_PER_BOOKING = 3
SLOW_RECEIVER_S = 0.05
# Roughly an appointment event's size (service, staff, customer, times): ~0.6 KB.
FILLER = {"appointment": {"service": {"name": "Haircut", "duration_minutes": 30},
                          "resource": {"name": "Staff 01"}, "note": "x" * 400}}


def _stats(seconds: list[float]) -> dict[str, Any]:  # summarize, plus the p95
    result = summarize(seconds)
    if seconds:
        result["p95_ms"] = round(percentile(sorted(seconds), 95) * 1000, 3)
    return result


class Receiver:
    """Verifies each POST with its endpoint's secret (by path) and records when each
    event arrived; ``delay_s`` is how long it works before answering 204."""

    def __init__(self) -> None:
        self.hooks: dict[str, Webhook] = {}
        self.delay_s = 0.0
        self.lock = threading.Lock()
        self.arrived: dict[tuple[str, str], list[float]] = {}  # (path, webhook-id)
        self.refused = 0
        self.event = threading.Event()
        self.base = ""

    def reset(self) -> None:
        with self.lock:
            self.arrived, self.refused = {}, 0

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        at = time.perf_counter()
        hook = self.hooks.get(path)
        try:
            if hook is None:
                raise WebhookVerificationError("unknown endpoint")
            hook.verify(body, headers)
        except WebhookVerificationError:
            with self.lock:
                self.refused += 1
            return 401
        if self.delay_s:
            time.sleep(self.delay_s)
        with self.lock:
            self.arrived.setdefault((path, headers.get("webhook-id", "")), []).append(at)
        self.event.set()
        return 204

    def count(self) -> int:
        with self.lock:
            return len(self.arrived)


@contextmanager
def _receiving(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            self.send_response(receiver.handle(self.path, headers, body))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def _add_endpoint(session: Session, tenant: Tenant, receiver: Receiver, path: str,
                  types: tuple[str, ...]) -> uuid.UUID:
    endpoint, secret = create_endpoint(session, tenant, EndpointFields(
        receiver.base + path, event_types=types), SETTINGS)
    receiver.hooks[path] = Webhook(secret)
    return endpoint.id


# --- 1. booking cost -------------------------------------------------------------------

def _outbox_rows(factory: sessionmaker[Session], channel: str | None = None) -> int:
    query = select(func.count()).select_from(OutboxMessage)
    query = query.where(OutboxMessage.channel == channel) if channel else query
    with factory() as session:
        return int(session.scalar(query) or 0)


def _one_counted(ds: Dataset, request: Any) -> dict[str, Any]:
    before = _outbox_rows(ds.factory)
    with statements(ds.engine) as sent:
        book(ds.factory, ds.tenant, request, now=ds.now)
    lock = next(i for i, s in enumerate(sent) if s.startswith("UPDATE resources"))
    return {"statements": len(sent), "after_the_lock": len(sent) - lock - 1,
            "outbox_inserts": sum(s.startswith("INSERT INTO outbox_messages") for s in sent),
            "outbox_rows": _outbox_rows(ds.factory) - before}


def booking_cost(ds: Dataset, receiver: Receiver, quick: bool) -> dict[str, Any]:
    rounds, per_round = (3, 10) if quick else (6, 30)
    slots, make = all_free_slots(ds, seed=17), Requests(ds)
    with write_session(ds.factory) as session:
        tenant = session.get_one(Tenant, ds.tenant.id)
        ids = [_add_endpoint(session, tenant, receiver, f"/booking/{i}",
                             ("appointment.booked",)) for i in range(ENDPOINTS_PER_BOOKING)]

    def switch(enabled: bool) -> None:
        with write_session(ds.factory) as session:
            tenant = session.get_one(Tenant, ds.tenant.id)
            for endpoint_id in ids:
                update_endpoint(session, tenant, endpoint_id, SETTINGS, enabled=enabled)

    times: dict[str, list[float]] = {"no_endpoints": [], "three_endpoints": []}
    counted: dict[str, dict[str, Any]] = {}
    booked_with = 0
    for n in range(rounds * 2):
        mode = "three_endpoints" if n % 4 in (1, 2) else "no_endpoints"  # A B B A ...
        switch(mode == "three_endpoints")
        for _ in range(2):  # warm-up after the switch (caches, pool)
            book(ds.factory, ds.tenant, make(slots.pop()), now=ds.now)
        counted.setdefault(mode, _one_counted(ds, make(slots.pop())))
        booked_with += (3 + per_round) * (mode == "three_endpoints")
        for _ in range(per_round):
            request = make(slots.pop())
            t0 = time.perf_counter()
            book(ds.factory, ds.tenant, request, now=ds.now)
            times[mode].append(time.perf_counter() - t0)
    webhook_rows = _outbox_rows(ds.factory, "webhook")
    if webhook_rows != booked_with * ENDPOINTS_PER_BOOKING:
        raise AssertionError(f"{webhook_rows} webhook rows for {booked_with} bookings "
                             f"with {ENDPOINTS_PER_BOOKING} endpoints")
    base, with_ = _stats(times["no_endpoints"]), _stats(times["three_endpoints"])
    log(f"{ds.backend}: booking p50 {base['p50_ms']} -> {with_['p50_ms']} ms with "
        f"{ENDPOINTS_PER_BOOKING} endpoints")
    return {
        "bookings_per_mode": rounds * per_round, "rounds": rounds * 2,
        "no_endpoints": base, "three_endpoints": with_,
        "p50_ratio": ratio(with_["p50_ms"], base["p50_ms"]),
        "mean_ratio": ratio(with_["mean_ms"], base["mean_ms"]),
        "mean_added_ms": round(with_["mean_ms"] - base["mean_ms"], 3),
        "one_booking_counted": counted,
        "webhook_rows_written": webhook_rows,
    }


# --- 2. delivery -----------------------------------------------------------------------

def _pending_webhooks(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == "webhook",
            OutboxMessage.status != OutboxStatus.SENT.value)) or 0)


def _wait(receiver: Receiver, n: int, timeout_s: float) -> None:
    deadline = time.perf_counter() + timeout_s
    while receiver.count() < n:
        if time.perf_counter() > deadline:
            raise AssertionError(f"only {receiver.count()} of {n} events arrived in "
                                 f"{timeout_s:g} s ({receiver.refused} refused)")
        receiver.event.wait(0.2)
        receiver.event.clear()


def _check_once(receiver: Receiver, factory: sessionmaker[Session], n: int) -> None:
    copies = Counter(len(times) for times in receiver.arrived.values())
    if receiver.refused or set(copies) != {1} or copies[1] != n:
        raise AssertionError(f"expected {n} events once each, verified; got copies "
                             f"{dict(copies)}, {receiver.refused} refused")
    # The worker records "sent" just after the answer: give it a moment.
    deadline = time.perf_counter() + 10
    while _pending_webhooks(factory) and time.perf_counter() < deadline:
        time.sleep(0.05)
    if left := _pending_webhooks(factory):
        raise AssertionError(f"{left} webhook rows not marked sent")


def _drain(factory: sessionmaker[Session], tenants: list[uuid.UUID], receiver: Receiver,
           n: int, delay_s: float, tag: str) -> dict[str, Any]:
    receiver.reset()
    receiver.delay_s = delay_s
    worker = OutboxWorker(factory, {"webhook": WebhookSender(factory, SETTINGS)})
    worker.start()
    try:
        time.sleep(0.3)  # idle
        cpu = time.process_time()
        with write_session(factory) as session:
            for i in range(n):
                events.emit(session, tenants[i % len(tenants)], "webhook.test",
                            {"n": i, **FILLER}, key=f"{tag}-{i}")
        committed = time.perf_counter()
        _wait(receiver, n, timeout_s=60 + n * 0.5)
        cpu = time.process_time() - cpu
        _check_once(receiver, factory, n)
    finally:
        worker.stop()
    waits = [times[0] - committed for times in receiver.arrived.values()]
    seconds = max(waits)
    result = {"events": n, "receiver_answers_after_ms": round(delay_s * 1000),
              "seconds": round(seconds, 3), "events_per_s": round(n / seconds, 1),
              "commit_to_receipt": _stats(waits), "each_received_once_verified": True,
              # This process's CPU (writing the backlog, worker, sender, receiver) per event.
              "cpu_ms_per_event": round(cpu / n * 1000, 2)}
    log(f"  drain {tag}: {n} events in {seconds:.2f}s, {n / seconds:,.0f}/s")
    return result


def _idle(factory: sessionmaker[Session], tenant: uuid.UUID, receiver: Receiver,
          samples: int) -> dict[str, Any]:
    receiver.reset()
    receiver.delay_s = 0.0
    worker = OutboxWorker(factory, {"webhook": WebhookSender(factory, SETTINGS)})
    worker.start()
    waits: list[float] = []
    try:
        time.sleep(0.3)
        for i in range(samples):
            with write_session(factory) as session:
                events.emit(session, tenant, "webhook.test", {"n": i, **FILLER},
                            key=f"idle-{i}")
            committed = time.perf_counter()
            _wait(receiver, i + 1, timeout_s=30)
            arrived = max(t for times in receiver.arrived.values() for t in times)
            waits.append(arrived - committed)
            time.sleep(0.05)
        _check_once(receiver, factory, samples)
    finally:
        worker.stop()
    result = _stats(waits)
    log(f"  idle: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms")
    return result


def delivery(kind: str, server_url: str | None, receiver: Receiver,
             quick: bool) -> dict[str, Any]:
    n, idle_samples = (100, 20) if quick else (500, 60)
    with _database(kind, server_url) as engine:
        factory = make_session_factory(engine)
        tenants = _businesses(factory)
        paths = [f"/drain/{kind}/{i}" for i in range(len(tenants))]
        with write_session(factory) as session:
            for tenant_id, path in zip(tenants, paths, strict=True):
                _add_endpoint(session, session.get_one(Tenant, tenant_id), receiver, path,
                              ("webhook.test",))
        log(f"{kind}: delivery")
        instant = _drain(factory, tenants, receiver, n, 0.0, "instant")
        slow = _drain(factory, tenants, receiver, n, SLOW_RECEIVER_S, "slow")
        idle = _idle(factory, tenants[0], receiver, idle_samples)
    return {
        "backlog_receiver_instant": instant,
        f"backlog_receiver_{round(SLOW_RECEIVER_S * 1000)}ms": slow,
        "slow_over_instant_seconds": ratio(slow["seconds"], instant["seconds"]),
        "serial_would_take_s": round(n * SLOW_RECEIVER_S, 1),
        "idle_commit_to_receipt": idle,
    }


def _engine_run(kind: str, server_url: str | None, quick: bool) -> dict[str, Any]:
    params = Params()
    with _receiving(Receiver()) as receiver:
        result: dict[str, Any] = {}
        opened = (sqlite_dataset(params) if kind == "sqlite"
                  else postgres_dataset(params, server_url or ""))
        with opened as ds:
            log(f"{kind}: booking cost")
            result["booking"] = booking_cost(ds, receiver, quick)
            result["database"] = ds.info
        result["delivery"] = delivery(kind, server_url, receiver, quick)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer bookings, smaller backlog")
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_ENV))
    parser.add_argument("--output", help="also write the JSON document to this file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    limits = Limits()
    doc: dict[str, Any] = {
        "benchmark": "webhook_delivery",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "machine": machine_info(),
        "parameters": {
            "booking": "serial book() on distinct free slots of benchmarks/dataset.py; "
                       f"baseline endpoints disabled vs {ENDPOINTS_PER_BOOKING} enabled "
                       "endpoints subscribed to appointment.booked, alternating rounds",
            "receiver": "stdlib ThreadingHTTPServer, same process, loopback; "
                        "standardwebhooks verify on every request; 204",
            "businesses": BUSINESSES,
            "worker": f"OutboxWorker defaults: claims of 32, {limits.concurrency} sends at "
                      f"once, {limits.per_carrier} per carrier, {limits.per_tenant} per "
                      "business",
            "baseline": f"receiver answering at once vs after {SLOW_RECEIVER_S * 1000:g} ms",
        },
        "results": {},
    }
    for kind in ("sqlite", "postgresql"):
        if kind == "postgresql" and not args.postgres_url:
            doc["results"][kind] = {"skipped": f"pass --postgres-url or set {POSTGRES_ENV}"}
            continue
        doc["results"][kind] = _engine_run(kind, args.postgres_url, args.quick)
    doc["total_seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(doc, indent=2, default=str)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    log(f"done in {doc['total_seconds']}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
