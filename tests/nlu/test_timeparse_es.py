"""Spanish time expressions, with resolutions worked out by hand.

Now is martes 2026-02-10 09:30 in Madrid (CET, +01:00). Spanish parts of day follow
Duckling's Spanish corpus: la mañana is 04-12, la tarde 12-19, la noche 18-24.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from frontdesk.nlu.timeparse import parse_time

MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 2, 10, 9, 30, tzinfo=MADRID)


def one(text: str, **options: Any) -> dict[str, Any]:
    found = parse_time(text, now=NOW, lang="es", **options)
    assert len(found) == 1, [m.to_dict() for m in found]
    return found[0].to_dict()


def instant(value: str, grain: str) -> dict[str, Any]:
    return {"kind": "instant", "value": value, "grain": grain}


def interval(start: str | None, end: str | None, grain: str) -> dict[str, Any]:
    return {"kind": "interval", "from": start, "to": end, "grain": grain}


CASES = [
    # today is Tuesday: "el martes" is next week's
    (
        "el martes por la tarde",
        interval("2026-02-17T12:00:00+01:00", "2026-02-17T19:00:00+01:00", "hour"),
    ),
    ("pasado mañana a las diez y media", instant("2026-02-12T10:30:00+01:00", "minute")),
    ("la semana que viene", instant("2026-02-16T00:00:00+01:00", "week")),
    ("mañana a las 3", instant("2026-02-11T03:00:00+01:00", "hour")),
    ("mañana a las 3 de la tarde", instant("2026-02-11T15:00:00+01:00", "hour")),
    ("el 13 a la una", instant("2026-02-13T01:00:00+01:00", "hour")),
    ("el próximo lunes", instant("2026-02-16T00:00:00+01:00", "day")),
    ("el lunes que viene", instant("2026-02-16T00:00:00+01:00", "day")),
    ("a las cinco y cuarto", instant("2026-02-10T17:15:00+01:00", "minute")),  # 5:15 passed
    ("a las diez menos cuarto", instant("2026-02-10T09:45:00+01:00", "minute")),
    ("por la mañana", interval("2026-02-10T04:00:00+01:00", "2026-02-10T12:00:00+01:00", "hour")),
    # "dentro de" is "in": two hours from now (Duckling reads it as "within")
    ("dentro de dos horas", instant("2026-02-10T11:30:00+01:00", "minute")),
    ("el viernes como a las 2 y media de la tarde", instant("2026-02-13T14:30:00+01:00", "minute")),
    ("en una hora", instant("2026-02-10T10:30:00+01:00", "minute")),
    (
        "este fin de semana",
        interval("2026-02-13T18:00:00+01:00", "2026-02-16T00:00:00+01:00", "hour"),
    ),
    ("el 15 de marzo", instant("2026-03-15T00:00:00+01:00", "day")),
    ("mediodía", instant("2026-02-10T12:00:00+01:00", "hour")),
    ("esta noche", interval("2026-02-10T18:00:00+01:00", "2026-02-11T00:00:00+01:00", "hour")),
    ("después de las 5", interval("2026-02-10T17:00:00+01:00", None, "hour")),
    ("antes del mediodía", interval(None, "2026-02-10T12:00:00+01:00", "hour")),
    (
        "entre las 2 y las 4",
        interval("2026-02-10T14:00:00+01:00", "2026-02-10T16:00:00+01:00", "hour"),
    ),
    (
        "de lunes a viernes",
        interval("2026-02-16T00:00:00+01:00", "2026-02-21T00:00:00+01:00", "day"),
    ),
    ("de 3 a 5", interval("2026-02-10T15:00:00+01:00", "2026-02-10T17:00:00+01:00", "hour")),
    (
        "el fin de semana",
        interval("2026-02-13T18:00:00+01:00", "2026-02-16T00:00:00+01:00", "hour"),
    ),
    ("hace tres días", instant("2026-02-07T09:00:00+01:00", "hour")),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_expressions_resolve(text: str, expected: dict[str, Any]) -> None:
    got = one(text)
    assert {key: got[key] for key in expected} == expected
    assert got["text"] == text


def test_business_hours() -> None:
    assert one("mañana a las 3", business_hours=True)["value"] == "2026-02-11T15:00:00+01:00"
    assert one("el 13 a la una", business_hours=True)["value"] == "2026-02-13T13:00:00+01:00"


def test_a_sentence_with_offsets() -> None:
    text = "Hola, ¿puedo ir el martes por la tarde o el jueves a las 10?"
    found = parse_time(text, now=NOW)  # language guessed
    assert [(m.text, m.start, m.end) for m in found] == [
        ("el martes por la tarde", 16, 38),
        ("el jueves a las 10", 41, 59),
    ]
    assert found[1].value == datetime(2026, 2, 12, 10, 0, tzinfo=MADRID)


@pytest.mark.parametrize(
    "text",
    [
        "la segunda",
        "el primero",
        "tengo 2 hijos",
        "cuesta 25 euros",
        "buenos días",
        "buenas tardes, quería una cita",
        "mi número es 555 1234",
        "una hora",
        "quería pedir cita para una consulta",
        "el 31 de abril",
    ],
)
def test_words_that_are_not_times(text: str) -> None:
    assert parse_time(text, now=NOW, lang="es") == []
