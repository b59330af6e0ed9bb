"""Candidate windows: the set of times a caller's words leave open, class by class.

Now is Monday 2026-03-02 09:00, in New York for English and Madrid for Spanish. Windows
are written as local "MM-DD HH:MM" pairs, `to` exclusive. A set that repeats over the
search horizon ("Tue-Thu mornings", "any day but Friday") is checked on its first
windows and on what it must leave out; such rules keep the constraint parser's parts of
day (morning to 12:00, afternoon 12:00-17:00).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.nlu.timeparse import parse_time
from frontdesk.nlu.timewindows import candidate_windows, is_list

ZONES = {"en": ZoneInfo("America/New_York"), "es": ZoneInfo("Europe/Madrid")}
NOW = {lang: datetime(2026, 3, 2, 9, 0, tzinfo=tz) for lang, tz in ZONES.items()}

Pair = tuple[str, str]


def windows(text: str, lang: str) -> list[Pair]:
    found = candidate_windows(text, now=NOW[lang], lang=lang)
    tz = ZONES[lang]
    return [
        (s.astimezone(tz).strftime("%m-%d %H:%M"), e.astimezone(tz).strftime("%m-%d %H:%M"))
        for s, e in found
    ]


def day(md: str) -> Pair:
    """The whole of one day."""
    month, d = (int(x) for x in md.split("-"))
    nxt = datetime(2026, month, d) + timedelta(days=1)
    return (f"{md} 00:00", nxt.strftime("%m-%d 00:00"))


EXACT = [
    # a weekday with a digit range: hours on that weekday, not a date
    ("en", "Thursday 1-3", [("03-05 13:00", "03-05 15:00")]),
    ("en", "can I come in Tue 10-12", [("03-03 10:00", "03-03 12:00")]),
    ("en", "friday 9-1 works for me", [("03-06 09:00", "03-06 13:00")]),
    ("en", "thurs 11-2", [("03-05 11:00", "03-05 14:00")]),
    ("en", "wednesday 2-4 pm", [("03-04 14:00", "03-04 16:00")]),
    ("es", "viernes 9-1", [("03-06 09:00", "03-06 13:00")]),
    ("es", "el jueves 4-6", [("03-05 16:00", "03-05 18:00")]),
    ("es", "el martes 10-12 me viene bien", [("03-03 10:00", "03-03 12:00")]),
    # the week of a date
    ("en", "the week of March 16", [("03-16 00:00", "03-23 00:00")]),
    ("en", "sometime the week of the 16th", [("03-16 00:00", "03-23 00:00")]),
    ("en", "the week beginning March 18", [("03-18 00:00", "03-25 00:00")]),
    ("en", "the week starting the 16th", [("03-16 00:00", "03-23 00:00")]),
    ("es", "la semana del 16", [("03-16 00:00", "03-23 00:00")]),
    ("es", "la semana del 18 de marzo", [("03-16 00:00", "03-23 00:00")]),
    ("es", "la semana que empieza el 16", [("03-16 00:00", "03-23 00:00")]),
    # a fortnight
    ("en", "in a fortnight", [day("03-16")]),
    ("en", "a fortnight from today", [day("03-16")]),
    ("en", "two weeks from today", [day("03-16")]),
    ("es", "dentro de quince días", [day("03-16")]),
    ("es", "en una quincena", [day("03-16")]),
    ("es", "dentro de una quincena", [day("03-16")]),
    # N days after today
    ("en", "two days after today", [day("03-04")]),
    ("en", "2 days from today", [day("03-04")]),
    ("en", "the day after tomorrow", [day("03-04")]),
    ("es", "dentro de dos días", [day("03-04")]),
    ("es", "pasado mañana", [day("03-04")]),
    ("es", "en dos días", [day("03-04")]),
    # later this week, the end of the week
    ("en", "later this week", [("03-03 00:00", "03-09 00:00")]),
    ("en", "sometime later in the week", [("03-03 00:00", "03-09 00:00")]),
    ("es", "más tarde esta semana", [("03-03 00:00", "03-09 00:00")]),
    ("en", "at the end of the week", [("03-06 00:00", "03-09 00:00")]),
    ("es", "a finales de semana", [("03-06 00:00", "03-09 00:00")]),
    ("es", "a finales de esta semana", [("03-06 00:00", "03-09 00:00")]),
    # early or late in the day
    ("en", "Thursday early in the day", [("03-05 00:00", "03-05 12:00")]),
    ("en", "first thing friday", [("03-06 00:00", "03-06 12:00")]),
    ("en", "tomorrow, late in the day", [("03-03 15:00", "03-04 00:00")]),
    ("es", "el jueves a primera hora", [("03-05 00:00", "03-05 12:00")]),
    ("es", "a primera hora del viernes", [("03-06 00:00", "03-06 12:00")]),
    ("es", "mañana a última hora", [("03-03 15:00", "03-04 00:00")]),
    # lists of days: one window each, in order
    ("en", "the 3rd and 4th", [day("03-03"), day("03-04")]),
    ("en", "Monday or Wednesday", [day("03-04"), day("03-09")]),
    ("en", "either the 10th or the 12th", [day("03-10"), day("03-12")]),
    (
        "en",
        "Tuesday or Thursday afternoon",
        [("03-03 12:00", "03-03 19:00"), ("03-05 12:00", "03-05 19:00")],
    ),
    ("es", "jueves o viernes", [day("03-05"), day("03-06")]),
    ("es", "el 10 o el 11", [day("03-10"), day("03-11")]),
    (
        "es",
        "el lunes o el miércoles por la tarde",
        [("03-04 12:00", "03-04 19:00"), ("03-09 12:00", "03-09 19:00")],
    ),
    # holiday weekends
    ("en", "Labor Day weekend", [("09-05 00:00", "09-08 00:00")]),
    ("en", "memorial day weekend", [("05-23 00:00", "05-26 00:00")]),
    ("es", "el puente de mayo", [("05-01 00:00", "05-04 00:00")]),
]


@pytest.mark.parametrize(("lang", "text", "expected"), EXACT)
def test_windows(lang: str, text: str, expected: list[Pair]) -> None:
    assert windows(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "end of the month"),
        ("en", "towards the end of the month"),
        ("es", "fin de mes"),
        ("es", "a finales de mes"),
    ],
)
def test_end_of_the_month(lang: str, text: str) -> None:
    found = windows(text, lang)
    assert len(found) == 1
    start, end = found[0]
    assert end == "04-01 00:00"
    assert "03-18 00:00" <= start <= "03-25 00:00"


REPEATING = [
    # negation: the excluded day never appears
    (
        "en",
        "any weekday morning except Wednesday",
        [("03-02 09:00", "03-02 12:00"), ("03-03 00:00", "03-03 12:00")],
        {"03-04", "03-11", "03-07", "03-08"},
    ),
    ("en", "any day but Friday", [("03-02 09:00", "03-03 00:00"), day("03-03")], {"03-06"}),
    ("en", "not Wednesday, any other weekday", [("03-02 09:00", "03-03 00:00")], {"03-04"}),
    ("es", "cualquier día menos el miércoles", [("03-02 09:00", "03-03 00:00")], {"03-04"}),
    ("es", "cualquier día salvo el viernes", [("03-02 09:00", "03-03 00:00")], {"03-06"}),
    (
        "es",
        "cualquier mañana entre semana excepto el miércoles",
        [("03-02 09:00", "03-02 12:00"), ("03-03 00:00", "03-03 12:00")],
        {"03-04", "03-07"},
    ),
    # recurring sets: several days, each with its part of day
    (
        "en",
        "Tue–Thu mornings",
        [("03-03 00:00", "03-03 12:00"), ("03-04 00:00", "03-04 12:00"),
         ("03-05 00:00", "03-05 12:00"), ("03-10 00:00", "03-10 12:00")],
        {"03-06", "03-09"},
    ),
    (
        "en",
        "tuesday to thursday mornings",
        [("03-03 00:00", "03-03 12:00"), ("03-04 00:00", "03-04 12:00")],
        {"03-06"},
    ),
    (
        "en",
        "mondays and wednesdays after 3",
        [("03-02 15:00", "03-03 00:00"), ("03-04 15:00", "03-05 00:00"),
         ("03-09 15:00", "03-10 00:00")],
        {"03-03", "03-05"},
    ),
    (
        "es",
        "martes a jueves por la mañana",
        [("03-03 00:00", "03-03 12:00"), ("03-04 00:00", "03-04 12:00"),
         ("03-05 00:00", "03-05 12:00")],
        {"03-06", "03-09"},
    ),
    (
        "es",
        "de martes a jueves por las mañanas",
        [("03-03 00:00", "03-03 12:00"), ("03-04 00:00", "03-04 12:00")],
        {"03-06"},
    ),
    (
        "es",
        "los lunes y miércoles por la tarde",
        [("03-02 12:00", "03-02 17:00"), ("03-04 12:00", "03-04 17:00")],
        {"03-03", "03-05"},
    ),
]


@pytest.mark.parametrize(("lang", "text", "first", "never"), REPEATING)
def test_repeating_sets(lang: str, text: str, first: list[Pair], never: set[str]) -> None:
    found = windows(text, lang)
    assert found[: len(first)] == first
    assert len(found) > len(first) or len(first) >= 3, found
    touched = {s[:5] for s, _ in found}
    assert not touched & never, found


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("en", "a quarter to six", "2026-03-02T17:45"),
        ("en", "twenty to five", "2026-03-02T16:40"),
        ("en", "ten to three tomorrow", "2026-03-03T14:50"),
        ("en", "at quarter to 11", "2026-03-02T10:45"),
        ("es", "las 6 menos cuarto", "2026-03-02T17:45"),
        ("es", "a las cinco menos veinte", "2026-03-02T16:40"),
        ("es", "mañana a las doce menos diez", "2026-03-03T11:50"),
        ("es", "a las 10 menos cuarto", "2026-03-02T09:45"),
    ],
)
def test_minutes_to_the_hour(lang: str, text: str, value: str) -> None:
    found = parse_time(text, now=NOW[lang], lang=lang, business_hours=True)
    assert len(found) == 1, [m.to_dict() for m in found]
    assert found[0].kind == "instant"
    assert found[0].to_dict()["value"].startswith(value)
    assert windows(text, lang) == [(value[5:].replace("T", " "), _plus_minute(value))]


def _plus_minute(value: str) -> str:
    hh, mm = int(value[11:13]), int(value[14:16]) + 1
    return f"{value[5:10]} {hh:02d}:{mm:02d}"


@pytest.mark.parametrize(
    ("lang", "text", "listed"),
    [
        ("en", "Monday or Wednesday", True),
        ("en", "the 3rd and 4th", True),
        ("es", "el jueves o el viernes", True),
        ("en", "from Tuesday to Thursday", False),
        ("es", "del martes para el jueves", False),
        ("en", "towards the end of next week, Friday or Saturday", False),
        ("es", "la semana que viene, jueves o viernes", False),
    ],
)
def test_alternatives_or_a_move(lang: str, text: str, listed: bool) -> None:
    mentions = parse_time(text, now=NOW[lang], lang=lang, business_hours=True)
    assert is_list(text, mentions) is listed
