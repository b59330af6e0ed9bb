"""Group scheduling optimizer: how its time grows with the input (not a timed test).

    python -m benchmarks.group_slots [--quick]

Candidates every 15 minutes over 30 days of 08:00-18:00 (New York), participants with 10
random windows each; hard constraints Monday-Friday 09:00-17:00, soft Tuesday-Thursday
mornings. Each size doubles candidates and participants together: with near-linear work
the p50 roughly doubles too (a candidate-by-window scan would grow about fourfold).
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, time, timedelta
from time import perf_counter
from zoneinfo import ZoneInfo

from benchmarks.common import summarize
from frontdesk.scheduling.constraints import HardConstraints, SoftConstraints
from frontdesk.scheduling.group_slots import choose_best_slot
from frontdesk.scheduling.types import Interval, Slot

TZ = ZoneInfo("America/New_York")
STEP = timedelta(minutes=15)
HOUR = timedelta(hours=1)


def _problem(scale: int, rng: random.Random) -> tuple[list[Slot], dict[int, list[Interval]]]:
    origin = datetime(2026, 6, 1, tzinfo=TZ).astimezone(UTC)
    days = 30 * scale
    starts = [
        origin + timedelta(days=day) + quarter * STEP
        for day in range(days)
        for quarter in range(32, 72)  # 08:00-18:00 local, in quarters of an hour
    ]
    candidates = [Slot(start, start + HOUR, "owner") for start in starts]
    availability: dict[int, list[Interval]] = {}
    for who in range(50 * scale):
        spans = []
        for _ in range(10):
            begin = origin + rng.randrange(days * 96) * STEP
            spans.append((begin, begin + rng.randrange(2, 17) * STEP))
        availability[who] = spans
    return candidates, availability


def run(quick: bool = False) -> dict[str, object]:
    rng = random.Random(12)
    hard = HardConstraints(
        datetime(2026, 6, 1, tzinfo=TZ),
        datetime(2027, 6, 1, tzinfo=TZ),
        "America/New_York",
        days_of_week=frozenset({"monday", "tuesday", "wednesday", "thursday", "friday"}),
        earliest_time=time(9),
        latest_time=time(17),
    )
    soft = SoftConstraints(
        days_of_week=frozenset({"tuesday", "wednesday", "thursday"}),
        parts_of_day=frozenset({"morning"}),
    )
    result: dict[str, object] = {}
    for scale in (1, 2, 4) if quick else (1, 2, 4, 8):
        candidates, availability = _problem(scale, rng)
        seconds = []
        for _ in range(3 if quick else 7):
            began = perf_counter()
            choose_best_slot(candidates, availability, hard, soft, duration=HOUR, tz=TZ)
            seconds.append(perf_counter() - began)
        result[f"candidates_{len(candidates)}_participants_{len(availability)}"] = summarize(
            seconds
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    print(json.dumps(run(parser.parse_args().quick), indent=2))


if __name__ == "__main__":
    main()
