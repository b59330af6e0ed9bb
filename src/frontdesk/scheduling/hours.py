"""Turn weekly wall-clock rules and dated exceptions into real UTC working intervals.

Wall-clock times are read in the tenant's zone with ``zoneinfo`` and converted per date,
so a rule keeps its local meaning across DST changes: 09:00-17:00 is 8 real hours on the
day clocks spring forward, and 00:00-03:00 is 2 real hours that day but 4 real hours on
the day they fall back (01:00-02:00 happens twice).

Wall times that do not exist (in the spring-forward gap) are read as PEP 495 ``fold=0``
does: with the UTC offset in force *before* the change. In America/New_York on
2026-03-08, 02:30 is therefore the instant 07:30 UTC, i.e. 03:30 EDT, and a rule 02:00-03:00
that day covers no time at all. Ambiguous wall times (the repeated hour on fall-back
day) also use ``fold=0``, the first occurrence, so 01:00-02:00 on 2026-11-01 in New York
covers both passes through that hour. ``fold`` on the rule's own times is ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from frontdesk.scheduling.intervals import clip, subtract
from frontdesk.scheduling.types import DateException, Interval, WeeklyRule

__all__ = ["working_intervals"]

_ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0)


def working_intervals(
    rules: Sequence[WeeklyRule],
    exceptions: Sequence[DateException],
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
) -> list[Interval]:
    """Working time in ``[start, end)`` as sorted, disjoint, UTC-aware intervals.

    For each local date: the weekly rules of its weekday plus "extra" exceptions covering
    it, minus "off" exceptions covering it (time off wins). Touching pieces are merged,
    so 09:00-12:00 plus an extra 12:00-14:00 is one interval 09:00-14:00.

    Raises ValueError for naive ``start``/``end``, for a rule or exception whose end is not
    after its start (``end == time(0)`` means midnight at the end of the day), for a
    weekday outside 0..6, for an unknown exception kind, for ``start_date > end_date``,
    and for an exception with only one of ``start``/``end``, or an "extra" one with neither.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    for rule in rules:
        _check_rule(rule)
    for exception in exceptions:
        _check_exception(exception)
    if end <= start:
        return []

    # Each local date's hours lie within that date's own midnights, so the local dates of
    # ``start`` and ``end`` already bound the days that matter; one more day on each side
    # is cheap insurance near midnight (and in zones whose DST change is at midnight).
    # Clipping trims the excess.
    first_day = start.astimezone(tz).date() - _ONE_DAY
    last_day = end.astimezone(tz).date() + _ONE_DAY
    relevant = [e for e in exceptions if e.start_date <= last_day and e.end_date >= first_day]
    by_weekday: dict[int, list[WeeklyRule]] = {}
    for rule in rules:
        by_weekday.setdefault(rule.weekday, []).append(rule)

    working: list[Interval] = []
    off: list[Interval] = []
    day = first_day
    while day <= last_day:
        for rule in by_weekday.get(day.weekday(), ()):
            working.append(_local_span(day, rule.start, rule.end, tz))
        for exception in relevant:
            if not exception.start_date <= day <= exception.end_date:
                continue
            target = working if exception.kind == "extra" else off
            if exception.start is None or exception.end is None:
                target.append(_local_span(day, _MIDNIGHT, _MIDNIGHT, tz))
            else:
                target.append(_local_span(day, exception.start, exception.end, tz))
        day += _ONE_DAY

    # subtract() merges both sides and drops spans that came out empty (DST gap).
    return clip(subtract(working, off), start.astimezone(UTC), end.astimezone(UTC))


def _local_span(day: date, start: time, end: time, tz: ZoneInfo) -> Interval:
    """Wall-clock ``start``-``end`` on ``day`` in ``tz`` as a UTC interval."""
    begin = datetime.combine(day, start.replace(tzinfo=None, fold=0), tzinfo=tz)
    if end == _MIDNIGHT:
        finish = datetime.combine(day + _ONE_DAY, _MIDNIGHT, tzinfo=tz)
    else:
        finish = datetime.combine(day, end.replace(tzinfo=None, fold=0), tzinfo=tz)
    return begin.astimezone(UTC), finish.astimezone(UTC)


def _check_span(start: time, end: time, what: str) -> None:
    if end != _MIDNIGHT and end <= start:
        raise ValueError(f"{what}: end {end} must be after start {start} (or 00:00 for 24:00)")


def _check_rule(rule: WeeklyRule) -> None:
    if not 0 <= rule.weekday <= 6:
        raise ValueError(f"weekly rule: weekday {rule.weekday} is not in 0..6")
    _check_span(rule.start, rule.end, "weekly rule")


def _check_exception(exception: DateException) -> None:
    if exception.kind not in ("off", "extra"):
        raise ValueError(f"date exception: unknown kind {exception.kind!r}")
    if exception.start_date > exception.end_date:
        raise ValueError(
            f"date exception: start_date {exception.start_date} is after "
            f"end_date {exception.end_date}"
        )
    if (exception.start is None) != (exception.end is None):
        raise ValueError("date exception: give both start and end, or neither")
    if exception.start is None or exception.end is None:
        if exception.kind == "extra":
            raise ValueError("date exception: extra hours need a start and an end")
        return
    _check_span(exception.start, exception.end, f"{exception.kind} exception")


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
