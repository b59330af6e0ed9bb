"""Campaign pacing: concurrency and a sliding calls-per-minute window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.outreach import Pacing, next_start_time, starts_allowed_now

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)


def test_a_quiet_campaign_may_start_now() -> None:
    pacing = Pacing(max_concurrent=3, calls_per_minute=10)
    assert next_start_time(pacing, NOW, [], 0) == NOW
    assert starts_allowed_now(pacing, NOW, [], 0) == 3


def test_full_concurrency_waits_for_a_call_to_end() -> None:
    pacing = Pacing(max_concurrent=2, calls_per_minute=10)
    assert next_start_time(pacing, NOW, [NOW - 5 * MINUTE], 2) is None
    assert starts_allowed_now(pacing, NOW, [], 2) == 0


def test_the_rate_limit_opens_when_the_oldest_start_leaves_the_minute() -> None:
    pacing = Pacing(max_concurrent=10, calls_per_minute=3)
    starts = [NOW - 50 * SECOND, NOW - 20 * SECOND, NOW - 5 * SECOND]
    assert starts_allowed_now(pacing, NOW, starts, 3) == 0
    assert next_start_time(pacing, NOW, starts, 3) == NOW + 10 * SECOND
    # Starts older than a minute do not count.
    older = [NOW - 2 * MINUTE, *starts[1:]]
    assert next_start_time(pacing, NOW, older, 3) == NOW
    assert starts_allowed_now(pacing, NOW, older, 3) == 1


def test_invalid_pacing_is_refused() -> None:
    with pytest.raises(ValueError):
        Pacing(max_concurrent=0, calls_per_minute=1)
    with pytest.raises(ValueError):
        next_start_time(Pacing(1, 1), datetime(2026, 1, 1), [], 0)


def count_in_minute_ending(moment: datetime, starts: list[datetime]) -> int:
    return sum(moment - MINUTE < start <= moment for start in starts)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 6),
    st.lists(st.integers(0, 180_000), max_size=12),
    st.integers(0, 6),
)
def test_dialing_at_the_answer_never_exceeds_the_rate_and_is_the_earliest(
    max_concurrent: int, per_minute: int, offsets_ms: list[int], in_progress: int
) -> None:
    pacing = Pacing(max_concurrent, per_minute)
    starts = [NOW - timedelta(milliseconds=ms) for ms in offsets_ms]
    # Keep the history itself lawful: drop starts that broke the rate when they were made.
    lawful: list[datetime] = []
    for start in sorted(starts):
        if count_in_minute_ending(start, lawful) < per_minute:
            lawful.append(start)
    answer = next_start_time(pacing, NOW, lawful, in_progress)
    if in_progress >= max_concurrent:
        assert answer is None
        return
    assert answer is not None and answer >= NOW
    assert starts_allowed_now(pacing, answer, lawful, in_progress) >= 1
    with_it = [*lawful, answer]
    for moment in with_it:  # every sliding minute ending at a start holds at most the rate
        assert count_in_minute_ending(moment, with_it) <= per_minute
        assert count_in_minute_ending(moment + MINUTE - timedelta(microseconds=1), with_it) <= (
            per_minute
        )
    if answer > NOW:
        just_before = answer - timedelta(milliseconds=1)
        assert count_in_minute_ending(just_before, lawful) >= per_minute
        assert starts_allowed_now(pacing, just_before, lawful, in_progress) == 0
