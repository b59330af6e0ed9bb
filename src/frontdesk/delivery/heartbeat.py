"""A ``frontdesk worker``'s heartbeat: a row it refreshes every few seconds, so a
server's ``/ready`` knows someone delivers the outbox (``services.operations``)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.operations import beat, stopped
from frontdesk.store.db import failure_reason

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


class Heartbeat:
    def __init__(self, factory: sessionmaker[Session], interval_s: float,
                 name: str | None = None) -> None:
        self.factory, self.interval_s = factory, interval_s
        self.name = name or worker_name()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._written_at = time.monotonic()  # the start, until a beat is written

    def age_s(self) -> float:
        """Seconds since this worker's row was last written (or since it started)."""
        return max(time.monotonic() - self._written_at, 0.0)

    def start(self) -> None:
        self._beat()  # at once: /ready need not wait a whole interval
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            stopped(self.factory, self.name)
        except (OperationalError, InterfaceError) as exc:  # it simply grows old
            log.warning("heartbeat: could not remove %s (%s)", self.name, failure_reason(exc))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._beat()

    def _beat(self) -> None:
        try:
            beat(self.factory, self.name)
            self._written_at = time.monotonic()
        except (OperationalError, InterfaceError) as exc:
            # The database is away: the heartbeat goes stale, which is what /ready should see.
            log.warning("heartbeat: database unavailable (%s)", failure_reason(exc))
