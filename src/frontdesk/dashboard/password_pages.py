"""Forgotten password: ask for a link by email, then set a new password with it. Both
forms carry the sign-in form's CSRF token; asking is rate-limited like signing in."""

from __future__ import annotations

import secrets
from typing import Annotated

import anyio.from_thread
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard import session_cookie as cookies
from frontdesk.dashboard.render import page, public_base
from frontdesk.dashboard.routes import CsrfRefused, check_csrf
from frontdesk.dashboard.text import language_of
from frontdesk.errors import InvalidInput
from frontdesk.security import cipher_for
from frontdesk.services.password_reset import request_reset, reset_password
from frontdesk.web.deps import FactoryDep, SettingsDep
from frontdesk.web.ratelimit import RateLimits, client_ip

router = APIRouter(include_in_schema=False)


def _form(request: Request, settings: SettingsDep, template: str, status_code: int = 200,
          **context: object) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(template, language_of(request), status_code=status_code, csrf=token,
                    **context)
    cookies.set_cookie(response, settings, cookies.LOGIN_COOKIE, token)
    return response


@router.get("/forgot", response_class=HTMLResponse)
def forgot_form(request: Request, settings: SettingsDep) -> Response:
    return _form(request, settings, "forgot.html")


@router.post("/forgot", response_class=HTMLResponse)
def forgot(request: Request, settings: SettingsDep, factory: FactoryDep,
           email: Annotated[str, Form(max_length=320)],
           csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    try:
        check_csrf(request, csrf, request.cookies.get(cookies.LOGIN_COOKIE))
    except CsrfRefused:
        return _form(request, settings, "forgot.html", 403, error="expired_form")
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    if limits is not None and limits.per_login and anyio.from_thread.run(
            limits.hit_login, email, client_ip(request.scope)) is not None:
        return _form(request, settings, "forgot.html", 429, error="too_many")
    base = public_base(request, settings.public_base_url)
    request_reset(factory, cipher_for(settings), email, base + "/reset",
                  language_of(request))
    return _form(request, settings, "forgot.html", sent=True)


@router.get("/reset", response_class=HTMLResponse)
def reset_form(request: Request, settings: SettingsDep,
               token: Annotated[str, Query(max_length=1000)] = "") -> Response:
    return _form(request, settings, "reset.html", token=token)


@router.post("/reset", response_class=HTMLResponse)
def reset(request: Request, settings: SettingsDep, factory: FactoryDep,
          token: Annotated[str, Form(max_length=1000)],
          password: Annotated[str, Form(max_length=1024)],
          csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    try:
        check_csrf(request, csrf, request.cookies.get(cookies.LOGIN_COOKIE))
    except CsrfRefused:
        return _form(request, settings, "reset.html", 403, token=token, error="expired_form")
    try:
        done = reset_password(factory, cipher_for(settings), token, password)
    except InvalidInput:
        return _form(request, settings, "reset.html", 422, token=token, error="weak_password")
    if not done:
        return _form(request, settings, "reset.html", 400, token="", error="bad_link")
    return RedirectResponse("/login?reset=1", status_code=303)
