"""Record accepted sends in groups: one transaction for every send that finished while the
previous one committed (group commit).

Recording each send on its own cost a write transaction per message (the write lock on
SQLite, a connection checkout and three round trips on PostgreSQL): more CPU than the
send itself, and a writer competing with bookings for SQLite's one lock. Here no send
waits on a timer: the recorder writes as soon as anything is queued, so the window in
which a crash re-sends an accepted message (see ``frontdesk.delivery.worker``) stays
the time of one commit plus the queue's wait, milliseconds.
"""

from __future__ import annotations

import logging
import queue
import threading

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.notices.claims import Claimed, Sent, record_sent_many
from frontdesk.store.db import failure_reason

log = logging.getLogger(__name__)

class SentRecorder:
    """A thread that writes queued ``Sent`` records, as many per transaction as are
    waiting (up to ``max_batch``)."""

    def __init__(self, factory: sessionmaker[Session], *, max_batch: int = 256) -> None:
        self.factory, self.max_batch = factory, max_batch
        self._queue: queue.SimpleQueue[Sent | None] = queue.SimpleQueue()  # None: stop
        self._thread = threading.Thread(target=self._run, name="outbox-record", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add(self, claimed: Claimed, provider: str, provider_id: str) -> None:
        self._queue.put(Sent(claimed, provider, provider_id))

    def stop(self) -> None:
        """Write what is queued, then end."""
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        pending: list[Sent] = []
        stopping = False
        while True:
            if not pending and not stopping:
                stopping = _take(pending, self._queue.get())  # idle: block
            while len(pending) < self.max_batch:
                try:
                    stopping = _take(pending, self._queue.get_nowait()) or stopping
                except queue.Empty:
                    break
            if not pending:
                if stopping:
                    return
                continue
            if self._write(pending, final=stopping):
                pending = []
            elif stopping:
                return  # the database is away: these rows are sent again after their lease

    def _write(self, batch: list[Sent], *, final: bool) -> bool:
        try:
            record_sent_many(self.factory, batch)
            return True
        except (OperationalError, InterfaceError) as exc:
            # Keep them and try again: a record that lands late still lands (it is fenced
            # by its claim), and one lost means a second copy after the lease.
            log.warning("outbox: could not record %d sends (%s)%s", len(batch),
                        failure_reason(exc), "" if final else "; retrying")
            if not final:
                threading.Event().wait(1.0)
            return False
        except Exception:  # noqa: BLE001 - the recorder must outlive a bad batch; logged
            log.exception("outbox: recording %d sends failed; they are sent again after "
                          "their lease", len(batch))
            return True


def _take(pending: list[Sent], item: Sent | None) -> bool:
    """Queue ``item``; True when it is the signal to stop."""
    if item is None:
        return True
    pending.append(item)
    return False
