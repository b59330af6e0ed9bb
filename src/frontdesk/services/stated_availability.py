"""What a person says about when they are free, as windows a meeting may use.

One function for every door that hears it: the participants API (``availability_text``)
and the outbound conversation, which stores what a person says on the call with
``meeting_participants.record_availability(..., windows_from_text(...))``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from frontdesk.errors import InvalidInput
from frontdesk.nlu.availability_text import is_recurring, stated_windows
from frontdesk.scheduling.constraints import HardConstraints, allowed_intervals
from frontdesk.scheduling.intervals import intersect, merge
from frontdesk.scheduling.types import Interval
from frontdesk.services.constraints import as_core, parse_instruction, states_no_window
from frontdesk.services.zones import check_timezone

__all__ = ["windows_from_text"]


def windows_from_text(
    text: str,
    tz: str,
    now: datetime | None,
    hard: HardConstraints,
    *,
    meeting: timedelta = timedelta(hours=1),
) -> list[Interval]:
    """The times ``text`` says a person is free, read in their zone ``tz`` at ``now``
    (default: the present), as sorted, disjoint UTC windows inside what ``hard`` allows.

    Particular days ("Tuesday after 2 or Thursday morning", "el lunes de 9 a 11") are
    read by the time grammar; a rule ("weekday mornings except Wednesday", "cualquier
    día entre semana menos el miércoles") by the constraint parser, over the request's
    window unless the words name one of their own. A point in time ("Tuesday at 3") is
    free for ``meeting``. Nothing understood, or nothing left inside ``hard``, is
    ``InvalidInput`` on ``availability_text``: storing nothing silently would lose what
    the person said.
    """
    check_timezone(tz)
    if not text.strip():
        raise InvalidInput("Say when the person is free.", field="availability_text")
    moment = (now or datetime.now(UTC)).astimezone(ZoneInfo(tz))
    if is_recurring(text):
        spans = _rule_windows(text, tz, moment, hard)
    else:
        spans = [(a.astimezone(UTC), b.astimezone(UTC))
                 for a, b in stated_windows(text, now=moment, point=meeting)]
    if not spans:
        raise InvalidInput(f"No day or time was understood in '{text}'.",
                           field="availability_text")
    inside = intersect(merge(spans), allowed_intervals(hard))
    if not inside:
        raise InvalidInput(f"'{text}' names no time inside the meeting request's window.",
                           field="availability_text")
    return inside


def _rule_windows(text: str, tz: str, now: datetime, hard: HardConstraints) -> list[Interval]:
    parsed = parse_instruction(text, tz, now)
    rule, _ = as_core(parsed)
    if states_no_window(parsed, tz, now):
        rule = HardConstraints(
            window_start=max(hard.window_start, now), window_end=hard.window_end,
            timezone=tz, days_of_week=rule.days_of_week, earliest_time=rule.earliest_time,
            latest_time=rule.latest_time, exclude_dates=rule.exclude_dates)
    return allowed_intervals(rule)
