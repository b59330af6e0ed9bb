"""Which provider reads a calendar connection, and where its OAuth tokens live.

A connection's ``secret`` is encrypted at rest: the password for CalDAV, the OAuth token
set (JSON) for Google and Microsoft. Providers refresh access tokens themselves and hand
the new set to a ``TokenSaver``; ``save_tokens`` writes it back. Microsoft rotates refresh
tokens, so the newest set is also kept in this process (``remember``) and preferred over
an older stored one: a token written by a slower request must not be used after a newer
one exists.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from contextlib import nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar, cast

from sqlalchemy import update
from sqlalchemy.orm import Session

from frontdesk.calendars.address_guard import AddressPolicy
from frontdesk.calendars.base import (
    BusyBlock,
    CalendarAuthError,
    CalendarError,
    CalendarEvent,
    CalendarNotFound,
    CalendarProvider,
)
from frontdesk.calendars.oauth import (
    OAuthClientConfig,
    OAuthTokens,
    TokenSaver,
    google_config,
    microsoft_config,
)
from frontdesk.config import Settings, get_settings
from frontdesk.security import decrypt, encrypt
from frontdesk.store.models import CalendarConnection

_T = TypeVar("_T")
OAUTH_PROVIDERS = ("google", "microsoft")
PROVIDER_NAMES = {"caldav": "CalDAV", "google": "Google Calendar", "microsoft": "Microsoft 365"}

_latest: dict[uuid.UUID, OAuthTokens] = {}
_latest_lock = threading.Lock()

# Where this process's CalDAV clients may connect (decision 0012). Public hosts only until
# the app factory hands down the operator's settings (``use_address_policy``).
_address_policy = AddressPolicy()


class ProviderNotConfigured(CalendarError):
    code = "calendar_provider_not_configured"
    status = 409
    title = "This calendar provider is not configured on this server"


def oauth_config(provider: str, settings: Settings | None = None) -> OAuthClientConfig:
    """The OAuth client for ``provider`` from configuration; a clear error when it has none."""
    settings = settings or get_settings()
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
    _evict(connection_id)


def _newest(stored: OAuthTokens, connection_id: uuid.UUID) -> OAuthTokens:
    with _latest_lock:
        known = _latest.get(connection_id)
    if known is None:
        return stored
    floor = datetime.min.replace(tzinfo=UTC)
    return known if (known.expires_at or floor) > (stored.expires_at or floor) else stored


def tokens_of(connection: CalendarConnection) -> OAuthTokens:
    """The connection's OAuth tokens (the newest this process has seen)."""
    return _newest(OAuthTokens.from_json(decrypt(connection.secret)), connection.id)


def save_tokens(session: Session, connection_id: uuid.UUID, tokens: OAuthTokens) -> None:
    """Store a refreshed token set on its connection (in the caller's write transaction)."""
    remember(connection_id, tokens)
    session.execute(
        update(CalendarConnection)
        .where(CalendarConnection.id == connection_id)
        .values(secret=encrypt(tokens.to_json()))
        .execution_options(synchronize_session=False)
    )


def close_provider(provider: CalendarProvider) -> None:
    """Release a provider's HTTP connections (Google's and Microsoft's hold some)."""
    close = getattr(provider, "close", None)
    if callable(close):
        close()


def provider_for(
    connection: CalendarConnection, timezone: str, on_tokens: TokenSaver | None = None
) -> CalendarProvider:
    """The provider that reads and writes ``connection``'s calendar: the connection's
    pooled client, lent to this caller (``close_provider`` gives it back)."""
    return _Borrowed(connection.id, _pooled(connection, timezone), on_tokens)


def watched_calendars(connection: CalendarConnection) -> list[str]:
    """Every calendar whose busy time counts: the one we write to, then the others."""
    seen = [connection.calendar]
    for calendar in connection.check_calendars or []:
        if calendar not in seen:
            seen.append(calendar)
    return seen


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
    connection: CalendarConnection, timezone: str, policy: AddressPolicy | None = None
) -> CalendarProvider:
    """A CalDAV client of its own for ``connection`` (not the pooled one), connecting only
    where ``policy`` (default: this process's, see ``use_address_policy``) allows."""
    from frontdesk.calendars.caldav_provider import CalDAVProvider

    return CalDAVProvider(
        connection.url,
        connection.username,
        decrypt(connection.secret),
        connection.calendar,
        timezone=timezone,
        timeout_s=10,
        address_policy=policy or _address_policy,
    )


# --- one long-lived client per connection ----------------------------------------------
#
# A client per read would open a new HTTP connection each time (against the real services
# a TCP and TLS handshake on every cold search and every booking) and, for CalDAV, find
# the calendar again (principal and calendar-home PROPFINDs: three extra round trips). So
# each connection keeps one client per process, rebuilt when what it was built from
# changes (server, account, calendar, zone, password, OAuth client, refresh token — a
# rotated or reconnected grant) and dropped when the calendar refuses it. Google's client
# serialises its own calls; Graph's httpx client is thread-safe and locks its refreshes;
# a CalDAV client's calls are serialised here.
#
# A shared client cannot know which caller's transaction should store the tokens it
# refreshes, so it reports them to the saver of the call in progress in this thread
# (a context variable set around each call).

_current_saver: ContextVar[TokenSaver | None] = ContextVar("frontdesk_token_saver", default=None)


