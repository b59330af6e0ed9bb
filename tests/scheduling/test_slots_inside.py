"""slots_inside: the slots a hard rule allows, whole, in input order."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from frontdesk.scheduling.constraints import HardConstraints, slots_inside
from frontdesk.scheduling.types import Slot

TZ = ZoneInfo("America/New_York")


def _slot(day: int, hour: int, minute: int = 0, length: int = 30) -> Slot:
    start = datetime(2027, 3, day, hour, minute, tzinfo=TZ)
    return Slot(start, start + timedelta(minutes=length), "ana")


def test_weekday_mornings_except_wednesday() -> None:
    rule = HardConstraints(
        window_start=datetime(2027, 3, 8, tzinfo=TZ), window_end=datetime(2027, 3, 13, tzinfo=TZ),
        timezone="America/New_York",
        days_of_week=frozenset({"monday", "tuesday", "thursday", "friday"}),
        latest_time=time(12))
    slots = [_slot(12, 9), _slot(10, 9), _slot(8, 11, 30), _slot(8, 11, 45), _slot(9, 14),
             _slot(11, 8)]
    # Wednesday the 10th goes, 11:45 would end after noon, 14:00 is no morning.
    assert slots_inside(slots, rule) == [_slot(12, 9), _slot(8, 11, 30), _slot(11, 8)]
