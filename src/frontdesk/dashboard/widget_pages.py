"""The chat widget in the dashboard (owners only): each publishable widget key with its
allowed sites, the one line to paste into the website, and a live preview of the widget
running on this server with that key; a form to create a widget key (ADR 0040)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard.render import page, public_base
from frontdesk.dashboard.routes import HOME, CsrfChecked, OwnerDep
from frontdesk.dashboard.text import language_of
from frontdesk.services import key_admin
from frontdesk.services.widget_keys import widget_key, widget_keys
from frontdesk.web.deps import FactoryDep, SessionDep, SettingsDep

router = APIRouter(include_in_schema=False)

PAGE = HOME + "/widget"
# The preview is a page of ours that only our own dashboard may frame. The widget writes
# its look into a <style> inside its shadow root, so this page (and no other) allows
# inline styles; scripts stay 'self' only, and nothing on it comes from a visitor.
PREVIEW_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "script-src 'self'; frame-ancestors 'self'; form-action 'none'; "
               "base-uri 'none'")


def snippet(base_url: str, key_text: str) -> str:
    """The line a website's pages include (as in ``channels.widget``)."""
    return f'<script src="{base_url}/widget.js" data-key="{key_text}" async></script>'


@router.get(PAGE, response_class=HTMLResponse)
def widget_page(request: Request, who: OwnerDep, session: SessionDep,
                settings: SettingsDep) -> Response:
    base = public_base(request, settings.public_base_url)
    keys = widget_keys(session, who.tenant_id, settings)
    snippets = {k.id: snippet(base, k.text) for k in keys if k.text}
    return page("widget.html", language_of(request, who.language), who=who, keys=keys,
                snippets=snippets, csrf=request.state.csrf, active="widget")


@router.post(PAGE)
def create_widget_key(who: OwnerDep, _: CsrfChecked, factory: FactoryDep,
                      settings: SettingsDep,
                      name: Annotated[str, Form(max_length=100, pattern=r"\S")],
                      origins: Annotated[str, Form(min_length=1, max_length=2000)]) -> Response:
    wanted = [o.strip() for o in origins.replace(",", "\n").splitlines() if o.strip()]
    key_admin.create(factory, who.tenant_id, name.strip(), "widget", wanted, settings)
    return RedirectResponse(PAGE, status_code=303)


@router.get(PAGE + "/preview/{key_id}", response_class=HTMLResponse)
def widget_preview(request: Request, who: OwnerDep, session: SessionDep,
                   settings: SettingsDep, key_id: uuid.UUID) -> Response:
    key = widget_key(session, who.tenant_id, key_id, settings)
    response = page("widget_preview.html", language_of(request, who.language), who=who,
                    key=key)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
