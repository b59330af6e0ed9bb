"""Booking constraints from plain words: the nlu parser, with the API's checks around it."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import TypeVar

from frontdesk.errors import InvalidInput
from frontdesk.nlu.constraints import ConstraintConflict, Constraints, parse_constraints
from frontdesk.scheduling import constraints as core
from frontdesk.services.zones import check_timezone

__all__ = ["as_core", "parse_instruction", "states_no_window"]


def parse_instruction(instruction: str, timezone: str, now: datetime | None = None) -> Constraints:
    """The hard and soft constraints ``instruction`` states, read in ``timezone`` at ``now``
    (default: the present moment). Contradictions are ``InvalidInput`` on the instruction.

    Deterministic on purpose: an LLM may later refine the answer (validated against the
    same schema), never replace it — that refinement is not built yet.
    """
    check_timezone(timezone)
    if not instruction.strip():
        raise InvalidInput(
            "Say what to book, e.g. 'next two weeks, mornings'.", field="instruction"
        )
    try:
        return parse_constraints(
            instruction, timezone=timezone, now=now if now is not None else datetime.now(UTC)
        )
    except ConstraintConflict as exc:
        raise InvalidInput(
            f"The instruction contradicts itself: {exc}.", field="instruction"
        ) from exc


def as_core(parsed: Constraints) -> tuple[core.HardConstraints, core.SoftConstraints]:
    """The parser's answer as the scheduling core's types (``nlu`` and ``scheduling`` may
    not import each other; this service holds both)."""
    hard, soft = parsed.hard, parsed.soft
    return (
        core.HardConstraints(
            window_start=hard.window_start,
            window_end=hard.window_end,
            timezone=hard.timezone,
            days_of_week=_set(hard.days_of_week),
            earliest_time=_clock(hard.earliest_time),
            latest_time=_clock(hard.latest_time),
            exclude_dates=frozenset(hard.exclude_dates or ()),
        ),
        core.SoftConstraints(days_of_week=_set(soft.days_of_week),
                             parts_of_day=_set(soft.parts_of_day)),
    )


def states_no_window(parsed: Constraints, timezone: str, now: datetime) -> bool:
    """True when the words named no window of their own: the parser then answers its
    default one (the next two weeks), which a caller with a window of its own replaces."""
    default = parse_constraints("", timezone=timezone, now=now, lang=parsed.language)
    return (parsed.hard.window_start, parsed.hard.window_end) == (
        default.hard.window_start, default.hard.window_end)


_T = TypeVar("_T", bound=str)


def _set(values: tuple[_T, ...] | None) -> frozenset[_T] | None:
    return None if values is None else frozenset(values)


def _clock(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)
