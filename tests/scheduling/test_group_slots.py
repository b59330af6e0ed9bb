"""The group-scheduling optimizer: hand-checkable cases and properties against brute force."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from frontdesk.scheduling.constraints import (
    WEEKDAY_NAMES,
    HardConstraints,
    LocalWindow,
    SoftConstraints,
    availability_from_windows,
)
from frontdesk.scheduling.group_slots import choose_best_slot, rank_group_slots
from frontdesk.scheduling.types import Interval, Slot
from tests.scheduling.oracles import STEP, attends, meeting_allowed, soft_met
from tests.scheduling.test_constraints_core import BASES, ZONES, hard_constraints

NY = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)
TUE, WED, THU, FRI = (date(2026, 6, d) for d in (2, 3, 4, 5))  # EDT, UTC-4
WEEK = HardConstraints(
    window_start=datetime(2026, 6, 1, tzinfo=NY),
    window_end=datetime(2026, 6, 8, tzinfo=NY),
    timezone="America/New_York",
)
NO_PREFERENCE = SoftConstraints()


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = NY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def slot(day: date, hour: int, resource: str = "room", minute: int = 0) -> Slot:
    start = at(day, hour, minute)
    return Slot(start, start + HOUR, resource)


def span(day: date, first: int, last: int) -> Interval:
    return at(day, first), at(day, last)


def test_the_slot_most_participants_can_attend_wins() -> None:
    candidates = [slot(TUE, 10), slot(TUE, 14), slot(WED, 10)]
    availability = {
        "alice": [span(TUE, 9, 17)],
        "bob": [span(TUE, 13, 16), span(WED, 9, 12)],
        "carol": [span(TUE, 14, 15), span(WED, 0, 23)],
    }
    best = choose_best_slot(candidates, availability, WEEK, NO_PREFERENCE, duration=HOUR, tz=NY)
    assert best is not None
    assert best.slot == slot(TUE, 14)
    assert best.available == ("alice", "bob", "carol")
    assert best.unavailable == () and best.unknown == ()
    assert best.why.decided_by == "participants"
    assert (best.why.available_count, best.why.participant_count) == (3, 3)
    assert best.why.considered == 3 and best.why.outside_hard == 0
    assert best.why.runner_up is not None
    assert best.why.runner_up.slot == slot(WED, 10)
    assert best.why.runner_up.available == ("bob", "carol")
    assert best.why.runner_up.unavailable == ("alice",)
    ranked = rank_group_slots(candidates, availability, WEEK, NO_PREFERENCE, duration=HOUR, tz=NY)
    assert [option.slot for option in ranked] == [slot(TUE, 14), slot(WED, 10), slot(TUE, 10)]


def test_a_tie_on_participants_goes_to_the_soft_preference() -> None:
    candidates = [slot(TUE, 15), slot(THU, 10)]
    availability = {"alice": [span(TUE, 9, 17), span(THU, 9, 17)], "bob": [span(TUE, 15, 16)]}
    availability["bob"].append(span(THU, 10, 11))
    mornings = SoftConstraints(parts_of_day=frozenset({"morning"}))
    best = choose_best_slot(candidates, availability, WEEK, mornings, duration=HOUR, tz=NY)
    assert best is not None
    assert best.slot == slot(THU, 10)  # later, but in the morning
    assert best.why.decided_by == "soft_preferences"
    assert best.why.soft_met == ("parts_of_day",) and best.why.soft_missed == ()
    assert best.why.runner_up is not None and best.why.runner_up.soft_missed == ("parts_of_day",)


def test_a_tie_on_participants_and_preferences_goes_to_the_earliest() -> None:
    candidates = [slot(THU, 10), slot(WED, 10), slot(TUE, 10, "b"), slot(TUE, 10, "a")]
    availability = {"alice": [span(TUE, 9, 12), span(WED, 9, 12), span(THU, 9, 12)]}
    mornings = SoftConstraints(parts_of_day=frozenset({"morning"}))
    ranked = rank_group_slots(candidates, availability, WEEK, mornings, duration=HOUR, tz=NY)
    # Same start on two resources: the input order decides.
    assert [o.slot for o in ranked] == [
        slot(TUE, 10, "b"),
        slot(TUE, 10, "a"),
        slot(WED, 10),
        slot(THU, 10),
    ]
    best = choose_best_slot(candidates, availability, WEEK, mornings, duration=HOUR, tz=NY)
    assert best is not None and best.why.decided_by == "input_order"
    best = choose_best_slot(candidates[:2], availability, WEEK, mornings, duration=HOUR, tz=NY)
    assert best is not None and best.slot == slot(WED, 10) and best.why.decided_by == "earliest"


def test_nobody_available_still_picks_by_hard_and_soft_constraints() -> None:
    tue_to_thu = HardConstraints(
        WEEK.window_start,
        WEEK.window_end,
        WEEK.timezone,
        days_of_week=frozenset({"tuesday", "wednesday", "thursday"}),
    )
    candidates = [slot(TUE, 10), slot(WED, 15), slot(WED, 9), slot(FRI, 9)]
    availability: dict[Hashable, Sequence[Interval]] = {"alice": [], "bob": [span(FRI, 8, 12)]}
    wednesdays = SoftConstraints(days_of_week=frozenset({"wednesday"}))
    best = choose_best_slot(candidates, availability, tue_to_thu, wednesdays, duration=HOUR, tz=NY)
    assert best is not None
    assert best.slot == slot(WED, 9)  # Friday suits bob but is outside the hard days
    assert best.available == () and best.unavailable == ("alice", "bob")
    assert best.unknown == ("alice",)
    assert best.why.decided_by == "earliest"
    assert best.why.considered == 3 and best.why.outside_hard == 1


def test_an_excluded_date_is_never_chosen() -> None:
    no_tuesday = HardConstraints(
        WEEK.window_start, WEEK.window_end, WEEK.timezone, exclude_dates=frozenset({TUE})
    )
    candidates = [slot(TUE, 14), slot(WED, 14)]
    availability = {"alice": [span(TUE, 9, 17)], "bob": [span(TUE, 9, 17), span(WED, 9, 17)]}
    best = choose_best_slot(
        candidates, availability, no_tuesday, NO_PREFERENCE, duration=HOUR, tz=NY
    )
    assert best is not None
    assert best.slot == slot(WED, 14) and best.available == ("bob",)
    assert best.why.decided_by == "only_option" and best.why.runner_up is None


def test_the_whole_meeting_must_fit_the_hard_times_and_a_window() -> None:
    mornings_only = HardConstraints(
        WEEK.window_start,
        WEEK.window_end,
        WEEK.timezone,
        earliest_time=time(9),
        latest_time=time(12),
    )
    candidates = [slot(TUE, 11, minute=30), slot(TUE, 8, minute=30), slot(TUE, 10, minute=30)]
    # Two touching windows hold the meeting together; a window one minute short does not.
    availability = {
        "alice": [span(TUE, 10, 11), (at(TUE, 11), at(TUE, 12))],
        "bob": [(at(TUE, 10, 30), at(TUE, 11, 29))],
    }
    best = choose_best_slot(
        candidates, availability, mornings_only, NO_PREFERENCE, duration=HOUR, tz=NY
    )
    assert best is not None
    assert best.slot == slot(TUE, 10, minute=30)
    assert best.available == ("alice",) and best.unavailable == ("bob",)
    assert best.why.considered == 1
    assert (
        choose_best_slot(
            candidates[:2], availability, mornings_only, NO_PREFERENCE, duration=HOUR, tz=NY
        )
        is None
    )


def test_a_dst_change_day_is_read_in_local_time() -> None:
    # New York springs forward on Sunday 2026-03-08: 09:00 is 14:00 UTC on Saturday and
    # 13:00 UTC on Sunday. A fixed -5 offset would put Sunday 13:00 UTC at 08:00.
    weekend_mornings = HardConstraints(
        datetime(2026, 3, 7, tzinfo=NY),
        datetime(2026, 3, 9, tzinfo=NY),
        "America/New_York",
        days_of_week=frozenset({"saturday", "sunday"}),
        earliest_time=time(9),
        latest_time=time(12),
    )
    saturday_8am = datetime(2026, 3, 7, 13, tzinfo=UTC)
    sunday_8am = datetime(2026, 3, 8, 12, tzinfo=UTC)
    sunday_9am = datetime(2026, 3, 8, 13, tzinfo=UTC)
    candidates = [
        Slot(moment, moment + HOUR, "room") for moment in (saturday_8am, sunday_8am, sunday_9am)
    ]
    stated = [
        LocalWindow(date(2026, 3, 7), time(8), time(9)),
        LocalWindow(date(2026, 3, 8), time(8), time(10)),
    ]
    availability = {"dana": availability_from_windows(stated, NY)}
    assert availability["dana"][1] == (sunday_8am, sunday_9am + HOUR)
    best = choose_best_slot(
        candidates, availability, weekend_mornings, NO_PREFERENCE, duration=HOUR, tz=NY
    )
    assert best is not None
    assert best.slot.start == sunday_9am and best.available == ("dana",)
    assert best.why.considered == 1


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        choose_best_slot([], {}, WEEK, NO_PREFERENCE, duration=timedelta(0), tz=NY)
    with pytest.raises(ValueError):
        rank_group_slots([], {}, WEEK, NO_PREFERENCE, duration=HOUR, tz=NY, limit=0)
    assert choose_best_slot([], {}, WEEK, NO_PREFERENCE, duration=HOUR, tz=NY) is None


# Random inputs on a 15-minute grid around DST weeks, compared with brute force.

PARTS = st.sampled_from(["morning", "afternoon", "evening"])
WEEKDAYS = st.sampled_from(WEEKDAY_NAMES)


@dataclass(frozen=True)
class Problem:
    tz: ZoneInfo
    hard: HardConstraints
    soft: SoftConstraints
    duration: timedelta
    candidates: list[Slot]
    availability: dict[str, list[Interval]]


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    tz = draw(st.sampled_from(ZONES))
    base = draw(st.sampled_from(BASES))
    # Enough allowed days, and candidates mostly in the window, that most examples
    # have several candidates inside the hard constraints to choose from.
    hard = draw(hard_constraints(tz, base, min_days=3, max_excluded=2))
    soft = SoftConstraints(
        draw(st.none() | st.frozensets(WEEKDAYS)), draw(st.none() | st.frozensets(PARTS))
    )
    origin = datetime.combine(base, time(0), tzinfo=UTC)
    duration = draw(st.integers(1, 12)) * STEP
    grid = st.integers(0, 96 * 6)
    first = (hard.window_start - origin) // STEP
    last = max(first, (hard.window_end - origin) // STEP)
    starts = st.integers(first, last) | grid
    candidates = [
        Slot(origin + k * STEP, origin + k * STEP + duration, resource)
        for k, resource in draw(
            st.lists(st.tuples(starts, st.sampled_from("ab")), min_size=1, max_size=30)
        )
    ]
    windows = st.lists(
        st.tuples(grid, st.integers(1, 48)).map(
            lambda w: (origin + w[0] * STEP, origin + (w[0] + w[1]) * STEP)
        ),
        max_size=5,
    )
    availability = draw(st.dictionaries(st.sampled_from("pqrst"), windows, max_size=5))
    return Problem(tz, hard, soft, duration, candidates, availability)


def brute_ranking(problem: Problem) -> list[tuple[Slot, tuple[str, ...], int]]:
    """(slot, who attends, soft score) of every candidate inside the hard constraints, in
    the documented order (brute force: each candidate against each window)."""
    tz, duration = problem.tz, problem.duration
    rows = []
    for index, candidate in enumerate(problem.candidates):
        if not meeting_allowed(candidate.start, duration, problem.hard, tz):
            continue
        who = tuple(
            p for p, w in problem.availability.items() if attends(candidate.start, duration, w)
        )
        score = soft_met(candidate.start, problem.soft, tz)
        rows.append((-len(who), -score, candidate.start, index, who))
    rows.sort()
    return [(problem.candidates[r[3]], r[4], -r[1]) for r in rows]


@settings(max_examples=200, deadline=None)
@given(problem=problems())
def test_ranking_agrees_with_brute_force(problem: Problem) -> None:
    expected = brute_ranking(problem)
    event("some candidate inside" if expected else "no candidate inside")
    ranked = rank_group_slots(
        problem.candidates,
        problem.availability,
        problem.hard,
        problem.soft,
        duration=problem.duration,
        tz=problem.tz,
        limit=len(problem.candidates) + 1,
    )
    assert [(o.slot, o.available, len(o.soft_met)) for o in ranked] == expected
    for option in ranked:
        assert set(option.available) | set(option.unavailable) == set(problem.availability)
        assert set(option.unknown) == {p for p in option.unavailable if not problem.availability[p]}
    top = rank_group_slots(
        problem.candidates,
        problem.availability,
        problem.hard,
        problem.soft,
        duration=problem.duration,
        tz=problem.tz,
        limit=3,
    )
    assert top == ranked[:3]


@settings(max_examples=200, deadline=None)
@given(problem=problems())
def test_the_chosen_slot_is_optimal(problem: Problem) -> None:
    tz, hard, soft, duration = problem.tz, problem.hard, problem.soft, problem.duration
    candidates, availability = problem.candidates, problem.availability
    best = choose_best_slot(candidates, availability, hard, soft, duration=duration, tz=tz)
    inside = [c for c in candidates if meeting_allowed(c.start, duration, hard, tz)]
    if best is None:
        assert inside == []
        return
    start = best.slot.start
    assert meeting_allowed(start, duration, hard, tz)
    count = sum(attends(start, duration, w) for w in availability.values())
    assert count == len(best.available) == best.why.available_count
    score = soft_met(start, soft, tz)
    for other in inside:
        other_count = sum(attends(other.start, duration, w) for w in availability.values())
        assert other_count <= count
        if other_count == count:
            other_score = soft_met(other.start, soft, tz)
            assert other_score <= score
            if other_score == score:
                assert other.start >= start
    assert best.why.considered == len(inside)
    assert best.why.outside_hard == len(candidates) - len(inside)
