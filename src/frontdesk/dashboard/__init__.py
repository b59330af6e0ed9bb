"""The business's dashboard: server-rendered pages for people who sign in (a door)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from frontdesk.dashboard import customer_pages, routes

_STATIC = Path(__file__).parent / "static"


async def _to_sign_in(request: Request, exc: Exception) -> RedirectResponse:
    back = exc.back_to if isinstance(exc, routes.SignedOut) else routes.HOME
    return RedirectResponse(f"/login?next={back}", status_code=303)


def install(app: FastAPI) -> None:
    """The pages, their static files, and the redirect of a signed-out visitor."""
    app.include_router(routes.router)
    app.include_router(customer_pages.router)
    app.mount("/dashboard/static", StaticFiles(directory=_STATIC), name="dashboard-static")
    app.add_exception_handler(routes.SignedOut, _to_sign_in)
