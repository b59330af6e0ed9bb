"""The ASGI application factory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk import __version__, circuit, dashboard
from frontdesk.api.routes import (
    api_keys,
    appointments,
    availability,
    calendar_connections,
    calls,
    campaigns,
    constraints,
    conversation_export,
    conversation_feedback,
    conversations,
    customers,
    feeds,
    group_meetings,
    health,
    insights,
    meeting_participants,
    meeting_requests,
    messages,
    metrics,
    resources,
    services,
    tenant,
    webhook_endpoints,
)
from frontdesk.channels import (
    calendar_push,
    chat,
    openai_compat,
    retell,
    sms,
    telnyx_stream,
    telnyx_voice,
    twilio_stream,
    twilio_voice,
    widget,
)
from frontdesk.config import Settings, get_settings
from frontdesk.config_check import warn_incomplete
from frontdesk.conversation.agent import Agent
from frontdesk.conversation.llm import brain_from_settings
from frontdesk.conversation.llm_analysis import analyst_from_settings
from frontdesk.conversation.llm_constraints import proposer_from_settings
from frontdesk.delivery.background import BackgroundWork, breaker_policy
from frontdesk.observability import tracing
from frontdesk.observability.metrics import DatabaseGauges, process_exited
from frontdesk.observability.process_gauges import CircuitGauges
from frontdesk.security import cipher_for
from frontdesk.services import calendar_providers
from frontdesk.services.operations import deployment_figures
from frontdesk.speech.providers import speech_for
from frontdesk.store.db import make_engine, make_session_factory
from frontdesk.voice.live_calls import LiveCalls
from frontdesk.voice.vad import EnergyVAD
from frontdesk.web import access_log, database, drain, observe, openapi_doc, problems, ratelimit
from frontdesk.web.request_guards import BodyLimits, RequestGuard
from frontdesk.web.widget_cors import WidgetCors

DESCRIPTION = """\
The REST API of frontdesk, a self-hostable AI front desk.

