"""The outbox's "calendar" channel: writes our appointment events to external calendars.

The recipient is the calendar connection's id; the payload says what to write
(``op`` "upsert" or "delete"). A calendar that is down is retried by the worker; one
that rejects our credentials marks its connection broken and fails the message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars.base import (
    CalendarAuthError,
    CalendarError,
    CalendarEvent,
    CalendarProvider,
    CalendarUnavailable,
)
from frontdesk.calendars.oauth import OAuthTokens
from frontdesk.notify.base import OutgoingMessage, PermanentSendError, TransientSendError
from frontdesk.services.calendar_providers import (
    close_provider,
    provider_for,
    save_tokens,
    with_calendar,
)
from frontdesk.services.external_busy import ProviderFactory
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarConnection, Tenant


class CalendarSender:
    name = "calendar"
    channel = "calendar"

    def __init__(
        self, factory: sessionmaker[Session], provider_factory: ProviderFactory = provider_for
    ) -> None:
        self.factory = factory
        self.provider_factory = provider_factory

    def _provider(self, connection_id: uuid.UUID, calendar: str | None = None) -> CalendarProvider:
        with self.factory() as session:
            connection = session.get(CalendarConnection, connection_id)
            if connection is None:
                raise PermanentSendError(f"calendar connection {connection_id} is gone")
            if calendar is not None:
                # A calendar the connection used before (our events leave it): the same
                # account and credentials, another calendar.
                connection = with_calendar(connection, calendar)
            tenant = session.get(Tenant, connection.tenant_id)
            timezone = tenant.timezone if tenant is not None else "UTC"
            try:
                return self.provider_factory(connection, timezone, self._saver(connection_id))
            except CalendarError as exc:
                raise PermanentSendError(exc.detail) from exc

    def _saver(self, connection_id: uuid.UUID) -> Callable[[OAuthTokens], None]:
        def save(tokens: OAuthTokens) -> None:
            # The sender runs outside any transaction: store the refreshed tokens at once.
            with write_session(self.factory) as session:
                save_tokens(session, connection_id, tokens)

        return save

    def _mark_broken(self, connection_id: uuid.UUID, error: str) -> None:
        with write_session(self.factory) as session:
            session.execute(
                update(CalendarConnection)
                .where(CalendarConnection.id == connection_id)
                .values(status="broken", last_error=error[:2000], checked_at=datetime.now(UTC))
                .execution_options(synchronize_session=False)
            )

    def send(self, message: OutgoingMessage) -> str:
        try:
            connection_id = uuid.UUID(message.recipient)
        except ValueError as exc:
            raise PermanentSendError(f"not a calendar connection: {message.recipient!r}") from exc
        payload = message.payload
        op = payload.get("op")
        if op not in ("upsert", "delete"):
            raise PermanentSendError(f"unknown calendar operation {op!r}")
        calendar = payload.get("calendar")
        provider = self._provider(connection_id, str(calendar) if calendar is not None else None)
        try:
            if op == "delete":
                provider.delete_event(str(payload["appointment_id"]))
                return "deleted"
            event = CalendarEvent(
                appointment_id=str(payload["appointment_id"]),
                start=datetime.fromisoformat(str(payload["start"])),
                end=datetime.fromisoformat(str(payload["end"])),
                summary=str(payload.get("summary") or "booked"),
                description=str(payload.get("description") or ""),
            )
            return provider.upsert_event(event)
        except CalendarUnavailable as exc:
            raise TransientSendError(exc.detail) from exc
        except CalendarAuthError as exc:
            self._mark_broken(connection_id, exc.detail)
            raise PermanentSendError(exc.detail) from exc
        except (CalendarError, KeyError, ValueError) as exc:
            detail = exc.detail if isinstance(exc, CalendarError) else str(exc)
            raise PermanentSendError(detail) from exc
        finally:
            close_provider(provider)
