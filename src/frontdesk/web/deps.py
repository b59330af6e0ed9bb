"""Typed dependency aliases: handlers ask for what they need, tests override it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection

from frontdesk.config import Settings
from frontdesk.conversation.agent import Agent
from frontdesk.errors import Unauthorized
from frontdesk.observability import context as log_context
from frontdesk.services.api_keys import WIDGET, Caller, authenticate_key
from frontdesk.services.constraint_refinement import ConstraintProposer
from frontdesk.store.db import read_session
from frontdesk.store.models import Tenant
from frontdesk.web.scopes import check_scope, home_origin

# The dependencies that only read app state are ``async def``: FastAPI runs a plain
# ``def`` dependency on its thread pool, a hand-off per request for no I/O at all.


async def get_session_factory(conn: HTTPConnection) -> sessionmaker[Session]:
    # HTTPConnection, not Request: WebSocket routes (voice platforms) need it too.
    factory: sessionmaker[Session] = conn.app.state.session_factory
    return factory


FactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]


async def get_app_settings(conn: HTTPConnection) -> Settings:
    settings: Settings = conn.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(factory: FactoryDep) -> Iterator[Session]:
    session = factory()
    try:
        yield session
    finally:
        try:
            session.close()
        except (OperationalError, InterfaceError):
            # The connection died (the database went away) after the response was sent:
            # the server rolls back a dropped connection's transaction by itself, and
            # the pool has discarded the connection. Nothing is left to do.
            pass


SessionDep = Annotated[Session, Depends(get_session)]


async def get_agent(conn: HTTPConnection) -> Agent:
    """The one conversation engine every door (chat, voice platforms) talks to."""
    agent: Agent = conn.app.state.agent
    return agent


AgentDep = Annotated[Agent, Depends(get_agent)]


async def get_constraint_proposer(conn: HTTPConnection) -> ConstraintProposer | None:
    """The LLM that may refine parsed constraints; None when no LLM is configured."""
    proposer: ConstraintProposer | None = getattr(conn.app.state, "constraint_proposer", None)
    return proposer


ProposerDep = Annotated[ConstraintProposer | None, Depends(get_constraint_proposer)]


# Declared as security schemes (not header parameters) so the OpenAPI document says how
# to authenticate and clients generated from it send the key the right way. Neither
# raises by itself: a missing key is our own problem+json 401 below.
_bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="apiKeyBearer", description="A business's API key"
)
_header_scheme = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="apiKeyHeader",
    description="The same key, for clients that cannot set Authorization",
)


def _api_key(bearer: HTTPAuthorizationCredentials | None, x_api_key: str | None) -> str:
    if x_api_key and x_api_key.strip():
        return x_api_key.strip()
    if bearer is not None and bearer.credentials.strip():
        return bearer.credentials.strip()
    raise Unauthorized(
        "Send your API key as 'Authorization: Bearer <key>' (or 'X-API-Key: <key>')."
    )


def get_caller(
    conn: HTTPConnection,
    factory: FactoryDep,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
    x_api_key: Annotated[str | None, Depends(_header_scheme)],
) -> Caller:
    """The request's key, checked against what its scope may reach (``web.scopes``): every
    route that takes a key comes through here, so none can forget the check."""
    key = _api_key(bearer, x_api_key)
    with read_session(factory) as session:  # one query, no transaction around it
        caller = authenticate_key(session, key)
    log_context.note(tenant=caller.tenant.slug)
    route = conn.scope.get("route")
    path = getattr(route, "path", None) or conn.url.path
    origin = conn.headers.get("origin")
    # This server's own pages (the dashboard's widget preview): at its public address
    # when one is configured, else wherever this request was sent (development). Only a
    # widget key is checked against it.
    home = home_origin(settings.public_base_url or str(conn.base_url)) \
        if caller.scope == WIDGET else None
    check_scope(caller, conn.scope.get("method", "WEBSOCKET"), path, origin, home)
    if caller.scope == WIDGET:
        # Read by web.widget_cors on the way out: this origin may read the answer.
        conn.state.widget_origin = origin
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_tenant(caller: CallerDep) -> Tenant:
    return caller.tenant


TenantDep = Annotated[Tenant, Depends(get_tenant)]
