"""Booking constraints from plain words: the nlu parser, with the API's checks around it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar, cast

from frontdesk.errors import InvalidInput
from frontdesk.nlu.availability_text import is_recurring
from frontdesk.nlu.constraints import ConstraintConflict, Constraints, parse_constraints
from frontdesk.scheduling import constraints as core
from frontdesk.scheduling.types import Slot
from frontdesk.services.zones import check_timezone

__all__ = [
    "CallerRule",
    "as_core",
    "caller_rule",
    "parse_instruction",
    "slots_meeting_rule",
    "states_no_window",
]


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


@dataclass(frozen=True, slots=True)
class CallerRule:
    """A rule a caller stated for the times they can come ("any weekday morning except
    Wednesday"), in the parser's JSON shape so the dialogue state can keep it: hard
    ``days_of_week``/``earliest_time``/``latest_time``/``exclude_dates`` that every
    offer must meet, soft ``parts_of_day``/``preferred_days`` that rank them, and the
    window the caller named (the parser's default when they named none)."""

    window_start: str
    window_end: str
    days_of_week: list[str] | None
    earliest_time: str | None
    latest_time: str | None
    exclude_dates: list[str] | None
    parts_of_day: list[str] | None
    preferred_days: list[str] | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def caller_rule(text: str, timezone: str, now: datetime) -> CallerRule | None:
    """The rule ``text`` states, or None when it names particular times instead ("Tuesday
    at 3") or nothing the parser understands: those are the time grammar's to read."""
    if not is_recurring(text) or not text.strip():
        return None
    try:
        parsed = parse_constraints(text, timezone=timezone, now=now)
    except (ConstraintConflict, ValueError):
        return None
    hard, soft = parsed.hard, parsed.soft
    if (hard.days_of_week, hard.earliest_time, hard.latest_time, hard.exclude_dates,
            soft.days_of_week, soft.parts_of_day) == (None,) * 6:
        return None
    return CallerRule(
        window_start=hard.window_start.isoformat(), window_end=hard.window_end.isoformat(),
        days_of_week=_listed(hard.days_of_week), earliest_time=hard.earliest_time,
        latest_time=hard.latest_time,
        exclude_dates=None if hard.exclude_dates is None
        else [d.isoformat() for d in hard.exclude_dates],
        parts_of_day=_listed(soft.parts_of_day), preferred_days=_listed(soft.days_of_week))


def slots_meeting_rule(
    slots: list[Slot],
    *,
    start: datetime,
    end: datetime,
    timezone: str,
    days_of_week: list[str] | None = None,
    earliest_time: str | None = None,
    latest_time: str | None = None,
    exclude_dates: list[date] | None = None,
) -> list[Slot]:
    """The slots found in ``[start, end)`` that a caller's rule allows, in their order.
    Raises InvalidInput for a rule that cannot be (latest before earliest, a bad day)."""
    try:
        hard = core.HardConstraints(
            window_start=start, window_end=end, timezone=timezone,
            days_of_week=None if days_of_week is None else frozenset(
                cast("list[core.WeekdayName]", days_of_week)),
            earliest_time=_clock(earliest_time), latest_time=_clock(latest_time),
            exclude_dates=frozenset(exclude_dates or ()))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="days_of_week") from exc
    return core.slots_inside(slots, hard)


def _listed(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)
