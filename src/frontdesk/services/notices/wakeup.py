"""Tell outbox workers that a row was written, so they send it now instead of at the next poll.

The write side calls :func:`mark_written` on the session that added the row. When that
transaction commits (never on a rollback):

- in this process, every subscribed worker's callback runs right after the commit (the
  only signal SQLite has; on PostgreSQL it saves the worker the round trip through the
  server);
- on PostgreSQL, ``NOTIFY frontdesk_outbox`` reaches the workers of other processes. It
  is sent just AFTER the commit, in a transaction of its own, by a notifier thread, and
  not inside the writing transaction: a transaction that notifies takes a lock that is
  global to the database from its commit until its commit record is flushed, so every
  booking would wait in one queue behind the disk (measured here: 16 writers committing
  2,000+ transactions/s fell to ~330/s with NOTIFY inside). The notifier's own
  transaction commits with ``synchronous_commit = off`` (it writes nothing worth a
  flush), so it holds that lock for microseconds; it coalesces bursts (one NOTIFY covers
  every commit before it) and never delays the committing thread. The row is visible
  before the NOTIFY is sent, so a woken worker finds it.

A wake-up is a hint, never the only path: workers still poll, so a lost notification
(a listener reconnecting, another process writing to a SQLite file) only delays a message.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "frontdesk_outbox"
_WRITTEN = "frontdesk_outbox_written"  # session.info key: this transaction wrote a row
_COMMITTED = "frontdesk_outbox_committed"  # ...and is committing: wake the workers
NOTIFY_GAP_S = 0.005  # at most ~200 NOTIFYs a second per process, however many commits
NOTIFIER_IDLE_S = 2.0  # the notifier thread ends after this long without a commit

_subscribers: list[Callable[[], None]] = []
_subscribers_guard = threading.Lock()


def mark_written(session: Session) -> None:
    """Remember that this transaction wrote an outbox row (cheap: no SQL until commit)."""
    session.info[_WRITTEN] = True


def subscribe(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` after every commit in this process that wrote an outbox row.
    It runs on the committing thread, so it must be quick (set an event). Returns the
    function that unsubscribes."""
    with _subscribers_guard:
        _subscribers.append(callback)

    def unsubscribe() -> None:
        with _subscribers_guard:
            if callback in _subscribers:
                _subscribers.remove(callback)

    return unsubscribe


@event.listens_for(Session, "before_commit")
def _committing(session: Session) -> None:
    if session.info.pop(_WRITTEN, False):
        session.info[_COMMITTED] = True


@event.listens_for(Session, "after_commit")
def _wake_workers(session: Session) -> None:
    if not session.info.pop(_COMMITTED, False):
        return
    with _subscribers_guard:
        callbacks = list(_subscribers)
    for callback in callbacks:
        callback()
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        _notifier_for(bind).poke()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    session.info.pop(_COMMITTED, None)


class _Notifier:
    """Sends NOTIFY for one engine on a thread of its own, started on demand and ended
    when idle (so an engine no longer used keeps no thread and no connection)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)
        self._cond = threading.Condition()
        self._wanted = self._running = self._busy = False
        self._down = False

    def poke(self) -> None:
        with self._cond:
            self._wanted = True
            if self._running:
                self._cond.notify()
                return
            self._running = True
        threading.Thread(target=self._run, name="outbox-notify", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._wanted:
                    self._cond.wait(NOTIFIER_IDLE_S)
                engine = self._engine() if self._wanted else None
                if engine is None:
                    self._running = False
                    return
                self._wanted = False  # this NOTIFY covers every commit before it
                self._busy = True
            try:
                self._notify(engine)
            finally:
                del engine
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
            time.sleep(NOTIFY_GAP_S)

    def flush(self, timeout_s: float) -> None:
        """Wait until every commit so far has been notified (a process about to exit:
        the notifier is a daemon thread)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while (self._wanted or self._busy) and self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(min(left, 0.05))

    def _notify(self, engine: Engine) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text("SELECT set_config('synchronous_commit', 'off', true), "
                                  "pg_notify(:channel, '')"), {"channel": CHANNEL})
            self._down = False
        except DBAPIError as exc:  # workers poll: a lost wake-up only delays a message
            if not self._down:
                log.warning("outbox: could not notify the workers (%s)",
                            str(exc.orig or exc).strip().splitlines()[0])
            self._down = True


_notifiers: weakref.WeakKeyDictionary[Engine, _Notifier] = weakref.WeakKeyDictionary()
_notifiers_guard = threading.Lock()


def _notifier_for(engine: Engine) -> _Notifier:
    with _notifiers_guard:
        notifier = _notifiers.get(engine)
        if notifier is None:
            notifier = _notifiers[engine] = _Notifier(engine)
        return notifier


@atexit.register
def _flush_notifiers() -> None:
    with _notifiers_guard:
        notifiers = list(_notifiers.values())
    for notifier in notifiers:
        notifier.flush(timeout_s=2.0)


def listen_for_writes(
    engine: Engine, on_write: Callable[[], None], stop: threading.Event,
    *, check_every_s: float = 0.5,
) -> None:
    """Block until ``stop``, calling ``on_write`` whenever another process commits an
    outbox row (PostgreSQL ``LISTEN``). Returns at once on other databases.

    Reconnects after a lost connection, calling ``on_write`` once it listens again: rows
    written while nobody listened are due work too."""
    if engine.dialect.name != "postgresql":
        return
    down = False
    while not stop.is_set():
        try:
            _listen(engine, on_write, stop, check_every_s)
        except DBAPIError as exc:
            if not down:
                log.warning("outbox: lost the notification channel (%s); polling meanwhile",
                            str(exc.orig or exc).strip().splitlines()[0])
            down = True
            stop.wait(min(5.0, check_every_s * 4))
        else:
            return


def _listen(
    engine: Engine, on_write: Callable[[], None], stop: threading.Event, check_every_s: float
) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"LISTEN {CHANNEL}")
        raw = conn.connection.driver_connection
        notifies = getattr(raw, "notifies", None)
        if notifies is None:  # a driver without psycopg 3's notification generator
            log.warning("outbox: %s cannot wait for notifications; polling only",
                        engine.dialect.driver)
            conn.invalidate()
            stop.wait()
            return
        try:
            on_write()  # anything written before we listened
            while not stop.is_set():
                # Returns after check_every_s without a notification, to look at ``stop``.
                for _ in notifies(timeout=check_every_s):
                    on_write()
        finally:
            # Never hand a LISTENing connection back to the pool.
            conn.invalidate()
