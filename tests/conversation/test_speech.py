from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from frontdesk.conversation.speech import say_clock, say_day, say_list, say_weekday_range, say_when

NY = ZoneInfo("America/New_York")
TODAY = date(2026, 12, 1)  # a Tuesday


@pytest.mark.parametrize(
    ("hour", "minute", "en", "es"),
    [
        (9, 0, "9 AM", "a las 9 de la mañana"),
        (10, 30, "10:30 AM", "a las 10:30 de la mañana"),
        (12, 0, "noon", "a las 12 del mediodía"),
        (13, 0, "1 PM", "a la 1 de la tarde"),
        (13, 15, "1:15 PM", "a la 1:15 de la tarde"),
        (15, 0, "3 PM", "a las 3 de la tarde"),
        (20, 45, "8:45 PM", "a las 8:45 de la noche"),
        (0, 30, "12:30 AM", "a las 12:30 de la mañana"),
    ],
)
def test_clock(hour: int, minute: int, en: str, es: str) -> None:
    value = datetime(2026, 12, 1, hour, minute, tzinfo=NY)
    assert say_clock(value, "en") == en
    assert say_clock(value, "es") == es


def test_days_are_relative_when_near() -> None:
    assert say_day(TODAY, TODAY, "en") == "today"
    assert say_day(date(2026, 12, 2), TODAY, "en") == "tomorrow"
    assert say_day(date(2026, 12, 2), TODAY, "es") == "mañana"
    assert say_day(date(2026, 12, 3), TODAY, "es") == "pasado mañana"
    assert say_day(date(2026, 12, 3), TODAY, "en") == "Thursday, December 3rd"
    assert say_day(date(2026, 12, 11), TODAY, "en") == "Friday, December 11th"
    assert say_day(date(2026, 12, 22), TODAY, "en") == "Tuesday, December 22nd"
    assert say_day(date(2027, 1, 4), TODAY, "es") == "el lunes 4 de enero"


def test_when_and_lists_have_no_markup() -> None:
    when = say_when(datetime(2026, 12, 4, 14, 30, tzinfo=NY), TODAY, "en")
    assert when == "Friday, December 4th at 2:30 PM"
    es = say_when(datetime(2026, 12, 4, 14, 30, tzinfo=NY), TODAY, "es")
    assert es == "el viernes 4 de diciembre a las 2:30 de la tarde"
    assert say_list(["a", "b", "c"], "en") == "a, b or c"
    assert say_list(["a", "b"], "es") == "a o b"
    assert say_list(["a"], "en") == "a"
    for text in (when, es):
        assert not any(ch in text for ch in "*#_[]`")


def test_weekday_ranges() -> None:
    assert say_weekday_range([0, 1, 2, 3, 4], "en") == "Monday to Friday"
    assert say_weekday_range([1, 2, 3, 4, 5], "es") == "martes a sábado"
    assert say_weekday_range([5, 6], "en") == "Saturday and Sunday"
