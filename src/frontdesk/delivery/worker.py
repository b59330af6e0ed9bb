"""Deliver due outbox rows: claim with a lease, send outside the transaction, record.

Delivery guarantee: a message is sent at least once per claim. A worker that dies after
the provider accepted a message but before recording it leaves the row "sending"; when
its lease runs out the row is claimed again and sent again, with the same idempotency
key. Providers that honour the key (Telnyx, SendGrid) deliver once; for those that do
not (Twilio SMS, plain SMTP) it is at most once per retry: the window is the few
milliseconds between the provider's answer and the commit that records it.

A claim's records are fenced by its attempt number, and a claim whose lease is about to
run out is not started, so two workers never send one row within one lease. Several
workers (threads or processes) claim disjoint batches (``claim_due``).

The in-process worker drains a backlog as fast as the carriers answer, within limits
per carrier and per business (``frontdesk.delivery.dispatch``), claiming again at once
while there is due work. Idle, it sleeps until the next row falls due, a new row is
committed (``frontdesk.services.notices.wakeup``: an in-process signal, and PostgreSQL
NOTIFY from other processes), or ``interval_s`` passes: the poll that catches whatever
a signal missed.

A provider that keeps failing opens its circuit breaker (``frontdesk.circuit``, per
provider and host, across businesses): while it is open, claimed rows for it are put
back without a request and without spending an attempt, due when the breaker lets a
probe through, so an outage delays messages without exhausting their retries.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.circuit import Breaker, CircuitOpen, breaker
from frontdesk.delivery.dispatch import Dispatcher, Limits
from frontdesk.delivery.recording import SentRecorder
from frontdesk.observability import tracing
from frontdesk.observability.metrics import DELIVERIES, DELIVERY_FAILURES
from frontdesk.senders.base import PermanentSendError, Sender, TransientSendError
from frontdesk.services.notices import wakeup
from frontdesk.services.notices.claims import (
    Claimed,
    claim_due,
    next_due_at,
    record_deferred,
    record_failed,
    record_no_sender,
    record_sent,
    record_transient_failure,
    release_claims,
)
from frontdesk.store.db import failure_reason

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
NO_SENDER_DELAY = timedelta(minutes=5)  # a channel with no provider configured yet


@dataclass
class DeliveryReport:
    sent: list[uuid.UUID] = field(default_factory=list)
    retrying: list[uuid.UUID] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)
    deferred: list[uuid.UUID] = field(default_factory=list)  # breaker open: not tried


def breaker_of(sender: Sender) -> Breaker | None:
    """The circuit breaker guarding ``sender``'s endpoint: senders that name one
    (``endpoint``: the URL or host they call) share a breaker per provider and host.
    Senders that reach many endpoints (the calendar channel) guard each themselves and
    raise ``CircuitOpen``."""
    where = getattr(sender, "endpoint", None)
    return breaker(sender.name, where) if isinstance(where, str) and where else None


def deliver(
    factory: sessionmaker[Session],
    senders: Mapping[str, Sender],
    claimed: Claimed,
    now: datetime,
    report: DeliveryReport,
    *,
    on_sent: Callable[[Claimed, str, str], None] | None = None,
) -> None:
    """One claimed row: call its channel's sender, record the result. The unit a job
    queue runs per message; ``deliver_due`` runs it for every row it claims.

    ``on_sent`` takes over recording an accepted send (the worker's group commit);
    without it the send is recorded here, in a transaction of its own."""
    row_id, attempts, message = claimed.id, claimed.attempts, claimed.message
    sender = senders.get(message.channel)
    if sender is None:
        record_no_sender(factory, row_id, now + NO_SENDER_DELAY, attempt=attempts)
        report.retrying.append(row_id)
        return
    guard = breaker_of(sender)
    try:
        # A trace shows each provider call: which channel and provider, which row (never
        # the recipient); a failed send is marked with its error's type.
        with tracing.span("outbox send", {
                "frontdesk.channel": message.channel, "frontdesk.provider": sender.name,
                "frontdesk.outbox_id": str(row_id), "frontdesk.attempt": attempts},
                kind="client"):
            if guard is not None:
                guard.check()
            provider_id = sender.send(message)
    except CircuitOpen as exc:
        # The provider is known to be down: no request, no attempt spent; due again
        # when the breaker lets a probe through.
        record_deferred(factory, row_id, now + timedelta(seconds=exc.retry_in_s), str(exc),
                        attempt=attempts)
        report.deferred.append(row_id)
        return
    except TransientSendError as exc:
        DELIVERY_FAILURES.labels(message.channel, sender.name, "transient").inc()
        if guard is not None:
            guard.failed()
        outcome = record_transient_failure(factory, row_id, now, attempts, str(exc))
        if outcome == "retrying":
            report.retrying.append(row_id)
        elif outcome == "failed":
            report.failed.append(row_id)
        return
    except PermanentSendError as exc:
        DELIVERY_FAILURES.labels(message.channel, sender.name, "permanent").inc()
        if guard is not None:
            guard.succeeded()  # the provider answered: it refused this one message
        record_failed(factory, row_id, str(exc), attempt=attempts)
        report.failed.append(row_id)
        log.warning("outbox %s failed for good: %s", row_id, exc)
        return
    if guard is not None:
        guard.succeeded()
    DELIVERIES.labels(message.channel, sender.name).inc()
    if on_sent is not None:
        on_sent(claimed, sender.name, provider_id)
    else:
        record_sent(factory, row_id, sender.name, provider_id, attempt=attempts)
    report.sent.append(row_id)


def deliver_due(
    factory: sessionmaker[Session],
    senders: Mapping[str, Sender],
    *,
    now: datetime | None = None,
    lease: timedelta = LEASE,
    limit: int = 50,
) -> DeliveryReport:
    """One pass, one message at a time: up to ``limit`` due messages are sent or
    rescheduled. Safe to run concurrently. (The unit tests and job queues use; the
    in-process worker sends concurrently, see ``OutboxWorker``.)"""
    now = now or datetime.now(UTC)
    report = DeliveryReport()
    for claimed in claim_due(factory, now, lease, limit):
        deliver(factory, senders, claimed, now, report)
    return report



MIN_NAP_S = 0.05  # due rows we could not claim (another worker holds them): look again soon


class OutboxWorker:
    """The in-process worker of embedded mode: a daemon thread that claims due rows in
    batches and sends them on a bounded pool; one per process, any number of processes."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        senders: Mapping[str, Sender],
        *,
        interval_s: float = 5.0,
        lease: timedelta = LEASE,
        limits: Limits | None = None,
        batch: int = 32,
    ) -> None:
        self.factory, self.senders, self.interval_s = factory, senders, interval_s
        self.lease, self.limits, self.batch = lease, limits or Limits(), batch
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._short = True  # the last claim took everything it could
        self._thread: threading.Thread | None = None
        self._listener: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._recorder = SentRecorder(factory)
        self._dispatcher = Dispatcher(
            self._send, self._carrier_of, self.limits,
            on_done=self._on_done, on_expired=self._on_expired,
        )

    def start(self) -> None:
        self._unsubscribe = wakeup.subscribe(self._wake.set)
        self._recorder.start()
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
        self._thread.start()
        bind = self.factory.kw.get("bind")
        if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
            self._listener = threading.Thread(
                target=wakeup.listen_for_writes, args=(bind, self._wake.set, self._stop),
                name="outbox-listen", daemon=True,
            )
            self._listener.start()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Finish the sends under way; hand back claims not started (due again at once)."""
        self._stop.set()
        self._wake.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._thread is not None:
            self._thread.join(timeout=10)
        unsent = self._dispatcher.drain_queued()
        try:
            release_claims(self.factory, unsent)
        except (OperationalError, InterfaceError) as exc:  # their leases will run out
            log.warning("outbox: could not hand back %d claims (%s)", len(unsent),
                        failure_reason(exc))
        self._dispatcher.shutdown()
        self._recorder.stop()
        if self._listener is not None:
            self._listener.join(timeout=10)

    def _run(self) -> None:
        database_down = False
        while not self._stop.is_set():
            wait = self.interval_s
            try:
                wait = self._pass()
                if database_down:
                    log.warning("outbox: the database answers again; delivering")
                database_down = False
            except (OperationalError, InterfaceError) as exc:
                # A database that is away is not a bug: one line when it goes, no traceback
                # every pass (nothing is lost; due messages wait in the outbox).
                if not database_down:
                    log.warning("outbox: database unavailable (%s); waiting for it",
                                failure_reason(exc))
                database_down = True
            except Exception:  # noqa: BLE001 - the loop must outlive a bad pass; logged
                log.exception("outbox pass failed; retrying")
            if wait > 0:
                self._wake.wait(wait)

    def _pass(self) -> float:
        """Claim what fits and hand it to the senders; say how long to wait before the
        next pass (0: more is due now). Every wake-up is cleared first, so a row committed
        during the pass wakes the next one."""
        self._wake.clear()
        room = self._dispatcher.room()
        if room == 0:
            return self.interval_s  # a finished send wakes us (``_on_done``)
        want = min(room, self.batch)
        skip = self._dispatcher.full_tenants()
        claimed = claim_due(self.factory, datetime.now(UTC), self.lease, want,
                            skip_tenants=skip)
        self._short = len(claimed) < want
        lease_s = self.lease.total_seconds()
        for item in claimed:
            self._dispatcher.submit(item, lease_s)
        if not self._short:
            return 0.0
        if skip:
            return self.interval_s  # a skipped business's send finishing wakes us
        due = next_due_at(self.factory)
        if due is None:
            return self.interval_s
        return min(max((due - datetime.now(UTC)).total_seconds(), MIN_NAP_S), self.interval_s)

    def _on_done(self, room: int, reopened: bool) -> None:
        # Claim again once half the window is free, not after every message: fewer and
        # fuller claim transactions. With nothing else due, only a business that fell
        # below its cap can give the next claim anything.
        if reopened or (not self._short and room >= self.limits.held // 2):
            self._wake.set()

    def _carrier_of(self, claimed: Claimed) -> Hashable:
        sender = self.senders.get(claimed.message.channel)
        return (claimed.message.channel, sender.name if sender is not None else None)

    def _send(self, claimed: Claimed) -> None:
        try:
            deliver(self.factory, self.senders, claimed, datetime.now(UTC), DeliveryReport(),
                    on_sent=self._recorder.add)
        except (OperationalError, InterfaceError) as exc:
            # Sent or not, the row stays "sending" and is due again when its lease ends.
            log.warning("outbox %s: could not record the outcome (%s)", claimed.id,
                        failure_reason(exc))
        except Exception:  # noqa: BLE001 - one bad message must not take the pool down
            log.exception("outbox %s: delivery failed; retried after its lease", claimed.id)

    def _on_expired(self, claimed: Claimed) -> None:
        log.warning("outbox %s: its lease ran out before a sender was free; left for "
                    "the next claim", claimed.id)
