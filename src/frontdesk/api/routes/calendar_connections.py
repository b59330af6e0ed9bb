"""A resource's external calendar: connect (CalDAV or OAuth), inspect, choose, disconnect.

CalDAV connects with one ``PUT`` (URL, username, password). Google and Microsoft connect
through OAuth: ``POST .../calendar/connect/{provider}`` returns the consent URL for the
calendar's owner to open; the provider sends the browser back to
``/oauth/callback/{provider}``, which trades the code for tokens, checks that the
calendar can be read, stores the tokens encrypted and writes upcoming appointments to it
(``services.calendar_connections`` and ``services.calendar_oauth`` do the work).
"""

from __future__ import annotations

import html
import uuid
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from frontdesk.config import Settings
from frontdesk.errors import InvalidInput
from frontdesk.services import calendar_connections as connections
from frontdesk.services import calendar_oauth
from frontdesk.services.calendar_providers import OAUTH_PROVIDERS, PROVIDER_NAMES
from frontdesk.web.deps import FactoryDep, SessionDep, SettingsDep, TenantDep

router = APIRouter(tags=["calendar connections"])
PATH = "/api/v1/resources/{resource_id}/calendar"
CALLBACK = "/oauth/callback/{provider}"


CheckCalendars = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=1000)]],
    Field(
        max_length=10,
        description="Other calendars of the same account whose events also block times "
        "(a personal or family calendar); ids for Google/Microsoft, URLs or names for CalDAV",
    ),
]


class ConnectionIn(BaseModel):
    provider: str = Field(default="caldav", description='"caldav" (Google and Microsoft use '
                          "POST .../calendar/connect/{provider})")
    url: str = Field(min_length=1, max_length=1000)
    username: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1000)
    calendar: str = Field(min_length=1, max_length=1000, description="Calendar URL or name")
    check_calendars: CheckCalendars = []


class WritesOut(BaseModel):
    pending: int = Field(description="Bookings, moves and cancellations not yet in the calendar")
    failed: int = Field(description="Writes given up on (see GET /api/v1/messages)")
    last_error: str | None = Field(description="Why the latest unfinished write failed")


class PushOut(BaseModel):
    state: Literal["off", "active", "failing"] = Field(
        description='"off": no push here (CalDAV, no public https address, or channels still '
        'opening); "active": every watched calendar tells us of its changes at once; '
        '"failing": push is on but a watched calendar has no working channel (its busy '
        "times are still read again when the cache expires)")
    channels: int = Field(description="Live notification channels (one per watched calendar)")
    expires_at: datetime | None = Field(
        description="When the first live channel expires (renewed well before)")
    last_notified_at: datetime | None = Field(
        description="When the provider last told us a calendar changed")


class ConnectionOut(BaseModel):
    provider: str
    provider_name: str
    url: str
    username: str = Field(description="The CalDAV user, or the Google/Microsoft account")
    calendar: str = Field(description="Where our events are written")
    check_calendars: list[str] = Field(description="Other calendars checked for conflicts")
    status: str = Field(description='"ok", or "broken": the calendar refused us; reconnect')
    last_error: str | None
    checked_at: datetime | None
    writes: WritesOut
    push: PushOut = Field(description="Change notifications from Google or Microsoft")


class ConnectIn(BaseModel):
    calendar: str = Field(
        default="", max_length=1000,
        description="Calendar id; empty: the account's primary (Google) or default (Microsoft)",
    )
    return_url: str | None = Field(
        default=None, max_length=2000,
        description="Where the owner's browser goes after consenting (with ?calendar=connected "
        "or ?calendar_error=...); empty: a short page says how it went",
    )


class ConnectOut(BaseModel):
    provider: str
    authorize_url: str = Field(description="Open this in the calendar owner's browser")
    redirect_uri: str = Field(description="Must be registered with the provider's OAuth client")
    expires_at: datetime


class CalendarChoice(BaseModel):
    id: str
    name: str
    primary: bool
    selected: bool = Field(description="Our events are written here")
    checked: bool = Field(description="Its busy time blocks slots")


class ChooseIn(BaseModel):
    calendar: str | None = Field(
        default=None, min_length=1, max_length=1000,
        description="Write our events here (its busy time counts too)",
    )
    check_calendars: CheckCalendars | None = None


def _out(view: connections.ConnectionView) -> ConnectionOut:
    w, p = view.writes, view.push
    return ConnectionOut(
        provider=view.provider,
        provider_name=view.provider_name,
        url=view.url,
        username=view.username,
        calendar=view.calendar,
        check_calendars=view.check_calendars,
        status=view.status,
        last_error=view.last_error,
        checked_at=view.checked_at,
        writes=WritesOut(pending=w.pending, failed=w.failed, last_error=w.last_error),
        push=PushOut(state=p.state, channels=p.channels, expires_at=p.expires_at,
                     last_notified_at=p.last_notified_at),
    )


