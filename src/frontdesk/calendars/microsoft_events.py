"""Microsoft Graph's calendar items as frontdesk reads them: which items block time (and
which are ours), Graph's date and time forms (with the Windows zone names it may answer
with), and what a Graph error says.

Pure helpers of ``microsoft_provider`` (no client, no I/O), kept apart so the provider
module holds only the client's calls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from datetime import timezone as fixed_offset
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from frontdesk.calendars.base import BusyBlock, CalendarError

PROVIDER = "microsoft"
DEFAULT_API_BASE = "https://graph.microsoft.com/v1.0"

# Our events' marker: a string named property in frontdesk's own property set (see above).
PROPERTY_SET_GUID = "66f5a359-4659-4830-9070-00047ec6ac6e"
APPOINTMENT_PROPERTY_ID = f"String {{{PROPERTY_SET_GUID}}} Name frontdeskAppointment"

PREFER_UTC = 'outlook.timezone="UTC"'
BUSY_FIELDS = "subject,start,end,showAs,isAllDay,isCancelled,responseStatus"
PAGE_SIZE = 100
# A calendar view longer than this many pages is a paging loop, not a calendar.
MAX_PAGES = 500
# All-day events are matched by Graph in their own zone: zones differ by at most 26 hours.
ALL_DAY_SLACK = timedelta(days=2)

NOT_BUSY_SHOW_AS = frozenset({"free", "workingelsewhere"})
GRAPH_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)
# Windows zone names Graph may answer with when the Prefer header was not honoured.
WINDOWS_ZONES: Mapping[str, str] = {
    "utc": "UTC",
    "coordinated universal time": "UTC",
    "gmt standard time": "Europe/London",
    "greenwich standard time": "Atlantic/Reykjavik",
    "w. europe standard time": "Europe/Berlin",
    "romance standard time": "Europe/Paris",
    "central europe standard time": "Europe/Budapest",
    "central european standard time": "Europe/Warsaw",
    "e. europe standard time": "Europe/Chisinau",
    "gtb standard time": "Europe/Bucharest",
    "fle standard time": "Europe/Kiev",
    "russian standard time": "Europe/Moscow",
    "eastern standard time": "America/New_York",
    "central standard time": "America/Chicago",
    "mountain standard time": "America/Denver",
    "us mountain standard time": "America/Phoenix",
    "pacific standard time": "America/Los_Angeles",
    "alaskan standard time": "America/Anchorage",
    "hawaiian standard time": "Pacific/Honolulu",
    "atlantic standard time": "America/Halifax",
    "e. south america standard time": "America/Sao_Paulo",
    "sa pacific standard time": "America/Bogota",
    "central standard time (mexico)": "America/Mexico_City",
    "india standard time": "Asia/Kolkata",
    "china standard time": "Asia/Shanghai",
    "tokyo standard time": "Asia/Tokyo",
    "singapore standard time": "Asia/Singapore",
    "aus eastern standard time": "Australia/Sydney",
    "new zealand standard time": "Pacific/Auckland",
}


def utc_param(value: datetime, *, round_up: bool = False) -> str:
    """An ISO 8601 UTC instant to whole seconds (rounded outwards) for a query parameter."""
    value = value.astimezone(UTC)
    if round_up and value.microsecond:
        value += timedelta(seconds=1)
    return value.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def zone_named(name: str) -> tzinfo | None:
    key = name.strip()
    mapped = WINDOWS_ZONES.get(key.lower())
    if mapped is not None:
        key = mapped
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_graph_datetime(value: object) -> tuple[datetime, bool]:
    """A Graph ``dateTime`` string as a datetime, and whether it carried its own offset.

    Graph writes 7 fractional digits ("2026-03-02T15:00:00.0000000"); more than the 6
    that Python keeps are cut off.
    """
    if not isinstance(value, str):
        raise CalendarError(f"Microsoft Graph sent a dateTime that is not a string: {value!r}",
                            provider=PROVIDER)
    match = GRAPH_DATETIME.match(value.strip())
    if match is None:
        raise CalendarError(f"Microsoft Graph sent an unreadable dateTime {value!r}",
                            provider=PROVIDER)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    zone: tzinfo | None = None
    if offset == "Z":
        zone = UTC
    elif offset:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        zone = fixed_offset(timedelta(minutes=sign * (int(digits[:2]) * 60 + int(digits[2:]))))
    try:
        parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                          int(second or 0), micro, tzinfo=zone)
    except ValueError as exc:
        raise CalendarError(f"Microsoft Graph sent an impossible dateTime {value!r}",
                            provider=PROVIDER) from exc
    return parsed, zone is not None


def graph_instant(value: object) -> datetime:
    """A Graph ``dateTimeTimeZone`` object (``{"dateTime", "timeZone"}``) as UTC."""
    if not isinstance(value, Mapping):
        raise CalendarError(f"Microsoft Graph sent a time that is not an object: {value!r}",
                            provider=PROVIDER)
    parsed, has_offset = parse_graph_datetime(value.get("dateTime"))
    if not has_offset:
        zone_name = str(value.get("timeZone") or "UTC")
        zone = zone_named(zone_name)
        if zone is None:
            raise CalendarError(
                f"Microsoft Graph answered in a time zone we cannot read: {zone_name!r}",
                provider=PROVIDER,
            )
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def graph_date(value: object) -> date:
    """The calendar date of an all-day event's start or end (its time is always midnight)."""
    if not isinstance(value, Mapping):
        raise CalendarError(f"Microsoft Graph sent a time that is not an object: {value!r}",
                            provider=PROVIDER)
    return parse_graph_datetime(value.get("dateTime"))[0].date()


def is_ours(item: Mapping[str, Any]) -> bool:
    wanted = APPOINTMENT_PROPERTY_ID.lower()
    for prop in item.get("singleValueExtendedProperties") or ():
        if (isinstance(prop, Mapping)
                and " ".join(str(prop.get("id", "")).split()).lower() == wanted
                and prop.get("value")):
            return True
    return False


def busy_block_of(item: Mapping[str, Any], zone: tzinfo) -> BusyBlock | None:
    """The time one calendarView event blocks, or None if it blocks none.

    Events shown as free or working elsewhere, cancelled ones, invitations the owner
    declined and events frontdesk wrote itself block nothing; tentative, busy, away and
    unknown do. An all-day event blocks its whole days in ``zone``.
    """
    if item.get("isCancelled") is True:
        return None
    if str(item.get("showAs") or "busy").lower() in NOT_BUSY_SHOW_AS:
        return None
    response = item.get("responseStatus")
    if isinstance(response, Mapping) and str(response.get("response", "")).lower() == "declined":
        return None
    if is_ours(item):
        return None
    if item.get("isAllDay") is True:
        first, last = graph_date(item.get("start")), graph_date(item.get("end"))
        if last <= first:
            last = first + timedelta(days=1)
        start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(last, time(), tzinfo=zone).astimezone(UTC)
    else:
        start, end = graph_instant(item.get("start")), graph_instant(item.get("end"))
    return BusyBlock(start, end) if end > start else None


def odata_string(value: str) -> str:
    """A string literal for an OData ``$filter`` (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def origin(url: str) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port


def graph_error(response: httpx.Response) -> tuple[str, str]:
    """Graph's ``{"error": {"code", "message"}}``, as far as the body has one."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:200]
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            return str(error.get("code") or ""), str(error.get("message") or "")
        if isinstance(error, str):  # the identity platform's shape, from a proxy
            return error, str(body.get("error_description") or "")
    return "", ""
