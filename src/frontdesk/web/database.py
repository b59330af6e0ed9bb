"""When the database is away: start anyway, answer 503, recover without a restart.

At start the schema is migrated. If a database server cannot be reached then, the app
starts all the same and a background thread retries with backoff (one log line a try,
no traceback); until the schema is in place every route but ``/health`` and the docs
answers 503 problem+json ``database_unavailable`` with ``Retry-After``. Mid-run, a route
whose database connection fails (SQLAlchemy ``OperationalError``/``InterfaceError``)
answers the same 503; the pool's pre-ping reconnects once the server is back.

A phone call must not meet a problem document (the carrier would play its own error, or
nothing): the doors hand ``install`` an answer per voice path (Twilio: TwiML that
apologises and hangs up), and paths that handle an outage themselves (Telnyx, whose
apology takes REST commands) are let through the gate to their route.

SQLite is a file, not a server: a file that cannot be opened is a configuration error and
still stops the start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from frontdesk.store import migrate
from frontdesk.store.db import failure_reason as failure_reason  # for the doors' logs
from frontdesk.web.problems import problem

log = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_S = 5
# Answered while the schema waits for the database: they do not need it (health says so).
OPEN_PATHS = frozenset({"/health", "/ready", "/metrics", "/docs", "/docs/oauth2-redirect",
                        "/redoc", "/openapi.json"})
# What a path answers instead of the 503 problem while the database is away.
OutageAnswer = Callable[[], Response]


class SchemaGate:
    """Migrates the schema now, or, while the database server is unreachable, in the
    background with backoff; ``ready`` is set once the schema is at head."""

    def __init__(self, engine: Engine, *, first_delay_s: float = 1.0,
                 max_delay_s: float = 10.0) -> None:
        self.engine = engine
        self.first_delay_s, self.max_delay_s = first_delay_s, max_delay_s
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._waiting: list[Callable[[], None]] = []

    def when_ready(self, start: Callable[[], None]) -> None:
        """Call ``start`` once the schema is in place: now, or from the retry thread (so
        background work, e.g. the outbox worker, never runs on a missing schema)."""
        with self._lock:
            if not self.ready.is_set():
                self._waiting.append(start)
                return
        start()

    def open(self) -> None:
        try:
            migrate.upgrade(self.engine)
        except UNAVAILABLE as exc:
            if self.engine.dialect.name == "sqlite":
                raise
            log.warning("database unreachable at start (%s); answering 503 until it is "
                        "back, next try in %.0f s", failure_reason(exc), self.first_delay_s)
            threading.Thread(target=self._retry, name="schema-gate", daemon=True).start()
            return
        self._set_ready()

    def close(self) -> None:
        self._stop.set()

    def _retry(self) -> None:
        delay = self.first_delay_s
        while not self._stop.wait(delay):
            try:
                migrate.upgrade(self.engine)
            except UNAVAILABLE as exc:
                delay = min(delay * 2, self.max_delay_s)
                log.warning("database still unreachable (%s); next try in %.0f s",
                            failure_reason(exc), delay)
                continue
            log.warning("database reachable: schema up to date, serving again")
            self._set_ready()
            return

    def _set_ready(self) -> None:
        with self._lock:
            self.ready.set()
            waiting, self._waiting = self._waiting, []
        for start in waiting:
            start()


def unavailable_problem() -> JSONResponse:
    response = problem(
        503, "database_unavailable", "Database unavailable",
        "The database is not answering right now. Try again shortly (with the same "
        "Idempotency-Key where the route takes one).",
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def database_answers(conn: HTTPConnection) -> str | None:
    """The database's dialect name if it answers and the schema is ready, else None."""
    gate: SchemaGate = conn.app.state.schema_gate
    if not gate.ready.is_set():
        return None
    try:
        with gate.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except UNAVAILABLE:
        return None
    return gate.engine.dialect.name


async def _unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DBAPIError)
    route = getattr(request.scope.get("route"), "path", "-")  # the template: no ids, no keys
    log.warning("%s %s: database unavailable (%s)", request.method, route, failure_reason(exc))
    answers: Mapping[str, OutageAnswer] = getattr(request.app.state, "outage_answers", {})
    answer = answers.get(request.url.path)
    return answer() if answer is not None else unavailable_problem()


class SchemaGateMiddleware:
    """503 for every route that needs the database until the schema is in place."""

    def __init__(self, app: ASGIApp, gate: SchemaGate,
                 answers: Mapping[str, OutageAnswer] | None = None,
                 let_through: Collection[str] = ()) -> None:
        self.app, self.gate = app, gate
        self.answers = dict(answers or {})
        self.open_paths = OPEN_PATHS | frozenset(let_through)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (self.gate.ready.is_set() or scope["type"] not in ("http", "websocket")
                or scope.get("path") in self.open_paths):
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            answer = self.answers.get(scope.get("path", ""))
            await (answer() if answer is not None else unavailable_problem())(
                scope, receive, send)
        else:  # 1013: try again later
            await send({"type": "websocket.close", "code": 1013, "reason": "database unavailable"})


def install(app: FastAPI, gate: SchemaGate, *,
            answers: Mapping[str, OutageAnswer] | None = None,
            let_through: Collection[str] = ()) -> None:
    """``answers``: what a path says instead of the 503 problem; ``let_through``: paths
    whose routes answer an outage themselves (they run even before the schema is in)."""
    app.state.schema_gate = gate
    app.state.outage_answers = dict(answers or {})
    for error in UNAVAILABLE:
        app.add_exception_handler(error, _unavailable)
    app.add_middleware(SchemaGateMiddleware, gate=gate, answers=answers,
                       let_through=let_through)
