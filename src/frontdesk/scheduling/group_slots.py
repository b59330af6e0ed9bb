"""Group scheduling: the meeting slot that suits the most participants.

Candidates are bookable slots (the slot search's, for the owner or resource); each
participant has stated availability windows (possibly none: unknown). The meeting occupies
``[slot.start, slot.start + duration)``. Slots are ordered by, best first:

1. inside the hard constraints (a slot outside them is never returned);
2. more participants available for the whole meeting (one window, after joining the
   participant's touching windows, must contain it; unknown counts as not available);
3. more soft preferences met (``constraints.soft_score``);
4. earlier start; then input order (the same start on several resources).

Cost, for C candidates, W windows in all, D local days in the hard window, P participants
and N slots returned: O(C log C + W log W + D + N * P * log W). No candidate is tested
against every window: hard intervals are swept once alongside the candidates in start
order, and each participant's joined window ``[a, b)`` becomes the range of starts
``[a, b - duration]`` it admits; those ranges are disjoint per participant, so a single
sweep of their +1/-1 edges counts, for every candidate, how many participants can come.
Who exactly can come is worked out (by bisection) only for the N slots returned.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

from frontdesk.scheduling.constraints import (
    HardConstraints,
    SoftConstraints,
    allowed_intervals,
    soft_preferences_met,
    soft_score,
)
from frontdesk.scheduling.intervals import merge
from frontdesk.scheduling.slots import _to_us, _us
from frontdesk.scheduling.types import Interval, Slot

__all__ = [
    "BestSlot",
    "Decider",
    "GroupSlot",
    "WhyChosen",
    "choose_best_slot",
    "rank_group_slots",
]

# What separated the winner from the runner-up (the next slot in ranked order).
Decider = Literal["only_option", "participants", "soft_preferences", "earliest", "input_order"]

# A participant's id: whatever the caller keys availability by (a customer id, a name).
P = TypeVar("P", bound=Hashable)

# (-available count, -soft score, start in µs, input index): smaller is better.
_Key = tuple[int, int, int, int]
# Above any end in µs: bisecting for (start, _FOREVER) lands on a window starting at start.
_FOREVER = 2**63


@dataclass(frozen=True, slots=True)
class GroupSlot(Generic[P]):
    """A candidate with who can attend it. ``available`` and ``unavailable`` split the
    participants (in the mapping's order); ``unknown`` is the part of ``unavailable``
    that stated no windows at all. ``soft_met``/``soft_missed`` name soft preferences
    ("days_of_week", "parts_of_day") among those given."""

    slot: Slot
    available: tuple[P, ...]
    unavailable: tuple[P, ...]
    unknown: tuple[P, ...]
    soft_met: tuple[str, ...]
    soft_missed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WhyChosen(Generic[P]):
    """Why the best slot won, small enough to show as is.

    ``decided_by``: the first criterion on which it beat the runner-up ("only_option"
    when no other candidate met the hard constraints). ``considered``: candidates inside
    the hard constraints; ``outside_hard``: candidates they excluded."""

    decided_by: Decider
    available_count: int
    participant_count: int
    soft_met: tuple[str, ...]
    soft_missed: tuple[str, ...]
    considered: int
    outside_hard: int
    runner_up: GroupSlot[P] | None


@dataclass(frozen=True, slots=True)
class BestSlot(Generic[P]):
    """The chosen slot, who can and cannot attend, and why it was chosen."""

    slot: Slot
    available: tuple[P, ...]
    unavailable: tuple[P, ...]
    unknown: tuple[P, ...]
    why: WhyChosen[P]


def choose_best_slot(
    candidates: Sequence[Slot],
    participants_availability: Mapping[P, Sequence[Interval]],
    hard: HardConstraints,
    soft: SoftConstraints,
    *,
    duration: timedelta,
    tz: ZoneInfo,
) -> BestSlot[P] | None:
    """The best candidate (see the module docstring), or None when no candidate lies
    inside the hard constraints. ``tz`` is the zone the constraints are read in
    (normally ``hard.zone()``). Raises ValueError for a duration that is not positive."""
    ranking = _Ranking(candidates, participants_availability, hard, soft, duration, tz)
    top = ranking.best(2)
    if not top:
        return None
    best = ranking.group_slot(top[0])
    runner_up = ranking.group_slot(top[1]) if len(top) > 1 else None
    why = WhyChosen(
        decided_by=_decider(top[0], top[1] if len(top) > 1 else None),
        available_count=len(best.available),
        participant_count=len(participants_availability),
        soft_met=best.soft_met,
        soft_missed=best.soft_missed,
        considered=ranking.considered,
        outside_hard=len(candidates) - ranking.considered,
        runner_up=runner_up,
    )
    return BestSlot(best.slot, best.available, best.unavailable, best.unknown, why)


def rank_group_slots(
    candidates: Sequence[Slot],
    participants_availability: Mapping[P, Sequence[Interval]],
    hard: HardConstraints,
    soft: SoftConstraints,
    *,
    duration: timedelta,
    tz: ZoneInfo,
    limit: int = 5,
) -> list[GroupSlot[P]]:
    """The best ``limit`` candidates inside the hard constraints, best first (the order
    of the module docstring; ``choose_best_slot`` returns the first). Raises ValueError
    for a duration that is not positive or a limit below 1."""
    if limit < 1:
        raise ValueError("limit must be positive")
    ranking = _Ranking(candidates, participants_availability, hard, soft, duration, tz)
    return [ranking.group_slot(key) for key in ranking.best(limit)]


class _Ranking(Generic[P]):
    """Every candidate inside the hard constraints with its sort key, built by sweeps."""

    def __init__(
        self,
        candidates: Sequence[Slot],
        availability: Mapping[P, Sequence[Interval]],
        hard: HardConstraints,
        soft: SoftConstraints,
        duration: timedelta,
        tz: ZoneInfo,
    ) -> None:
        if duration <= timedelta(0):
            raise ValueError("duration must be positive")
        self._candidates = candidates
        self._soft = soft
        self._tz = tz
        self._length = _to_us(duration)
        # Each participant's windows as joined integer ranges (µs since the epoch).
        self._windows = {who: _joined(spans) for who, spans in availability.items()}
        self._unknown = {who for who, spans in availability.items() if not spans}
        starts = [_us(slot.start) for slot in candidates]
        inside = self._inside_hard(starts, hard)
        self.considered = len(inside)
        counts = self._counts(inside, starts)
        scores: dict[int, int] = {}  # soft score per start: resources share starts
        self._keys: list[_Key] = []
        for index, count in zip(inside, counts, strict=True):
            start = starts[index]
            score = scores.get(start)
            if score is None:
                score = scores[start] = soft_score(candidates[index].start, soft, tz)
            self._keys.append((-count, -score, start, index))

    def best(self, n: int) -> list[_Key]:
        return heapq.nsmallest(n, self._keys)

    def group_slot(self, key: _Key) -> GroupSlot[P]:
        _, _, start, index = key
        finish = start + self._length
        available: list[P] = []
        unavailable: list[P] = []
        for who, ranges in self._windows.items():
            # The one joined window that could hold the meeting starts at or before it.
            at = bisect_right(ranges, (start, _FOREVER)) - 1
            fits = at >= 0 and finish <= ranges[at][1]
            (available if fits else unavailable).append(who)
        slot = self._candidates[index]
        met, missed = soft_preferences_met(slot.start, self._soft, self._tz)
        unknown = tuple(who for who in unavailable if who in self._unknown)
        return GroupSlot(slot, tuple(available), tuple(unavailable), unknown, met, missed)

    def _inside_hard(self, starts: list[int], hard: HardConstraints) -> list[int]:
        """Indices of candidates inside the hard constraints, in (start, index) order."""
        allowed = [(_us(a), _us(b)) for a, b in allowed_intervals(hard, self._tz)]
        inside: list[int] = []
        j, total = 0, len(allowed)
        for index in sorted(range(len(starts)), key=starts.__getitem__):
            start = starts[index]
            # Allowed intervals are disjoint and never touch, so only the first one
            # ending after ``start`` can contain the meeting.
            while j < total and allowed[j][1] <= start:
                j += 1
            if j < total and allowed[j][0] <= start and start + self._length <= allowed[j][1]:
                inside.append(index)
        return inside

    def _counts(self, inside: list[int], starts: list[int]) -> list[int]:
        """For each candidate in ``inside`` (start order), how many participants can come."""
        edges: list[tuple[int, int]] = []
        for ranges in self._windows.values():
            for begin, end in ranges:
                last = end - self._length  # the latest start the window admits
                if last >= begin:
                    edges.append((begin, 1))
                    edges.append((last + 1, -1))
        edges.sort()
        counts: list[int] = []
        count = 0
        k, total = 0, len(edges)
        for index in inside:
            start = starts[index]
            while k < total and edges[k][0] <= start:
                count += edges[k][1]
                k += 1
            counts.append(count)
        return counts


def _joined(spans: Sequence[Interval]) -> list[tuple[int, int]]:
    # Joined in UTC: comparing datetimes that share a ZoneInfo misorders the fall-back hour.
    utc = merge((start.astimezone(UTC), end.astimezone(UTC)) for start, end in spans)
    return [(_us(start), _us(end)) for start, end in utc]


def _decider(best: _Key, runner_up: _Key | None) -> Decider:
    if runner_up is None:
        return "only_option"
    if best[0] != runner_up[0]:
        return "participants"
    if best[1] != runner_up[1]:
        return "soft_preferences"
    if best[2] != runner_up[2]:
        return "earliest"
    return "input_order"
