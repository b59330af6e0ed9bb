"""Outbox drain: how fast a backlog of due SMS leaves, and how soon an idle worker sends.

    python -m benchmarks.outbox_drain [--quick] [--postgres-url URL] [--carrier twilio|telnyx]

A backlog of N due SMS rows (spread over several businesses, as a morning's reminders
are) is sent through the real sender (the Twilio SDK, or Telnyx over httpx) to the local
stand-in of ``tests/standins/`` over real HTTP (uvicorn on loopback, same process), on
SQLite (temporary file) and on PostgreSQL (a scratch database, dropped after; from
``--postgres-url`` or ``FRONTDESK_TEST_POSTGRES_URL``), by:

- ``old``: the loop the worker ran before (``deliver_due`` of 50 rows, one at a time,
  then sleep 2 s), reimplemented here as the baseline;
- ``new``: ``OutboxWorker`` with its default limits.

Then the idle latency: one row committed at a time (through the write side,
``services.notices.outbox.enqueue``) into an idle worker, from the commit's return to
the stand-in's receipt of the message; old loop and new worker. Every run checks that
each message reached the stand-in exactly once. Prints one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from tests.standins.base import Recorder
from tests.standins.telnyx_api import telnyx_app
from tests.standins.twilio_api import twilio_app

from benchmarks.common import log, machine_info, ratio, summarize
from frontdesk.delivery.worker import OutboxWorker, deliver_due
from frontdesk.senders.base import OutgoingMessage, Sender
from frontdesk.senders.sms_telnyx import TelnyxSmsSender
from frontdesk.senders.sms_twilio import TwilioSmsSender
from frontdesk.services.notices.outbox import enqueue
from frontdesk.services.tenants import TenantFields, create_tenant
from frontdesk.store import migrate
from frontdesk.store.db import make_engine, make_session_factory, write_session
from frontdesk.store.models import OutboxMessage, OutboxStatus

POSTGRES_ENV = "FRONTDESK_TEST_POSTGRES_URL"
SID, TOKEN, TELNYX_KEY = "AC" + "7" * 32, "bench-token", "KEYBENCH"
OUR_NUMBER = "+12125550100"
OLD_BATCH, OLD_SLEEP_S = 50, 2.0  # the worker's loop before this change
BUSINESSES = 10


class TimedRecorder(Recorder):
    """The stand-in's record, with when each message arrived (this process's clock)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}
        self.event = threading.Event()

    def keep(self, message: dict[str, Any]) -> None:
        super().keep(message)
        self.arrived[str(message.get("body") or message.get("text"))] = time.perf_counter()
        self.event.set()

    def bodies(self) -> Counter[str]:
        return Counter(str(m.get("body") or m.get("text")) for m in self.sent)


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def _carrier(name: str) -> Iterator[tuple[Callable[[], Sender], TimedRecorder]]:
    recorder = TimedRecorder()
    if name == "twilio":
        with _serving(twilio_app(SID, TOKEN, recorder)) as base:
            yield (lambda: TwilioSmsSender(SID, TOKEN, api_base=base)), recorder
    else:
        with _serving(telnyx_app(TELNYX_KEY, recorder)) as base:
            yield (lambda: TelnyxSmsSender(TELNYX_KEY, api_base=base)), recorder


@contextmanager
def _database(kind: str, server_url: str | None) -> Iterator[Engine]:
    if kind == "sqlite":
        with TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'outbox.db'}")
            migrate.upgrade(engine)
            try:
                yield engine
            finally:
                engine.dispose()
        return
    assert server_url is not None
    base = make_url(server_url)
    name = f"frontdesk_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
    try:
        migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _businesses(factory: sessionmaker[Session]) -> list[uuid.UUID]:
    with write_session(factory) as session:
        return [create_tenant(session, f"biz-{uuid.uuid4().hex[:8]}",
                              TenantFields(name=f"Shop {i}", timezone="America/New_York")).id
                for i in range(BUSINESSES)]


