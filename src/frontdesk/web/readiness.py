"""Readiness (``GET /ready``): may a load balancer send this process traffic?

``/health`` says the process lives (and whether the database answers); ``/ready`` says
it can do its work: the database answers, its schema is at the revision this code
ships, and someone delivers the background work: this process's own worker (embedded
mode), or, when the server leaves it to ``frontdesk worker`` processes
(``FRONTDESK_OUTBOX_WORKER=false``), a worker heartbeat newer than
``FRONTDESK_WORKER_STALE_S``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection

from frontdesk.config import Settings
from frontdesk.services.operations import newest_beat_age_s
from frontdesk.store import migrate
from frontdesk.web.database import UNAVAILABLE, SchemaGate, database_answers


class Running(Protocol):
    def alive(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Verdict:
    ready: bool
    reason: str = ""  # a stable code when not ready
    detail: str = ""


@lru_cache(maxsize=1)
def _head() -> str:
    return migrate.head_revision()


def readiness(conn: HTTPConnection, settings: Settings) -> Verdict:
    if database_answers(conn) is None:
        return Verdict(False, "database_unavailable", "The database is not answering.")
    gate: SchemaGate = conn.app.state.schema_gate
    try:
        revision = migrate.current_revision(gate.engine)
    except UNAVAILABLE:
        return Verdict(False, "database_unavailable", "The database is not answering.")
    if revision != _head():
        return Verdict(False, "migrations_pending",
                       f"The schema is at revision {revision}, the code needs {_head()}: "
                       "run `frontdesk migrate`.")
    background: Running | None = getattr(conn.app.state, "background", None)
    if background is not None:
        if not background.alive():
            return Verdict(False, "worker_stopped",
                           "This server's background worker is not running.")
        return Verdict(True)
    if settings.outbox_worker:
        return Verdict(True)  # embedded, not started here (tests): nothing to wait for
    factory: sessionmaker[Session] = conn.app.state.session_factory
    try:
        age = newest_beat_age_s(factory)
    except UNAVAILABLE:
        return Verdict(False, "database_unavailable", "The database is not answering.")
    if age is None:
        return Verdict(False, "no_worker",
                       "No `frontdesk worker` has reported in, and this server does not "
                       "run the background work (FRONTDESK_OUTBOX_WORKER=false).")
    if age > settings.worker_stale_s:
        return Verdict(False, "worker_stale",
                       f"The newest worker heartbeat is {age:.0f} s old "
                       f"(over {settings.worker_stale_s:.0f} s).")
    return Verdict(True)
