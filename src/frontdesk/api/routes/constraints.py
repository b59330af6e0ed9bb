from __future__ import annotations

from fastapi import APIRouter

from frontdesk.api.constraint_schemas import ConstraintsOut, ConstraintsParseIn
from frontdesk.services.constraints import parse_instruction
from frontdesk.web.deps import TenantDep

router = APIRouter(prefix="/api/v1/constraints", tags=["constraints"])


@router.post(
    "/parse",
    response_model=ConstraintsOut,
    summary="Hard and soft booking constraints from a plain-language instruction (EN/ES)",
)
def parse(body: ConstraintsParseIn, _tenant: TenantDep) -> ConstraintsOut:
    parsed = parse_instruction(body.instruction, body.timezone, body.now)
    return ConstraintsOut.model_validate(parsed.to_dict())
