"""CalDAV calendars (Radicale, Nextcloud, Fastmail, iCloud, ...) through the ``caldav`` library.

Busy times come from an expanded time-range ``calendar-query`` (RFC 4791 §7.8), not from
a ``free-busy-query``: free/busy answers cannot tell our own events from the owner's,
and ours must be left out (see ``CalendarProvider.busy``). Recurrences are expanded on
the client by the library, so servers without ``<expand>`` support work the same way.

Our events are stored under UID ``<appointment_id>@frontdesk`` with an
``X-FRONTDESK-APPOINTMENT`` property; writes look the UID up first, so an event the
owner's app moved to another href is still updated in place, never doubled.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import icalendar
import niquests
from caldav.collection import Calendar
from caldav.davclient import DAVClient
from caldav.lib import error as dav_error

from frontdesk.calendars.address_guard import AddressPolicy, refusal_behind
from frontdesk.calendars.base import (
    APPOINTMENT_PROPERTY,
    BusyBlock,
    CalendarAddressRefused,
    CalendarAuthError,
    CalendarError,
    CalendarEvent,
    CalendarNotFound,
    CalendarUnavailable,
    event_uid,
)
from frontdesk.calendars.guarded_http import guarded_session

_T = TypeVar("_T")
log = logging.getLogger(__name__)
STRICT = AddressPolicy()  # public hosts only, unless the caller says otherwise
_PRODID = "-//frontdesk//CalDAV adapter//EN"


def _sync(value: _T | Coroutine[Any, Any, _T]) -> _T:
    """The ``caldav`` API is typed for both its sync and async clients; we use the sync one."""
    if isinstance(value, Coroutine):
        value.close()
        raise TypeError("caldav returned a coroutine from a synchronous client")
    return value


# What the library raises when the answer is not CalDAV at all (an HTML page, a JSON
# API, plain text): it finds no XML (lxml's XMLSyntaxError is a SyntaxError), or not the
# elements it looks for, or an event it cannot parse.
_NOT_CALDAV = (AttributeError, IndexError, KeyError, TypeError, ValueError, SyntaxError)


def _http(status: int | None) -> str:
    return f" (HTTP {status})" if status is not None else ""


def _translated(exc: BaseException, action: str) -> CalendarError:
    """The typed calendar error for a failure of the library or the HTTP stack, told in
    our own words (what failed, the HTTP status): never the server's answer or the HTTP
    stack's message, which would hand whatever the address serves — perhaps an internal
    page — to the API caller."""
    if isinstance(exc, dav_error.AuthorizationError):
        return CalendarAuthError(
            f"the CalDAV server rejected the credentials while trying to {action}"
            f"{_http(exc.status)}", provider="caldav", http_status=exc.status,
        )
    if isinstance(exc, dav_error.RateLimitError):
        return CalendarUnavailable(
            f"the CalDAV server is rate limiting us ({action})", provider="caldav")
    if isinstance(exc, dav_error.DAVError):
        kind = CalendarUnavailable if exc.status is None or exc.status >= 500 else CalendarError
        verb = "failed" if kind is CalendarUnavailable else "refused"
        return kind(f"the CalDAV server {verb} to {action}{_http(exc.status)}",
                    provider="caldav", http_status=exc.status)
    refused = refusal_behind(exc)
    if refused is not None:
        # Raised inside the HTTP stack's resolver, for the URL or a redirect's.
        return CalendarAddressRefused(
            f"the calendar server, or one it sent us on to, is off limits: {refused}",
            provider="caldav",
        )
    if isinstance(exc, niquests.exceptions.SSLError):
        return CalendarUnavailable(
            f"could not connect securely to the CalDAV server to {action} (the TLS "
            "handshake failed: does it serve https, with a valid certificate?)",
            provider="caldav",
        )
    if isinstance(exc, TimeoutError | niquests.exceptions.Timeout):
        return CalendarUnavailable(
            f"the CalDAV server did not answer in time to {action} (timed out)",
            provider="caldav",
        )
    if isinstance(exc, OSError):  # niquests' and requests' ConnectionErrors are OSErrors
        return CalendarUnavailable(
            f"could not connect to the CalDAV server to {action}", provider="caldav")
    return CalendarError(
        f"the server at this address did not answer as a CalDAV server when asked to "
        f"{action}; check the address (e.g. https://cloud.example.com/remote.php/dav/)",
        provider="caldav",
    )


@contextmanager
def _mapped_errors(action: str) -> Iterator[None]:
    """Turn the library's and the HTTP stack's failures into the typed calendar errors.

    What really happened goes to the operator's log (at INFO: a calendar that is down
    fails on every read), not to the business's API caller."""
    try:
        yield
    except (dav_error.DAVError, OSError, *_NOT_CALDAV) as exc:
        log.info("CalDAV: could not %s: %r", action, exc)
        raise _translated(exc, action) from exc


