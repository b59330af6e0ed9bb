"""Campaign pacing: how many calls may start now, and when the next one may.

Two limits per campaign: at most ``max_concurrent`` calls in progress, and at most
``calls_per_minute`` call starts in any sliding 60-second window, i.e. a start at ``t``
is allowed when fewer than ``calls_per_minute`` starts lie in ``(t - 60 s, t]``. A sliding
window, not a per-clock-minute counter, so a burst at 10:00:59 and another at 10:01:00
cannot double the rate. The service layer supplies the starts of the last minute and the
number of calls in progress (both derived from attempt rows, under its lock).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Pacing", "next_start_time", "starts_allowed_now"]

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Pacing:
    max_concurrent: int
    calls_per_minute: int

    def __post_init__(self) -> None:
        if self.max_concurrent < 1 or self.calls_per_minute < 1:
            raise ValueError("max_concurrent and calls_per_minute must be at least 1")


def _recent(starts: Iterable[datetime], now: datetime) -> list[datetime]:
    """Starts inside the window ending at ``now``, oldest first. Starts recorded after
    ``now`` (another worker's clock slightly ahead) count as inside it."""
    for start in starts:
        if start.tzinfo is None:
            raise ValueError("call start times must be timezone-aware")
    return sorted(start for start in starts if start > now - WINDOW)


def starts_allowed_now(
    pacing: Pacing, now: datetime, recent_starts: Iterable[datetime], in_progress: int
) -> int:
    """How many calls may start at ``now`` (0 or more), under both limits."""
    recent = _recent(list(recent_starts), now)
    return max(0, min(pacing.max_concurrent - in_progress, pacing.calls_per_minute - len(recent)))


def next_start_time(
    pacing: Pacing, now: datetime, recent_starts: Iterable[datetime], in_progress: int
) -> datetime | None:
    """The earliest instant ``>= now`` at which one more call may start.

    None while ``in_progress`` calls fill the concurrency limit: that frees up when a
    call ends, which no clock can predict; the worker waits for a call-ended event.
    """
    if in_progress >= pacing.max_concurrent:
        return None
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    recent = _recent(list(recent_starts), now)
    if len(recent) < pacing.calls_per_minute:
        return now
    # When the calls_per_minute-th most recent start leaves the window, one place opens.
    return max(now, recent[-pacing.calls_per_minute] + WINDOW)