def _backlog(factory: sessionmaker[Session], tenants: list[uuid.UUID], n: int, tag: str) -> None:
    """N due rows written in bulk (how they got there is not what is measured)."""
    due = datetime.now(UTC) - timedelta(seconds=1)
    rows = [{
        "id": uuid.uuid4(), "tenant_id": tenants[i % len(tenants)], "channel": "sms",
        "purpose": "reminder", "recipient": f"+1212{random.randrange(10**7):07d}",
        "payload": {"body": f"{tag} {i}", "from": OUR_NUMBER}, "dedupe_key": f"{tag}:{i}",
        "status": OutboxStatus.PENDING.value, "next_attempt_at": due,
    } for i in range(n)]
    with write_session(factory) as session:
        for start in range(0, n, 1000):
            session.execute(insert(OutboxMessage), rows[start:start + 1000])


def _sent(factory: sessionmaker[Session], tag: str) -> tuple[int, datetime | None]:
    with factory() as session:
        count, last = session.execute(
            select(func.count(), func.max(OutboxMessage.sent_at)).where(
                OutboxMessage.status == OutboxStatus.SENT.value,
                OutboxMessage.dedupe_key.startswith(f"{tag}:"))).one()
    return int(count), last


class OldLoop:
    """The worker before: claim 50, send them one by one, sleep 2 s, again."""

    def __init__(self, factory: sessionmaker[Session], senders: Mapping[str, Sender]) -> None:
        self.factory, self.senders = factory, senders
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            deliver_due(self.factory, self.senders, limit=OLD_BATCH)
            self._stop.wait(OLD_SLEEP_S)


class NullSender:
    """Accepts at once: what is left is the worker's own cost (claims, records, threads)."""

    name, channel = "null", "sms"

    def send(self, message: OutgoingMessage) -> str:
        return f"NULL{message.id}"


def _worker(mode: str, factory: sessionmaker[Session], sender: Sender) -> OldLoop | OutboxWorker:
    return OldLoop(factory, {"sms": sender}) if mode == "old" else OutboxWorker(
        factory, {"sms": sender})


def _drain(mode: str, factory: sessionmaker[Session], tenants: list[uuid.UUID],
           make_sender: Callable[[], Sender], recorder: TimedRecorder, n: int) -> dict[str, Any]:
    tag = f"drain-{mode}"
    _backlog(factory, tenants, n, tag)
    before = recorder.bodies()
    worker = _worker(mode, factory, make_sender())
    log(f"  drain {mode}: {n} due rows")
    started_wall, cpu = datetime.now(UTC), time.process_time()
    worker.start()
    try:
        while _sent(factory, tag)[0] < n:
            time.sleep(0.2)
    finally:
        worker.stop()
    cpu = time.process_time() - cpu
    _, last = _sent(factory, tag)
    assert last is not None
    seconds = (last - started_wall).total_seconds()
    arrived = recorder.bodies() - before
    per_min = n / seconds * 60
    if isinstance(make_sender(), NullSender):
        arrived = Counter({f"{tag} {i}": 1 for i in range(n)})  # nothing reaches the stand-in
    log(f"  drain {mode}: {seconds:.2f}s, {per_min:,.0f} messages/min")
    return {
        "messages": n, "seconds": round(seconds, 3), "messages_per_min": round(per_min),
        # This process's CPU (worker, senders and the stand-in alike) per message.
        "cpu_ms_per_message": round(cpu / n * 1000, 2),
        "each_sent_once": all(arrived[f"{tag} {i}"] == 1 for i in range(n))
        and sum(arrived.values()) == n,
    }


def _idle_latency(mode: str, factory: sessionmaker[Session], tenant: uuid.UUID,
                  make_sender: Callable[[], Sender], recorder: TimedRecorder,
                  samples: int) -> dict[str, Any]:
    worker = _worker(mode, factory, make_sender())
    worker.start()
    waits: list[float] = []
    try:
        time.sleep(0.5)  # idle
        for i in range(samples):
            body = f"idle-{mode}-{i}"
            recorder.event.clear()
            with write_session(factory) as session:
                enqueue(session, tenant_id=tenant, channel="sms", purpose="test",
                        recipient="+12125550123", payload={"body": body, "from": OUR_NUMBER},
                        dedupe_key=body)
            committed = time.perf_counter()
            deadline = committed + 30
            while body not in recorder.arrived and time.perf_counter() < deadline:
                recorder.event.wait(0.5)
                recorder.event.clear()
            waits.append(recorder.arrived[body] - committed)
            # Idle again, and at a random phase of the old loop's sleep.
            time.sleep(random.uniform(0.0, OLD_SLEEP_S if mode == "old" else 0.1))
    finally:
        worker.stop()
    result = summarize(waits)
    log(f"  idle {mode}: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms")
    return result


