"""``/``: where a person who opens the server's address in a browser should go."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

router = APIRouter(tags=["health"])


@router.get("/", include_in_schema=False)
def home(request: Request) -> RedirectResponse:
    """The interactive API docs, for now (the dashboard, once there is one)."""
    # Temporary (307), so browsers do not remember it once the dashboard answers here.
    return RedirectResponse(f"{request.scope.get('root_path', '')}/docs", status_code=307)
