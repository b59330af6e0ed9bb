"""An LLM may refine the constraint parser's answer, never replace it (issue 12).

The deterministic parse comes first and is always a valid answer. A proposer (the LLM
driver, when one is configured) is shown the instruction and that answer and proposes a
refined one; the proposal is validated against the same schema the API answers with,
then accepted only when it is *narrower or equal* everywhere:

- hard window: may start later and end earlier, never the other way; zone unchanged;
- hard days and soft days/parts: a null may be filled, a list may only lose members
  (never become null: that would drop the constraint);
- earliest/latest time: a null may be filled, a set time may only move inward;
- excluded dates: may be added (inside the window), never removed;
- something must still be bookable, and soft days must lie inside the hard ones.

Anything else (a transport failure, invalid JSON, a widened or dropped constraint) and
the deterministic answer stands, unchanged, with ``refined`` false.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from frontdesk.nlu.constraints import (
    PARTS,
    WEEKDAYS,
    Constraints,
    HardConstraints,
    SoftConstraints,
)
from frontdesk.scheduling.constraints import allowed_intervals
from frontdesk.services.constraints import as_core, parse_instruction

__all__ = ["ConstraintProposer", "RefinedConstraints", "merge_refinement", "parse_and_refine"]

log = logging.getLogger(__name__)


class ConstraintProposer(Protocol):
    """Proposes refined constraints as the API's JSON (None: nothing to propose)."""

    def propose(
        self, instruction: str, timezone: str, now: datetime, current: dict[str, Any]
    ) -> dict[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class RefinedConstraints:
    constraints: Constraints
    refined: bool  # an LLM's proposal was accepted and changed something


class _Unsafe(ValueError):
    """The proposal widens, drops or breaks a constraint."""


def parse_and_refine(
    instruction: str,
    timezone: str,
    now: datetime | None,
    proposer: ConstraintProposer | None,
    schema: type[BaseModel],
) -> RefinedConstraints:
    """``parse_instruction``'s answer, refined by ``proposer`` where that is safe.
    ``schema`` is the response model the proposal must validate against."""
    moment = now if now is not None else datetime.now(UTC)
    parsed = parse_instruction(instruction, timezone, moment)
    if proposer is None:
        return RefinedConstraints(parsed, refined=False)
    proposal = proposer.propose(instruction, timezone, moment, parsed.to_dict())
    if proposal is None:
        return RefinedConstraints(parsed, refined=False)
    merged = merge_refinement(parsed, proposal, schema)
    return RefinedConstraints(merged, refined=merged != parsed)


def merge_refinement(
    parsed: Constraints, proposal: dict[str, Any], schema: type[BaseModel]
) -> Constraints:
    """The proposal where it only narrows ``parsed``; otherwise ``parsed`` unchanged."""
    try:
        checked = schema.model_validate(proposal).model_dump(mode="python")
        return _narrowed(parsed, checked["hard_constraints"], checked["soft_constraints"])
    except (ValidationError, _Unsafe, KeyError, TypeError, ValueError) as exc:
        log.info("constraint refinement refused: %s", str(exc).splitlines()[0][:200])
        return parsed


def _narrowed(parsed: Constraints, hard: dict[str, Any], soft: dict[str, Any]) -> Constraints:
    old = parsed.hard
    start, end = hard["window_start"], hard["window_end"]
    for moment in (start, end):
        if moment.utcoffset() is None:
            raise _Unsafe("window bounds without an offset")
    if start < old.window_start or end > old.window_end or end <= start:
        raise _Unsafe("the window widened")
    if hard["timezone"] != old.timezone:
        raise _Unsafe("the zone changed")
    days = _subset(old.days_of_week, hard["days_of_week"], "hard days")
    earliest = _clock(old.earliest_time, hard["earliest_time"], later=True)
    latest = _clock(old.latest_time, hard["latest_time"], later=False)
    zone = old.window_start.tzinfo
    excluded = _more_dates(old.exclude_dates, hard["exclude_dates"],
                           start.astimezone(zone), end.astimezone(zone))
    new_hard = HardConstraints(
        window_start=start.astimezone(zone), window_end=end.astimezone(zone),
        timezone=old.timezone,
        days_of_week=days, earliest_time=earliest, latest_time=latest, exclude_dates=excluded)
    new_soft = SoftConstraints(
        days_of_week=_subset(parsed.soft.days_of_week, soft["days_of_week"], "soft days"),
        parts_of_day=_subset(parsed.soft.parts_of_day, soft["parts_of_day"], "parts of day"))
    if new_soft.days_of_week is not None and days is not None and not (
            set(new_soft.days_of_week) <= set(days)):
        raise _Unsafe("preferred days outside the allowed ones")
    refined = replace(parsed, hard=new_hard, soft=new_soft)
    core_hard, _ = as_core(refined)  # raises ValueError for latest before earliest
    if not allowed_intervals(core_hard):
        raise _Unsafe("nothing left to book")
    return refined


_ORDER = {name: i for i, name in enumerate((*WEEKDAYS, *PARTS))}


def _subset(old: tuple[Any, ...] | None, new: list[Any] | None, what: str) -> Any:
    if new is None:
        if old is not None:
            raise _Unsafe(f"{what} dropped")
        return None
    if not new or (old is not None and not set(new) <= set(old)):
        raise _Unsafe(f"{what} widened or emptied")
    return tuple(sorted(set(new), key=_ORDER.__getitem__))


def _clock(old: str | None, new: Any, *, later: bool) -> str | None:
    if new is None:
        if old is not None:
            raise _Unsafe("a time bound dropped")
        return None
    value = str(new)
    if old is not None and (value < old if later else value > old):
        raise _Unsafe("a time bound widened")
    return value


def _more_dates(old: tuple[date, ...] | None, new: list[date] | None, start: datetime,
                end: datetime) -> tuple[date, ...] | None:
    before = set(old or ())
    if new is None:
        if before:
            raise _Unsafe("excluded dates dropped")
        return None
    if not before <= set(new):
        raise _Unsafe("excluded dates removed")
    first, last = start.date(), end.date()
    if any(not first <= d <= last for d in set(new) - before):
        raise _Unsafe("an excluded date outside the window")
    return tuple(sorted(set(new))) or None
