"""The calendar push keeper: a daemon thread that opens missing change channels of
Google and Microsoft calendars and renews expiring ones (``services.calendar_push``)
every ``interval_s``; one per process, any number of processes (each connection is
worked on under a named lock, so two never open a channel for the same calendar)."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.services.calendar_push import PushReport, maintain
from frontdesk.store.db import failure_reason

log = logging.getLogger(__name__)


class PushKeeper:
    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.factory, self.settings = factory, settings
        self.interval_s = settings.calendar_push_interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="calendar-push", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def keep_once(self) -> PushReport:
        report = maintain(self.factory, self.settings)
        if report.opened or report.renewed or report.stopped or report.failed:
            log.info("calendar push: %d channels opened, %d renewed, %d stopped, %d failed",
                     report.opened, report.renewed, report.stopped, report.failed)
        return report

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.keep_once()
            except (OperationalError, InterfaceError) as exc:
                log.warning("calendar push: database unavailable (%s); next try in %.0f s",
                            failure_reason(exc), self.interval_s)
            except Exception:  # noqa: BLE001 - the loop must outlive a bad pass; logged
                log.exception("calendar push pass failed; retrying")
            self._stop.wait(self.interval_s)
