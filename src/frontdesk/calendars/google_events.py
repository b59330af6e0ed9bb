"""Google Calendar's events as frontdesk reads them: our deterministic event ids, which
events block time (and which of them are ours), and what a Google API error means.

Pure helpers of ``google_provider`` (no client, no I/O), kept apart so the provider
module holds only the client's calls.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from googleapiclient.errors import (  # type: ignore[import-untyped, unused-ignore]
    HttpError,
)

from frontdesk.calendars.base import (
    BusyBlock,
    CalendarAuthError,
    CalendarError,
    CalendarNotFound,
    CalendarUnavailable,
)

PROVIDER = "google"
# The private extended property that marks frontdesk's events (and holds the appointment).
APPOINTMENT_KEY = "frontdeskAppointment"
EVENT_ID_MAX = 1024
# Google's error reasons (errors[].reason, or an ErrorInfo's reason) that mean "slow
# down", compared lower-cased without underscores.
RATE_LIMITS = frozenset({"ratelimitexceeded", "userratelimitexceeded", "quotaexceeded",
                          "dailylimitexceeded", "resourceexhausted"})
# 403 reasons that mean the grant lacks a scope we need: the owner must connect again.
SCOPE_MISSING = frozenset({"insufficientpermissions", "accesstokenscopeinsufficient"})
# Token endpoint errors (RFC 6749 §5.2, and Google's own) that mean "try again later".
TRANSIENT_OAUTH_ERRORS = frozenset({"server_error", "temporarily_unavailable",
                                     "internal_failure"})
# Event types that never mean the owner is busy, whatever their transparency says.
NEVER_BUSY_TYPES = frozenset({"workingLocation", "birthday"})
PAGE = 2500  # the most events.list gives in one page


def google_event_id(appointment_id: str) -> str:
    """The Google event id frontdesk uses for an appointment (deterministic).

    Google event ids are 5-1024 characters of base32hex (``a-v``, ``0-9``). A UUID gives
    ``fd`` and its 32 hex digits; any other id is base32hex-encoded after ``fdn`` (or, if
    that would be too long, its SHA-256 after ``fdh``), so the forms never collide.
    """
    if not appointment_id:
        raise ValueError("appointment_id must not be empty")
    try:
        parsed = uuid.UUID(appointment_id)
    except ValueError:
        parsed = None
    if parsed is not None and str(parsed) == appointment_id.lower():
        return "fd" + parsed.hex
    encoded = base64.b32hexencode(appointment_id.encode()).decode().rstrip("=").lower()
    if 3 + len(encoded) <= EVENT_ID_MAX:
        return "fdn" + encoded
    return "fdh" + hashlib.sha256(appointment_id.encode()).hexdigest()


def calendar_api_root(api_base: str) -> str:
    """Calendar v3's base URL under Google's API root (``https://www.googleapis.com/``).

    The client library's ``api_endpoint`` replaces the whole base URL, service path
    included, so ``calendar/v3/`` is added here unless ``api_base`` already ends in it.
    """
    root = (api_base or "https://www.googleapis.com/").rstrip("/")
    if root.endswith("/calendar/v3"):
        return root + "/"
    return root + "/calendar/v3/"


def stamp(value: datetime, *, round_up: bool = False) -> str:
    """RFC 3339 in UTC to the second (a bound rounded outwards, never inwards)."""
    value = value.astimezone(UTC)
    if value.microsecond:
        value = value.replace(microsecond=0) + (timedelta(seconds=1) if round_up else timedelta())
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def moment(when: object, zone: tzinfo) -> datetime | None:
    """An event's ``start``/``end`` as UTC; an all-day ``date`` is midnight in ``zone``."""
    if not isinstance(when, Mapping):
        return None
    if isinstance(when.get("dateTime"), str):
        value = datetime.fromisoformat(when["dateTime"])
        if value.tzinfo is None:
            named = when.get("timeZone")
            value = value.replace(tzinfo=ZoneInfo(named) if isinstance(named, str) else zone)
        return value.astimezone(UTC)
    if isinstance(when.get("date"), str):
        return datetime.combine(date.fromisoformat(when["date"]), time(), zone).astimezone(UTC)
    return None


def is_ours(event: Mapping[str, Any]) -> bool:
    """Whether frontdesk wrote this event (its private property, or our iCalendar UID)."""
    properties = event.get("extendedProperties")
    private = properties.get("private") if isinstance(properties, Mapping) else None
    if isinstance(private, Mapping) and APPOINTMENT_KEY in private:
        return True
    uid = event.get("iCalUID")
    return isinstance(uid, str) and uid.endswith("@frontdesk")


def busy_block_of(event: Mapping[str, Any], zone: tzinfo) -> BusyBlock | None:
    """The time one Google event (one instance) blocks, or None if it blocks none.

    Cancelled, transparent ("show as available") and declined events block nothing, nor
    do frontdesk's own events. An all-day event blocks its whole days in ``zone``.
    """
    if event.get("status") == "cancelled" or event.get("transparency") == "transparent":
        return None
    if event.get("eventType") in NEVER_BUSY_TYPES or is_ours(event):
        return None
    for attendee in event.get("attendees") or ():
        if (isinstance(attendee, Mapping) and attendee.get("self")
                and attendee.get("responseStatus") == "declined"):
            return None
    try:
        start, end = moment(event.get("start"), zone), moment(event.get("end"), zone)
    except (ValueError, KeyError) as exc:  # a malformed time, or an unknown zone name
        raise CalendarError(
            f"Google Calendar answered an event with an unreadable time: {exc}",
            provider=PROVIDER,
        ) from exc
    if start is None or end is None or end <= start:
        return None
    return BusyBlock(start, end)


def error_reasons(exc: HttpError) -> set[str]:
    """The reasons in Google's error JSON, lower-cased without underscores."""
    try:
        data = json.loads(bytes(exc.content).decode("utf-8"))
    except (ValueError, TypeError):
        return set()
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return set()
    found: set[str] = set()
    for key in ("errors", "details"):
        for item in error.get(key) or ():
            if isinstance(item, dict) and isinstance(item.get("reason"), str):
                found.add(item["reason"].replace("_", "").lower())
    return found


def http_status_of(exc: HttpError) -> int:
    return int(exc.resp.status)


def is_rate_limit(exc: HttpError) -> bool:
    status = http_status_of(exc)
    return status == 429 or (status == 403 and bool(error_reasons(exc) & RATE_LIMITS))


def is_scope_missing(exc: HttpError) -> bool:
    return http_status_of(exc) == 403 and bool(error_reasons(exc) & SCOPE_MISSING)


def http_failure(exc: HttpError, action: str) -> CalendarError:
    status = http_status_of(exc)
    reason = str(getattr(exc, "reason", "") or "")
    if status == 401:
        return CalendarAuthError(
            f"Google Calendar rejected the credentials while trying to {action}",
            provider=PROVIDER, http_status=status,
        )
    if is_scope_missing(exc):
        return CalendarAuthError(
            f"the Google connection lacks the permission to {action}: connect again and "
            "allow calendar access",
            provider=PROVIDER, http_status=status,
        )
    if status >= 500 or status == 408 or is_rate_limit(exc):
        return CalendarUnavailable(
            f"Google Calendar failed to {action} (HTTP {status}: {reason})",
            provider=PROVIDER, http_status=status,
        )
    if status == 404:
        return CalendarNotFound(
            f"Google Calendar has no such calendar for this account ({action})",
            provider=PROVIDER, http_status=status,
        )
    return CalendarError(
        f"Google Calendar refused to {action} (HTTP {status}: {reason})",
        provider=PROVIDER, http_status=status,
    )
