"""Signing in with Google or Microsoft, and linking either to one's account (ADR 0043).

``GET /login/{provider}`` starts a sign-in: a link on the sign-in page, not a form. There
is nothing in it to forge: what stops a forged callback is the flow's state, nonce and
PKCE verifier, sealed in this browser's own short-lived cookie. ``GET
/login/{provider}/callback`` finishes it, rate-limited like the password form. A
signed-in user links an account from ``/dashboard/sign-in-methods`` with a CSRF-checked
post; the same callback finishes that, for the same signed-in user only.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Literal

import anyio.from_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard import session_cookie as cookies
from frontdesk.dashboard.render import page, public_base
from frontdesk.dashboard.routes import HOME, CsrfChecked, ViewerDep, login_page, safe_next
from frontdesk.dashboard.text import language_of
from frontdesk.services import oidc_sign_in as oidc
from frontdesk.services.user_identities import (
    ProviderAccount,
    link,
    linked_accounts,
    sign_in_with,
    unlink,
)
from frontdesk.web.deps import FactoryDep, SessionDep, SettingsDep
from frontdesk.web.ratelimit import RateLimits, client_ip

router = APIRouter(include_in_schema=False)

FLOW_COOKIE = "fd_oidc"
FLOW_LIFETIME = timedelta(seconds=oidc.FLOW_MAX_AGE_S)
CALLBACK = "/login/{provider}/callback"
METHODS = HOME + "/sign-in-methods"
Provider = Literal["google", "microsoft"]
# What the sign-in methods page may be told happened (anything else is not shown).
NOTICES = frozenset({"oauth_linked", "oauth_unlinked", "oauth_linked_elsewhere",
                     "oauth_last_method", "oauth_expired", "oauth_cancelled", "oauth_failed",
                     "oauth_unavailable", "oauth_no_account"})


def _redirect_uri(request: Request, settings: SettingsDep, provider: str) -> str:
    base = public_base(request, settings.public_base_url)
    return base + CALLBACK.format(provider=provider)


def _to_provider(url: str, sealed: str, settings: SettingsDep) -> Response:
    response = RedirectResponse(url, status_code=303)
    cookies.set_cookie(response, settings, FLOW_COOKIE, sealed, FLOW_LIFETIME)
    return response


@router.get("/login/{provider}")
def start_sign_in(request: Request, settings: SettingsDep, provider: Provider,
                  next: Annotated[str, Query(max_length=500)] = HOME) -> Response:  # noqa: A002
    target = safe_next(next)
    try:
        url, sealed = oidc.begin(provider, settings, next_path=target,
                                 redirect_uri=_redirect_uri(request, settings, provider))
    except oidc.SignInFailed as exc:
        return login_page(request, settings, next_path=target, error=exc.reason,
                          status_code=exc.status)
    return _to_provider(url, sealed, settings)


def _refused(request: Request, settings: SettingsDep, reason: str, status: int,
             next_path: str = HOME) -> Response:
    response = login_page(request, settings, next_path=next_path, error=reason,
                          status_code=status)
    cookies.clear_cookie(response, settings, FLOW_COOKIE)
    return response


def _back_to_methods(notice: str, settings: SettingsDep) -> Response:
    response = RedirectResponse(f"{METHODS}?done={notice}", status_code=303)
    cookies.clear_cookie(response, settings, FLOW_COOKIE)
    return response


def _over_limit(request: Request) -> bool:
    """Spend one sign-in attempt from this address (the password form's counter): the
    callback makes a request to the provider, and tries codes."""
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    return limits is not None and bool(limits.per_login) and anyio.from_thread.run(
        limits.hit, limits.per_login, "ip", "login", client_ip(request.scope)) is not None


@router.get(CALLBACK, response_class=HTMLResponse)
def finish_sign_in(request: Request, settings: SettingsDep, factory: FactoryDep,
                   provider: Provider,
                   state: Annotated[str, Query(max_length=200)] = "",
                   code: Annotated[str, Query(max_length=4096)] = "",
                   error: Annotated[str, Query(max_length=200)] = "") -> Response:
    if _over_limit(request):
        return _refused(request, settings, "too_many", 429)
    flow = oidc.open_flow(request.cookies.get(FLOW_COOKIE), provider, settings)
    if flow is None:
        return _refused(request, settings, "oauth_expired", 400)
    try:
        account = oidc.verified_account(flow, settings, state=state, code=code, error=error)
    except oidc.SignInFailed as exc:
        if flow.link_user_id is not None:
            return _back_to_methods(exc.reason, settings)
        return _refused(request, settings, exc.reason, exc.status, flow.next_path)
    if flow.link_user_id is not None:
        return _finish_link(request, settings, factory, flow.link_user_id, account)
    user_id = sign_in_with(factory, account)
    if user_id is None:
        return _refused(request, settings, "oauth_no_account", 403, flow.next_path)
    token, _ = cookies.seal(settings, user_id)
    response = RedirectResponse(flow.next_path, status_code=303)
    cookies.set_cookie(response, settings, cookies.COOKIE, token)
    cookies.clear_cookie(response, settings, FLOW_COOKIE)
    cookies.clear_cookie(response, settings, cookies.LOGIN_COOKIE)
    return response


def _finish_link(request: Request, settings: SettingsDep, factory: FactoryDep,
                 user_id: uuid.UUID, account: ProviderAccount) -> Response:
    """Link the account to the user who started linking, if that user is still the one
    signed in here (another tab may have signed out, or in as someone else)."""
    session = cookies.unseal(settings, request.cookies.get(cookies.COOKIE))
    if session is None or session.user_id != user_id:
        return _refused(request, settings, "oauth_expired", 400, METHODS)
    outcome = link(factory, user_id, account)
    notice = {"linked": "oauth_linked", "linked_elsewhere": "oauth_linked_elsewhere",
              "refused": "oauth_no_account"}[outcome]
    return _back_to_methods(notice, settings)


@router.get(METHODS, response_class=HTMLResponse)
def sign_in_methods(request: Request, who: ViewerDep, session: SessionDep,
                    settings: SettingsDep,
                    done: Annotated[str, Query(max_length=40)] = "") -> Response:
    offered = oidc.configured(settings)
    linked = linked_accounts(session, who.user_id)
    rows = [(p, oidc.PROVIDER_NAMES[p], linked.get(p), p in offered)
            for p in oidc.PROVIDERS if p in offered or p in linked]
    response = page("sign_in_methods.html", language_of(request, who.language), who=who,
                    csrf=request.state.csrf, rows=rows,
                    notice=done if done in NOTICES else None, active="sign_in_methods")
    if offered:
        # Linking posts a form that the server answers by sending the browser on to the
        # provider: this page's form-action must allow the provider's sign-in page.
        policy = response.headers["Content-Security-Policy"]
        response.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", " ".join(["form-action 'self'",
                                            *oidc.authorize_origins(settings)]))
    return response


@router.post(METHODS + "/{provider}/link")
def start_link(request: Request, who: ViewerDep, _: CsrfChecked, settings: SettingsDep,
               provider: Provider) -> Response:
    try:
        url, sealed = oidc.begin(provider, settings, next_path=METHODS, link_user_id=who.user_id,
                                 redirect_uri=_redirect_uri(request, settings, provider))
    except oidc.SignInFailed as exc:
        return _back_to_methods(exc.reason, settings)
    return _to_provider(url, sealed, settings)


@router.post(METHODS + "/{provider}/unlink")
def remove_link(who: ViewerDep, _: CsrfChecked, factory: FactoryDep, settings: SettingsDep,
                provider: Provider) -> Response:
    outcome = unlink(factory, who.user_id, provider)
    return _back_to_methods("oauth_last_method" if outcome == "last_method"
                            else "oauth_unlinked", settings)