Authenticate with a business's API key: `Authorization: Bearer <key>`.
Times in responses carry the business's UTC offset; times you send must carry one too.
Errors are [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) `application/problem+json`
with a stable `code`.
"""


def _outbox_lifespan(
    settings: Settings, factory: sessionmaker[Session]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Run the outbox worker while the app runs (embedded mode; not in tests), and drain
    on SIGTERM before the server stops (web/drain.py)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.outbox_worker and settings.environment != "test":
            worker = BackgroundWork(settings, factory, analyst_from_settings(settings))
            app.state.background = worker  # /ready asks whether it runs
            app.state.schema_gate.when_ready(worker.start)  # not on a missing schema
        give_signals_back = app.state.drain.hook_signals()
        try:
            yield
        finally:
            give_signals_back()
            if worker is not None:
                worker.stop()  # the sends under way finish; claims not started go back
            app.state.schema_gate.close()
            process_exited(settings.metrics_multiproc_dir, os.getpid())
            if app.state.tracing is not None:
                app.state.tracing.stop()  # the spans still batched are sent

    return lifespan


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app on ``engine`` (or one from settings), migrating the schema first
    (in the background while a database server is unreachable)."""
    settings = settings or get_settings()
    warn_incomplete(settings)
    if settings.environment == "production" or settings.secret_key:
        # Fail at start, not at the first calendar connection: production needs a key
        # for stored credentials, and a given key must be a valid one.
        cipher_for(settings)
    engine = engine or engine_for(settings)
    gate = database.SchemaGate(engine)
    gate.open()
    # Calendar clients (key, OAuth clients, where CalDAV may connect) use these settings.
    calendar_providers.configure(settings)
    circuit.configure(breaker_policy(settings))

    factory = make_session_factory(engine)
    app = FastAPI(
        title="frontdesk",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_outbox_lifespan(settings, factory),
    )
    app.state.settings = settings
    app.state.tracing = tracing_for(settings)
    app.state.engine = engine
    app.state.session_factory = factory
    app.state.agent = Agent(app.state.session_factory, brain=brain_from_settings(settings),
                            refine_analysis=analyst_from_settings(settings) is not None)
    app.state.speech = speech_for(settings, detector=EnergyVAD)  # None: speech is off
    app.state.constraint_proposer = proposer_from_settings(settings)
    app.state.live_calls = live = LiveCalls()  # streaming calls, closed politely at shutdown
    app.state.drain = drain.Drain(app.state, settings.shutdown_grace_s,
                                  closers=[live.close_all], busy=[lambda: len(live) > 0])
    # Read from the database when /metrics is scraped: the outbox's backlog, calls open.
    app.state.database_gauges = DatabaseGauges(partial(deployment_figures, factory))
    app.state.circuit_gauges = CircuitGauges(circuit.breaker_states)  # this process's
    problems.install(app)
    # A caller hears an apology while the database is away, never a problem document.
    database.install(app, gate,
                     answers=dict.fromkeys(twilio_voice.OUTAGE_PATHS, twilio_voice.outage_answer),
                     let_through={telnyx_voice.PATH})
    # Inside the rate limiter: a client over its limit is refused before its body is read.
    app.add_middleware(WidgetCors)  # innermost: it reads what the key check decided
    app.add_middleware(
        RequestGuard, limits=BodyLimits(settings.max_body_bytes, settings.max_webhook_body_bytes)
    )
    ratelimit.install(app, settings)
    app.add_middleware(drain.DrainGuard, drain=app.state.drain)  # 503 while shutting down
    access_log.install(app)  # it sees the 429s and 503s too
    observe.install(app)  # outermost: the request id is known to the access line
    for module in (
        health,
        metrics,
        tenant,
        services,
        resources,
        customers,
        appointments,
        availability,
        messages,
        calls,
        feeds,
        calendar_connections,
        meeting_requests,
        meeting_participants,
        group_meetings,
        campaigns,
        constraints,
        conversation_export,  # before conversations: /export is not an id
        conversations,
        conversation_feedback,
        insights,
        api_keys,
        webhook_endpoints,
    ):
        app.include_router(module.router)
    for door in (calendar_push, chat, openai_compat, retell, sms, telnyx_stream, telnyx_voice,
                 twilio_stream, twilio_voice, widget):
        app.include_router(door.router)
    dashboard.install(app)
    openapi_doc.install(app)
    return app


def tracing_for(settings: Settings) -> tracing.Tracing | None:
    """This process's tracing when an OTLP endpoint is configured (the server's and a
    ``frontdesk worker``'s); raises ``TracingUnavailable`` without the "otel" extra."""
    if not settings.otlp_endpoint:
        return None
    return tracing.start(settings.otlp_endpoint, resource={
        "service.name": settings.otlp_service_name, "service.version": __version__,
        "deployment.environment.name": settings.environment})


# --- several server processes (`frontdesk serve --workers N`) ------------------------------


def pool_share(settings: Settings) -> tuple[int, int]:
    """(pool size, overflow) of one process: its share of ``database_connections``, a
    third kept open and the rest opened under load (20 + 40 for one process)."""
    share = max(4, settings.database_connections // settings.workers)
    kept = max(2, share // 3)
    return kept, share - kept


def engine_for(settings: Settings) -> Engine:
    """This process's engine (one per process: each server process builds its own)."""
    kept, overflow = pool_share(settings)
    return make_engine(settings.resolved_database_url(), pool_size=kept, max_overflow=overflow)


def app_from_environment() -> FastAPI:
    """The app from the ``FRONTDESK_*`` environment: the factory every process of
    ``frontdesk serve --workers N`` calls (``uvicorn --factory
    frontdesk.app:app_from_environment`` under any process manager does the same)."""
    return create_app(get_settings())
