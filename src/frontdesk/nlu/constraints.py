"""Booking constraints from a plain-language instruction, in English and Spanish.

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> now = datetime(2026, 12, 6, 9, 0, tzinfo=ZoneInfo("America/New_York"))  # a Sunday
>>> c = parse_constraints("Try to book in the next two weeks, preferably Tue–Thu mornings",
...                       timezone="America/New_York", now=now)
>>> c.hard.window_end.isoformat(), c.soft.days_of_week, c.soft.parts_of_day
('2026-12-20T00:00:00-05:00', ('tuesday', 'wednesday', 'thursday'), ('morning',))

Deterministic: the same words, zone and ``now`` always give the same answer. The time
grammar reads the expressions (``constraint_scan``); this module combines them:

- Days: the hard days are those said without a preference marker ("Tuesdays", "only
  weekdays"), less those said with a negation ("not Friday", "no weekends"); preferred
  days are kept only where the hard ones allow them.
- Parts of day are named as the scheduling core's ranking names them (morning before
  12:00, afternoon before 17:00, evening after), so a preference here ranks slots there.
  A hard part of day becomes clock bounds ("mornings" -> latest 12:00); "not afternoons",
  which no pair of bounds can say, keeps the morning.
- The window starts now (to the minute) or later; with no end said it lasts
  ``DEFAULT_WINDOW_DAYS`` days, ``ASAP_WINDOW_DAYS`` after "ASAP" — to midnight.
- Text with no constraint in it gives the default window and nothing else; constraints
  that leave nothing bookable raise :class:`ConstraintConflict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from frontdesk.nlu.constraint_scan import Force, Items, Scanner
from frontdesk.nlu.timecalc import Period, at
from frontdesk.nlu.timeparse import LEXICONS, guess_lang

__all__ = [
    "ASAP_WINDOW_DAYS",
    "DEFAULT_WINDOW_DAYS",
    "ConstraintConflict",
    "Constraints",
    "WEEKDAYS",
    "HardConstraints",
    "PartOfDay",
    "SoftConstraints",
    "Weekday",
    "parse_constraints",
]

DEFAULT_WINDOW_DAYS = 14  # nothing said: the next two weeks, as most outreach runs
ASAP_WINDOW_DAYS = 7  # "ASAP": the coming week; the earliest slot is offered first anyway

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
PartOfDay = Literal["morning", "afternoon", "evening"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
)  # fmt: skip
_ALL_DAYS = frozenset(range(7))
_NOON, _FIVE_PM, _DAY = 12 * 60, 17 * 60, 24 * 60
# As scheduling.ranking.part_of_day names a slot's start: [start, end) in minutes.
PARTS: dict[PartOfDay, tuple[int, int]] = {
    "morning": (0, _NOON),
    "afternoon": (_NOON, _FIVE_PM),
    "evening": (_FIVE_PM, _DAY),
}
_MIDDAY = time(12)
_MAX_WINDOW_DAYS = 2 * 366  # past this nobody is booking; it bounds the work below


class ConstraintConflict(ValueError):
    """The instruction's constraints leave no time to book ("only Mondays, not Monday")."""


@dataclass(frozen=True, slots=True)
class HardConstraints:
    window_start: datetime  # aware, in ``timezone``
    window_end: datetime  # exclusive
    timezone: str
    days_of_week: tuple[Weekday, ...] | None  # lowercase English names, Monday first
    earliest_time: str | None  # "HH:MM"
    latest_time: str | None
    exclude_dates: tuple[date, ...] | None  # inside the window, in order


@dataclass(frozen=True, slots=True)
class SoftConstraints:
    days_of_week: tuple[Weekday, ...] | None
    parts_of_day: tuple[PartOfDay, ...] | None


@dataclass(frozen=True, slots=True)
class Constraints:
    hard: HardConstraints
    soft: SoftConstraints
    language: str

    def to_dict(self) -> dict[str, Any]:
        h, s = self.hard, self.soft
        return {
            "hard_constraints": {
                "window_start": h.window_start.isoformat(),
                "window_end": h.window_end.isoformat(),
                "timezone": h.timezone,
                "days_of_week": _list(h.days_of_week),
                "earliest_time": h.earliest_time,
                "latest_time": h.latest_time,
                "exclude_dates": None
                if h.exclude_dates is None
                else [d.isoformat() for d in h.exclude_dates],
            },
            "soft_constraints": {
                "days_of_week": _list(s.days_of_week),
                "parts_of_day": _list(s.parts_of_day),
            },
        }


