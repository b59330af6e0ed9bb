"""The business's dashboard: server-rendered pages for people who sign in (a door)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from frontdesk.dashboard import (
    appointment_edit_pages,
    appointment_pages,
    conversation_pages,
    customer_pages,
    key_pages,
    password_pages,
    routes,
)

_STATIC = Path(__file__).parent / "static"
# Every page of the dashboard (what ``install`` mounts and the tests enumerate). The
# editing pages come before the appointments page: its ``{appointment_id}/{outcome}``
# would otherwise take ``.../move`` and ``.../cancel`` and refuse them as outcomes.
ROUTERS = (routes.router, appointment_edit_pages.router, appointment_pages.router,
           customer_pages.router, conversation_pages.router, key_pages.router,
           password_pages.router)


async def _to_sign_in(request: Request, exc: Exception) -> RedirectResponse:
    back = exc.back_to if isinstance(exc, routes.SignedOut) else routes.HOME
    return RedirectResponse(f"/login?next={back}", status_code=303)


def install(app: FastAPI) -> None:
    """The pages, their static files, and the redirect of a signed-out visitor."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/dashboard/static", StaticFiles(directory=_STATIC), name="dashboard-static")
    app.add_exception_handler(routes.SignedOut, _to_sign_in)
