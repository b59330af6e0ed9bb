"""Booking constraints from words: a hand-checked table in English and Spanish.

Unless a case says otherwise, now is Wednesday 2026-12-02 10:15 in New York (EST,
-05:00). The defaults: the window runs from now to midnight 14 days on (the 16th), no
day, clock or date restriction, no preference. Each case lists only what differs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from frontdesk.nlu.constraints import ConstraintConflict, parse_constraints

TZ = "America/New_York"
NOW = datetime(2026, 12, 2, 10, 15, tzinfo=ZoneInfo(TZ))
START = "2026-12-02T10:15:00-05:00"
MIDNIGHT = "T00:00:00-05:00"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
ALL = [*WEEKDAYS, "saturday", "sunday"]


def _but(*days: str) -> list[str]:
    return [d for d in ALL if d not in days]


def _end(day: str) -> str:
    return f"2026-12-{day}{MIDNIGHT}" if len(day) == 2 else f"{day}{MIDNIGHT}"


DEFAULT: dict[str, Any] = {
    "window_start": START,
    "window_end": _end("16"),
    "days_of_week": None,
    "earliest_time": None,
    "latest_time": None,
    "exclude_dates": None,
    "soft_days": None,
    "soft_parts": None,
}

CASES: list[tuple[str, dict[str, Any]]] = [
    # the examples
    ("Try to book in the next two weeks, preferably Tue–Thu mornings",
     {"soft_days": ["tuesday", "wednesday", "thursday"], "soft_parts": ["morning"]}),
    ("Tue–Thu", {"days_of_week": ["tuesday", "wednesday", "thursday"]}),
    ("de martes a jueves", {"days_of_week": ["tuesday", "wednesday", "thursday"]}),
    ("not Friday", {"days_of_week": _but("friday")}),
    ("no weekends", {"days_of_week": WEEKDAYS}),
    ("except the first week",
     {"exclude_dates": [f"2026-12-{d:02d}" for d in range(2, 9)]}),
    ("before Christmas", {"window_end": _end("25")}),
    ("ASAP", {"window_end": _end("09")}),
    # windows
    ("in the next two weeks", {}),
    ("within 10 days", {"window_end": _end("12")}),
    ("the next 3 days", {"window_end": _end("05")}),
    ("this month", {"window_end": _end("2027-01-01")}),
    ("next week", {"window_start": _end("07"), "window_end": _end("14")}),
    ("by the 20th", {"window_end": _end("21")}),
    ("before the 20th", {"window_end": _end("20")}),
    ("after the 10th", {"window_start": _end("11"), "window_end": _end("25")}),
    ("from the 10th", {"window_start": _end("10"), "window_end": _end("24")}),
    ("until Friday", {"window_end": _end("05")}),
    ("as soon as possible, mornings", {"window_end": _end("09"), "latest_time": "12:00"}),
    ("tomorrow afternoon",
     {"window_start": _end("03"), "window_end": _end("04"), "earliest_time": "12:00",
      "latest_time": "17:00"}),
    ("en las próximas dos semanas", {}),
    ("antes de Navidad", {"window_end": _end("25")}),
    ("este mes", {"window_end": _end("2027-01-01")}),
    ("la semana que viene", {"window_start": _end("07"), "window_end": _end("14")}),
    ("lo antes posible", {"window_end": _end("09")}),
    ("hasta el viernes", {"window_end": _end("05")}),
    # days
    ("Tuesday to Thursday", {"days_of_week": ["tuesday", "wednesday", "thursday"]}),
    ("Friday through Monday", {"days_of_week": ["monday", "friday", "saturday", "sunday"]}),
    ("only Mondays and Wednesdays", {"days_of_week": ["monday", "wednesday"]}),
    ("not Monday, Tuesday or Friday", {"days_of_week": _but("monday", "tuesday", "friday")}),
    ("weekdays only", {"days_of_week": WEEKDAYS}),
    ("nunca los lunes", {"days_of_week": _but("monday")}),
    ("solo martes y jueves", {"days_of_week": ["tuesday", "thursday"]}),
    ("excepto los fines de semana", {"days_of_week": WEEKDAYS}),
    ("entre semana", {"days_of_week": WEEKDAYS}),
    ("any weekday morning except Wednesday",
     {"days_of_week": ["monday", "tuesday", "thursday", "friday"], "latest_time": "12:00"}),
    ("ideally Tuesday, never Friday", {"days_of_week": _but("friday"), "soft_days": ["tuesday"]}),
    ("weekdays only, ideally Monday", {"days_of_week": WEEKDAYS, "soft_days": ["monday"]}),
    ("Mondays if possible", {"soft_days": ["monday"]}),
    ("Mornings, if possible.", {"soft_parts": ["morning"]}),
    ("Tuesdays, preferably mornings", {"days_of_week": ["tuesday"], "soft_parts": ["morning"]}),
    ("preferably not Monday", {"soft_days": _but("monday")}),
    ("mejor los viernes", {"soft_days": ["friday"]}),
    ("de preferencia entre semana", {"soft_days": WEEKDAYS}),
    ("por las tardes, excepto el viernes",
     {"days_of_week": _but("friday"), "earliest_time": "12:00", "latest_time": "17:00"}),
    # times and parts of day
    ("after 2pm", {"earliest_time": "14:00"}),
    ("before 11", {"latest_time": "11:00"}),
    ("not before 10am", {"earliest_time": "10:00"}),
    ("no later than 4:30pm", {"latest_time": "16:30"}),
    ("between 9 and 11", {"earliest_time": "09:00", "latest_time": "11:00"}),
    ("mornings", {"latest_time": "12:00"}),
    ("no mornings", {"earliest_time": "12:00"}),
    ("preferably afternoons", {"soft_parts": ["afternoon"]}),
    ("ideally after 2pm", {"soft_parts": ["afternoon", "evening"]}),
    ("Tue–Thu mornings",
     {"days_of_week": ["tuesday", "wednesday", "thursday"], "latest_time": "12:00"}),
    ("por la tarde", {"earliest_time": "12:00", "latest_time": "17:00"}),
    ("después de las 3", {"earliest_time": "15:00"}),
    ("antes de las 11", {"latest_time": "11:00"}),
    ("entre las 9 y las 11", {"earliest_time": "09:00", "latest_time": "11:00"}),
    ("a ser posible por la mañana", {"soft_parts": ["morning"]}),
    ("este mes, preferiblemente por la mañana",
     {"window_end": _end("2027-01-01"), "soft_parts": ["morning"]}),
    # exclusions
    ("before Christmas, not on the 24th",
     {"window_end": _end("25"), "exclude_dates": ["2026-12-24"]}),
    ("in the next two weeks except next week",
     {"exclude_dates": [f"2026-12-{d:02d}" for d in range(7, 14)]}),
    ("antes de Navidad, nunca los lunes, mejor por la tarde",
     {"window_end": _end("25"), "days_of_week": _but("monday"), "soft_parts": ["afternoon"]}),
    ("en diciembre, excepto del 24 al 26",
     {"window_end": _end("2027-01-01"),
      "exclude_dates": ["2026-12-24", "2026-12-25", "2026-12-26"]}),
    # alternatives span each other; several days or dates are any of them
    ("this Friday or next Monday", {"window_start": _end("04"), "window_end": _end("08")}),
    ("I'm free Tuesday after 2 or Thursday morning", {"days_of_week": ["tuesday", "thursday"]}),
    ("mornings or early afternoon", {"latest_time": "17:00"}),
    ("any day but Sunday", {"days_of_week": _but("sunday")}),
    ("de lunes a viernes de 9 a 2",
     {"days_of_week": WEEKDAYS, "earliest_time": "09:00", "latest_time": "14:00"}),
    ("before the end of the month", {"window_end": _end("2027-01-01")}),
    ("después del 10", {"window_start": _end("11"), "window_end": _end("25")}),
    ("hasta el 20", {"window_end": _end("21")}),
    ("this month, ideally before the 15th", {"window_end": _end("2027-01-01")}),
    ("Any time next week except Monday morning",  # all of Monday: never offered, as asked
     {"window_start": _end("07"), "window_end": _end("14"), "days_of_week": _but("monday")}),
    ("not this weekend", {"exclude_dates": ["2026-12-05", "2026-12-06"]}),
    ("este fin de semana no", {"exclude_dates": ["2026-12-05", "2026-12-06"]}),
    ("los lunes no", {"days_of_week": _but("monday")}),
    ("nada de fines de semana", {"days_of_week": WEEKDAYS}),
    ("No calls on weekends. Mornings are best.",
     {"days_of_week": WEEKDAYS, "soft_parts": ["morning"]}),
    ("a partir del lunes", {"window_start": _end("07"), "window_end": _end("21")}),
    ("antes del 15 de diciembre", {"window_end": _end("15")}),
    ("dentro de 10 días", {"window_end": _end("12")}),
    ("hasta las 6 de la tarde", {"latest_time": "18:00"}),
    ("a partir de las 4", {"earliest_time": "16:00"}),
    ("la próxima semana, solo por la mañana",
     {"window_start": _end("07"), "window_end": _end("14"), "latest_time": "12:00"}),
    ("cualquier día excepto el lunes, mejor en la tarde",
     {"days_of_week": _but("monday"), "soft_parts": ["afternoon"]}),
    ("no los viernes ni los sábados", {"days_of_week": _but("friday", "saturday")}),
    ("within the next 3 weeks, Mon/Wed/Fri",
     {"window_end": _end("23"), "days_of_week": ["monday", "wednesday", "friday"]}),
    # nothing to go on: the defaults, never an error
    ("Call Bob about the invoice", {}),
    ("hola, ¿qué tal?", {}),
    ("", {}),
]  # fmt: skip


def _flat(instruction: str, now: datetime = NOW) -> dict[str, Any]:
    out = parse_constraints(instruction, timezone=TZ, now=now).to_dict()
    hard, soft = out["hard_constraints"], out["soft_constraints"]
    assert hard.pop("timezone") == TZ
    return {**hard, "soft_days": soft["days_of_week"], "soft_parts": soft["parts_of_day"]}


@pytest.mark.parametrize(("instruction", "expected"), CASES, ids=[c[0] for c in CASES])
def test_table(instruction: str, expected: dict[str, Any]) -> None:
    assert _flat(instruction) == {**DEFAULT, **expected}


@pytest.mark.parametrize(
    "instruction",
    [
        "only Mondays, never Mondays",
        "solo los lunes, nunca los lunes",
        "after 3pm, before 11am",
        "only mornings, after 2pm",
        "weekends only, preferably Tuesday",
        "after the 20th, before the 10th",
        "only evenings, ideally mornings",
        "tomorrow, not Thursday",  # tomorrow is a Thursday
    ],
)
def test_contradictions_are_refused(instruction: str) -> None:
    with pytest.raises(ConstraintConflict):
        parse_constraints(instruction, timezone=TZ, now=NOW)


def test_a_window_across_the_dst_change_keeps_wall_clock_midnight() -> None:
    now = datetime(2026, 10, 20, 9, 0, tzinfo=ZoneInfo("Europe/Madrid"))  # CEST, +02:00
    out = parse_constraints("next two weeks", timezone="Europe/Madrid", now=now)
    assert out.hard.window_start.isoformat() == "2026-10-20T09:00:00+02:00"
    assert out.hard.window_end.isoformat() == "2026-11-03T00:00:00+01:00"  # CET since the 25th


def test_now_is_read_in_the_given_zone() -> None:
    now = datetime(2026, 12, 3, 2, 0, tzinfo=ZoneInfo("UTC"))  # still the 2nd in New York
    out = parse_constraints("tomorrow", timezone=TZ, now=now)
    assert out.hard.window_start.date() == date(2026, 12, 3)
    assert out.hard.window_start.isoformat() == "2026-12-03T00:00:00-05:00"


def test_language_is_guessed_and_can_be_given() -> None:
    assert parse_constraints("nunca los lunes", timezone=TZ, now=NOW).language == "es"
    assert parse_constraints("never Mondays", timezone=TZ, now=NOW).language == "en"
    forced = parse_constraints("lunes", timezone=TZ, now=NOW, lang="es")
    assert forced.hard.days_of_week == ("monday",)
    # no Spanish hint word in it: guessed English, understood as Spanish
    retried = parse_constraints("solo mañanas", timezone=TZ, now=NOW)
    assert (retried.language, retried.hard.latest_time) == ("es", "12:00")


def test_refuses_a_naive_now_and_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_constraints("mornings", timezone=TZ, now=datetime(2026, 12, 2, 10))
    with pytest.raises(ValueError, match="language"):
        parse_constraints("mornings", timezone=TZ, now=NOW, lang="fr")
