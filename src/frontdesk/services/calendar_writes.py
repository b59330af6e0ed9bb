"""What writing our events to a resource's external calendar needs from the database.

The outbox's "calendar" channel (``frontdesk.delivery.calendar_sender``) runs outside any
transaction: it opens a connection's provider here (refreshed OAuth tokens are stored at
once, in their own transaction) and marks a connection broken when its calendar rejects
our credentials.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars.base import CalendarProvider
from frontdesk.calendars.oauth import OAuthTokens
from frontdesk.circuit import Breaker
from frontdesk.services.calendar_providers import (
    calendar_breaker,
    provider_for,
    save_tokens,
    with_calendar,
)
from frontdesk.services.external_busy import ProviderFactory
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarConnection, Tenant


def _token_saver(
    factory: sessionmaker[Session], connection_id: uuid.UUID
) -> Callable[[OAuthTokens], None]:
    def save(tokens: OAuthTokens) -> None:
        with write_session(factory) as session:
            save_tokens(session, connection_id, tokens)

    return save


def open_provider(
    factory: sessionmaker[Session],
    connection_id: uuid.UUID,
    calendar: str | None = None,
    provider_factory: ProviderFactory = provider_for,
) -> tuple[CalendarProvider, Breaker] | None:
    """The provider for the connection's calendar, or for ``calendar``, with its server's
    circuit breaker (for the caller to tell how the call went): one the connection
    used before (our events leave it), reached with the same account and credentials.
    None when the connection is gone; a ``CalendarError`` when no provider can be made;
    ``CircuitOpen`` while the calendar's server is known to be down (``calendar_breaker``:
    the write waits for it rather than spending an attempt)."""
    with factory() as session:
        connection = session.get(CalendarConnection, connection_id)
        if connection is None:
            return None
        guard = calendar_breaker(connection)
        guard.check()
        if calendar is not None:
            connection = with_calendar(connection, calendar)
        tenant = session.get(Tenant, connection.tenant_id)
        timezone = tenant.timezone if tenant is not None else "UTC"
        return provider_factory(connection, timezone,
                                _token_saver(factory, connection_id)), guard


def mark_broken(factory: sessionmaker[Session], connection_id: uuid.UUID, error: str) -> None:
    """The calendar rejected our credentials: writes stop until the connection is fixed."""
    with write_session(factory) as session:
        session.execute(
            update(CalendarConnection)
            .where(CalendarConnection.id == connection_id)
            .values(status="broken", last_error=error[:2000], checked_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
