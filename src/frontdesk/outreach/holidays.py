"""Public holidays of the countries frontdesk calls into, computed in code.

The dialer skips a lead's public holidays (issue 12), read on the lead's own local date.
Each calendar below is the *nationwide* list; regional days (US state holidays, Canadian
provincial days such as Family Day, Spanish autonomous-community days, Scottish bank
holidays) are not included. Rules as in force in 2026 are applied to every year, except
where a day's start year is noted. A country we have no calendar for has no holidays:
``is_public_holiday`` answers False (the tenant's weekday windows still apply).

Where a fixed-date holiday falls on a weekend and the country observes it on a weekday
instead, BOTH the date itself and the observed weekday are holidays here: for deciding
whom not to call, skipping one extra day is the safe mistake.

US (federal, 5 U.S.C. 6103): New Year's Day (1 Jan), Birthday of Martin Luther King Jr.
  (3rd Mon Jan), Washington's Birthday (3rd Mon Feb), Memorial Day (last Mon May),
  Juneteenth (19 Jun, from 2021), Independence Day (4 Jul), Labor Day (1st Mon Sep),
  Columbus Day (2nd Mon Oct), Veterans Day (11 Nov), Thanksgiving (4th Thu Nov),
  Christmas Day (25 Dec). Observed: Saturday -> the Friday before (so New Year's Day on a
  Saturday is observed on 31 Dec of the year before), Sunday -> the Monday after.
CA (federal general holidays, Canada Labour Code s. 166): New Year's Day, Good Friday,
  Victoria Day (the Monday before 25 May), Canada Day (1 Jul), Labour Day (1st Mon Sep),
  National Day for Truth and Reconciliation (30 Sep, from 2021), Thanksgiving (2nd Mon
  Oct), Remembrance Day (11 Nov), Christmas Day, Boxing Day (26 Dec). Observed: a
  fixed-date day on a weekend moves to the next weekday that is not already a holiday.
GB (England and Wales bank holidays): New Year's Day, Good Friday, Easter Monday, Early
  May bank holiday (1st Mon May), Spring bank holiday (last Mon May), Summer bank holiday
  (last Mon Aug), Christmas Day, Boxing Day; substitute days as for CA; and the one-off
  changes of 2020, 2022 and 2023 (VE Day, Platinum Jubilee, the State Funeral, the
  Coronation).
ES (national holidays common to all of Spain): Año Nuevo (1 Jan), Epifanía (6 Jan),
  Viernes Santo (Good Friday), Fiesta del Trabajo (1 May), Asunción (15 Aug), Fiesta
  Nacional (12 Oct), Todos los Santos (1 Nov), Día de la Constitución (6 Dec), Inmaculada
  Concepción (8 Dec), Navidad (25 Dec). No substitutes: moving a Sunday holiday to Monday
  is decided by each region.
MX (días de descanso obligatorio, Ley Federal del Trabajo art. 74): Año Nuevo (1 Jan),
  Día de la Constitución (1st Mon Feb), Natalicio de Benito Juárez (3rd Mon Mar), Día del
  Trabajo (1 May), Día de la Independencia (16 Sep), Día de la Revolución (3rd Mon Nov),
  Navidad (25 Dec), and the day the federal executive changes hands (1 Oct every six
  years from 2024; 1 Dec in 2000-2018). Federal and local election days are not included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

__all__ = [
    "SUPPORTED_COUNTRIES",
    "easter_sunday",
    "is_public_holiday",
    "nth_weekday",
    "public_holidays",
]

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
_DAY = timedelta(days=1)

Named = list[tuple[date, str]]


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday, by the anonymous Gregorian algorithm.

    (Meeus/Jones/Butcher.) Valid for every Gregorian year; 2026 -> 5 April.
    """
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` (0 = Monday) of the month; ``n = -1`` is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    if n != -1:
        raise ValueError("n must be positive or -1 (the last)")
    last = date(year + month // 12, month % 12 + 1, 1) - _DAY
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _us_observed(day: date) -> date:
    if day.weekday() == SAT:
        return day - _DAY
    if day.weekday() == SUN:
        return day + _DAY
    return day


def _substitutes(fixed: Named, others: Named) -> Named:
    """Weekday substitutes for fixed-date days that fall on a weekend (GB and CA rule).

    A substitute is the next weekday not already a holiday, so Christmas on Saturday and
    Boxing Day on Sunday become Monday 27 and Tuesday 28 December.
    """
    taken = {day for day, _ in [*fixed, *others] if day.weekday() < SAT}
    extra: Named = []
    for day, name in sorted(fixed):
        if day.weekday() < SAT:
            continue
        substitute = day + _DAY
        while substitute.weekday() >= SAT or substitute in taken:
            substitute += _DAY
        taken.add(substitute)
        extra.append((substitute, f"{name} (substitute day)"))
    return extra


def _us(year: int) -> Named:
    fixed: Named = [
        (date(year, 1, 1), "New Year's Day"),
        (date(year, 7, 4), "Independence Day"),
        (date(year, 11, 11), "Veterans Day"),
        (date(year, 12, 25), "Christmas Day"),
    ]
    if year >= 2021:
        fixed.append((date(year, 6, 19), "Juneteenth National Independence Day"))
    observed = [
        (_us_observed(day), f"{name} (observed)")
        for day, name in fixed
        if _us_observed(day) != day
    ]
    return [
        *fixed,
        *observed,
        (nth_weekday(year, 1, MON, 3), "Birthday of Martin Luther King, Jr."),
        (nth_weekday(year, 2, MON, 3), "Washington's Birthday"),
        (nth_weekday(year, 5, MON, -1), "Memorial Day"),
        (nth_weekday(year, 9, MON, 1), "Labor Day"),
        (nth_weekday(year, 10, MON, 2), "Columbus Day"),
        (nth_weekday(year, 11, THU, 4), "Thanksgiving Day"),
    ]


def _ca(year: int) -> Named:
    fixed: Named = [
        (date(year, 1, 1), "New Year's Day"),
        (date(year, 7, 1), "Canada Day"),
        (date(year, 11, 11), "Remembrance Day"),
        (date(year, 12, 25), "Christmas Day"),
        (date(year, 12, 26), "Boxing Day"),
    ]
    if year >= 2021:
        fixed.append((date(year, 9, 30), "National Day for Truth and Reconciliation"))
    may_24 = date(year, 5, 24)
    moving: Named = [
        (easter_sunday(year) - 2 * _DAY, "Good Friday"),
        (may_24 - timedelta(days=may_24.weekday()), "Victoria Day"),
        (nth_weekday(year, 9, MON, 1), "Labour Day"),
        (nth_weekday(year, 10, MON, 2), "Thanksgiving"),
    ]
    return [*fixed, *moving, *_substitutes(fixed, moving)]


# England and Wales: bank holidays moved or added by proclamation.
_GB_MOVED: dict[tuple[int, str], date] = {
    (2020, "Early May bank holiday"): date(2020, 5, 8),  # VE Day, 75th anniversary
    (2022, "Spring bank holiday"): date(2022, 6, 2),  # Platinum Jubilee
}
_GB_ONE_OFF: dict[int, Named] = {
    2022: [
        (date(2022, 6, 3), "Platinum Jubilee bank holiday"),
        (date(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
    ],
    2023: [(date(2023, 5, 8), "Coronation of King Charles III")],
}


def _gb(year: int) -> Named:
    fixed: Named = [
        (date(year, 1, 1), "New Year's Day"),
        (date(year, 12, 25), "Christmas Day"),
        (date(year, 12, 26), "Boxing Day"),
    ]
    easter = easter_sunday(year)
    moving: Named = [
        (easter - 2 * _DAY, "Good Friday"),
        (easter + _DAY, "Easter Monday"),
        (nth_weekday(year, 5, MON, 1), "Early May bank holiday"),
        (nth_weekday(year, 5, MON, -1), "Spring bank holiday"),
        (nth_weekday(year, 8, MON, -1), "Summer bank holiday"),
    ]
    moving = [(_GB_MOVED.get((year, name), day), name) for day, name in moving]
    moving += _GB_ONE_OFF.get(year, [])
    return [*fixed, *moving, *_substitutes(fixed, moving)]


def _es(year: int) -> Named:
    return [
        (date(year, 1, 1), "Año Nuevo"),
        (date(year, 1, 6), "Epifanía del Señor"),
        (easter_sunday(year) - 2 * _DAY, "Viernes Santo"),
        (date(year, 5, 1), "Fiesta del Trabajo"),
        (date(year, 8, 15), "Asunción de la Virgen"),
        (date(year, 10, 12), "Fiesta Nacional de España"),
        (date(year, 11, 1), "Todos los Santos"),
        (date(year, 12, 6), "Día de la Constitución Española"),
        (date(year, 12, 8), "Inmaculada Concepción"),
        (date(year, 12, 25), "Natividad del Señor"),
    ]


def _mx(year: int) -> Named:
    days: Named = [
        (date(year, 1, 1), "Año Nuevo"),
        (nth_weekday(year, 2, MON, 1), "Día de la Constitución"),
        (nth_weekday(year, 3, MON, 3), "Natalicio de Benito Juárez"),
        (date(year, 5, 1), "Día del Trabajo"),
        (date(year, 9, 16), "Día de la Independencia"),
        (nth_weekday(year, 11, MON, 3), "Día de la Revolución"),
        (date(year, 12, 25), "Navidad"),
    ]
    # The presidential term is six years; since the 2024 reform it starts on 1 October.
    if year >= 2024 and (year - 2024) % 6 == 0:
        days.append((date(year, 10, 1), "Transmisión del Poder Ejecutivo Federal"))
    elif 2000 <= year < 2024 and (year - 2000) % 6 == 0:
        days.append((date(year, 12, 1), "Transmisión del Poder Ejecutivo Federal"))
    return days


_CALENDARS: dict[str, Callable[[int], Named]] = {
    "US": _us,
    "CA": _ca,
    "GB": _gb,
    "ES": _es,
    "MX": _mx,
}

SUPPORTED_COUNTRIES: frozenset[str] = frozenset(_CALENDARS)


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> dict[date, str]:
    rules = _CALENDARS.get(country)
    if rules is None:
        return {}
    found: dict[date, str] = {}
    # Observed days can cross a year boundary (US New Year's Day on a Saturday is
    # observed on 31 December), so the neighbouring years are computed too.
    for source_year in (year - 1, year, year + 1):
        for day, name in rules(source_year):
            if day.year == year:
                found[day] = f"{found[day]} / {name}" if day in found else name
    return dict(sorted(found.items()))


def public_holidays(country: str | None, year: int) -> dict[date, str]:
    """The public holidays of ``country`` (ISO 3166-1 alpha-2, any case) in ``year``.

    Date -> name, in date order. An unknown or missing country has none.
    """
    if not country:
        return {}
    return dict(_holidays(country.upper(), year))


def is_public_holiday(country: str | None, day: date) -> bool:
    """Whether ``day`` (a local date in that country) is one of its public holidays."""
    if not country:
        return False
    return day in _holidays(country.upper(), day.year)
