from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from frontdesk import __version__
from frontdesk.web.database import RETRY_AFTER_S, database_answers

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str
    version: str
    database: str


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database is unavailable"}},
)
def health(request: Request) -> HealthOut | Response:
    dialect = database_answers(request)
    if dialect is None:
        down = HealthOut(status="unavailable", version=__version__, database="unavailable")
        return JSONResponse(down.model_dump(), status_code=503,
                            headers={"Retry-After": str(RETRY_AFTER_S)})
    return HealthOut(status="ok", version=__version__, database=dialect)
