"""A resource's external calendar connection: connect (CalDAV), inspect, choose, disconnect.

A connection is stored only after its calendar answered one read (outside the write
transaction: a slow calendar server never holds the database's write lock). Storing it
queues the upcoming appointments for the calendar; pointing it at another calendar of the
same account takes our events out of the old one. Google and Microsoft connect through
OAuth consent first: ``services.calendar_oauth``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars import oauth
from frontdesk.calendars.base import (
    CalendarAuthError,
    CalendarError,
    CalendarProvider,
)
from frontdesk.calendars.caldav_provider import CalDAVProvider
from frontdesk.calendars.oauth import OAuthTokens
from frontdesk.config import Settings
from frontdesk.errors import InvalidInput, NotFound
from frontdesk.security import decrypt, encrypt
from frontdesk.services import calendar_providers, calendar_push
from frontdesk.services.calendar_checks import check_readable, is_http_url, refuse_off_limits
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
from frontdesk.services.calendar_push_status import PushStatus, push_status
from frontdesk.services.external_busy import DEFAULT_EXTERNAL
from frontdesk.services.lookup import get_scoped
from frontdesk.services.notices.calendar_sync import CHANNEL as CALENDAR_CHANNEL
from frontdesk.services.notices.calendar_sync import resync_resource, withdraw_events
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarConnection, OutboxMessage, Resource, Tenant

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WritesStatus:
    """How the calendar's write-through stands: what is still queued, what was given up."""

    pending: int
    failed: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class ConnectionView:
    provider: str
    provider_name: str
    url: str
    username: str
    calendar: str
    check_calendars: list[str]
    status: str
    last_error: str | None
    checked_at: datetime | None
    writes: WritesStatus
    push: PushStatus


@dataclass(frozen=True, slots=True)
class CalendarChoice:
    """One calendar of the connected account, and what we do with it."""

    id: str
    name: str
    primary: bool
    selected: bool
    checked: bool


@dataclass(frozen=True, slots=True)
class CalDAVLogin:
    url: str
    username: str
    password: str
    calendar: str
    check_calendars: Sequence[str] = ()


def _writes(session: Session, c: CalendarConnection) -> WritesStatus:
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
    return WritesStatus(
        pending=counts.get("pending", 0) + counts.get("sending", 0),
        failed=counts.get("failed", 0),
        last_error=last_error,
    )


def _view(session: Session, c: CalendarConnection,
          settings: Settings | None = None) -> ConnectionView:
    return ConnectionView(
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
        push=push_status(session, c, calendar_providers.settings_in_use(settings)),
    )


def store_connection(
    factory: sessionmaker[Session],
    tenant_id: uuid.UUID,
    resource_id: uuid.UUID,
    **values: Any,
) -> ConnectionView:
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
        view = _view(session, row)
    if row.provider in OAUTH_PROVIDERS:
        # Its calendars' change channels, off this request (Graph calls us back first).
        calendar_push.start_soon(factory, calendar_providers.settings_in_use(), row.id)
    return view


def connect_caldav(
    factory: sessionmaker[Session],
    tenant: Tenant,
    resource_id: uuid.UUID,
    login: CalDAVLogin,
    settings: Settings,
) -> ConnectionView:
    """Connect the resource to a CalDAV calendar, once it (and every calendar checked for
    conflicts) answered a read with these credentials."""
    if not is_http_url(login.url):
        raise InvalidInput(
            f"{login.url!r} is not a CalDAV server address: give its http(s) URL, e.g. "
            "https://caldav.fastmail.com/ or https://cloud.example.com/remote.php/dav/",
            field="url",
        )
    policy = address_policy(settings)
    refuse_off_limits(policy, login.url, "url")
    refuse_off_limits(policy, login.calendar, "calendar")
    for other in login.check_calendars:
        refuse_off_limits(policy, other, "check_calendars")
    with factory() as session:
        get_scoped(session, Resource, tenant.id, resource_id)

    def reader(calendar: str) -> CalendarProvider:
        return CalDAVProvider(
            login.url, login.username, login.password, calendar,
            timezone=tenant.timezone, timeout_s=10, address_policy=policy,
        )

    try:
        provider = reader(login.calendar)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="url") from exc
    check_readable(provider, "The calendar server")  # outside the write transaction
    for other in login.check_calendars:
        check_readable(reader(other), "The calendar server", field="check_calendars")
    return store_connection(
        factory, tenant.id, resource_id, provider="caldav", url=login.url,
        username=login.username, calendar=login.calendar,
        secret=encrypt(login.password, settings),
        check_calendars=list(dict.fromkeys(login.check_calendars)),
    )


