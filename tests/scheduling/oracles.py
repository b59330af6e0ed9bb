"""Brute-force oracles for the constraint and group-scheduling tests.

They read constraints instant by instant on a 15-minute grid, with no intervals, merging
or sweeps, so they share no code (and no bugs) with the engine. They are exact when every
boundary (window bounds, wall-clock times, availability windows) lies on that grid and no
wall-clock time falls in a DST gap or repeated hour, which the tests' inputs ensure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from frontdesk.scheduling.constraints import WEEKDAY_NAMES, HardConstraints, SoftConstraints
from frontdesk.scheduling.types import Interval

STEP = timedelta(minutes=15)


def chunk_allowed(moment: datetime, hard: HardConstraints, tz: ZoneInfo) -> bool:
    """Whether the 15 minutes from ``moment`` are all allowed by ``hard``."""
    if moment < hard.window_start or moment + STEP > hard.window_end:
        return False
    local = moment.astimezone(tz)
    if hard.days_of_week is not None and WEEKDAY_NAMES[local.weekday()] not in hard.days_of_week:
        return False
    if local.date() in hard.exclude_dates:
        return False
    wall = local.time().replace(tzinfo=None)
    if hard.earliest_time is not None and wall < hard.earliest_time:
        return False
    latest = hard.latest_time
    return latest is None or latest == time(0) or wall < latest


def chunks(start: datetime, length: timedelta) -> list[datetime]:
    count = length // STEP
    return [start + i * STEP for i in range(count)]


def meeting_allowed(
    start: datetime, length: timedelta, hard: HardConstraints, tz: ZoneInfo
) -> bool:
    return all(chunk_allowed(moment, hard, tz) for moment in chunks(start, length))


def attends(start: datetime, length: timedelta, windows: Sequence[Interval]) -> bool:
    """Whether every chunk of the meeting lies in some stated window (raw, unjoined)."""
    return all(
        any(begin <= moment and moment + STEP <= end for begin, end in windows)
        for moment in chunks(start, length)
    )


def soft_met(start: datetime, soft: SoftConstraints, tz: ZoneInfo) -> int:
    local = start.astimezone(tz)
    score = 0
    if soft.days_of_week is not None and WEEKDAY_NAMES[local.weekday()] in soft.days_of_week:
        score += 1
    if soft.parts_of_day is not None:
        part = "morning" if local.hour < 12 else "afternoon" if local.hour < 17 else "evening"
        score += part in soft.parts_of_day
    return score
