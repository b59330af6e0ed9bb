"""The dialer: turn running campaigns' due leads into queued calls, paced.

State-derived: everything it needs is in the rows (a lead's ``next_attempt_at``, the
attempts in flight, the calls started in the last minute), so a dialer keeps nothing of
its own and any number run at once, in one process or many (``frontdesk worker``), on
PostgreSQL: each pass is a few short transactions (``services.campaign_dialing``) that
hold the campaign's row lock while they count and claim. The calls themselves are
outbox rows, placed by the outbox worker (``delivery.call_sender``).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import campaign_dialing
from frontdesk.store.db import failure_reason

log = logging.getLogger(__name__)


@dataclass
class DialReport:
    queued: int = 0
    completed: list[str] = field(default_factory=list)  # campaign ids finished this pass
    swept: int = 0


def dial_due(factory: sessionmaker[Session], now: datetime | None = None) -> DialReport:
    """One pass over every running campaign: the task function a scheduler runs."""
    report = DialReport(swept=campaign_dialing.sweep_stale(factory, now or datetime.now(UTC)))
    for campaign_id in campaign_dialing.running_campaigns(factory):
        queued = campaign_dialing.queue_due(factory, campaign_id, now)
        report.queued += queued.calls
        if queued.calls == 0 and queued.in_flight == 0 and \
                campaign_dialing.finish_if_done(factory, campaign_id):
            report.completed.append(str(campaign_id))
    return report


class Dialer:
    """A daemon thread running ``dial_due`` every ``interval_s`` (sooner when a lead
    falls due sooner); one per process, any number of processes."""

    def __init__(self, factory: sessionmaker[Session], *, interval_s: float = 1.0) -> None:
        self.factory, self.interval_s = factory, interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="dialer", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        database_down = False
        while not self._stop.is_set():
            try:
                report = dial_due(self.factory)
                if report.queued:
                    log.info("dialer: queued %d calls", report.queued)
                for campaign_id in report.completed:
                    log.info("dialer: campaign %s completed", campaign_id)
                database_down = False
            except (OperationalError, InterfaceError) as exc:
                if not database_down:
                    log.warning("dialer: database unavailable (%s); waiting for it",
                                failure_reason(exc))
                database_down = True
            except Exception:  # noqa: BLE001 - the loop must outlive a bad pass; logged
                log.exception("dialer pass failed; retrying")
            self._stop.wait(self.interval_s)
