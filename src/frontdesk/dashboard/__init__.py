"""The business's dashboard: server-rendered pages for people who sign in (a door)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from frontdesk.dashboard import (
    appointment_edit_pages,
    appointment_pages,
    conversation_feedback_pages,
    conversation_pages,
    customer_pages,
    insights_pages,
    key_pages,
    oauth_pages,
    password_pages,
    routes,
    settings_calendar_pages,
    settings_facts_pages,
    settings_message_pages,
    settings_pages,
    settings_phone_pages,
    settings_service_pages,
    settings_staff_pages,
    settings_voice_pages,
    widget_pages,
)
from frontdesk.dashboard.render import page
from frontdesk.dashboard.text import language_of

_STATIC = Path(__file__).parent / "static"
# Every page of the dashboard (what ``install`` mounts and the tests enumerate). The
# editing pages come before the appointments page: its ``{appointment_id}/{outcome}``
# would otherwise take ``.../move`` and ``.../cancel`` and refuse them as outcomes.
ROUTERS = (routes.router, appointment_edit_pages.router, appointment_pages.router,
           customer_pages.router, conversation_pages.router, conversation_feedback_pages.router,
           key_pages.router,
           password_pages.router, insights_pages.router, widget_pages.router,
           settings_pages.router, settings_service_pages.router,
           settings_staff_pages.router, settings_voice_pages.router,
           settings_message_pages.router, settings_phone_pages.router,
           settings_calendar_pages.router, settings_facts_pages.router,
           oauth_pages.router)


async def _to_sign_in(request: Request, exc: Exception) -> RedirectResponse:
    back = exc.back_to if isinstance(exc, routes.SignedOut) else routes.HOME
    return RedirectResponse(f"/login?next={back}", status_code=303)


_PEOPLES = ("/dashboard", "/login", "/logout", "/forgot", "/reset")


def error_page(request: Request, status: int, title: str, detail: str) -> Response | None:
    """A refused dashboard request, as a page a person can act on (the reason and a way
    back), when a browser asked for a page; other clients keep problem+json."""
    path = request.url.path
    if not any(path == p or path.startswith(p + "/") for p in _PEOPLES) or \
            path.startswith("/dashboard/static/") or \
            "text/html" not in request.headers.get("accept", ""):
        return None
    heading = {404: "error_not_found", 403: "error_forbidden", 409: "error_conflict",
               429: "too_many"}.get(status, "error_input" if status < 500 else "error_ours")
    back = request.headers.get("referer", "")
    same_site = back.startswith(f"{request.url.scheme}://{request.url.netloc}/")
    return page("error.html", language_of(request), status_code=status, who=None,
                heading=heading, detail=detail, back=back if same_site else "/dashboard")


def install(app: FastAPI) -> None:
    """The pages, their static files, and the redirect of a signed-out visitor."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/dashboard/static", StaticFiles(directory=_STATIC), name="dashboard-static")
    app.add_exception_handler(routes.SignedOut, _to_sign_in)
    app.state.error_page = error_page
