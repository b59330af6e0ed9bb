"""The dashboard's pages: sign in, sign out, the overview.

Every page is behind ``ViewerDep`` (a sealed session cookie, the user loaded on every
request) and shows only the signed-in user's business; every form post carries the
session's CSRF token (and a sign-in form its own), checked before anything else.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from typing import Annotated, Literal
from urllib.parse import urlsplit

import anyio.from_thread
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard import session_cookie as cookies
from frontdesk.dashboard.render import page
from frontdesk.dashboard.text import language_of
from frontdesk.errors import FrontdeskError
from frontdesk.services.campaign_progress import pause_or_resume, progress
from frontdesk.services.oidc_sign_in import configured as sign_in_providers
from frontdesk.services.overview import overview
from frontdesk.services.users import Viewer, sign_in, viewer
from frontdesk.web.deps import FactoryDep, SessionDep, SettingsDep
from frontdesk.web.ratelimit import RateLimits, client_ip

router = APIRouter(include_in_schema=False)

HOME = "/dashboard"


class SignedOut(Exception):  # noqa: N818 - a redirect, not an error
    """No valid session: the page answers with a redirect to the sign-in form."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class OwnersOnly(FrontdeskError):
    code = "forbidden"
    status = 403
    title = "Only the business's owners and admins may open this page"


class CsrfRefused(FrontdeskError):
    code = "csrf_refused"
    status = 403
    title = "The form's security token is missing or wrong"


def signed_in(request: Request, settings: SettingsDep, session: SessionDep) -> Viewer:
    data = cookies.unseal(settings, request.cookies.get(cookies.COOKIE))
    found = viewer(session, data.user_id) if data is not None else None
    if found is None:
        raise SignedOut(request.url.path)
    request.state.csrf = data.csrf if data is not None else ""
    return found


ViewerDep = Annotated[Viewer, Depends(signed_in)]


def _admin_viewer(who: ViewerDep) -> Viewer:
    if not who.is_admin:
        raise OwnersOnly("Ask an owner of the business for access.")
    return who


# An owner or admin, checked before the request's form or file is read (a staff member's
# upload is refused as such, not validated first).
AdminDep = Annotated[Viewer, Depends(_admin_viewer)]


def _owner_viewer(who: ViewerDep) -> Viewer:
    if who.role != "owner":
        raise OwnersOnly("Only the business's owners may do this.")
    return who


OwnerDep = Annotated[Viewer, Depends(_owner_viewer)]


def _same_origin(request: Request) -> bool:
    """A browser's post says where its page came from: it must be this site."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None  # old browsers send none; "null" is a sandboxed page
    return urlsplit(origin).netloc == request.headers.get("host", "")


def check_csrf(request: Request, sent: str | None, expected: str | None) -> None:
    if not _same_origin(request) or not sent or not expected or \
            not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused("Reload the page and submit the form again.")


async def form_csrf(request: Request) -> None:
    """A signed-in form post's token, checked before anything else is read from the form
    (so a forged post is refused as such, never half-validated). Declared after
    ``ViewerDep``, which unsealed the session and kept its token; without it, refused."""
    sent = (await request.form()).get("csrf")
    check_csrf(request, sent if isinstance(sent, str) else None,
               getattr(request.state, "csrf", None))


CsrfChecked = Annotated[None, Depends(form_csrf)]


def safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//other.host`` or a full URL)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse(HOME, status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, settings: SettingsDep,
               next: Annotated[str, Query(max_length=500)] = HOME,  # noqa: A002
               reset: Annotated[int, Query(ge=0, le=1)] = 0) -> Response:
    return login_page(request, settings, next_path=safe_next(next), reset=bool(reset))


def login_page(request: Request, settings: SettingsDep, *, next_path: str,
                error: str | None = None, email: str = "", status_code: int = 200,
                reset: bool = False) -> Response:
    token = secrets.token_urlsafe(32)
    response = page("login.html", language_of(request), status_code=status_code,
                    csrf=token, next=next_path, error=error, email=email, reset=reset,
                    providers=sign_in_providers(settings))
    cookies.set_cookie(response, settings, cookies.LOGIN_COOKIE, token)
    return response


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, settings: SettingsDep, factory: FactoryDep,
                email: Annotated[str, Form(max_length=320)],
                password: Annotated[str, Form(max_length=1024)],
                csrf: Annotated[str, Form(max_length=100)] = "",
                next: Annotated[str, Form(max_length=500)] = HOME) -> Response:  # noqa: A002
    target = safe_next(next)
    try:
        check_csrf(request, csrf, request.cookies.get(cookies.LOGIN_COOKIE))
    except CsrfRefused:
        return login_page(request, settings, next_path=target, error="expired_form",
                          email=email, status_code=403)
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    if limits is not None and limits.per_login and anyio.from_thread.run(
            limits.hit_login, email, client_ip(request.scope)) is not None:
        return login_page(request, settings, next_path=target, error="too_many",
                          email=email, status_code=429)
    user_id = sign_in(factory, email, password)
    if user_id is None:
        return login_page(request, settings, next_path=target, error="wrong_credentials",
                          email=email, status_code=401)
    token, _ = cookies.seal(settings, user_id)
    response = RedirectResponse(target, status_code=303)
    cookies.set_cookie(response, settings, cookies.COOKIE, token)
    cookies.clear_cookie(response, settings, cookies.LOGIN_COOKIE)
    return response


@router.post("/logout")
def logout(who: ViewerDep, _: CsrfChecked, settings: SettingsDep) -> Response:
    response = RedirectResponse("/login", status_code=303)
    cookies.clear_cookie(response, settings, cookies.COOKIE)
    return response


@router.get(HOME, response_class=HTMLResponse)
def home(request: Request, who: ViewerDep, session: SessionDep) -> Response:
    staff_only = None if who.is_admin else who.resource_id
    if not who.is_admin and staff_only is None:
        staff_only = who.user_id  # staff with no calendar: an id no appointment has
    seen = overview(session, who.tenant_id, resource_id=staff_only)
    return page("home.html", language_of(request, who.language), who=who, view=seen,
                csrf=request.state.csrf, active="home")


@router.get(HOME + "/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, who: AdminDep, session: SessionDep) -> Response:
    return page("campaigns.html", language_of(request, who.language), who=who,
                campaigns=progress(session, who.tenant_id), csrf=request.state.csrf,
                active="campaigns")


@router.post(HOME + "/campaigns/{campaign_id}/{action}")
def campaign_move(who: AdminDep, _: CsrfChecked, factory: FactoryDep,
                  campaign_id: uuid.UUID, action: Literal["pause", "resume"]) -> Response:
    pause_or_resume(factory, who.tenant_id, campaign_id, action)
    return RedirectResponse(HOME + "/campaigns", status_code=303)
