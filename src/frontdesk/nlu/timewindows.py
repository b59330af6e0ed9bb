"""The windows a caller's words leave open for a booking, in order: one per day of a list
("Monday or Wednesday", "jueves o viernes"), one per day of a rule ("Tue-Thu mornings",
"cualquier día menos el miércoles"), or the one window a single expression names.

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> now = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("America/New_York"))  # a Monday
>>> [(a.strftime("%a %H:%M"), b.strftime("%a %H:%M"))
...  for a, b in candidate_windows("Tuesday or Thursday afternoon", now=now, lang="en")]
[('Tue 12:00', 'Tue 19:00'), ('Thu 12:00', 'Thu 19:00')]

Windows are clipped to ``now`` and sorted; a rule is unrolled over its own window (the
next two weeks unless the words name one). The search for free times walks them in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from frontdesk.nlu.availability_text import is_recurring, windows_of
from frontdesk.nlu.constraints import ConstraintConflict, Constraints, parse_constraints
from frontdesk.nlu.timeparse import guess_lang, parse_time
from frontdesk.nlu.types import TimeMention

__all__ = ["Window", "as_whole_day", "candidate_windows", "is_list", "rule_windows"]

Window = tuple[datetime, datetime]
_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# What may stand between two alternatives: "or", ", or the", "y el", a comma.
_LIST_GLUE = re.compile(
    r"^[\s,]*(?:(?:or|and|o|u|y|e|or else|maybe|quizás?)[\s,]+)?(?:on |the |el |la )?\s*$",
    re.IGNORECASE,
)
_WEEK_WORDS = re.compile(r"\b(weeks?|semanas?|next|pr[oó]xim[oa]|que viene)\b", re.IGNORECASE)
# "in a fortnight", "dentro de dos días": Duckling reads an offset in days as the hour it
# lands on; a caller means the day.
_DAY_OFFSET = re.compile(
    r"\b(days?|weeks?|fortnights?|d[ií]as?|semanas?|quincenas?)\b", re.IGNORECASE
)


def candidate_windows(
    text: str,
    *,
    now: datetime,
    lang: str | None = None,
    mentions: Sequence[TimeMention] | None = None,
) -> list[Window]:
    """The windows ``text`` asks for, earliest first (``mentions``: those already found in
    it with ``business_hours``, to save parsing again)."""
    language = lang or guess_lang(text)
    if is_recurring(text):
        try:
            rule = parse_constraints(text, timezone=str(now.tzinfo), now=now, lang=language)
        except (ConstraintConflict, ValueError):
            rule = None
        if rule is not None and _restricts(rule):
            return rule_windows(rule, now)
    found = list(mentions) if mentions is not None else parse_time(
        text, now=now, lang=language, business_hours=True
    )
    found = [as_whole_day(m) for m in found]
    windows = _distribute_part_of_day(text, windows_of(text, found, language, _MINUTE))
    clipped = {(max(start, now), end) for start, end in windows if end > now}
    return sorted(w for w in clipped if w[0] < w[1])


def _restricts(rule: Constraints) -> bool:
    hard, soft = rule.hard, rule.soft
    return any(
        (hard.days_of_week, hard.earliest_time, hard.latest_time, hard.exclude_dates,
         soft.parts_of_day)
    )


def rule_windows(rule: Constraints, now: datetime) -> list[Window]:
    """A rule unrolled: each allowed day of its window, between its earliest and latest."""
    hard = rule.hard
    tz = now.tzinfo
    days = set(hard.days_of_week or _WEEKDAY_NAMES)
    excluded = set(hard.exclude_dates or ())
    earliest = time.fromisoformat(hard.earliest_time) if hard.earliest_time else time(0)
    latest = time.fromisoformat(hard.latest_time) if hard.latest_time else None
    out: list[Window] = []
    day = hard.window_start.astimezone(tz).date()
    last = hard.window_end.astimezone(tz).date()
    while day <= last:
        if _WEEKDAY_NAMES[day.weekday()] in days and day not in excluded:
            start = datetime.combine(day, earliest, tzinfo=tz)
            end = (
                datetime.combine(day, latest, tzinfo=tz)
                if latest is not None
                else datetime.combine(day + _DAY, time(0), tzinfo=tz)
            )
            start, end = max(start, hard.window_start, now), min(end, hard.window_end)
            if start < end:
                out.append((start, end))
        day += _DAY
    return out


def as_whole_day(mention: TimeMention) -> TimeMention:
    """An offset in days ("in a fortnight") as the whole day it lands on."""
    if (
        mention.kind != "instant"
        or mention.grain != "hour"
        or mention.value is None
        or not _DAY_OFFSET.search(mention.text)
    ):
        return mention
    midnight = datetime.combine(mention.value.date(), time(0), tzinfo=mention.value.tzinfo)
    return TimeMention(
        text=mention.text, start=mention.start, end=mention.end, kind="instant", grain="day",
        value=midnight,
    )


def _distribute_part_of_day(text: str, windows: list[Window]) -> list[Window]:
    """ "Tuesday or Thursday afternoon": the part of day said once, last, holds for every
    whole day listed before it."""
    if len(windows) < 2:
        return windows
    last_start, last_end = windows[-1]
    if last_end - last_start >= _DAY:
        return windows
    out: list[Window] = []
    for start, end in windows[:-1]:
        if end - start == _DAY and start.time() == time(0):
            day = start.date()
            tz = start.tzinfo
            moved_end = datetime.combine(day, last_end.time(), tzinfo=tz)
            if last_end.time() == time(0):
                moved_end += _DAY
            out.append((datetime.combine(day, last_start.time(), tzinfo=tz), moved_end))
        else:
            out.append((start, end))
    out.append(windows[-1])
    return out



def is_list(text: str, mentions: Sequence[TimeMention]) -> bool:
    """True when the mentions are alternatives side by side ("Monday or Wednesday", "el 10
    o el 11", "the 3rd and 4th"), not a move from one day to another ("from Tuesday to
    Thursday", "del martes para el jueves")."""
    if len(mentions) < 2 or any(_longer_than_a_day(m) for m in mentions):
        return False
    ordered = sorted(mentions, key=lambda m: m.start)
    if _WEEK_WORDS.search(ordered[0].text):
        # "the end of next week, Friday or Saturday": the days narrow that week, and the
        # grammar has only put the first of them in it
        return False
    gaps = [text[a.end : b.start] for a, b in zip(ordered, ordered[1:], strict=False)]
    return all(_LIST_GLUE.match(gap) and gap.strip() for gap in gaps)


def _longer_than_a_day(mention: TimeMention) -> bool:
    if mention.kind == "instant":
        return mention.grain in ("week", "month", "quarter", "year")
    if mention.start_at is None or mention.end_at is None:
        return True
    return mention.end_at - mention.start_at > _DAY
