"""A resource's external calendar: connect (CalDAV or OAuth), inspect, choose, disconnect.

CalDAV connects with one ``PUT`` (URL, username, password). Google and Microsoft connect
through OAuth: ``POST .../calendar/connect/{provider}`` returns the consent URL for the
calendar's owner to open; the provider sends the browser back to
``/oauth/callback/{provider}``, which trades the code for tokens, checks that the
calendar can be read, stores the tokens encrypted and writes upcoming appointments to it.

The OAuth ``state`` is the pending request itself (tenant, resource, PKCE verifier,
return URL), sealed with the deployment's key and valid for 15 minutes: nothing is
stored until the owner consents, and a forged or stale state is refused.
"""

from __future__ import annotations

import html
import json
import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, cast
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.api.deps import FactoryDep, SessionDep, SettingsDep, TenantDep
from frontdesk.calendars import oauth
from frontdesk.calendars.address_guard import AddressNotAllowed, AddressPolicy
from frontdesk.calendars.base import (
    CalendarAddressRefused,
    CalendarAuthError,
    CalendarError,
    CalendarNotFound,
    CalendarProvider,
    CalendarUnavailable,
)
from frontdesk.calendars.caldav_provider import CalDAVProvider
from frontdesk.calendars.oauth import OAuthTokens
from frontdesk.config import Settings
from frontdesk.errors import InvalidInput, NotFound
from frontdesk.security import decrypt, encrypt, seal, unseal
from frontdesk.services import calendar_providers
from frontdesk.services.calendar_providers import (
    OAUTH_PROVIDERS,
    PROVIDER_NAMES,
    ListsCalendars,
    address_policy,
    caldav_provider,
    close_provider,
    oauth_config,
    oauth_provider,
    provider_for,
    tokens_of,
    with_calendar,
)
from frontdesk.services.external_busy import DEFAULT_EXTERNAL
from frontdesk.services.lookup import get_scoped
from frontdesk.services.notices.calendar_sync import CHANNEL as CALENDAR_CHANNEL
from frontdesk.services.notices.calendar_sync import resync_resource, withdraw_events
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarConnection, OutboxMessage, Resource, Tenant

log = logging.getLogger(__name__)
router = APIRouter(tags=["calendar connections"])
PATH = "/api/v1/resources/{resource_id}/calendar"
CALLBACK = "/oauth/callback/{provider}"
STATE_MAX_AGE_S = 15 * 60


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


def _writes(session: Session, c: CalendarConnection) -> WritesOut:
    """How the calendar's write-through stands: what is still queued, what was given up."""
    mine = (
        OutboxMessage.tenant_id == c.tenant_id,
        OutboxMessage.channel == CALENDAR_CHANNEL,
        OutboxMessage.recipient == str(c.id),
    )
    counts: dict[str, int] = {
        status: int(n)
        for status, n in session.execute(
            select(OutboxMessage.status, func.count())
            .where(*mine, OutboxMessage.status.in_(("pending", "sending", "failed")))
            .group_by(OutboxMessage.status)
        )
    }
    last_error = session.scalar(
        select(OutboxMessage.last_error)
        .where(*mine, OutboxMessage.status.in_(("pending", "failed")),
               OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.created_at.desc())
        .limit(1)
    )
    return WritesOut(
        pending=counts.get("pending", 0) + counts.get("sending", 0),
        failed=counts.get("failed", 0),
        last_error=last_error,
    )


def _out(c: CalendarConnection, session: Session) -> ConnectionOut:
    return ConnectionOut(
        provider=c.provider,
        provider_name=PROVIDER_NAMES.get(c.provider, c.provider),
        url=c.url,
        username=c.username,
        calendar=c.calendar,
        check_calendars=list(c.check_calendars or []),
        status=c.status,
        last_error=c.last_error,
        checked_at=c.checked_at,
        writes=_writes(session, c),
    )


def _check_readable(provider: CalendarProvider, what: str, field: str = "calendar") -> None:
    """Read the next day's busy times once: refused credentials or calendar fail here."""
    try:
        now = datetime.now(UTC)
        try:
            provider.busy(now, now + timedelta(days=1))
        finally:
            close_provider(provider)
    except CalendarAuthError as exc:
        raise InvalidInput(
            f"{what} rejected the username or password (or the granted access): {exc.detail}",
            field="password",
        ) from exc
    except CalendarNotFound as exc:
        raise InvalidInput(exc.detail, field=field) from exc
    except CalendarAddressRefused as exc:
        # A redirect or a server-named URL led there (the given URLs were checked first).
        raise InvalidInput(exc.detail, field="url") from exc
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    # CalendarUnavailable (503) and other CalendarErrors (502) propagate as they are.