def _find(session: Session, tenant_id: uuid.UUID, resource_id: uuid.UUID) -> CalendarConnection:
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


def get_connection(session: Session, tenant: Tenant, resource_id: uuid.UUID,
                   settings: Settings | None = None) -> ConnectionView:
    """The resource's connection, how its writes and its push notifications stand
    (NotFound without one). ``settings``: the request's (default: the process's)."""
    return _view(session, _find(session, tenant.id, resource_id), settings)


def list_calendars(
    session: Session, tenant: Tenant, resource_id: uuid.UUID
) -> list[CalendarChoice]:
    """The connected Google or Microsoft account's calendars, to choose from."""
    row = _find(session, tenant.id, resource_id)
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


def choose_calendars(
    factory: sessionmaker[Session],
    tenant: Tenant,
    resource_id: uuid.UUID,
    settings: Settings,
    *,
    calendar: str | None,
    check_calendars: Sequence[str] | None,
) -> ConnectionView:
    """Same account, other calendars: each new one is read once first (a missing one is a
    422 naming the field); our upcoming events move if the written-to calendar changes."""
    if calendar is None and check_calendars is None:
        raise InvalidInput("Give calendar, check_calendars or both.", field="calendar")
    with factory() as session:
        row = _find(session, tenant.id, resource_id)
        session.expunge(row)
    name = PROVIDER_NAMES.get(row.provider, row.provider)
    tokens = tokens_of(row, settings) if row.provider in OAUTH_PROVIDERS else None
    policy = address_policy(settings)
    if tokens is None:
        refuse_off_limits(policy, calendar or "", "calendar")
        for other in check_calendars or []:
            refuse_off_limits(policy, other, "check_calendars")

    def reader(wanted: str) -> CalendarProvider:
        if tokens is None:
            return caldav_provider(with_calendar(row, wanted), tenant.timezone, policy, settings)
        return oauth_provider(row.provider, tokens, wanted, tenant.timezone, settings=settings)

    changes: dict[str, Any] = {}
    if calendar is not None and calendar != row.calendar:
        check_readable(reader(calendar), name)
        changes["calendar"] = calendar
    if check_calendars is not None:
        known = set(row.check_calendars or []) | {row.calendar}
        for other in check_calendars:
            if other not in known:
                check_readable(reader(other), name, field="check_calendars")
        changes["check_calendars"] = list(dict.fromkeys(check_calendars))
    return store_connection(factory, tenant.id, resource_id, **changes)


def disconnect(
    factory: sessionmaker[Session], tenant: Tenant, resource_id: uuid.UUID, settings: Settings
) -> None:
    """Forget the connection; an OAuth grant is also revoked at the provider (Google).

    Revocation is best effort: a provider that is down does not keep the business
    connected against its wish (the grant can still be removed in the account's settings).
    """
    with factory() as session:
        row = _find(session, tenant.id, resource_id)
        provider_name, secret, connection_id = row.provider, row.secret, row.id
    if provider_name in OAUTH_PROVIDERS:
        # Before the grant goes: stopping a channel needs it (best effort, like revoking).
        calendar_push.stop_channels(factory, settings, connection_id)
        try:
            tokens = OAuthTokens.from_json(decrypt(secret, settings))
            token = tokens.refresh_token or tokens.access_token
            oauth.revoke(oauth_config(provider_name, settings), token)
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
