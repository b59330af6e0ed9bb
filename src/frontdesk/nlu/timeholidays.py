"""Named days: fixed dates, "nth weekday of a month" days, and the days Easter moves.

Each holiday is a function from a year to its date (or span); :func:`holiday_period`
picks the occurrence a spec means (that year, inside an anchor, the next one, or the
last one before today).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from frontdesk.nlu.timecalc import Period, at


def easter(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian computus."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def orthodox_easter(year: int) -> date:
    """Eastern Orthodox Easter (Julian computus), as a Gregorian date."""
    a, b, c = year % 4, year % 7, year % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    month, day = divmod(d + e + 114, 31)
    julian = date(year, month, day + 1)
    return julian + timedelta(days=year // 100 - year // 400 - 2)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The nth (1-based; -1 = last) given weekday of a month."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7 + 7 * (-nth - 1))


def _fixed(month: int, day: int) -> Callable[[int], date]:
    return lambda year: date(year, month, day)


def _nth(month: int, weekday: int, nth: int, shift: int = 0) -> Callable[[int], date]:
    return lambda year: nth_weekday(year, month, weekday, nth) + timedelta(days=shift)


def _from_easter(days: int, orthodox: bool = False) -> Callable[[int], date]:
    base = orthodox_easter if orthodox else easter
    return lambda year: base(year) + timedelta(days=days)


def _boss_day(year: int) -> date:
    day = date(year, 10, 16)  # moves to the nearest weekday
    return day + timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))


def _kings_day(year: int) -> date:
    day = date(year, 4, 27)
    return day - timedelta(days=1) if day.weekday() == 6 else day


DAYS: dict[str, Callable[[int], date]] = {
    "christmas": _fixed(12, 25), "christmas_eve": _fixed(12, 24),
    "new_years_eve": _fixed(12, 31), "new_year": _fixed(1, 1), "valentine": _fixed(2, 14),
    "halloween": _fixed(10, 31), "independence": _fixed(7, 4), "st_patrick": _fixed(3, 17),
    "vegan": _fixed(11, 1), "ides": _fixed(3, 15), "epiphany": _fixed(1, 6),
    "holy_innocents": _fixed(12, 28), "april_fools": _fixed(4, 1), "all_saints": _fixed(11, 1),
    "day_of_dead": _fixed(11, 2), "may_day": _fixed(5, 1), "hispanidad": _fixed(10, 12),
    "mexico_independence": _fixed(9, 16), "cinco_de_mayo": _fixed(5, 5),
    "arabic_language_day": _fixed(12, 18), "zero_discrimination": _fixed(3, 1),
    "prematurity": _fixed(11, 17),
    "thanksgiving": _nth(11, 3, 4), "black_friday": _nth(11, 3, 4, 1), "mlk": _nth(1, 0, 3),
    "memorial": _nth(5, 0, -1), "labor": _nth(9, 0, 1), "mothers": _nth(5, 6, 2),
    "fathers": _nth(6, 6, 3), "presidents": _nth(2, 0, 3), "columbus": _nth(10, 0, 2),
    "cooperatives": _nth(7, 5, 1), "boss": _boss_day, "kings_day": _kings_day,
    "easter": _from_easter(0), "easter_monday": _from_easter(1),
    "good_friday": _from_easter(-2), "maundy": _from_easter(-3),
    "palm_sunday": _from_easter(-7), "pentecost": _from_easter(49),
    "whit_monday": _from_easter(50), "trinity": _from_easter(56),
    "ascension": _from_easter(39), "shrove": _from_easter(-47),
    "ash_wednesday": _from_easter(-46), "orthodox_easter": _from_easter(0, True),
    "orthodox_good_friday": _from_easter(-2, True), "clean_monday": _from_easter(-48, True),
    "lazarus": _from_easter(-8, True),
}  # fmt: skip


# Holidays that last longer than a day: (first day, day after the last).
def _great_lent(year: int) -> tuple[date, date]:
    """Clean Monday up to Lazarus Saturday."""
    pascha = orthodox_easter(year)
    return pascha - timedelta(days=48), pascha - timedelta(days=8)


SPANS: dict[str, Callable[[int], tuple[date, date]]] = {
    "lent": lambda y: (easter(y) - timedelta(days=46), easter(y)),
    "great_lent": _great_lent,
}


def _occurrence(key: str, year: int, now: datetime) -> Period | None:
    tz = now.tzinfo
    if not 1 <= year <= 9998:
        return None
    if key in SPANS:
        first, after = SPANS[key](year)
        return Period(at(first, tz), at(after, tz), "day", interval=True)
    day = DAYS[key](year)
    return Period(at(day, tz), at(day + timedelta(days=1), tz), "day")


def holiday_period(
    key: str, now: datetime, *, year: int | None, anchor: Period | None, direction: int
) -> Period | None:
    """The occurrence of a holiday a mention means: in ``year`` when given, else inside
    ``anchor``, else the next one (the last one when ``direction`` is negative)."""
    if key not in DAYS and key not in SPANS:
        return None
    if year is not None:
        return _occurrence(key, year, now)
    if anchor is not None and anchor.start is not None and anchor.end is not None:
        for year in range(anchor.start.year - 1, anchor.end.year + 1):
            found = _occurrence(key, year, now)
            if found is not None and found.start is not None:
                if anchor.start <= found.start < anchor.end:
                    return found
        # "thanksgiving in a year": the one in the year the anchor falls in
        return _occurrence(key, anchor.start.year, now)
    today = at(now.date(), now.tzinfo)
    if direction < 0:
        for year in (now.year, now.year - 1):
            found = _occurrence(key, year, now)
            if found is not None and found.start is not None and found.start < today:
                return found
        return None
    for year in (now.year, now.year + 1):
        found = _occurrence(key, year, now)
        if found is not None and found.end is not None and found.end > now:
            return found
    return None
