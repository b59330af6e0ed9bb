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
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from frontdesk.calendars.base import CalendarError, CalendarProvider
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

OAUTH_PROVIDERS = ("google", "microsoft")
PROVIDER_NAMES = {"caldav": "CalDAV", "google": "Google Calendar", "microsoft": "Microsoft 365"}

_latest: dict[uuid.UUID, OAuthTokens] = {}
_latest_lock = threading.Lock()


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
    with _latest_lock:
        _latest.pop(connection_id, None)


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
    """The provider that reads and writes ``connection``'s calendar."""
    if connection.provider == "caldav":
        from frontdesk.calendars.caldav_provider import CalDAVProvider

        return CalDAVProvider(
            connection.url,
            connection.username,
            decrypt(connection.secret),
            connection.calendar,
            timezone=timezone,
            timeout_s=10,
        )
    connection_id = connection.id

    def saved(new: OAuthTokens) -> None:
        remember(connection_id, new)
        if on_tokens is not None:
            on_tokens(new)

    return oauth_provider(
        connection.provider, tokens_of(connection), connection.calendar, timezone, saved
    )


def oauth_provider(
    provider: str,
    tokens: OAuthTokens,
    calendar: str,
    timezone: str,
    on_tokens: TokenSaver | None = None,
) -> CalendarProvider:
    """A Google or Microsoft provider for this token set (a connection's, or a new one's)."""
    config = oauth_config(provider)
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
