"""The retention sweeper: a daemon thread that expires old conversations and messages
(``services.retention``) every ``interval_s``; one per process, any number of processes
(their batches claim rows with SKIP LOCKED on PostgreSQL, and expiring is idempotent)."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.retention import RetentionPolicy, expire_due
from frontdesk.store.db import failure_reason

log = logging.getLogger(__name__)


class RetentionSweeper:
    def __init__(self, factory: sessionmaker[Session], policy: RetentionPolicy, *,
                 interval_s: float = 3600.0) -> None:
        self.factory, self.policy, self.interval_s = factory, policy, interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def sweep_once(self) -> int:
        report = expire_due(self.factory, self.policy)
        if report.total:
            log.info("retention: %d conversations, %d messages, %d phone verifications, "
                     "%d webhook deliveries expired (%s)", report.conversations,
                     report.messages, report.verifications, report.deliveries,
                     self.policy.mode)
        return report.total

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep_once()
            except (OperationalError, InterfaceError) as exc:
                log.warning("retention: database unavailable (%s); next try in %.0f s",
                            failure_reason(exc), self.interval_s)
            except Exception:  # noqa: BLE001 - the loop must outlive a bad pass; logged
                log.exception("retention pass failed; retrying")
            self._stop.wait(self.interval_s)
