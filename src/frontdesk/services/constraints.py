"""Booking constraints from plain words: the nlu parser, with the API's checks around it."""

from __future__ import annotations

from datetime import UTC, datetime

from frontdesk.errors import InvalidInput
from frontdesk.nlu.constraints import ConstraintConflict, Constraints, parse_constraints
from frontdesk.services.zones import check_timezone

__all__ = ["parse_instruction"]


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