@router.put(PATH, response_model=ConnectionOut, summary="Connect the resource's CalDAV calendar")
def put_connection(
    resource_id: uuid.UUID,
    body: ConnectionIn,
    tenant: TenantDep,
    factory: FactoryDep,
    settings: SettingsDep,
) -> ConnectionOut:
    if body.provider in OAUTH_PROVIDERS:
        raise InvalidInput(
            f"{PROVIDER_NAMES[body.provider]} connects through its consent page: "
            f"POST {PATH.format(resource_id=resource_id)}/connect/{body.provider} and open the "
            "authorize_url it returns.",
            field="provider",
        )
    if body.provider != "caldav":
        raise InvalidInput(
            f"Unknown calendar provider {body.provider!r}; use caldav, google or microsoft.",
            field="provider",
        )
    login = connections.CalDAVLogin(
        body.url, body.username, body.password, body.calendar, body.check_calendars
    )
    return _out(connections.connect_caldav(factory, tenant, resource_id, login, settings))


def _redirect_uri(request: Request, settings: Settings, provider: str) -> str:
    base = settings.public_base_url.rstrip("/") or str(request.base_url).rstrip("/")
    return base + CALLBACK.format(provider=provider)


@router.post(
    PATH + "/connect/{provider}", response_model=ConnectOut,
    summary="Start connecting a Google or Microsoft calendar (OAuth consent URL)",
)
def start_oauth(
    resource_id: uuid.UUID,
    provider: str,
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    body: ConnectIn | None = None,
) -> ConnectOut:
    body = body or ConnectIn()
    redirect_uri = _redirect_uri(request, settings, provider)
    consent = calendar_oauth.start(
        session, tenant, resource_id, provider, settings, redirect_uri=redirect_uri,
        calendar=body.calendar, return_url=body.return_url or "",
    )
    return ConnectOut(
        provider=provider, authorize_url=consent.authorize_url, redirect_uri=redirect_uri,
        expires_at=consent.expires_at,
    )


def _page(title: str, text: str, status_code: int) -> HTMLResponse:
    head = f"<meta charset='utf-8'><title>{html.escape(title)}</title>"
    body = (
        f"<!doctype html><html><head>{head}</head>"
        "<body style='font-family:system-ui;max-width:36rem;margin:4rem auto'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status_code)


def _back(return_url: str, **params: str) -> RedirectResponse:
    parts = urlsplit(return_url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=303)


@router.get(CALLBACK, include_in_schema=False)
def oauth_callback(
    provider: str,
    factory: FactoryDep,
    settings: SettingsDep,
    state: str = "",
    code: str = "",
    error: str = "",
    error_description: str = "",
) -> Response:
    """Where the provider sends the owner's browser back, with a code (or an error)."""
    pending = calendar_oauth.open_state(state, provider, settings)
    if pending is None:
        return _page(
            "This link has expired",
            "The calendar connection request is unknown or older than 15 minutes. "
            "Start connecting the calendar again.", 400,
        )

    try:
        out = calendar_oauth.finish(factory, pending, settings, code=code, error=error,
                                    error_description=error_description)
    except calendar_oauth.ConsentFailed as exc:
        if pending.return_url:
            return _back(pending.return_url, calendar_error=exc.reason)
        return _page("The calendar was not connected", exc.text, exc.status)
    if pending.return_url:
        return _back(pending.return_url, calendar="connected")
    return _page(
        "Calendar connected",
        f"{out.provider_name} ({out.username}) is connected. Times busy there will not be "
        "offered, and new bookings will appear in it. You can close this page.", 200,
    )


@router.get(PATH, response_model=ConnectionOut, summary="The resource's calendar connection")
def get_connection(resource_id: uuid.UUID, tenant: TenantDep, session: SessionDep,
                   settings: SettingsDep) -> ConnectionOut:
    return _out(connections.get_connection(session, tenant, resource_id, settings))


@router.get(
    PATH + "/calendars", response_model=list[CalendarChoice],
    summary="Calendars of the connected Google or Microsoft account, to choose from",
)
def list_calendars(
    resource_id: uuid.UUID, tenant: TenantDep, session: SessionDep
) -> list[CalendarChoice]:
    found = connections.list_calendars(session, tenant, resource_id)
    return [
        CalendarChoice(id=c.id, name=c.name, primary=c.primary, selected=c.selected,
                       checked=c.checked)
        for c in found
    ]


@router.patch(
    PATH, response_model=ConnectionOut,
    summary="Choose where events are written and which calendars are checked for conflicts",
)
def choose_calendar(
    resource_id: uuid.UUID,
    body: ChooseIn,
    tenant: TenantDep,
    factory: FactoryDep,
    settings: SettingsDep,
) -> ConnectionOut:
    """Same account, other calendars: each new one is read once first (a missing one is a
    422 naming the field); our upcoming events move if the written-to calendar changes."""
    return _out(connections.choose_calendars(
        factory, tenant, resource_id, settings,
        calendar=body.calendar, check_calendars=body.check_calendars,
    ))


@router.delete(PATH, status_code=status.HTTP_204_NO_CONTENT, summary="Disconnect the calendar")
def delete_connection(
    resource_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep, settings: SettingsDep
) -> None:
    """Forget the connection; an OAuth grant is also revoked at the provider (Google).

    Revocation is best effort: a provider that is down does not keep the business
    connected against its wish (the grant can still be removed in the account's settings).
    """
    connections.disconnect(factory, tenant, resource_id, settings)