def _list(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)


def parse_constraints(
    instruction: str, *, timezone: str, now: datetime, lang: str | None = None
) -> Constraints:
    """The constraints ``instruction`` states, seen from ``now`` in ``timezone``.

    ``now`` must be aware; ``lang`` is "en" or "es" (None: guessed from the words).
    Raises ``ConstraintConflict`` when they contradict each other, ``ValueError`` for a
    naive ``now`` or an unknown language, and ``zoneinfo``'s error for an unknown zone.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    language = lang if lang is not None else guess_lang(instruction)
    if language not in LEXICONS:
        raise ValueError(f"unsupported language: {language!r}")
    local_now = now.astimezone(ZoneInfo(timezone)).replace(second=0, microsecond=0)
    items = Scanner(instruction, local_now, language).run()
    if lang is None and items == Items():
        # A few words give the guess little to go on ("solo mañanas" has no Spanish
        # hint word): when the guessed language understood nothing, try the other one.
        other = "es" if language == "en" else "en"
        retry = Scanner(instruction, local_now, other).run()
        if retry != Items():
            items, language = retry, other
    start, end = _window(items, local_now)
    allowed, soft_days = _days(items)
    earliest, latest = _clock(items)
    parts = _soft_parts(items, earliest, latest)
    excluded = _excluded(items, start, end)
    _check_some_day_left(start, end, allowed, excluded)
    return Constraints(
        hard=HardConstraints(
            window_start=start,
            window_end=end,
            timezone=timezone,
            days_of_week=None if allowed == _ALL_DAYS else _names(allowed),
            earliest_time=None if earliest is None else _hhmm(earliest),
            latest_time=None if latest is None else _hhmm(latest),
            exclude_dates=tuple(sorted(excluded)) or None,
        ),
        soft=SoftConstraints(
            days_of_week=None if soft_days is None else _names(soft_days),
            parts_of_day=None if parts is None else tuple(p for p in PARTS if p in parts),
        ),
        language=language,
    )


# ---- combining ------------------------------------------------------------------------


def _window(items: Items, now: datetime) -> tuple[datetime, datetime]:
    tz = now.tzinfo
    starts, ends = list(items.starts), list(items.ends)
    if items.spans:  # "this Friday or next Monday": from the first to the last
        starts.append(min(s.start for s in items.spans if s.start is not None))
        ends.append(max(s.end for s in items.spans if s.end is not None))
    start = max([now, *(s.astimezone(tz) for s in starts)])
    if ends:
        end = min(e.astimezone(tz) for e in ends)
    else:
        days = ASAP_WINDOW_DAYS if items.asap else DEFAULT_WINDOW_DAYS
        end = at(start.date() + timedelta(days=days), tz)
    if end <= start:
        raise ConstraintConflict(
            f"the window ends ({end:%Y-%m-%d %H:%M}) before it starts ({start:%Y-%m-%d %H:%M})"
        )
    if end - start > timedelta(days=_MAX_WINDOW_DAYS):
        end = at(start.date() + timedelta(days=_MAX_WINDOW_DAYS), tz)
    return start, end


def _union(items: Items, soft: bool, negated: bool) -> frozenset[int] | None:
    sets = [days for days, f in items.days if f == Force(soft=soft, negated=negated)]
    return frozenset[int]().union(*sets) if sets else None


def _days(items: Items) -> tuple[frozenset[int], frozenset[int] | None]:
    """The days allowed, and the preferred ones among them (None: no preference)."""
    wanted = _union(items, soft=False, negated=False)
    allowed = (wanted if wanted is not None else _ALL_DAYS) - (
        _union(items, soft=False, negated=True) or frozenset()
    )
    if not allowed:
        raise ConstraintConflict("no day of the week is left: every day said is also excluded")
    liked = _union(items, soft=True, negated=False)
    disliked = _union(items, soft=True, negated=True)
    if liked is None and disliked is None:
        return allowed, None
    preferred = ((liked if liked is not None else allowed) - (disliked or frozenset())) & allowed
    if not preferred:
        raise ConstraintConflict("the preferred days are all outside the days allowed")
    return allowed, preferred


def _part_name(span: tuple[int, int]) -> PartOfDay:
    middle = (span[0] + span[1]) // 2
    return next(name for name, (lo, hi) in PARTS.items() if lo <= middle < hi)


def _clock(items: Items) -> tuple[int | None, int | None]:
    """Hard clock bounds, in minutes after midnight (None: open): each alternative's
    bounds intersect ("after 2, before 5"), and the answer spans the alternatives."""
    alternatives = {a for *_, f, a in (*items.parts, *items.earliest, *items.latest) if not f.soft}
    if not alternatives:
        return None, None
    ranges = [_clock_range(items, a) for a in sorted(alternatives)]
    earliest = min(lo for lo, _ in ranges)
    latest = max(hi for _, hi in ranges)
    return (earliest or None), (None if latest >= _DAY else latest)


def _clock_range(items: Items, alternative: int) -> tuple[int, int]:
    lows = [m for m, f, a in items.earliest if not f.soft and a == alternative]
    highs = [m for m, f, a in items.latest if not f.soft and a == alternative]
    said = [(_part_name(span), f) for span, f, a in items.parts if a == alternative]
    wanted = {name for name, f in said if f == Force()}
    if wanted:
        lows.append(min(PARTS[name][0] for name in wanted))
        highs.append(max(PARTS[name][1] for name in wanted))
    for name, f in said:
        if f == Force(negated=True):
            if name == "morning":
                lows.append(_NOON)
            else:  # "not evenings" ends the day at 17:00; "not afternoons" at noon
                highs.append(PARTS[name][0])
    earliest, latest = max(lows, default=0), min(highs, default=_DAY)
    if earliest >= latest:
        raise ConstraintConflict(
            f"no time of day is left: not before {_hhmm(earliest)} and not after {_hhmm(latest)}"
        )
    return earliest, latest


def _soft_parts(items: Items, earliest: int | None, latest: int | None) -> set[PartOfDay] | None:
    liked = {_part_name(span) for span, f, _ in items.parts if f == Force(soft=True)}
    disliked = {_part_name(span) for span, f, _ in items.parts if f == Force(True, True)}
    # "ideally after 2pm": the parts of day that reach past 14:00
    low = max((m for m, f, _ in items.earliest if f.soft), default=None)
    high = min((m for m, f, _ in items.latest if f.soft), default=None)
    if low is not None or high is not None:
        lo, hi = low or 0, high if high is not None else _DAY
        liked |= {n for n, (a, b) in PARTS.items() if a < hi and lo < b}
    if not liked and not disliked:
        return None
    chosen = (liked or set(PARTS)) - disliked
    lo, hi = earliest or 0, latest if latest is not None else _DAY
    chosen = {n for n in chosen if PARTS[n][0] < hi and lo < PARTS[n][1]}
    if not chosen:
        raise ConstraintConflict("the preferred parts of the day are all outside the hours allowed")
    return chosen


def _dates(start: date, stop: date) -> list[date]:
    return [start + timedelta(days=k) for k in range((stop - start).days + 1)]


def _excluded(items: Items, start: datetime, end: datetime) -> set[date]:
    first, last = start.date(), (end - timedelta(microseconds=1)).date()
    out: set[date] = set()
    for period in items.excluded:
        out |= _clip(period, first, last)
    for which in items.window_weeks:
        if which == 0:
            out |= set(_dates(first, min(last, first + timedelta(days=6))))
        else:
            out |= set(_dates(max(first, last - timedelta(days=6)), last))
    return out


def _clip(period: Period, first: date, last: date) -> set[date]:
    """The window's dates a period takes their middle of: "not this weekend" (Friday
    18:00 to Monday) leaves out Saturday and Sunday, not Friday."""
    start, end = period.start, period.end
    if start is None or end is None:
        return set()
    lo = start.date() if start.time() <= _MIDDAY else start.date() + timedelta(days=1)
    hi = end.date() if end.time() > _MIDDAY else end.date() - timedelta(days=1)
    lo, hi = max(first, lo), min(last, hi)
    return set(_dates(lo, hi)) if lo <= hi else set()


def _check_some_day_left(
    start: datetime, end: datetime, allowed: frozenset[int], excluded: set[date]
) -> None:
    last = (end - timedelta(microseconds=1)).date()
    if not any(d.weekday() in allowed and d not in excluded for d in _dates(start.date(), last)):
        raise ConstraintConflict("no day in the window is left once the excluded days are out")


def _names(days: frozenset[int]) -> tuple[Weekday, ...]:
    return tuple(WEEKDAYS[d] for d in sorted(days))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
