"""Combining the time mentions of one turn into the caller's constraint."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from frontdesk.conversation import when
from frontdesk.nlu.understand import understand

TZ = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 23, 9, tzinfo=TZ)  # a Monday
CTX = SimpleNamespace(tz=TZ, now=NOW)


def _constraint(text: str) -> dict[str, object]:
    times = understand(text, now=NOW).times
    main = when.primary(times, rescheduling=False)
    return when.business_hour(when.combine(times, main, CTX), CTX)  # type: ignore[arg-type]


def test_part_of_day_said_apart_lands_on_the_named_day() -> None:
    c = _constraint("Morning. Could I see a GP first thing Monday?")
    assert c["kind"] == "interval"
    start = datetime.fromisoformat(str(c["from"]))
    end = datetime.fromisoformat(str(c["to"]))
    assert start.date() == end.date() == datetime(2026, 11, 30).date()
    assert start < end and end.hour == 12


def test_range_said_apart_from_the_day() -> None:
    c = _constraint("this Thursday, sometime between 2 and 4")
    start = datetime.fromisoformat(str(c["from"]))
    end = datetime.fromisoformat(str(c["to"]))
    assert (start.day, start.hour, end.hour) == (26, 14, 16)


def test_interval_ending_at_midnight_ends_the_next_day() -> None:
    evening = {"kind": "interval", "from": "2026-11-23T18:00:00+01:00",
               "to": "2026-11-24T00:00:00+01:00", "grain": "hour", "text": "tonight"}
    moved = when.move_to_day(evening, datetime(2026, 11, 26, tzinfo=TZ), CTX)  # type: ignore[arg-type]
    assert moved["from"] == "2026-11-26T18:00:00+01:00"
    assert moved["to"] == "2026-11-27T00:00:00+01:00"


def test_bare_hours() -> None:
    assert when.bare_hour("6 works") == 18
    assert when.bare_hour("can we do ten instead") == 10
    assert when.bare_hour("a las cuatro") == 16
    assert when.bare_hour("sounds good") is None
