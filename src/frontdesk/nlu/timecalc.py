"""Calendar arithmetic on aware datetimes, in the wall clock of their zone.

Calendar units (day and up) move the wall clock, so "tomorrow at 9" stays 09:00 across a
daylight-saving change; hours, minutes and seconds are elapsed time.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from frontdesk.nlu.types import Grain

# Finest first; "quarter" only appears inside this package (TimeMention has no quarter).
GRAINS: tuple[str, ...] = ("second", "minute", "hour", "day", "week", "month", "quarter", "year")
_RANK = {g: i for i, g in enumerate(GRAINS)}


def finer(a: str, b: str) -> str:
    return a if _RANK[a] <= _RANK[b] else b


def coarser_than(a: str, b: str) -> bool:
    return _RANK[a] > _RANK[b]


@dataclass(frozen=True, slots=True)
class Period:
    """A resolved time: ``[start, end)``; ``interval`` says how to report it.

    An instant ("tomorrow", "3pm") is the period its grain spans; an interval ("this
    evening", "after 5") is reported by its bounds, either of which may be open (None).
    """

    start: datetime | None
    end: datetime | None
    grain: str
    interval: bool = False


def at(d: date, tz: tzinfo | None, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    extra = timedelta(0)
    if hour >= 24:
        extra, hour = timedelta(days=hour // 24), hour % 24
    dt = datetime.combine(d, time(hour, minute, second), tzinfo=tz) + extra
    return normalize(dt)


def normalize(dt: datetime) -> datetime:
    """Move a wall time that falls in a DST gap to the real instant after it."""
    tz = dt.tzinfo
    if tz is None or isinstance(tz, timezone):
        return dt
    round_trip = dt.astimezone(UTC).astimezone(tz)
    return round_trip if round_trip.replace(tzinfo=None) != dt.replace(tzinfo=None) else dt


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year = d.year + y
    day = min(d.day, calendar.monthrange(year, m + 1)[1])
    return date(year, m + 1, day)


def add(dt: datetime, grain: str, n: int) -> datetime:
    """``dt`` moved by n units; calendar units move the wall clock, others elapsed time."""
    if grain in ("second", "minute", "hour"):
        step = {"second": 1, "minute": 60, "hour": 3600}[grain]
        tz = dt.tzinfo
        return (dt.astimezone(UTC) + timedelta(seconds=step * n)).astimezone(tz)
    if grain == "day":
        d = dt.date() + timedelta(days=n)
    elif grain == "week":
        d = dt.date() + timedelta(weeks=n)
    elif grain in ("month", "quarter", "year"):
        months = {"month": 1, "quarter": 3, "year": 12}[grain] * n
        d = add_months(dt.date(), months)
    else:  # pragma: no cover - grains are a closed set
        raise ValueError(grain)
    return at(d, dt.tzinfo, dt.hour, dt.minute, dt.second)


def truncate(dt: datetime, grain: str) -> datetime:
    d = dt.date()
    if grain == "second":
        return dt.replace(microsecond=0)
    if grain == "minute":
        return dt.replace(second=0, microsecond=0)
    if grain == "hour":
        return dt.replace(minute=0, second=0, microsecond=0)
    if grain == "week":
        d -= timedelta(days=d.weekday())
    elif grain == "month":
        d = d.replace(day=1)
    elif grain == "quarter":
        d = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    elif grain == "year":
        d = date(d.year, 1, 1)
    return at(d, dt.tzinfo)


def period_of(dt: datetime, grain: str, n: int = 0) -> Period:
    """The calendar unit containing ``dt``, moved by n units ("next week": n=1)."""
    start = add(truncate(dt, grain), grain, n) if n else truncate(dt, grain)
    return Period(start, add(start, grain, 1), grain)


def safe_date(y: int, m: int, d: int) -> date | None:
    if not (1 <= y <= 9999 and 1 <= m <= 12 and 1 <= d <= 31):
        return None
    if d > calendar.monthrange(y, m)[1]:
        return None
    return date(y, m, d)


def as_grain(grain: str) -> Grain:
    """The grain TimeMention can carry (it has no quarter: a quarter is three months)."""
    return "month" if grain == "quarter" else grain  # type: ignore[return-value]