def _store(
    factory: sessionmaker[Session],
    tenant_id: uuid.UUID,
    resource_id: uuid.UUID,
    **values: Any,
) -> ConnectionOut:
    """Create or replace the resource's connection, and queue its upcoming appointments."""
    now = datetime.now(UTC)
    with write_session(factory) as session:
        resource = get_scoped(session, Resource, tenant_id, resource_id)
        row = session.scalar(
            select(CalendarConnection).where(CalendarConnection.resource_id == resource_id)
        )
        before: tuple[str, str, str, str] | None = None
        if row is None:
            row = CalendarConnection(id=uuid.uuid4(), tenant_id=tenant_id, resource_id=resource_id)
            session.add(row)
        else:
            before = (row.provider, row.url, row.username, row.calendar)
        for name, value in values.items():
            setattr(row, name, value)
        tenant = session.get_one(Tenant, tenant_id)
        if (
            before is not None
            and before[:3] == (row.provider, row.url, row.username)
            and before[3] != row.calendar
        ):
            # Same account, another calendar: take our events out of the old one (the
            # account's credentials still reach it). Another account's old calendar is
            # out of reach: its events stay there.
            withdraw_events(session, tenant, row, before[3], now)
        row.status, row.last_error, row.checked_at = "ok", None, now
        resource.has_calendar = True
        tenant.has_calendars = True
        resource.calendar_version += 1  # cached calendars elsewhere must look again
        session.flush()
        calendar_providers.forget(row.id)
        DEFAULT_EXTERNAL.forget(row.id)  # a repaired connection is asked again at once
        if before is None or set(values) - {"check_calendars"}:
            # New, reconnected or moved to another calendar: write the upcoming bookings.
            # Checking other calendars for conflicts changes nothing that is written.
            resync_resource(session, tenant, row, now)
        return _out(row, session)


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
    if not _is_http_url(body.url):
        raise InvalidInput(
            f"{body.url!r} is not a CalDAV server address: give its http(s) URL, e.g. "
            "https://caldav.fastmail.com/ or https://cloud.example.com/remote.php/dav/",
            field="url",
        )
    policy = address_policy(settings)
    _refuse_off_limits(policy, body.url, "url")
    _refuse_off_limits(policy, body.calendar, "calendar")
    for other in body.check_calendars:
        _refuse_off_limits(policy, other, "check_calendars")
    with factory() as session:
        get_scoped(session, Resource, tenant.id, resource_id)
    try:
        provider = CalDAVProvider(
            body.url, body.username, body.password, body.calendar,
            timezone=tenant.timezone, timeout_s=10, address_policy=policy,
        )
    except ValueError as exc:
        raise InvalidInput(str(exc), field="url") from exc
    _check_readable(provider, "The calendar server")  # outside the write transaction
    for other in body.check_calendars:
        _check_readable(
            CalDAVProvider(body.url, body.username, body.password, other,
                           timezone=tenant.timezone, timeout_s=10, address_policy=policy),
            "The calendar server", field="check_calendars",
        )
    return _store(
        factory, tenant.id, resource_id, provider="caldav", url=body.url,
        username=body.username, calendar=body.calendar, secret=encrypt(body.password),
        check_calendars=list(dict.fromkeys(body.check_calendars)),
    )


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        # .port raises ValueError for one that is not a port number.
        return parts.scheme in ("http", "https") and bool(parts.hostname) and (
            parts.port is None or parts.port > 0)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        return False


