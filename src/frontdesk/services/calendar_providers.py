"""Which provider reads a calendar connection, and where its OAuth tokens live.

A connection's ``secret`` is encrypted at rest: the password for CalDAV, the OAuth token
set (JSON) for Google and Microsoft. Providers refresh access tokens themselves and hand
the new set to a ``TokenSaver``; ``save_tokens`` writes it back. Microsoft rotates refresh
tokens, so the newest set is also kept in this process (``remember``) and preferred over
an older stored one: a token written by a slower request must not be used after a newer
one exists.

Nothing here reads the environment: the app factory (or the CLI) hands this process's
settings down once with ``configure`` (decision 0019); the clients themselves are pooled
in ``services.calendar_pool``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from frontdesk.calendars.address_guard import AddressPolicy
from frontdesk.calendars.base import CalendarError, CalendarProvider
from frontdesk.calendars.oauth import (
    OAuthClientConfig,
    OAuthTokens,
    TokenSaver,
    google_config,
    microsoft_config,
)
from frontdesk.circuit import Breaker, breaker
from frontdesk.config import Settings
from frontdesk.security import decrypt, encrypt
from frontdesk.services.calendar_pool import BorrowedClient, ClientPool, PooledClient, report_tokens
from frontdesk.services.calendar_pool import ListsCalendars as ListsCalendars  # re-exported
from frontdesk.services.calendar_pool import close_provider as close_provider  # re-exported
from frontdesk.store.models import CalendarConnection

OAUTH_PROVIDERS = ("google", "microsoft")
PROVIDER_NAMES = {"caldav": "CalDAV", "google": "Google Calendar", "microsoft": "Microsoft 365"}

_latest: dict[uuid.UUID, OAuthTokens] = {}
_latest_lock = threading.Lock()
_POOL = ClientPool()

# Where this process's CalDAV clients may connect (decision 0012). Public hosts only until
# the app factory hands down the operator's settings (``configure``).
_address_policy = AddressPolicy()

# (connection, tenant timezone) -> a CalDAV client; (provider, tokens, calendar, timezone,
# token saver) -> a Google or Microsoft client.
CalDAVBuilder = Callable[[CalendarConnection, str], CalendarProvider]
OAuthBuilder = Callable[[str, OAuthTokens, str, str, TokenSaver | None], CalendarProvider]


@dataclass(frozen=True, eq=False)
class _Access:
    """What this process's calendar clients are built under: the operator's settings (the
    key of stored secrets, the OAuth clients, the pool's size) and the builders."""

    settings: Settings
    caldav: CalDAVBuilder
    oauth: OAuthBuilder


_access: _Access | None = None


class CalendarsNotConfigured(RuntimeError):
    """A calendar client was needed before the app factory (or the CLI) called
    ``configure``: nothing here reads the environment by itself (decision 0019)."""


def configure(
    settings: Settings,
    *,
    caldav: CalDAVBuilder | None = None,
    oauth: OAuthBuilder | None = None,
) -> None:
    """Build this process's calendar clients under ``settings`` from now on (the app
    factory's and the CLI's call; tests may hand in their own builders). Clients built
    before are closed once their callers give them back, not reused."""
    global _access
    _access = _Access(settings, caldav or caldav_provider, oauth or oauth_provider)
    use_address_policy(address_policy(settings))
    clear_pool()


def clear_pool() -> None:
    """Close and forget every pooled client (tests; a settings change)."""
    _POOL.clear()


def _configured() -> _Access:
    if _access is None:
        raise CalendarsNotConfigured(
            "calendar clients have no settings yet: the app factory (or the CLI) calls "
            "frontdesk.services.calendar_providers.configure(settings) first"
        )
    return _access


def settings_in_use(settings: Settings | None = None) -> Settings:
    """``settings`` if given, else the ones ``configure`` handed down."""
    return settings if settings is not None else _configured().settings


class ProviderNotConfigured(CalendarError):
    code = "calendar_provider_not_configured"
    status = 409
    title = "This calendar provider is not configured on this server"


def oauth_config(provider: str, settings: Settings) -> OAuthClientConfig:
    """The OAuth client for ``provider`` from configuration; a clear error when it has none."""
    if provider == "google":
        config = google_config(
            settings.google_client_id,
            settings.google_client_secret,
            auth_base=settings.google_auth_base,
            token_url=settings.google_token_url,
            revoke_url=settings.google_revoke_url,
            api_base=settings.google_api_base,
        )
        env = "FRONTDESK_GOOGLE_CLIENT_ID and FRONTDESK_GOOGLE_CLIENT_SECRET"
    elif provider == "microsoft":
        config = microsoft_config(
            settings.microsoft_client_id,
            settings.microsoft_client_secret,
            authority=settings.microsoft_authority,
            api_base=settings.microsoft_api_base,
        )
        env = "FRONTDESK_MICROSOFT_CLIENT_ID and FRONTDESK_MICROSOFT_CLIENT_SECRET"
    else:
        raise CalendarError(f"{provider!r} is not an OAuth calendar provider")
    if not config.configured:
        raise ProviderNotConfigured(
            f"{PROVIDER_NAMES[provider]} is not set up on this server: set {env} "
            "(the OAuth client registered with the provider) and restart."
        )
    return config


def remember(connection_id: uuid.UUID, tokens: OAuthTokens) -> None:
    """Keep the newest token set of a connection in this process."""
    with _latest_lock:
        _latest[connection_id] = tokens


def forget(connection_id: uuid.UUID) -> None:
    """Drop what this process keeps for a connection (tokens, client): it was replaced."""
    with _latest_lock:
        _latest.pop(connection_id, None)
    _POOL.evict(connection_id)


def _newest(stored: OAuthTokens, connection_id: uuid.UUID) -> OAuthTokens:
    with _latest_lock:
        known = _latest.get(connection_id)
    if known is None:
        return stored
    floor = datetime.min.replace(tzinfo=UTC)
    return known if (known.expires_at or floor) > (stored.expires_at or floor) else stored


def tokens_of(connection: CalendarConnection, settings: Settings | None = None) -> OAuthTokens:
    """The connection's OAuth tokens (the newest this process has seen)."""
    plain = decrypt(connection.secret, settings_in_use(settings))
    return _newest(OAuthTokens.from_json(plain), connection.id)


def save_tokens(
    session: Session,
    connection_id: uuid.UUID,
    tokens: OAuthTokens,
    settings: Settings | None = None,
) -> None:
    """Store a refreshed token set on its connection (in the caller's write transaction)."""
    remember(connection_id, tokens)
    session.execute(
        update(CalendarConnection)
        .where(CalendarConnection.id == connection_id)
        .values(secret=encrypt(tokens.to_json(), settings_in_use(settings)))
        .execution_options(synchronize_session=False)
    )


def provider_for(
    connection: CalendarConnection, timezone: str, on_tokens: TokenSaver | None = None
) -> CalendarProvider:
    """The provider that reads and writes ``connection``'s calendar: the connection's
    pooled client, lent to this caller (``close_provider`` gives it back)."""
    return BorrowedClient(_POOL, connection.id, _pooled(connection, timezone), on_tokens)


def watched_calendars(connection: CalendarConnection) -> list[str]:
    """Every calendar whose busy time counts: the one we write to, then the others."""
    seen = [connection.calendar]
    for calendar in connection.check_calendars or []:
        if calendar not in seen:
            seen.append(calendar)
    return seen


def calendar_breaker(connection: CalendarConnection) -> Breaker:
    """The circuit breaker of the connection's calendar server: per provider and host
    (a CalDAV server's URL; one for all of Google's, one for all of Microsoft's), shared
    by every business whose calendars live there."""
    return breaker(connection.provider, connection.url if connection.provider == "caldav"
                   else "")


def with_calendar(connection: CalendarConnection, calendar: str) -> CalendarConnection:
    """A detached copy of ``connection`` pointed at another calendar of the same account
    (same credentials); never added to a session, never saved."""
    return CalendarConnection(
        id=connection.id,
        tenant_id=connection.tenant_id,
        resource_id=connection.resource_id,
        provider=connection.provider,
        url=connection.url,
        username=connection.username,
        calendar=calendar,
        check_calendars=[],
        secret=connection.secret,
        status=connection.status,
    )


def address_policy(settings: Settings) -> AddressPolicy:
    """The rule for tenant-given server addresses (CalDAV URLs) under ``settings``."""
    return AddressPolicy(allow_private=settings.calendar_allow_private_hosts)


def use_address_policy(policy: AddressPolicy) -> None:
    """Make ``policy`` the rule this process's CalDAV clients follow (the app factory's
    call); clients built under another rule are closed, not reused."""
    global _address_policy
    if policy != _address_policy:
        _address_policy = policy
        clear_pool()


def caldav_provider(
    connection: CalendarConnection,
    timezone: str,
    policy: AddressPolicy | None = None,
    settings: Settings | None = None,
) -> CalendarProvider:
    """A CalDAV client of its own for ``connection`` (not the pooled one), connecting only
    where ``policy`` (default: this process's, see ``use_address_policy``) allows."""
    from frontdesk.calendars.caldav_provider import CalDAVProvider

    return CalDAVProvider(
        connection.url,
        connection.username,
        decrypt(connection.secret, settings_in_use(settings)),
        connection.calendar,
        timezone=timezone,
        timeout_s=10,
        address_policy=policy or _address_policy,
    )


def _pooled(connection: CalendarConnection, timezone: str) -> PooledClient:
    """The connection's pooled client for its calendar, lent to the caller."""
    access = _configured()
    connection_id = connection.id
    if connection.provider == "caldav":
        key: tuple[str, ...] = (
            "caldav", connection.url, connection.username, connection.calendar, timezone,
            connection.secret,
        )
    else:
        tokens = tokens_of(connection, access.settings)
        config = oauth_config(connection.provider, access.settings)
        key = (
            connection.provider, connection.username, connection.calendar, timezone,
            config.client_id, config.token_url, config.api_base, tokens.refresh_token or "",
        )

    def report(new: OAuthTokens) -> None:
        remember(connection_id, new)
        report_tokens(new)

    def build() -> tuple[CalendarProvider, threading.Lock | None]:
        if connection.provider == "caldav":
            return access.caldav(connection, timezone), threading.Lock()
        client = access.oauth(connection.provider, tokens, connection.calendar, timezone, report)
        return client, None

    return _POOL.lend(
        (connection_id, connection.calendar), key, build, access.settings.calendar_clients_max
    )


def oauth_provider(
    provider: str,
    tokens: OAuthTokens,
    calendar: str,
    timezone: str,
    on_tokens: TokenSaver | None = None,
    *,
    settings: Settings | None = None,
) -> CalendarProvider:
    """A Google or Microsoft provider for this token set (a connection's, or a new one's);
    ``settings``: the caller's, else this process's (``configure``)."""
    config = oauth_config(provider, settings_in_use(settings))
    # Imported here: the Google client library is heavy, and most servers never use it.
    if provider == "google":
        from frontdesk.calendars.google_provider import GoogleCalendarProvider

        return GoogleCalendarProvider(
            config, tokens, calendar or "primary", timezone=timezone, on_tokens=on_tokens
        )
    from frontdesk.calendars.microsoft_provider import MicrosoftCalendarProvider

    return MicrosoftCalendarProvider(
        config, tokens, calendar, timezone=timezone, on_tokens=on_tokens
    )