def _write_side(factory: sessionmaker[Session], tenant: uuid.UUID, threads: int,
                per_thread: int) -> dict[str, Any]:
    """Transactions a second that each enqueue one row, from ``threads`` writers: with no
    wake-up at all, with ours (NOTIFY after the commit, off the writer's thread), and with
    NOTIFY inside the writing transaction (the alternative we did not take: it queues
    every committing transaction behind one lock)."""
    from sqlalchemy import text

    from frontdesk.services.notices import outbox

    real = outbox.mark_written

    def in_transaction(session: Session) -> None:
        session.execute(text("NOTIFY frontdesk_outbox"))

    variants: dict[str, Callable[[Session], None]] = {
        "no_wakeup": lambda session: None, "ours": real}
    if factory.kw["bind"].dialect.name == "postgresql":
        variants["notify_inside_transaction"] = in_transaction
    result: dict[str, Any] = {"writers": threads}
    try:
        for name, hook in variants.items():
            outbox.mark_written = hook  # type: ignore[assignment]

            def write(t: int, name: str = name) -> None:
                for i in range(per_thread):
                    key = f"w-{name}-{t}-{i}"
                    with write_session(factory) as session:
                        enqueue(session, tenant_id=tenant, channel="sms", purpose="test",
                                recipient="+12125550123", dedupe_key=key,
                                payload={"body": key, "from": OUR_NUMBER},
                                not_before=datetime.now(UTC) + timedelta(days=1))

            workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
            started = time.perf_counter()
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            rate = threads * per_thread / (time.perf_counter() - started)
            result[f"{name}_tx_per_s"] = round(rate)
            log(f"  write side {name}: {rate:,.0f} transactions/s")
    finally:
        outbox.mark_written = real
    return result


def _engine_run(kind: str, server_url: str | None, carrier: str, quick: bool) -> dict[str, Any]:
    n_old, n_new = (200, 3000) if quick else (1000, 20000)
    idle_old, idle_new = (8, 50) if quick else (25, 200)
    with _database(kind, server_url) as engine, _carrier(carrier) as (make_sender, recorder):
        factory = make_session_factory(engine)
        tenants = _businesses(factory)
        log(f"{kind}: drain")
        old = _drain("old", factory, tenants, make_sender, recorder, n_old)
        new = _drain("new", factory, tenants, make_sender, recorder, n_new)
        null = _drain("new-null-sender", factory, tenants, NullSender, recorder, n_new)
        log(f"{kind}: write side")
        write_side = _write_side(factory, tenants[1], 16, 40 if quick else 150)
        log(f"{kind}: idle latency")
        idle = {mode: _idle_latency(mode, factory, tenants[0], make_sender, recorder, k)
                for mode, k in (("old", idle_old), ("new", idle_new))}
    return {
        "drain": {"old": old, "new": new, "new_null_sender": null,
                  "speedup": ratio(new["messages_per_min"], old["messages_per_min"])},
        "idle_enqueue_to_send": idle,
        "write_side": write_side,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller backlogs, fewer samples")
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_ENV))
    parser.add_argument("--carrier", choices=("twilio", "telnyx"), default="twilio")
    parser.add_argument("--output", help="also write the JSON document to this file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    doc: dict[str, Any] = {
        "benchmark": "outbox_drain",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "machine": machine_info(),
        "parameters": {
            "carrier": f"{args.carrier} stand-in (tests/standins), uvicorn on loopback, "
                       "same process, real HTTP through the production sender",
            "businesses": BUSINESSES,
            "old": f"deliver_due(limit={OLD_BATCH}) then sleep {OLD_SLEEP_S}s",
            "new": "OutboxWorker defaults",
            "new_null_sender": "OutboxWorker defaults, a sender that accepts at once: the "
                               "worker's own ceiling (claims, records, threads)",
        },
        "results": {},
    }
    for kind in ("sqlite", "postgresql"):
        if kind == "postgresql" and not args.postgres_url:
            doc["results"][kind] = {"skipped": f"pass --postgres-url or set {POSTGRES_ENV}"}
            continue
        doc["results"][kind] = _engine_run(kind, args.postgres_url, args.carrier, args.quick)
    doc["total_seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(doc, indent=2, default=str)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    log(f"done in {doc['total_seconds']}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