@dataclass(eq=False)
class _Entry:
    """A pooled client, what it was built from, and how many callers hold it now."""

    key: tuple[str, ...]
    provider: CalendarProvider
    lock: threading.Lock | None
    users: int = 0
    evicted: bool = False


# (connection, calendar) -> entry, least recently used first. Bounded: each client may
# hold an open socket (a file descriptor), and a deployment may have thousands of
# connections; the ones in use stay, the rest reconnect when next needed.
_pool: OrderedDict[tuple[uuid.UUID, str], _Entry] = OrderedDict()
_pool_lock = threading.Lock()


def _retire(entry: _Entry) -> _Entry | None:
    """Take ``entry`` out of service (pool lock held); returns it if it can close now.

    A client still lent to a caller is closed when that caller gives it back, not under
    its feet."""
    entry.evicted = True
    return entry if entry.users == 0 else None


def _close_all(entries: list[_Entry | None]) -> None:
    for entry in entries:
        if entry is not None:
            close_provider(entry.provider)


def clear_pool() -> None:
    """Close and forget every pooled client (tests; a settings change)."""
    with _pool_lock:
        done = [_retire(entry) for entry in _pool.values()]
        _pool.clear()
    _close_all(done)


def _evict(connection_id: uuid.UUID) -> None:
    with _pool_lock:
        keys = [k for k in _pool if k[0] == connection_id]
        done = [_retire(_pool.pop(k)) for k in keys]
    _close_all(done)


def _release(entry: _Entry) -> None:
    with _pool_lock:
        entry.users -= 1
        done = entry if entry.evicted and entry.users == 0 else None
    _close_all([done])


def _pooled(connection: CalendarConnection, timezone: str) -> _Entry:
    """The connection's pooled client for its calendar, lent to the caller (``users``)."""
    connection_id = connection.id
    pool_key = (connection_id, connection.calendar)
    if connection.provider == "caldav":
        key: tuple[str, ...] = (
            "caldav", connection.url, connection.username, connection.calendar, timezone,
            connection.secret,
        )
    else:
        tokens = tokens_of(connection)
        config = oauth_config(connection.provider)
        key = (
            connection.provider, connection.username, connection.calendar, timezone,
            config.client_id, config.token_url, config.api_base, tokens.refresh_token or "",
        )
    with _pool_lock:
        entry = _pool.get(pool_key)
        if entry is not None and entry.key == key:
            _pool.move_to_end(pool_key)
            entry.users += 1
            return entry

    def report(new: OAuthTokens) -> None:
        remember(connection_id, new)
        saver = _current_saver.get()
        if saver is not None:
            saver(new)

    provider: CalendarProvider
    lock: threading.Lock | None = None
    if connection.provider == "caldav":
        provider, lock = caldav_provider(connection, timezone), threading.Lock()
    else:
        provider = oauth_provider(
            connection.provider, tokens, connection.calendar, timezone, report
        )
    fresh = _Entry(key, provider, lock, users=1)
    limit = max(1, get_settings().calendar_clients_max)
    with _pool_lock:
        done = []
        old = _pool.pop(pool_key, None)
        if old is not None:
            done.append(_retire(old))
        _pool[pool_key] = fresh
        while len(_pool) > limit:
            done.append(_retire(_pool.popitem(last=False)[1]))
    _close_all(done)
    return fresh


class ListsCalendars(Protocol):
    """Google's and Microsoft's providers also list the account's calendars."""

    def list_calendars(self) -> list[tuple[str, str, bool]]: ...


class _Borrowed:
    """A pooled client lent for one caller: routes refreshed tokens to that caller's saver;
    a rejected grant evicts the client; closing returns it to the pool (it stays open)."""

    def __init__(
        self, connection_id: uuid.UUID, entry: _Entry, saver: TokenSaver | None
    ) -> None:
        self._connection_id = connection_id
        self._entry = entry
        self._provider = entry.provider
        self._lock = entry.lock
        self._saver = saver
        self._returned = False

    def _run(self, call: Callable[[], _T]) -> _T:
        token = _current_saver.set(self._saver)
        try:
            with self._lock if self._lock is not None else nullcontext():
                return call()
        except (CalendarAuthError, CalendarNotFound):
            # Refused, or the calendar is gone: the next caller starts from scratch.
            _evict(self._connection_id)
            raise
        finally:
            _current_saver.reset(token)

    def busy(self, start: datetime, end: datetime) -> list[BusyBlock]:
        return self._run(lambda: self._provider.busy(start, end))

    def upsert_event(self, event: CalendarEvent) -> str:
        return self._run(lambda: self._provider.upsert_event(event))

    def delete_event(self, appointment_id: str) -> None:
        self._run(lambda: self._provider.delete_event(appointment_id))

    def list_calendars(self) -> list[tuple[str, str, bool]]:
        return self._run(cast(ListsCalendars, self._provider).list_calendars)

    def close(self) -> None:
        """Give the client back to the pool (it stays open for the next caller)."""
        if not self._returned:
            self._returned = True
            _release(self._entry)


def oauth_provider(
    provider: str,
    tokens: OAuthTokens,
    calendar: str,
    timezone: str,
    on_tokens: TokenSaver | None = None,
    *,
    settings: Settings | None = None,
) -> CalendarProvider:
    """A Google or Microsoft provider for this token set (a connection's, or a new one's)."""
    config = oauth_config(provider, settings)
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
