"""When a person says they are free, as concrete windows, in English and Spanish.

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> now = datetime(2026, 12, 6, 9, 0, tzinfo=ZoneInfo("America/New_York"))  # a Sunday
>>> [(a.isoformat(), b.isoformat()) for a, b in stated_windows(
...     "I'm free Tuesday after 2 or Thursday morning", now=now)]
... # doctest: +NORMALIZE_WHITESPACE
[('2026-12-08T14:00:00-05:00', '2026-12-09T00:00:00-05:00'),
 ('2026-12-10T00:00:00-05:00', '2026-12-10T12:00:00-05:00')]

The time grammar (``timeparse``) finds the expressions; this module groups them the way
the sentence does. "or", "and", "o", "y" and ";" start a new window; so does a second day
("Monday, Tuesday"). Inside a group, a clock-only part ("after 2", "9 to 11") is put on
the day named beside it ("Tuesday"), as a receptionist would hear it. A point in time
("Tuesday at 3") is free from then for ``point`` (the meeting's length, given by the
caller). Recurring statements ("weekday mornings", "any day but Friday") are not
windows but constraints: :func:`is_recurring` tells them apart, and the caller reads
them with the constraint parser instead.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, time, timedelta

from frontdesk.nlu.timeparse import LEXICONS, guess_lang, parse_time
from frontdesk.nlu.types import TimeMention

__all__ = ["is_recurring", "stated_windows", "windows_of"]

Window = tuple[datetime, datetime]

_SEPARATOR = re.compile(r"\b(or|and|also|plus|o|u|y|tambien|ademas)\b|[;]", re.IGNORECASE)
_RECURRING = re.compile(
    # "any time" / "a cualquier hora" says no hour is preferred, not a rule about days.
    r"\b(any(?! ?time\b)|every|weekdays?|weekends?|mornings|afternoons|evenings|nights|except|"
    r"but not|other than|mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays|"
    r"cualquier(?! hora\b)|todos|todas|entre semana|"
    r"menos(?! (?:cuarto|cinco|diez|veinte|veinticinco|\d+)\b)|excepto|salvo|"
    r"fines de semana|las mananas|"
    r"las tardes|las noches|los lunes|los martes|los miercoles|los jueves|los viernes|"
    r"los sabados|los domingos)\b",
    re.IGNORECASE,
)
_OTHER_DAY_WORDS = frozenset({"week", "weekend", "semana", "finde"})
_DATE_LIKE = re.compile(r"\d+\s*(st|nd|rd|th)\b|\d+/\d+|\bel \d+\b", re.IGNORECASE)
_DAY = timedelta(days=1)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_WEEKDAY = (r"(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)(?:day)?|lunes|martes|miercoles|jueves|"
            r"viernes|sabado|domingo")
# "Tue-Thu mornings", "de martes a jueves por la mañana": a run of days with a part of day
# is several days, each with that part, not one stretch from the first to the last.
_DAY_RUN_WITH_PART = re.compile(
    rf"\b(?:{_WEEKDAY})\s*(?:-|–|to|through|thru|a|al)\s*(?:{_WEEKDAY})\b.*\b(?:mornings?|"
    r"afternoons?|evenings?|mananas?|tardes?|noches?)\b"
)


def is_recurring(text: str) -> bool:
    """True when ``text`` states a rule ("weekday mornings", "cualquier día menos el
    martes", "martes a jueves por la mañana") rather than particular days. "Las cinco
    menos cuarto" is a time, not an exception."""
    plain = _plain(text)
    return bool(_RECURRING.search(plain) or _DAY_RUN_WITH_PART.search(plain))


def stated_windows(
    text: str, *, now: datetime, lang: str | None = None, point: timedelta = timedelta(hours=1)
) -> list[Window]:
    """The windows ``text`` names, in the order said, aware in ``now``'s zone (not
    joined or clipped: the caller does that against what may be booked). Raises
    ValueError for a naive ``now`` or a point that is not positive."""
    if point <= timedelta(0):
        raise ValueError("point must be positive")
    language = lang or guess_lang(text)
    mentions = parse_time(text, now=now, lang=language, business_hours=True)
    return windows_of(text, mentions, language, point)


def windows_of(
    text: str, mentions: list[TimeMention], lang: str, point: timedelta
) -> list[Window]:
    """:func:`stated_windows` for mentions already found in ``text``."""
    windows: list[Window] = []
    for group in _groups(text, mentions, lang):
        window = _window(group, lang, point)
        if window is not None and window[0] < window[1]:
            windows.append(window)
    return windows


def _groups(text: str, mentions: list[TimeMention], lang: str) -> list[list[TimeMention]]:
    groups: list[list[TimeMention]] = []
    for mention in mentions:
        if groups:
            current = groups[-1]
            gap = _plain(text[current[-1].end : mention.start])
            new_day = _names_day(mention, lang) and any(_names_day(m, lang) for m in current)
            if not _SEPARATOR.search(gap) and not new_day:
                current.append(mention)
                continue
        groups.append([mention])
    return groups


def _names_day(mention: TimeMention, lang: str) -> bool:
    """Does the mention name its day ("Thursday morning"), or only a clock ("after 2")?"""
    if mention.grain not in ("hour", "minute", "second"):
        return True
    text = _plain(mention.text)
    if _DATE_LIKE.search(text):
        return True
    lexicon = LEXICONS[lang]
    words = re.findall(r"[a-z]+", text)
    for i, word in enumerate(words):
        if word == "manana" and i > 0 and words[i - 1] == "la":
            continue  # "por la mañana" is the morning, not tomorrow
        if word in _OTHER_DAY_WORDS or word in lexicon.rel_days:
            return True
        if word in lexicon.weekdays and word not in lexicon.weak_weekdays:
            return True
        if word in lexicon.months and word not in lexicon.weak_months:
            return True
    return False


def _span(mention: TimeMention, point: timedelta) -> Window | None:
    """The stretch one mention covers on its own."""
    if mention.kind == "interval":
        start, end = mention.start_at, mention.end_at
        if start is None and end is None:
            return None
        if start is None:
            assert end is not None
            start = _midnight(end) if end != _midnight(end) else end - _DAY
        if end is None:
            end = _midnight(start) + _DAY
        return start, end
    value = mention.value
    if value is None:
        return None
    if mention.grain in ("hour", "minute", "second"):
        return value, value + point
    if mention.grain == "week":
        return value, value + timedelta(days=7)
    if mention.grain in ("month", "year"):
        return value, value + timedelta(days=31 if mention.grain == "month" else 366)
    day = _midnight(value)
    return day, day + _DAY


def _window(group: list[TimeMention], lang: str, point: timedelta) -> Window | None:
    days = [m for m in group if _names_day(m, lang)]
    clocks = [m for m in group if not _names_day(m, lang)]
    if not days:
        return _span(clocks[0], point)
    day = _span(days[0], point)
    if day is None or not clocks:
        return day
    clock = clocks[0]
    # The clock part read on the named day: "Tuesday" + "after 2" = Tuesday 14:00-24:00.
    start, end = day
    base = _midnight(start)
    if clock.kind == "interval":
        if clock.start_at is not None:
            start = _on(base, clock.start_at.timetz().replace(tzinfo=None), start)
        if clock.end_at is not None:
            end_time = clock.end_at.time()
            end = base + _DAY if end_time == time(0) else _on(base, end_time, start)
        return start, end
    assert clock.value is not None
    start = _on(base, clock.value.time(), start)
    return start, start + point


def _on(base: datetime, clock: time, fallback: datetime) -> datetime:
    """``clock`` on ``base``'s date, in its zone (fold 0 in a DST gap, as ``hours`` reads
    wall-clock times)."""
    tz = base.tzinfo
    if tz is None:
        return fallback
    return datetime.combine(base.date(), clock, tzinfo=tz)


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time(0), tzinfo=moment.tzinfo)
