"""Say times, dates and lists the way a person would, in English and Spanish.

Replies are spoken by text-to-speech as often as they are read, so: no markdown, no ISO
strings, relative days where natural ("tomorrow"), 12-hour clock in English.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

_EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_ES_DAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
_EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_ES_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def say_clock(value: datetime, lang: str) -> str:
    """'3 PM', '10:30 AM', 'noon'; 'a las 3 de la tarde', 'a la 1:15 de la tarde'."""
    hour = value.hour % 12 or 12
    clock = f"{hour}" if value.minute == 0 else f"{hour}:{value.minute:02d}"
    if lang == "es":
        article = "a la" if hour == 1 else "a las"
        if value.hour == 12 and value.minute == 0:
            return "a las 12 del mediodía"
        part = (
            "de la mañana"
            if value.hour < 12
            else "de la tarde"
            if value.hour < 20
            else "de la noche"
        )
        return f"{article} {clock} {part}"
    if value.hour == 12 and value.minute == 0:
        return "noon"
    return f"{clock} {'AM' if value.hour < 12 else 'PM'}"


def say_day(day: date, today: date, lang: str) -> str:
    delta = (day - today).days
    if lang == "es":
        if delta == 0:
            return "hoy"
        if delta == 1:
            return "mañana"
        if delta == 2:
            return "pasado mañana"
        return f"el {_ES_DAYS[day.weekday()]} {day.day} de {_ES_MONTHS[day.month - 1]}"
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    return f"{_EN_DAYS[day.weekday()]}, {_EN_MONTHS[day.month - 1]} {_ordinal(day.day)}"


def say_when(value: datetime, today: date, lang: str) -> str:
    """'tomorrow at 3 PM', 'Tuesday, December 1st at 10:30 AM', 'el martes 1 de diciembre...'."""
    day = say_day(value.date(), today, lang)
    if lang == "es":
        return f"{day} {say_clock(value, lang)}"
    return f"{day} at {say_clock(value, lang)}"


def say_list(items: Sequence[str], lang: str, *, conjunction: str | None = None) -> str:
    word = conjunction or ("o" if lang == "es" else "or")
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def say_weekday_range(days: Sequence[int], lang: str) -> str:
    names = _ES_DAYS if lang == "es" else _EN_DAYS
    days = sorted(set(days))
    if not days:
        return ""
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        joiner = " a " if lang == "es" else " to "
        return f"{names[days[0]]}{joiner}{names[days[-1]]}"
    return say_list([names[d] for d in days], lang, conjunction="y" if lang == "es" else "and")
