"""One engine per process, one session per request or task.

SQLite is the embedded default. pysqlite's own transaction handling is switched off so
that we emit BEGIN ourselves: a plain ``BEGIN`` for reads, and ``BEGIN IMMEDIATE`` for a
session started by :func:`write_session` — that takes SQLite's write lock before the
availability check, so check-and-insert is one serialised step and two writers can never
both see a slot as free.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary, WeakValueDictionary

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

_IMMEDIATE = "frontdesk_sqlite_immediate"


def make_engine(
    url: str, *, echo: bool = False, pool_size: int = 20, max_overflow: int = 40
) -> Engine:
    """The process's engine. On a database server the pool holds ``pool_size`` connections
    and opens up to ``max_overflow`` more under load (several server processes each take
    a share: ``app.engine_for``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A server that does not answer fails a request in seconds (503), not minutes.
        connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=pool_size,
                             max_overflow=max_overflow, connect_args=connect_args)

    if parsed.database and parsed.database != ":memory:":
        create_private_file(Path(parsed.database))
    # Busy timeout: a writer waits for the lock instead of failing with "database is locked".
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"timeout": 30, "check_same_thread": False},
        pool_size=20,
        max_overflow=40,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if parsed.database and parsed.database != ":memory:":
            # WAL: readers never block the writer and the writer never blocks readers.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (0600), like the key file: it
    holds customers' names and numbers. SQLite gives its -wal and -shm files the mode of
    the database file. An existing file is left as it is."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def failure_reason(exc: DBAPIError) -> str:
    """The driver's own first line (e.g. "connection refused"), for a one-line log."""
    text = str(exc.orig if exc.orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def write_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose transaction holds the database write lock from its first statement.

    On SQLite this is ``BEGIN IMMEDIATE``; on PostgreSQL it is an ordinary transaction
    (there the exclusion constraint is what forbids overlaps). Commits on success.
    """
    bind = factory.kw.get("bind")
    lock = _sqlite_writer_lock(bind) if isinstance(bind, Engine) else None
    with lock if lock is not None else nullcontext(), factory() as session:
        session.connection(execution_options={_IMMEDIATE: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for one or two reads that need no transaction around them.

    On PostgreSQL its connection runs in autocommit, so each query is its own snapshot and
    no BEGIN and ROLLBACK round trips wrap it (every API request authenticates this
    way). Elsewhere it is an ordinary session. Nothing written in it is kept.
    """
    bind = factory.kw.get("bind")
    if not (isinstance(bind, Engine) and bind.dialect.name == "postgresql"):
        with factory() as session:
            yield session
        return
    with bind.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        with factory(bind=autocommit) as session:
            yield session


def writes_lock_the_database(factory: sessionmaker[Session]) -> bool:
    """Whether a write transaction locks the whole database (SQLite), so that reads
    worth doing before it belong in a transaction of their own, outside the lock. On
    PostgreSQL writers lock rows only, and one transaction saves round trips."""
    bind = factory.kw.get("bind")
    return isinstance(bind, Engine) and bind.dialect.name == "sqlite"


_WRITER_LOCKS: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()
_WRITER_LOCKS_GUARD = threading.Lock()


def _sqlite_writer_lock(engine: Engine) -> threading.Lock | None:
    """One in-process queue for SQLite writers.

    SQLite's busy handler makes a waiting writer sleep and poll (up to 100 ms a nap), so
    with many threads some starve for seconds. Queuing them on a lock first hands the
    write lock over in order; BEGIN IMMEDIATE still guards against other processes.
    """
    if engine.dialect.name != "sqlite":
        return None
    with _WRITER_LOCKS_GUARD:
        lock = _WRITER_LOCKS.get(engine)
        if lock is None:
            lock = _WRITER_LOCKS[engine] = threading.Lock()
        return lock


_NAMED_LOCKS: WeakValueDictionary[str, threading.Lock] = WeakValueDictionary()
_NAMED_LOCKS_GUARD = threading.Lock()


@contextmanager
def named_lock(factory: sessionmaker[Session], name: str) -> Iterator[None]:
    """Hold a lock on ``name`` across several transactions; others wait for it.

    PostgreSQL: a transaction-level advisory lock, taken on a connection of its own and
    held until the block ends, so every process sharing the database waits on it; if the
    process dies, the server drops the connection and the lock with it. SQLite: a lock
    in this process, since an embedded database is served by one process (and holding
    SQLite's only write lock across the block would shut out the block's own writes).
    """
    bind = factory.kw.get("bind")
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        # 64 bits of a hash: two names sharing a lock by chance would only wait on each
        # other, never wrongly skip the wait.
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with factory() as session:
            session.execute(select(func.pg_advisory_xact_lock(key)))
            yield  # closing the session ends the transaction and frees the lock
        return
    with _NAMED_LOCKS_GUARD:
        lock = _NAMED_LOCKS.get(name)
        if lock is None:
            lock = _NAMED_LOCKS[name] = threading.Lock()
    with lock:  # our reference keeps it in the table while anyone holds or waits for it
        yield
