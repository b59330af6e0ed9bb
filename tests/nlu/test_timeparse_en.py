"""English time expressions, with resolutions worked out by hand.

Unless a test says otherwise, now is Tuesday 2026-02-10 09:30 in New York (EST, -05:00;
daylight saving starts Sunday 2026-03-08). Conventions (Duckling's): an expression
means its next occurrence; a bare weekday is the next such day after today; "next
Tuesday" is the Tuesday of next week; on a named day an hour without am/pm is the
earlier one; morning is 00-12, afternoon 12-19, evening 18-24.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from frontdesk.nlu.timeparse import guess_lang, parse_time
from frontdesk.nlu.types import TimeMention

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 2, 10, 9, 30, tzinfo=NY)


def one(text: str, now: datetime = NOW, **options: Any) -> dict[str, Any]:
    found = parse_time(text, now=now, lang="en", **options)
    assert len(found) == 1, [m.to_dict() for m in found]
    return found[0].to_dict()


def instant(value: str, grain: str) -> dict[str, Any]:
    return {"kind": "instant", "value": value, "grain": grain}


def interval(start: str | None, end: str | None, grain: str) -> dict[str, Any]:
    return {"kind": "interval", "from": start, "to": end, "grain": grain}


CASES = [
    # relative days and hours
    ("tomorrow at 3", instant("2026-02-11T03:00:00-05:00", "hour")),
    ("tomorrow at 3pm", instant("2026-02-11T15:00:00-05:00", "hour")),
    ("in two hours", instant("2026-02-10T11:30:00-05:00", "minute")),
    ("in 15 minutes", instant("2026-02-10T09:45:00-05:00", "second")),
    ("3 days ago", instant("2026-02-07T09:00:00-05:00", "hour")),
    ("the day after tomorrow", instant("2026-02-12T00:00:00-05:00", "day")),
    # weekdays
    (
        "next Tuesday afternoon",
        interval("2026-02-17T12:00:00-05:00", "2026-02-17T19:00:00-05:00", "hour"),
    ),
    ("Wednesday next week", instant("2026-02-18T00:00:00-05:00", "day")),
    ("tuesday", instant("2026-02-17T00:00:00-05:00", "day")),
    (
        "this Saturday morning",
        interval("2026-02-14T00:00:00-05:00", "2026-02-14T12:00:00-05:00", "hour"),
    ),
    ("last friday", instant("2026-02-06T00:00:00-05:00", "day")),
    # dates
    ("the 13th at 1 pm", instant("2026-02-13T13:00:00-05:00", "hour")),
    ("March 3rd", instant("2026-03-03T00:00:00-05:00", "day")),
    ("3/15", instant("2026-03-15T00:00:00-04:00", "day")),  # after the clocks change
    ("the 1st of march", instant("2026-03-01T00:00:00-05:00", "day")),
    ("Feb 9", instant("2026-02-09T00:00:00-05:00", "day")),  # February is not over yet
    ("christmas", instant("2026-12-25T00:00:00-05:00", "day")),
    # clock times
    ("noon", instant("2026-02-10T12:00:00-05:00", "hour")),
    ("half past ten", instant("2026-02-10T10:30:00-05:00", "minute")),
    ("quarter to four", instant("2026-02-10T15:45:00-05:00", "minute")),  # 3:45am has passed
    ("10:30am", instant("2026-02-10T10:30:00-05:00", "minute")),
    ("at 9:05", instant("2026-02-10T09:05:00-05:00", "minute")),  # the hour 9 is not over
    ("at 8", instant("2026-02-10T20:00:00-05:00", "hour")),  # 8am has passed: 8pm
    ("4pm CET", instant("2026-02-10T10:00:00-05:00", "minute")),
    # parts of day and periods
    ("tonight", interval("2026-02-10T18:00:00-05:00", "2026-02-11T00:00:00-05:00", "hour")),
    (
        "in the afternoon",
        interval("2026-02-10T12:00:00-05:00", "2026-02-10T19:00:00-05:00", "hour"),
    ),
    ("this weekend", interval("2026-02-13T18:00:00-05:00", "2026-02-16T00:00:00-05:00", "hour")),
    ("next week", instant("2026-02-16T00:00:00-05:00", "week")),
    ("next month", instant("2026-03-01T00:00:00-05:00", "month")),
    ("end of the month", interval("2026-02-21T00:00:00-05:00", "2026-03-01T00:00:00-05:00", "day")),
    # ranges
    ("after 5", interval("2026-02-10T17:00:00-05:00", None, "hour")),
    ("before noon", interval(None, "2026-02-10T12:00:00-05:00", "hour")),
    ("from 2 to 4pm", interval("2026-02-10T14:00:00-05:00", "2026-02-10T16:00:00-05:00", "hour")),
    (
        "between 9:30 and 11 on Thursday",
        interval("2026-02-12T09:30:00-05:00", "2026-02-12T11:00:00-05:00", "minute"),
    ),
    # bare hours said as a range: the first 2 and 4 to come (2am has passed)
    ("between 2 and 4", interval("2026-02-10T14:00:00-05:00", "2026-02-10T16:00:00-05:00", "hour")),
    ("July 13-15", interval("2026-07-13T00:00:00-04:00", "2026-07-16T00:00:00-04:00", "day")),
    (
        "Tue–Thu mornings in the next two weeks",
        # next two weeks = [Mon 16th, Mon 2 March); first Tuesday morning .. last Thursday's
        interval("2026-02-17T00:00:00-05:00", "2026-02-26T12:00:00-05:00", "hour"),
    ),
    ("six months from now", instant("2026-08-10T00:00:00-04:00", "day")),
    ("Thursday, February 12th at 11 in the morning", instant("2026-02-12T11:00:00-05:00", "hour")),
    ("Wednesday like around 2 30", instant("2026-02-11T02:30:00-05:00", "minute")),
    ("by Friday", interval("2026-02-10T09:30:00-05:00", "2026-02-13T00:00:00-05:00", "second")),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_expressions_resolve(text: str, expected: dict[str, Any]) -> None:
    got = one(text)
    assert {key: got[key] for key in expected} == expected
    assert got["text"] == text


def test_dst_crossing_keeps_the_wall_clock() -> None:
    # Saturday 2026-03-07 10:00 EST; the clocks go forward that night.
    now = datetime(2026, 3, 7, 10, 0, tzinfo=NY)
    assert one("tomorrow at 9", now)["value"] == "2026-03-08T09:00:00-04:00"
    assert one("tomorrow at 9am", now)["value"] == "2026-03-08T09:00:00-04:00"


def test_hours_from_now_count_elapsed_time_across_dst() -> None:
    # 01:30 EST on the night the clocks skip 02:00-03:00: two hours later it is 04:30 EDT.
    now = datetime(2026, 3, 8, 1, 30, tzinfo=NY)
    assert one("in 2 hours", now)["value"] == "2026-03-08T04:30:00-04:00"


def test_business_hours_reads_a_bare_hour_in_the_day() -> None:
    assert one("tomorrow at 3", business_hours=True)["value"] == "2026-02-11T15:00:00-05:00"
    assert one("tomorrow at 9", business_hours=True)["value"] == "2026-02-11T09:00:00-05:00"
    got = one("between 2 and 4 on Friday", business_hours=True)
    assert (got["from"], got["to"]) == ("2026-02-13T14:00:00-05:00", "2026-02-13T16:00:00-05:00")


def test_prefer_future_false_reads_the_current_period() -> None:
    assert one("monday", prefer_future=False)["value"] == "2026-02-09T00:00:00-05:00"
    assert one("monday")["value"] == "2026-02-16T00:00:00-05:00"


def test_mentions_in_a_sentence_have_offsets() -> None:
    text = "Can I book the 13th at 1 pm? Otherwise Monday works."
    found = parse_time(text, now=NOW, lang="en")
    assert [(m.text, m.start, m.end) for m in found] == [
        ("the 13th at 1 pm", 11, 27),
        ("Monday", 39, 45),
    ]
    for m in found:
        assert text[m.start : m.end] == m.text


def test_to_dict_shapes() -> None:
    point = parse_time("at noon", now=NOW, lang="en")[0].to_dict()
    assert set(point) == {"text", "start", "end", "kind", "grain", "value"}
    span = parse_time("after 5", now=NOW, lang="en")[0].to_dict()
    assert set(span) == {"text", "start", "end", "kind", "grain", "from", "to"}
    assert span["to"] is None


@pytest.mark.parametrize(
    "text",
    [
        "May I book an appointment?",
        "I'll take the second one",
        "the first one please",
        "this one",
        "My number is 650-650-6500",
        "call me at 650.650.6500",
        "call me at 415 555 1234",
        "It costs $25",
        "that's 25 dollars",
        "I have 2 kids",
        "Good morning, I need a haircut",
        "two three",
        "3 30",
        "4a",
        "Room 12 please",
        "it takes 2 hours",
        "February 30th at 3",  # no date, and not "30th at 3" either
        "",
    ],
)
def test_words_that_are_not_times(text: str) -> None:
    assert parse_time(text, now=NOW, lang="en") == []


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_time("tomorrow", now=datetime(2026, 2, 10, 9, 30))


def test_results_are_in_the_zone_of_now() -> None:
    found = parse_time("tomorrow at 5pm", now=NOW)
    assert isinstance(found[0], TimeMention)
    assert found[0].value is not None and found[0].value.tzinfo == NY


def test_guess_lang() -> None:
    assert guess_lang("Can I come tomorrow at 3?") == "en"
    assert guess_lang("¿Puedo ir mañana a las 3?") == "es"
    assert guess_lang("el martes por la tarde") == "es"
    assert guess_lang("next Tuesday afternoon") == "en"


def test_a_twenty_word_sentence_parses_well_under_a_millisecond() -> None:
    text = (
        "Hi, could you please book me in with Dr. Lee next Tuesday afternoon, "
        "ideally between 2 and 4, thanks a lot"
    )
    parse_time(text, now=NOW, lang="en")
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        parse_time(text, now=NOW, lang="en")
    per_parse = (time.perf_counter() - started) / rounds
    assert per_parse < 0.005  # typically ~0.3 ms; generous for slow CI machines
