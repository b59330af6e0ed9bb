"""Query-string time bounds: a date means the business's local day, a naive datetime its
local wall clock, and an offset is taken as given. People type dates; programs send
offsets; both should just work."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from frontdesk.errors import InvalidInput
from frontdesk.services.records import Tenant
from frontdesk.web import bounds


def parse_bound(raw: str, tenant: Tenant, field: str, *, end: bool = False) -> datetime:
    """Parse ``raw`` into a UTC datetime. A date as an end bound includes that whole day."""
    tz = ZoneInfo(tenant.timezone)
    text = raw.strip().replace(" ", "+") if "T" in raw else raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            reason = bounds.year_in_range(day)
            if reason is not None:
                raise InvalidInput(f"'{raw}' in '{field}': {reason}.", field=field)
            if end:
                day += timedelta(days=1)
            return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"'{raw}' in '{field}' is not a date (2026-12-01) or an ISO-8601 datetime "
            "(2026-12-01T09:00:00-05:00).",
            field=field,
        ) from exc
    reason = bounds.year_in_range(value)
    if reason is not None:
        raise InvalidInput(f"'{raw}' in '{field}': {reason}.", field=field)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)
