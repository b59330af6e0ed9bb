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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.senders.base import PermanentSendError, Sender, TransientSendError
from frontdesk.services.notices.claims import (
    Claimed,
    claim_due,
    record_failed,
    record_no_sender,
    record_sent,
    record_transient_failure,
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


def deliver(
    factory: sessionmaker[Session],
    senders: Mapping[str, Sender],
    claimed: Claimed,
    now: datetime,
    report: DeliveryReport,
) -> None:
    """One claimed row: call its channel's sender, record the result. The unit a job
    queue runs per message; ``deliver_due`` runs it for every row it claims."""
    row_id, attempts, message = claimed
    sender = senders.get(message.channel)
    if sender is None:
        record_no_sender(factory, row_id, now + NO_SENDER_DELAY)
        report.retrying.append(row_id)
        return
    try:
        provider_id = sender.send(message)
    except TransientSendError as exc:
        outcome = record_transient_failure(factory, row_id, now, attempts, str(exc))
        if outcome == "retrying":
            report.retrying.append(row_id)
        elif outcome == "failed":
            report.failed.append(row_id)
        return
    except PermanentSendError as exc:
        record_failed(factory, row_id, str(exc))
        report.failed.append(row_id)
        log.warning("outbox %s failed for good: %s", row_id, exc)
        return
    record_sent(factory, row_id, sender.name, provider_id)
    report.sent.append(row_id)


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
    for claimed in claim_due(factory, now, lease, limit):
        deliver(factory, senders, claimed, now, report)
    return report


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
