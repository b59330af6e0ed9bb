"""Tell outbox workers that a row was written, so they send it now instead of at the next poll.

The write side calls :func:`mark_written` on the session that added the row. When that
transaction commits:

- on PostgreSQL, a ``NOTIFY frontdesk_outbox`` runs just before the commit, in the same
  transaction, so workers in every process hear of the row exactly when it becomes
  visible (never before: PostgreSQL delivers notifications at commit, and drops them on
  rollback). One NOTIFY per transaction however many rows it wrote.
- in this process, every subscribed worker's callback runs right after the commit (the
  only signal SQLite has; on PostgreSQL it saves the worker the round trip through the
  server).

A wake-up is a hint, never the only path: workers still poll, so a lost notification
(a listener reconnecting, another process writing to a SQLite file) only delays a message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "frontdesk_outbox"
_WRITTEN = "frontdesk_outbox_written"  # session.info key: this transaction wrote a row
_COMMITTED = "frontdesk_outbox_committed"  # ...and is committing: wake the local workers

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
def _notify_in_transaction(session: Session) -> None:
    if not session.info.pop(_WRITTEN, False):
        return
    session.info[_COMMITTED] = True
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


@event.listens_for(Session, "after_commit")
def _wake_local_workers(session: Session) -> None:
    if not session.info.pop(_COMMITTED, False):
        return
    with _subscribers_guard:
        callbacks = list(_subscribers)
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    session.info.pop(_COMMITTED, None)


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
