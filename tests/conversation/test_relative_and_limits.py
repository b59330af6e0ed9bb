"""Moves counted from the booking, and the hours a caller keeps for the whole call."""

from __future__ import annotations

import pytest

from frontdesk.conversation import limits, relative


@pytest.mark.parametrize(
    ("text", "days", "minutes"),
    [
        ("can you move it to the same slot the week after", 7, 0),
        ("same time the following week if possible", 7, 0),
        ("could we do two days later than that", 2, 0),
        ("push my manicure an hour later please", 0, 60),
        ("push it back a day", 1, 0),
        ("bring it forward by 30 minutes", 0, -30),
        ("a couple of days later", 2, 0),
        ("al mismo día pero de la semana siguiente", 7, 0),
        ("¿me pueden pasar la manicura una hora más tarde?", 0, 60),
        ("pues dos días después a la misma hora", 2, 0),
        ("¿se puede adelantar mi corte media hora?", 0, -30),
        ("retrasarla una hora", 0, 60),
        ("mejor al día siguiente", 1, 0),
    ],
)
def test_shifts_counted_from_the_booking(text: str, days: int, minutes: int) -> None:
    assert relative.read(text) == {"days": days, "minutes": minutes}


@pytest.mark.parametrize(
    "text",
    ["can I come the day after tomorrow", "next week please", "el jueves a las 4", "in two days"],
)
def test_times_counted_from_today_are_not_shifts(text: str) -> None:
    assert relative.read(text) is None


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("I can only do evenings now", "17:00", None),
        ("nothing before noon please, it's a weekday thing", "12:00", None),
        ("only afternoons", "12:00", "17:00"),
        ("no later than 4pm", None, "16:00"),
        ("from 5 onwards please", "17:00", None),
        ("solo puedo por la tarde", "12:00", "17:00"),
        ("solo me va por las mañanas", None, "12:00"),
        ("nada antes del mediodía", "12:00", None),
        ("solo puedo a partir de las seis", "18:00", None),
    ],
)
def test_standing_hours(text: str, earliest: str | None, latest: str | None) -> None:
    said = limits.read(text)
    assert said is not None and (said.earliest, said.latest) == (earliest, latest)


@pytest.mark.parametrize(
    "text",
    ["a haircut tomorrow at 3", "just a haircut tomorrow morning", "mañana por la tarde"],
)
def test_a_particular_time_is_not_a_standing_limit(text: str) -> None:
    assert limits.read(text) is None


def test_the_words_of_the_limit_are_not_a_time() -> None:
    from frontdesk.nlu.types import TimeMention

    text = "a manicure this week but only afternoons"
    said = limits.read(text)
    assert said is not None
    week = TimeMention("this week", 11, 20, "instant", "week")
    afternoons = TimeMention("afternoons", 30, 40, "interval", "hour")
    assert limits.outside((week, afternoons), said) == (week,)
    assert limits.allows(said.to_json(), "12:30") and not limits.allows(said.to_json(), "17:00")
