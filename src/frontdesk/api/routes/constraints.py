from __future__ import annotations

from typing import TypeVar

from fastapi import APIRouter

from frontdesk.api.constraint_schemas import (
    ConstraintsOut,
    ConstraintsParseIn,
    HardConstraintsOut,
    SoftConstraintsOut,
)
from frontdesk.services.constraint_refinement import parse_and_refine
from frontdesk.web.deps import ProposerDep, TenantDep

T = TypeVar("T")

router = APIRouter(prefix="/api/v1/constraints", tags=["constraints"])


@router.post(
    "/parse",
    response_model=ConstraintsOut,
    summary="Hard and soft booking constraints from a plain-language instruction (EN/ES)",
)
def parse(body: ConstraintsParseIn, _tenant: TenantDep,
          proposer: ProposerDep) -> ConstraintsOut:
    answer = parse_and_refine(body.instruction, body.timezone, body.now, proposer,
                              ConstraintsOut)
    hard, soft = answer.constraints.hard, answer.constraints.soft
    return ConstraintsOut(
        hard_constraints=HardConstraintsOut(
            window_start=hard.window_start,
            window_end=hard.window_end,
            timezone=hard.timezone,
            days_of_week=_listed(hard.days_of_week),
            earliest_time=hard.earliest_time,
            latest_time=hard.latest_time,
            exclude_dates=_listed(hard.exclude_dates),
        ),
        soft_constraints=SoftConstraintsOut(
            days_of_week=_listed(soft.days_of_week),
            parts_of_day=_listed(soft.parts_of_day),
        ),
        refined=answer.refined,
    )


def _listed(values: tuple[T, ...] | None) -> list[T] | None:
    return None if values is None else list(values)
