"""Deliver due outbox rows: claim with a lease, send outside the transaction, record.

Delivery guarantee: a message is sent at least once per claim. A worker that dies after
the provider accepted a message but before recording it leaves the row "sending"; when
its lease runs out the row is claimed again and sent again, with the same idempotency
key. Providers that honour the key (Telnyx, SendGrid) deliver once; for those that do
not (Twilio SMS, plain SMTP) it is at most once per retry: the window is the few
milliseconds between the provider's answer and the commit that records it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.notify.base import OutgoingMessage, PermanentSendError, Sender, TransientSendError
from frontdesk.store.db import failure_reason, write_session
from frontdesk.store.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
NO_SENDER_DELAY = timedelta(minutes=5)  # a channel with no provider configured yet


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, ... capped at one hour: an outage delays messages, never drops them."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


@dataclass
class DeliveryReport:
    sent: list[uuid.UUID] = field(default_factory=list)
    retrying: list[uuid.UUID] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)


def _claim(
    factory: sessionmaker[Session], now: datetime, lease: timedelta, limit: int
) -> list[tuple[uuid.UUID, int, OutgoingMessage]]:
    due = or_(
        and_(
            OutboxMessage.status == OutboxStatus.PENDING.value, OutboxMessage.next_attempt_at <= now
        ),
        and_(OutboxMessage.status == OutboxStatus.SENDING.value, OutboxMessage.locked_until < now),
    )
    with write_session(factory) as session:
        query = (
            select(OutboxMessage).where(due).order_by(OutboxMessage.next_attempt_at).limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)  # many workers, disjoint batches
        claimed = []
        for row in session.scalars(query):
            row.status = OutboxStatus.SENDING.value
            row.locked_until = now + lease
            row.attempts += 1
            claimed.append(
                (
                    row.id,
                    row.attempts,
                    OutgoingMessage(
                        id=str(row.id),
                        channel=row.channel,
                        recipient=row.recipient,
                        payload=dict(row.payload),
                        sender=row.payload.get("from"),
                    ),
                )
            )
        return claimed


def _record(
    factory: sessionmaker[Session], message_id: uuid.UUID, update: Callable[[OutboxMessage], None]
) -> None:
    with write_session(factory) as session:
        row = session.get(OutboxMessage, message_id)
        if row is not None and row.status == OutboxStatus.SENDING.value:
            update(row)


def deliver_due(
    factory: sessionmaker[Session],
    senders: Mapping[str, Sender],
    *,
    now: datetime | None = None,
    lease: timedelta = LEASE,
    limit: int = 50,
) -> DeliveryReport:
    """One pass: every due message is sent or rescheduled. Safe to run concurrently."""
    now = now or datetime.now(UTC)
    report = DeliveryReport()
    for row_id, attempts, message in _claim(factory, now, lease, limit):
        sender = senders.get(message.channel)
        if sender is None:

            def wait(row: OutboxMessage) -> None:
                row.status, row.attempts = OutboxStatus.PENDING.value, row.attempts - 1
                row.next_attempt_at, row.last_error = now + NO_SENDER_DELAY, "no provider"

            _record(factory, row_id, wait)
            report.retrying.append(row_id)
            continue
        try:
            provider_id = sender.send(message)
        except TransientSendError as exc:
            _record(factory, row_id, _retry_or_fail(now, attempts, str(exc), report, row_id))
            continue
        except PermanentSendError as exc:
            _record(factory, row_id, _fail(str(exc)))
            report.failed.append(row_id)
            log.warning("outbox %s failed for good: %s", row_id, exc)
            continue

        def sent(row: OutboxMessage, pid: str = provider_id, name: str = sender.name) -> None:
            row.status, row.sent_at = OutboxStatus.SENT.value, datetime.now(UTC)
            row.provider, row.provider_message_id, row.locked_until = name, pid, None

        _record(factory, row_id, sent)
        report.sent.append(row_id)
    return report


def _retry_or_fail(
    now: datetime, attempts: int, error: str, report: DeliveryReport, row_id: uuid.UUID
) -> Callable[[OutboxMessage], None]:
    def update(row: OutboxMessage) -> None:
        row.last_error = error
        row.locked_until = None
        if attempts >= row.max_attempts:
            row.status = OutboxStatus.FAILED.value
            report.failed.append(row_id)
        else:
            row.status = OutboxStatus.PENDING.value
            row.next_attempt_at = now + backoff(attempts)
            report.retrying.append(row_id)

    return update


def _fail(error: str) -> Callable[[OutboxMessage], None]:
    def update(row: OutboxMessage) -> None:
        row.status, row.last_error, row.locked_until = OutboxStatus.FAILED.value, error, None

    return update


class OutboxWorker:
    """The in-process worker of embedded mode: a daemon thread polling the outbox."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        senders: Mapping[str, Sender],
        *,
        interval_s: float = 2.0,
    ) -> None:
        self.factory, self.senders, self.interval_s = factory, senders, interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        database_down = False
        while not self._stop.is_set():
            try:
                deliver_due(self.factory, self.senders)
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
            self._stop.wait(self.interval_s)
