"""API keys in the dashboard (owners only): the business's keys, a form to create an
admin, read-only or publishable chat-widget key (the secret shown once, with the widget's
snippet), and revoking."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard.render import page, public_base
from frontdesk.dashboard.routes import HOME, CsrfChecked, OwnerDep
from frontdesk.dashboard.text import language_of
from frontdesk.services import key_admin
from frontdesk.services.users import Viewer
from frontdesk.web.deps import FactoryDep, SessionDep, SettingsDep

router = APIRouter(include_in_schema=False)


def _render(request: Request, who: Viewer, lines: list[key_admin.KeyLine], base_url: str,
            new: key_admin.NewKey | None = None) -> Response:
    return page("keys.html", language_of(request, who.language), who=who, keys=lines,
                new=new, base_url=base_url, csrf=request.state.csrf, active="keys")


@router.get(HOME + "/keys", response_class=HTMLResponse)
def keys_page(request: Request, who: OwnerDep, session: SessionDep,
              settings: SettingsDep) -> Response:
    return _render(request, who, key_admin.keys(session, who.tenant_id),
                   public_base(request, settings.public_base_url))


@router.post(HOME + "/keys", response_class=HTMLResponse)
def create_key(request: Request, who: OwnerDep, _: CsrfChecked, factory: FactoryDep,
               settings: SettingsDep,
               name: Annotated[str, Form(min_length=1, max_length=100)],
               scope: Annotated[Literal["admin", "read", "widget"], Form()],
               origins: Annotated[str, Form(max_length=2000)] = "") -> Response:
    wanted = [o.strip() for o in origins.replace(",", "\n").splitlines() if o.strip()]
    new = key_admin.create(factory, who.tenant_id, name, scope, wanted, settings)
    # Listed afresh: the request's own session began before the key was written.
    return _render(request, who, key_admin.keys_now(factory, who.tenant_id),
                   public_base(request, settings.public_base_url), new)


@router.post(HOME + "/keys/{key_id}/revoke")
def revoke_key(who: OwnerDep, _: CsrfChecked, factory: FactoryDep,
               key_id: uuid.UUID) -> Response:
    key_admin.revoke(factory, who.tenant_id, key_id)
    return RedirectResponse(HOME + "/keys", status_code=303)