def _refuse_off_limits(policy: AddressPolicy, address: str, field: str) -> None:
    """A 422 naming ``field`` when ``address`` (a URL; a calendar may also be a name)
    is, or resolves to, a host frontdesk does not connect to (decision 0012)."""
    if not address.startswith(("http://", "https://")):
        return
    try:
        policy.check_url(address)
    except AddressNotAllowed as exc:
        raise InvalidInput(f"The calendar address {exc}.", field=field) from exc
    except ValueError as exc:
        raise InvalidInput(f"{address!r} is not a valid http(s) URL.", field=field) from exc
    except OSError:
        return  # it does not resolve: the read that follows says so, in our words


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
    if provider not in OAUTH_PROVIDERS:
        raise InvalidInput(
            f"{provider!r} does not connect through OAuth; use google or microsoft "
            "(CalDAV connects with PUT .../calendar).", field="provider",
        )
    body = body or ConnectIn()
    if body.return_url and urlsplit(body.return_url).scheme not in ("http", "https"):
        raise InvalidInput("return_url must be an http(s) URL.", field="return_url")
    get_scoped(session, Resource, tenant.id, resource_id)
    config = oauth_config(provider, settings)
    redirect_uri = _redirect_uri(request, settings, provider)
    verifier = oauth.new_code_verifier()
    state = seal(json.dumps({
        "t": str(tenant.id), "r": str(resource_id), "p": provider, "v": verifier,
        "c": body.calendar, "u": body.return_url or "", "ru": redirect_uri,
        "n": secrets.token_urlsafe(8),
    }))
    consent = oauth.authorization_url(config, redirect_uri, state=state, code_verifier=verifier)
    return ConnectOut(
        provider=provider, authorize_url=consent.url, redirect_uri=redirect_uri,
        expires_at=datetime.now(UTC) + timedelta(seconds=STATE_MAX_AGE_S),
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


def _primary_calendar(provider: str, tokens: OAuthTokens, timezone: str) -> str:
    """The account's primary (Google) or default (Microsoft) calendar's own id, so the
    connection names a concrete calendar ("" when the account will not list them)."""
    lister = oauth_provider(provider, tokens, "", timezone)
    try:
        found = cast(ListsCalendars, lister).list_calendars()
    except CalendarError:
        return ""
    finally:
        close_provider(lister)
    return next((cid for cid, _, primary in found if primary), "")


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
    try:
        pending = json.loads(unseal(state, STATE_MAX_AGE_S, settings))
        tenant_id, resource_id = uuid.UUID(pending["t"]), uuid.UUID(pending["r"])
        if pending["p"] != provider:
            raise ValueError("state belongs to another provider")
    except (ValueError, KeyError, TypeError):
        return _page(
            "This link has expired",
            "The calendar connection request is unknown or older than 15 minutes. "
            "Start connecting the calendar again.", 400,
        )
    return_url: str = pending["u"]

    def failed(reason: str, text: str, status_code: int = 400) -> Response:
        if return_url:
            return _back(return_url, calendar_error=reason)
        return _page("The calendar was not connected", text, status_code)

    name = PROVIDER_NAMES[provider]
    if error:
        detail = f" ({error_description})" if error_description else ""
        return failed(error, f"{name} did not grant access: {error}{detail}.")
    if not code:
        return failed("missing_code", f"{name} sent the browser back without a code.")
    try:
        config = oauth_config(provider, settings)
        tokens = oauth.exchange_code(config, pending["ru"], code, pending["v"])
        if not tokens.refresh_token:
            return failed(
                "no_refresh_token",
                f"{name} gave no refresh token, so the calendar could not be kept connected. "
                "Remove frontdesk's access in the account's security settings and connect again.",
            )
        with factory() as session:
            tenant = session.get(Tenant, tenant_id)
            if tenant is None:
                return failed("unknown_business", "The business no longer exists.", 404)
            get_scoped(session, Resource, tenant_id, resource_id)
            timezone = tenant.timezone
        refreshed: list[OAuthTokens] = []
        calendar = pending["c"] or _primary_calendar(provider, tokens, timezone)
        reader = oauth_provider(provider, tokens, calendar, timezone, refreshed.append)
        _check_readable(reader, name)
        tokens = refreshed[-1] if refreshed else tokens
    except InvalidInput as exc:
        return failed("calendar_unreadable", exc.detail)
    except NotFound:
        return failed("unknown_resource", "The staff member or room no longer exists.", 404)
    except CalendarUnavailable as exc:
        return failed("provider_unavailable", f"{exc.detail}. Try again in a few minutes.", 503)
    except CalendarError as exc:
        return failed(exc.code, exc.detail)
    out = _store(
        factory, tenant_id, resource_id, provider=provider, url=config.api_base,
        username=tokens.account or name, calendar=calendar,
        secret=encrypt(tokens.to_json()),
    )
    if return_url:
        return _back(return_url, calendar="connected")
    return _page(
        "Calendar connected",
        f"{name} ({out.username}) is connected. Times busy there will not be offered, and "
        "new bookings will appear in it. You can close this page.", 200,
    )


def _connection(
    session: Session, tenant_id: uuid.UUID, resource_id: uuid.UUID
) -> CalendarConnection:
    get_scoped(session, Resource, tenant_id, resource_id)
    row = session.scalar(
        select(CalendarConnection).where(
            CalendarConnection.resource_id == resource_id,
            CalendarConnection.tenant_id == tenant_id,
        )
    )
    if row is None:
        raise NotFound("This resource has no connected calendar.")
    return row


@router.get(PATH, response_model=ConnectionOut, summary="The resource's calendar connection")
def get_connection(resource_id: uuid.UUID, tenant: TenantDep, session: SessionDep) -> ConnectionOut:
    return _out(_connection(session, tenant.id, resource_id), session)


@router.get(
    PATH + "/calendars", response_model=list[CalendarChoice],
    summary="Calendars of the connected Google or Microsoft account, to choose from",
)
def list_calendars(
    resource_id: uuid.UUID, tenant: TenantDep, session: SessionDep
) -> list[CalendarChoice]:
    row = _connection(session, tenant.id, resource_id)
    if row.provider not in OAUTH_PROVIDERS:
        kind = PROVIDER_NAMES.get(row.provider, row.provider)
        raise InvalidInput(
            f"Listing calendars is not supported for {kind} connections; give the "
            "calendar's URL or name when connecting."
        )
    provider = provider_for(row, tenant.timezone)
    try:
        found: list[tuple[str, str, bool]] = cast(ListsCalendars, provider).list_calendars()
    except CalendarAuthError as exc:
        raise InvalidInput(f"The account rejected our access: {exc.detail}. Reconnect it.") from exc
    finally:
        close_provider(provider)
    selected = row.calendar
    checked = set(row.check_calendars or [])
    out = []
    for cid, name, primary in found:
        is_selected = cid == selected or (not selected and primary)
        out.append(CalendarChoice(
            id=cid, name=name, primary=primary, selected=is_selected,
            checked=is_selected or cid in checked,
        ))
    return out


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
    if body.calendar is None and body.check_calendars is None:
        raise InvalidInput("Give calendar, check_calendars or both.", field="calendar")
    with factory() as session:
        row = _connection(session, tenant.id, resource_id)
        session.expunge(row)
    name = PROVIDER_NAMES.get(row.provider, row.provider)
    tokens = tokens_of(row) if row.provider in OAUTH_PROVIDERS else None
    policy = address_policy(settings)
    if tokens is None:
        _refuse_off_limits(policy, body.calendar or "", "calendar")
        for other in body.check_calendars or []:
            _refuse_off_limits(policy, other, "check_calendars")

    def reader(calendar: str) -> CalendarProvider:
        if tokens is None:
            return caldav_provider(with_calendar(row, calendar), tenant.timezone, policy)
        return oauth_provider(row.provider, tokens, calendar, tenant.timezone)

    changes: dict[str, Any] = {}
    if body.calendar is not None and body.calendar != row.calendar:
        _check_readable(reader(body.calendar), name)
        changes["calendar"] = body.calendar
    if body.check_calendars is not None:
        known = set(row.check_calendars or []) | {row.calendar}
        for other in body.check_calendars:
            if other not in known:
                _check_readable(reader(other), name, field="check_calendars")
        changes["check_calendars"] = list(dict.fromkeys(body.check_calendars))
    return _store(factory, tenant.id, resource_id, **changes)


@router.delete(PATH, status_code=status.HTTP_204_NO_CONTENT, summary="Disconnect the calendar")
def delete_connection(resource_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep) -> None:
    """Forget the connection; an OAuth grant is also revoked at the provider (Google).

    Revocation is best effort: a provider that is down does not keep the business
    connected against its wish (the grant can still be removed in the account's settings).
    """
    with factory() as session:
        row = _connection(session, tenant.id, resource_id)
        provider_name, secret, connection_id = row.provider, row.secret, row.id
    if provider_name in OAUTH_PROVIDERS:
        try:
            tokens = OAuthTokens.from_json(decrypt(secret))
            token = tokens.refresh_token or tokens.access_token
            oauth.revoke(oauth_config(provider_name), token)
        except (CalendarError, ValueError) as exc:
            log.warning("could not revoke the %s grant of connection %s: %s",
                        provider_name, connection_id, exc)
    with write_session(factory) as session:
        resource = get_scoped(session, Resource, tenant.id, resource_id)
        resource.has_calendar = False
        resource.calendar_version += 1
        session.execute(
            delete(CalendarConnection).where(
                CalendarConnection.resource_id == resource_id,
                CalendarConnection.tenant_id == tenant.id,
            )
        )
    calendar_providers.forget(connection_id)
