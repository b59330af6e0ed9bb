"""Counting first attempts and showing them, on a terminal and off one."""

from __future__ import annotations

import io
from typing import Any

from frontdesk.campaign_demo.progress import ProgressView, progress_line, tally


def _lead(status: str, attempts: int, outcome: str | None = None) -> dict[str, Any]:
    return {"status": status, "attempts": attempts, "last_outcome": outcome,
            "next_attempt_at": None}


def test_first_attempts_are_counted_by_outcome_and_callbacks_do_not_hold_it_up() -> None:
    leads = [_lead("pending", 0), _lead("calling", 1), _lead("booked", 1, "booked"),
             _lead("pending", 1, "callback_requested"), _lead("no_consent", 0),
             _lead("pending", 1, "failed")]
    t = tally(leads, reached=2, campaign="running")
    assert (t.total, t.called, t.reached, t.remaining, t.other) == (6, 4, 2, 2, 1)
    assert t.outcomes["booked"] == 1 and t.outcomes["callback"] == 1 and not t.done
    assert "called 4/6" in progress_line(t) and "remaining 2" in progress_line(t)
    over = tally([_lead("pending", 1, "callback_requested"), _lead("voicemail", 1,
                                                                    "voicemail")], 0, "running")
    assert over.done and over.remaining == 0
    assert tally([_lead("pending", 0)], 0, "completed").done


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_one_line_redrawn_anything_else_a_line_per_change() -> None:
    first = tally([_lead("pending", 0)], 0, "running")
    second = tally([_lead("pending", 1, "no_answer")], 0, "running")
    plain = io.StringIO()
    view = ProgressView(plain)
    for t in (first, first, second):
        view.show(t)
    view.close()
    assert plain.getvalue().splitlines() == [progress_line(first), progress_line(second)]
    screen = _Terminal()
    live = ProgressView(screen)
    live.show(first)
    live.show(second)
    live.close()
    assert screen.getvalue() == ("\r\x1b[2K" + progress_line(first) + "\r\x1b[2K"
                                 + progress_line(second) + "\n")
