"""The business's dashboard: server-rendered pages for people who sign in (a door)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from frontdesk.dashboard import (
    appointment_pages,
    conversation_pages,
    customer_pages,
    key_pages,
    password_pages,
    routes,
    settings_calendar_pages,
    settings_message_pages,
    settings_pages,
    settings_phone_pages,
    settings_service_pages,
    settings_staff_pages,
    settings_voice_pages,
)

_STATIC = Path(__file__).parent / "static"
# Every page of the dashboard (what ``install`` mounts and the tests enumerate).
ROUTERS = (routes.router, appointment_pages.router, customer_pages.router,
           conversation_pages.router, key_pages.router, password_pages.router,
           settings_pages.router, settings_service_pages.router,
           settings_staff_pages.router, settings_voice_pages.router,
           settings_message_pages.router, settings_phone_pages.router,
           settings_calendar_pages.router)


async def _to_sign_in(request: Request, exc: Exception) -> RedirectResponse:
    back = exc.back_to if isinstance(exc, routes.SignedOut) else routes.HOME
    return RedirectResponse(f"/login?next={back}", status_code=303)


def install(app: FastAPI) -> None:
    """The pages, their static files, and the redirect of a signed-out visitor."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/dashboard/static", StaticFiles(directory=_STATIC), name="dashboard-static")
    app.add_exception_handler(routes.SignedOut, _to_sign_in)