def _as_utc(value: date | datetime, zone: tzinfo) -> datetime:
    """A DTSTART/DTEND value as UTC; dates and floating times are read in ``zone``."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def busy_block_of(component: icalendar.Event, zone: tzinfo) -> BusyBlock | None:
    """The time one VEVENT (or one expanded occurrence) blocks, or None if it blocks none.

    Transparent ("show as free") and cancelled events block nothing, nor do events
    frontdesk wrote itself. An all-day event blocks its whole days in ``zone``.
    """
    if APPOINTMENT_PROPERTY in component:
        return None
    if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if "DTSTART" not in component:
        return None
    raw_start: date | datetime = component.decoded("DTSTART")
    raw_end: date | datetime
    if "DTEND" in component:
        raw_end = component.decoded("DTEND")
    elif "DURATION" in component:
        raw_end = raw_start + component.decoded("DURATION")
    elif isinstance(raw_start, datetime):
        return None  # RFC 5545 §3.6.1: a DTSTART-only timed event takes no time.
    else:
        raw_end = raw_start + timedelta(days=1)
    start, end = _as_utc(raw_start, zone), _as_utc(raw_end, zone)
    return BusyBlock(start, end) if end > start else None


def _event_calendar(event: CalendarEvent, sequence: int) -> str:
    cal = icalendar.Calendar()
    cal.add("PRODID", _PRODID)
    cal.add("VERSION", "2.0")
    vevent = icalendar.Event()
    vevent.add("UID", event_uid(event.appointment_id))
    vevent.add("DTSTAMP", datetime.now(UTC))
    vevent.add("DTSTART", event.start.astimezone(UTC))
    vevent.add("DTEND", event.end.astimezone(UTC))
    vevent.add("SUMMARY", event.summary)
    if event.description:
        vevent.add("DESCRIPTION", event.description)
    vevent.add("TRANSP", "OPAQUE")
    vevent.add("SEQUENCE", sequence)
    vevent.add(APPOINTMENT_PROPERTY, event.appointment_id)
    cal.add_component(vevent)
    ical: bytes = cal.to_ical()
    return ical.decode()


class CalDAVProvider:
    """One CalDAV calendar, chosen by its URL or by its display name.

    ``timezone`` is the business's IANA zone: all-day and floating-time events are read
    in it. Calls are synchronous (blocking HTTP); run them off the event loop.
    """

    def __init__(self, url: str, username: str, password: str, calendar_url_or_name: str,
                 *, timezone: str = "UTC", timeout_s: int = 15,
                 address_policy: AddressPolicy = STRICT) -> None:
        if not url or not username or not password or not calendar_url_or_name:
            raise ValueError("CalDAV needs a server url, username, password and calendar")
        self._zone = ZoneInfo(timezone)
        self._calendar_ref = calendar_url_or_name
        self._client = DAVClient(
            url=url, username=username, password=password, timeout=timeout_s,
            # The URL is given: no DNS SRV/well-known discovery, which could redirect us.
            enable_rfc6764=False,
        )
        if not address_policy.allow_private:
            # Every connection the client opens (redirects and server-named URLs
            # included) goes through the policy; see guarded_http.
            self._client.session.close()
            self._client.session = guarded_session(address_policy)
        self._calendar: Calendar | None = None

    def close(self) -> None:
        """Close the client's HTTP connections."""
        self._client.close()

    def _resolve_calendar(self) -> Calendar:
        if self._calendar is not None:
            return self._calendar
        ref = self._calendar_ref
        with _mapped_errors("find the calendar"):
            principal = self._client.principal()  # type: ignore[no-untyped-call]
            calendar: Calendar
            try:
                if ref.startswith(("http://", "https://")):
                    calendar = self._calendar_at(principal, ref)
                    _sync(calendar.get_display_name())  # one PROPFIND: does it exist?
                else:
                    calendar = _sync(principal.calendar(name=ref))
            except dav_error.NotFoundError as exc:
                raise CalendarNotFound(
                    f"no CalDAV calendar {ref!r} for this account", provider="caldav",
                ) from exc
        self._calendar = calendar
        return calendar

    @staticmethod
    def _calendar_at(principal: Any, url: str) -> Calendar:
        try:
            calendar: Calendar = _sync(principal.calendar(cal_url=url))
        except ValueError as exc:
            # The library joins only URLs on the server's own scheme, host and port (no
            # request is made): a calendar elsewhere is not this account's.
            raise CalendarNotFound(
                f"the calendar {url!r} is not on this CalDAV server: give its URL on the "
                "server, or its name", provider="caldav",
            ) from exc
        return calendar

    def busy(self, start: datetime, end: datetime) -> list[BusyBlock]:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("busy() needs timezone-aware start and end")
        if end <= start:
            return []
        calendar = self._resolve_calendar()
        blocks: set[BusyBlock] = set()
        with _mapped_errors("read busy times"):
            # The range in the business's zone, so the library matches all-day events
            # against local days.
            found: list[Any] = _sync(calendar.search(
                start=start.astimezone(self._zone), end=end.astimezone(self._zone),
                event=True, expand=True,
            ))
            # Parsed inside: an unreadable answer is the server's failure, in our words.
            for item in found:
                for component in item.icalendar_instance.walk("VEVENT"):
                    block = busy_block_of(component, self._zone)
                    if block is not None and block.start < end and block.end > start:
                        blocks.add(block)
        return sorted(blocks, key=lambda b: (b.start, b.end))

    def _find(self, calendar: Calendar, appointment_id: str) -> Any | None:
        try:
            return _sync(calendar.get_event_by_uid(event_uid(appointment_id)))
        except dav_error.NotFoundError:
            return None

    def upsert_event(self, event: CalendarEvent) -> str:
        calendar = self._resolve_calendar()
        with _mapped_errors("write an appointment event"):
            existing = self._find(calendar, event.appointment_id)
            if existing is None:
                created = _sync(calendar.add_event(
                    _event_calendar(event, 0), increase_seqno=False))
                return str(created.url)
            # RFC 5545 §3.8.7.4: SEQUENCE moves when the time moves, so attendees'
            # clients take the new time; a retried identical write leaves it alone.
            stored = existing.icalendar_component
            sequence = int(stored.get("SEQUENCE", 0))
            if (_as_utc(stored.decoded("DTSTART"), self._zone) != event.start
                    or _as_utc(stored.decoded("DTEND"), self._zone) != event.end):
                sequence += 1
            existing.data = _event_calendar(event, sequence)
            _sync(existing.save(increase_seqno=False))
            return str(existing.url)

    def delete_event(self, appointment_id: str) -> None:
        calendar = self._resolve_calendar()
        with _mapped_errors("delete an appointment event"):
            existing = self._find(calendar, appointment_id)
            if existing is None:
                return
            try:
                _sync(existing.delete())
            except dav_error.NotFoundError:
                return  # deleted by someone else between our lookup and our DELETE
