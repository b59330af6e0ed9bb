from __future__ import annotations

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from frontdesk import __version__
from frontdesk.web.database import RETRY_AFTER_S, database_answers
from frontdesk.web.deps import SettingsDep
from frontdesk.web.problems import problem
from frontdesk.web.readiness import readiness

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str
    version: str
    database: str


class ReadyOut(BaseModel):
    status: str


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


@router.get(
    "/ready",
    response_model=ReadyOut,
    responses={503: {"description": "Not ready: problem+json whose code says why "
                                    "(database_unavailable, migrations_pending, "
                                    "worker_stopped, no_worker, worker_stale)"}},
)
async def ready(request: Request, settings: SettingsDep) -> ReadyOut | Response:
    """Readiness: the database answers, the schema is current, the background work runs."""
    verdict = await anyio.to_thread.run_sync(readiness, request, settings)
    if not verdict.ready:
        response = problem(503, verdict.reason, "Not ready", verdict.detail)
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response
    return ReadyOut(status="ready")
