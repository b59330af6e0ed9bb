"""What the booking core needs from an external calendar: busy times in, our events out.

A provider speaks only ``BusyBlock`` and ``CalendarEvent`` to the rest of frontdesk; its
SDK's types and errors stay inside its own module. Errors are typed so that callers can
tell "the calendar says you are free" from "we could not ask": an unreachable or
unauthorised calendar must never be read as an empty one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from frontdesk.errors import FrontdeskError

# Our events carry this property and a UID derived from the appointment, so they can be
# found again (idempotent writes) and told apart from the owner's own events.
APPOINTMENT_PROPERTY = "X-FRONTDESK-APPOINTMENT"


def event_uid(appointment_id: str) -> str:
    """The iCalendar UID of the event frontdesk writes for an appointment."""
    return f"{appointment_id}@frontdesk"


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


class CalendarError(FrontdeskError):
    """An external calendar could not be read or written."""

    code = "calendar_error"
    status = 502
    title = "The external calendar failed"


class CalendarUnavailable(CalendarError):
    """Transient: connection refused or reset, timeout, rate limit or a 5xx. Retry later."""

    code = "calendar_unavailable"
    status = 503
    title = "The external calendar is unavailable"


class CalendarAuthError(CalendarError):
    """The calendar rejected our credentials: the connection is broken until fixed.

    Not transient, and never to be read as "no busy times": show the connection as
    broken to the business owner and stop offering times that depend on it.
    """

    code = "calendar_auth_failed"
    title = "The external calendar rejected the credentials"


class CalendarAddressRefused(CalendarError):
    """The calendar's server is, resolves to, or sent us on to an address frontdesk does
    not connect to (loopback, private, link-local, ...): see ``address_guard``.

    Not transient: it stays refused until the address, or the operator's setting, changes.
    """

    code = "calendar_address_refused"
    status = 422
    title = "The calendar server's address is not allowed"


class CalendarNotFound(CalendarError):
    """The configured calendar (by URL or name) does not exist for these credentials."""

    code = "calendar_not_found"
    title = "The configured external calendar does not exist"


@dataclass(frozen=True, slots=True)
class BusyBlock:
    """A time the calendar's owner is busy, as UTC-aware datetimes, ``start < end``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if self.end <= self.start:
            raise ValueError(f"empty busy block {self.start.isoformat()}..{self.end.isoformat()}")


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """The event frontdesk keeps in an external calendar for one appointment."""

    appointment_id: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""

    def __post_init__(self) -> None:
        if not self.appointment_id:
            raise ValueError("appointment_id must not be empty")
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if self.end <= self.start:
            raise ValueError("an event must end after it starts")


class CalendarProvider(Protocol):
    """One external calendar (one resource's), behind its provider's API.

    Every method raises ``CalendarUnavailable`` or ``CalendarAuthError`` (or another
    ``CalendarError``) instead of returning a guess.
    """

    def busy(self, start: datetime, end: datetime) -> list[BusyBlock]:
        """Busy blocks overlapping ``[start, end)``, sorted, in UTC.

        Events written by frontdesk itself are left out: the booking core already holds
        them as appointments, and counting them twice would block an appointment from
        being moved onto (part of) its own time.
        """
        ...

    def upsert_event(self, event: CalendarEvent) -> str:
        """Create or update the event for ``event.appointment_id``; return its id (href).

        Idempotent by appointment: writing the same appointment twice updates the one
        event, it never makes a second.
        """
        ...

    def delete_event(self, appointment_id: str) -> None:
        """Remove the appointment's event; an event that is already gone is not an error."""
        ...
