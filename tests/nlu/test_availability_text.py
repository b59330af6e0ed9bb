"""Stated availability as windows, on a table of English and Spanish sentences."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.nlu.availability_text import is_recurring, stated_windows

TZ = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=TZ)  # a Sunday: Tuesday is the 8th


def _local(text: str, **kw: object) -> list[tuple[str, str]]:
    return [(a.strftime("%a %d %H:%M"), b.strftime("%a %d %H:%M"))
            for a, b in stated_windows(text, now=NOW, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("I'm free Tuesday after 2 or Thursday morning",
     [("Tue 08 14:00", "Wed 09 00:00"), ("Thu 10 00:00", "Thu 10 12:00")]),
    ("estoy libre el martes después de las 2 o el jueves por la mañana",
     [("Tue 08 14:00", "Wed 09 00:00"), ("Thu 10 04:00", "Thu 10 12:00")]),
    ("Monday 9 to 11 and Wednesday between 3 and 5pm",
     [("Mon 07 09:00", "Mon 07 11:00"), ("Wed 09 15:00", "Wed 09 17:00")]),
    ("el lunes de 9 a 11", [("Mon 07 09:00", "Mon 07 11:00")]),
    ("mañana por la tarde", [("Mon 07 12:00", "Mon 07 19:00")]),
    ("Monday, Tuesday or Friday",
     [("Mon 07 00:00", "Tue 08 00:00"), ("Tue 08 00:00", "Wed 09 00:00"),
      ("Fri 11 00:00", "Sat 12 00:00")]),
    ("Tuesday at 3", [("Tue 08 15:00", "Tue 08 16:00")]),
])
def test_sentences_become_the_windows_a_person_means(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert _local(text) == expected


def test_a_point_in_time_lasts_as_long_as_asked() -> None:
    assert _local("Tuesday at 3", point=timedelta(minutes=90)) == [
        ("Tue 08 15:00", "Tue 08 16:30")]


@pytest.mark.parametrize(("text", "rule"), [
    ("any weekday morning except Wednesday", True),
    ("cualquier día entre semana por la mañana menos el miércoles", True),
    ("Tuesdays and Thursdays", True),
    ("los martes por la tarde", True),
    ("Tuesday after 2 or Thursday morning", False),
    ("el jueves por la mañana", False),
    # "Any time" says no hour is preferred: the day named is a particular day, not a rule.
    ("a haircut on Wednesday, December 9th, any time", False),
    ("anytime on Friday", False),
    ("el viernes a cualquier hora", False),
    ("any day except Monday", True),
    ("cualquier día menos el martes", True),
])
def test_rules_are_told_apart_from_particular_days(text: str, rule: bool) -> None:
    assert is_recurring(text) is rule
