"""The business's dashboard: server-rendered pages for people who sign in (a door)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from frontdesk.dashboard import (
    appointment_pages,
    conversation_pages,
    customer_pages,
    insights_pages,
    key_pages,
    oauth_pages,
    password_pages,
    routes,
)
from frontdesk.dashboard.render import page
from frontdesk.dashboard.text import language_of

_STATIC = Path(__file__).parent / "static"
# Every page of the dashboard (what ``install`` mounts and the tests enumerate).
ROUTERS = (routes.router, appointment_pages.router, customer_pages.router,
           conversation_pages.router, key_pages.router, password_pages.router,
           insights_pages.router, oauth_pages.router)


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
