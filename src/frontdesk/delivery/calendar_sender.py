"""The outbox's "calendar" channel: writes our appointment events to external calendars.

The recipient is the calendar connection's id; the payload says what to write
(``op`` "upsert" or "delete"). A calendar that is down is retried by the worker; one
that rejects our credentials marks its connection broken and fails the message. While a
calendar server's circuit breaker is open, writes to it wait without being tried.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars.base import (
    CalendarAuthError,
    CalendarError,
    CalendarEvent,
    CalendarProvider,
    CalendarUnavailable,
)
from frontdesk.circuit import Breaker
from frontdesk.senders.base import OutgoingMessage, PermanentSendError, TransientSendError
from frontdesk.services.calendar_providers import close_provider, provider_for
from frontdesk.services.calendar_writes import mark_broken, open_provider
from frontdesk.services.external_busy import ProviderFactory


class CalendarSender:
    name = "calendar"
    channel = "calendar"

    def __init__(
        self, factory: sessionmaker[Session], provider_factory: ProviderFactory = provider_for
    ) -> None:
        self.factory = factory
        self.provider_factory = provider_factory

    def _provider(
        self, connection_id: uuid.UUID, calendar: str | None = None
    ) -> tuple[CalendarProvider, Breaker]:
        """The calendar's provider and its server's breaker; ``CircuitOpen`` while that
        server is known to be down (the worker defers the write)."""
        try:
            opened = open_provider(self.factory, connection_id, calendar, self.provider_factory)
        except CalendarError as exc:
            raise PermanentSendError(exc.detail) from exc
        if opened is None:
            raise PermanentSendError(f"calendar connection {connection_id} is gone")
        return opened

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
        provider, guard = self._provider(
            connection_id, str(calendar) if calendar is not None else None)
        try:
            if op == "delete":
                provider.delete_event(str(payload["appointment_id"]))
                guard.succeeded()
                return "deleted"
            event = CalendarEvent(
                appointment_id=str(payload["appointment_id"]),
                start=datetime.fromisoformat(str(payload["start"])),
                end=datetime.fromisoformat(str(payload["end"])),
                summary=str(payload.get("summary") or "booked"),
                description=str(payload.get("description") or ""),
            )
            href = provider.upsert_event(event)
            guard.succeeded()
            return href
        except CalendarUnavailable as exc:
            guard.failed()
            raise TransientSendError(exc.detail) from exc
        except CalendarAuthError as exc:
            guard.succeeded()  # the server answered: our credentials are the trouble
            mark_broken(self.factory, connection_id, exc.detail)
            raise PermanentSendError(exc.detail) from exc
        except (CalendarError, KeyError, ValueError) as exc:
            detail = exc.detail if isinstance(exc, CalendarError) else str(exc)
            raise PermanentSendError(detail) from exc
        finally:
            close_provider(provider)
