"""What a time expression means, and how it resolves against "now".

A parsed expression is a :class:`Spec`: a bundle of calendar constraints (year, month,
day, weekday, hour, minute, ...) plus an optional *anchor*, a concrete window the
constraints must fall in ("next week", "tomorrow", "in 4 years"). Two adjacent
expressions combine by :func:`merge` (their constraints intersect), and
:func:`resolve` finds the first moment that satisfies a spec.

Resolution follows Duckling's conventions, because its corpus is our yardstick:
an expression means its *next* occurrence, where a period counts as upcoming while its
coarsest named unit has not ended ("Feb 10" on Feb 12 is this Feb 10 - February is not
over; "at 4:23" at 04:30 is today - the hour 4 is not over), a bare weekday means the
next such day after today, and an hour said without am/pm is the first of h and h+12
that is still to come (on a given day: the earlier one).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone, tzinfo

from frontdesk.nlu.timecalc import (
    Period,
    add,
    add_months,
    at,
    coarser_than,
    finer,
    period_of,
    safe_date,
    truncate,
)
from frontdesk.nlu.timeholidays import holiday_period


@dataclass(frozen=True, slots=True)
class Prefs:
    """How to read what is ambiguous.

    ``prefer_future``: an expression means its next occurrence (Duckling); False reads it
    inside the current period (this week's Monday, today's 3 o'clock).
    ``business_hours``: an hour said without am/pm or part of day is read between 7:00
    and 18:59 ("at 3" is 15:00, "at 9" is 09:00), as people booking appointments mean it;
    False keeps Duckling's reading (the next of 3:00 and 15:00; on a named day, 3:00).
    """

    prefer_future: bool = True
    business_hours: bool = False


DEFAULT_PREFS = Prefs()


@dataclass(frozen=True, slots=True)
class Spec:
    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None  # Monday = 0
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    h12: bool = False  # hour said on a 12-hour clock with no am/pm: 3 may be 03:00 or 15:00
    pod: tuple[int, int] | None = None  # part of day, hours [start, end); end may be 24
    pod_pm: bool | None = None  # the part of day puts an ambiguous hour after noon
    anchor: Period | None = None  # the window the constraints must fall in
    ordinal: int | None = None  # the nth match in the anchor (negative: from its end)
    pick_last: bool = False  # an interval's far end: the last match in the anchor
    holiday: str | None = None
    holiday_dir: int = 0  # -1: the last one before today ("last easter")
    tz_minutes: int | None = None  # the time was said in another zone (UTC offset)
    latent: bool = True  # a bare number: a time only next to something that is surely one

    def has_date_fields(self) -> bool:
        return (
            self.year is not None
            or self.month is not None
            or self.day is not None
            or self.weekday is not None
        )

    def has_time(self) -> bool:
        return self.hour is not None or self.pod is not None


def _same(a: object, b: object) -> tuple[bool, object]:
    if a is None:
        return True, b
    if b is None or a == b:
        return True, a
    return False, None


def merge(a: Spec, b: Spec) -> Spec | None:
    """The intersection of two specs, or None where they contradict each other."""
    out: dict[str, object] = {}
    for name in ("year", "month", "day", "weekday", "minute", "second", "tz_minutes", "holiday"):
        ok, value = _same(getattr(a, name), getattr(b, name))
        if not ok:
            return None
        out[name] = value
    if a.hour is not None and b.hour is not None:
        return None
    if a.hour is not None or b.hour is not None:
        src = a if a.hour is not None else b
        out.update(hour=src.hour, h12=src.h12)
    if (a.minute is not None and a.hour is None) or (b.minute is not None and b.hour is None):
        return None
    if a.pod is not None and b.pod is not None:
        lo, hi = max(a.pod[0], b.pod[0]), min(a.pod[1], b.pod[1])
        if lo >= hi:
            return None
        out["pod"] = (lo, hi)
        out["pod_pm"] = a.pod_pm if a.pod_pm is not None else b.pod_pm
    else:
        src = a if a.pod is not None else b
        out.update(pod=src.pod, pod_pm=src.pod_pm)
    anchor = a.anchor
    if a.anchor is not None and b.anchor is not None:
        anchor = _intersect(a.anchor, b.anchor)
        if anchor is None:
            return None
    elif anchor is None:
        anchor = b.anchor
    if a.ordinal is not None and b.ordinal is not None:
        return None
    out.update(
        anchor=anchor,
        ordinal=a.ordinal if a.ordinal is not None else b.ordinal,
        pick_last=a.pick_last or b.pick_last,
        holiday_dir=a.holiday_dir or b.holiday_dir,
        latent=a.latent and b.latent,
    )
    return Spec(**out)  # type: ignore[arg-type]


def _intersect(a: Period, b: Period) -> Period | None:
    if a.start is None or b.start is None or a.end is None or b.end is None:
        return None
    start, end = max(a.start, b.start), min(a.end, b.end)
    if start >= end:
        return None
    return Period(start, end, finer(a.grain, b.grain), a.interval and b.interval)


# ---- resolution -------------------------------------------------------------------------


def resolve(spec: Spec, now: datetime, prefs: Prefs = DEFAULT_PREFS) -> Period | None:
    """The first period that satisfies ``spec``, seen from ``now``."""
    tz = now.tzinfo
    prefer_future = prefs.prefer_future
    if prefs.business_hours and spec.h12 and spec.pod is None and spec.hour is not None:
        hour = spec.hour + 12 if 1 <= spec.hour <= 6 else spec.hour
        spec = replace(spec, hour=hour, h12=False)
    window = _date_window(spec, now, prefer_future)
    if window is None and (spec.has_date_fields() or spec.holiday is not None):
        return None
    if not spec.has_time():
        return window
    if window is not None:
        day = window.start.date() if window.start is not None else now.date()
        if spec.hour is None and spec.pod is not None and window.end is not None:
            last = (window.end - timedelta(microseconds=1)).date()
            if last > day:  # "next week in the afternoon": from the first afternoon to the last
                lo, hi = spec.pod
                return Period(at(day, tz, lo), at(last, tz, hi), "hour", interval=True)
        return _time_on(spec, day, tz, now)
    return _next_time(spec, now, prefer_future)


def _date_window(spec: Spec, now: datetime, prefer_future: bool) -> Period | None:
    anchor = spec.anchor
    if spec.holiday is not None:
        anchor = holiday_period(spec.holiday, now, year=spec.year, anchor=spec.anchor,
                                direction=spec.holiday_dir)
        if anchor is None:
            return None
        spec = replace(spec, year=None)
    if anchor is not None:
        if spec.has_time() and anchor.start is not None and coarser_than("day", anchor.grain):
            # "in 7 days at 5pm": the hour-precise anchor widens to its day.
            anchor = period_of(anchor.start, "day")
        if not spec.has_date_fields():
            return anchor
        return _match_in(spec, anchor, now)
    if not spec.has_date_fields():
        return None
    return _next_date(spec, now, prefer_future)


def _day_ok(spec: Spec, d: date) -> bool:
    return (
        (spec.year is None or d.year == spec.year)
        and (spec.month is None or d.month == spec.month)
        and (spec.day is None or d.day == spec.day)
        and (spec.weekday is None or d.weekday() == spec.weekday)
    )


def _match_in(spec: Spec, anchor: Period, now: datetime) -> Period | None:
    if anchor.start is None or anchor.end is None:
        return None
    tz = now.tzinfo
    first, last = anchor.start.date(), (anchor.end - timedelta(microseconds=1)).date()
    if spec.day is None and spec.weekday is None:
        # month or year inside a longer window ("march of next year")
        grain = "month" if spec.month is not None else "year"
        d = truncate(anchor.start, grain).date()
        while d <= last:
            if _day_ok(spec, d):
                return period_of(at(d, tz), grain)
            d = add_months(d, 1 if grain == "month" else 12)
        return None
    if (last - first).days > 800:
        return None
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    hits = [d for d in days if _day_ok(spec, d)]
    if not hits:
        return None
    if spec.ordinal is not None:
        idx = spec.ordinal - 1 if spec.ordinal > 0 else spec.ordinal
        if not -len(hits) <= idx < len(hits):
            return None
        pick = hits[idx]
    else:
        pick = hits[-1] if spec.pick_last else hits[0]
    return period_of(at(pick, tz), "day")


def _next_date(spec: Spec, now: datetime, prefer_future: bool) -> Period | None:
    tz = now.tzinfo
    today = now.date()
    y, m, d, wd = spec.year, spec.month, spec.day, spec.weekday
    if y is not None and not 1 <= y <= 9999:
        return None
    if m is not None and d is not None:
        years = [y] if y is not None else list(range(today.year, today.year + 30))
        if not prefer_future and y is None:
            years = [today.year]
        for year in years:
            found = safe_date(year, m, d)
            if found is None or (wd is not None and found.weekday() != wd):
                continue
            month_end = add_months(date(year, m, 1), 1)
            if y is None and prefer_future and month_end <= today:
                continue
            return period_of(at(found, tz), "day")
        return None
    if d is not None:
        start = date(y, 1, 1) if y is not None else today.replace(day=1)
        for k in range(60 if prefer_future else 1):
            base = add_months(start, k)
            if y is not None and base.year != y:
                return None
            found = safe_date(base.year, base.month, d)
            if found is None or (wd is not None and found.weekday() != wd):
                continue
            if prefer_future and y is None and found < today:
                continue
            return period_of(at(found, tz), "day")
        return None
    if m is not None:
        if y is not None:
            year = y
        else:
            year = today.year
            if prefer_future and m < today.month:
                year += 1
        if wd is not None:
            # "a Monday in March": the first one
            first = date(year, m, 1)
            return period_of(at(first + timedelta(days=(wd - first.weekday()) % 7), tz), "day")
        return period_of(at(date(year, m, 1), tz), "month")
    if wd is not None:
        if y is not None:
            return None
        if prefer_future:
            ahead = (wd - today.weekday()) % 7 or 7
        else:
            ahead = wd - today.weekday()
        return period_of(at(today + timedelta(days=ahead), tz), "day")
    if y is not None:
        return period_of(at(date(y, 1, 1), tz), "year")
    return None


def _hours(spec: Spec) -> list[int]:
    """The clock hours (0-24) an hour may mean, in the order to try them."""
    h = spec.hour
    assert h is not None
    if not spec.h12 or h > 12:
        return [h]
    if spec.pod_pm is True:
        if h == 12:  # noon in the afternoon, midnight in the evening
            return [12 if spec.pod is not None and spec.pod[0] < 18 else 24]
        return [h + 12]
    if spec.pod_pm is False:
        return [h % 12]
    if h == 12:
        return [12, 24]
    return [h, h + 12]


def _time_grain(spec: Spec) -> str:
    if spec.second is not None:
        return "second"
    if spec.minute is not None or spec.tz_minutes is not None:
        return "minute"
    return "hour"


def _time_on(spec: Spec, day: date, tz: tzinfo | None, now: datetime) -> Period | None:
    if spec.hour is None:
        assert spec.pod is not None
        lo, hi = spec.pod
        return Period(at(day, tz, lo), at(day, tz, hi), "hour", interval=True)
    hour = _hours(spec)[0]
    return _instant(spec, day, hour, tz)


def _instant(spec: Spec, day: date, hour: int, tz: tzinfo | None) -> Period:
    minute, second = spec.minute or 0, spec.second or 0
    grain = _time_grain(spec)
    if spec.tz_minutes is not None:
        said = timezone(timedelta(minutes=spec.tz_minutes))
        start = at(day, said, hour, minute, second).astimezone(tz)
    else:
        start = at(day, tz, hour, minute, second)
    return Period(start, add(start, grain, 1), grain)


def _next_time(spec: Spec, now: datetime, prefer_future: bool) -> Period | None:
    tz = now.tzinfo
    today = now.date()
    if spec.hour is None:
        assert spec.pod is not None
        lo, hi = spec.pod
        for k in range(2):
            d = today + timedelta(days=k)
            if not prefer_future or at(d, tz, hi) > now:
                return Period(at(d, tz, lo), at(d, tz, hi), "hour", interval=True)
        return None
    for k in range(3):
        d = today + timedelta(days=k)
        for hour in _hours(spec):
            period = _instant(spec, d, hour, tz)
            assert period.start is not None
            # an hour is still to come while it has not ended
            if not prefer_future or truncate(period.start, "hour") + timedelta(hours=1) > now:
                return period
    return None


def shift_time(spec: Spec, minutes: int) -> Spec | None:
    """``spec`` moved by whole minutes on the clock ("quarter to four" = 4:00 - 15)."""
    if spec.hour is None:
        return None
    total = spec.hour * 60 + (spec.minute or 0) + minutes
    if spec.h12 and total < 60:  # "quarter to one" = 12:45, "ten to 12" keeps its ambiguity
        total += 12 * 60
    if total < 0 or total >= 24 * 60 + 60:
        return None
    hour, minute = divmod(total, 60)
    return replace(spec, hour=hour, minute=minute)
