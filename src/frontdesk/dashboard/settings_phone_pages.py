"""Settings: the phone numbers the business answers (and texts from: the first), and
where a caller who asks for a person is put through. Saved through the services the
API uses (``number_admin``, ``tenants.apply_tenant_fields``). Owners and admins."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from frontdesk.dashboard.routes import HOME, AdminDep, CsrfChecked
from frontdesk.dashboard.settings_forms import FormError, PostedForm, settings_page, why_not
from frontdesk.errors import FrontdeskError
from frontdesk.services.number_admin import add_number, remove_number
from frontdesk.services.record_updates import update_tenant
from frontdesk.services.records import write_session
from frontdesk.services.tenants import TenantFields
from frontdesk.services.users import Viewer, business_of
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)
PHONES = HOME + "/settings/phones"


def _page(request: Request, who: Viewer, session: Session, *, status_code: int = 200,
          error: str | None = None, saved: bool = False, number: str = "",
          transfer: str | None = None) -> Response:
    tenant = business_of(session, who)
    return settings_page(request, who, "settings_phones.html", status_code=status_code,
                         numbers=tenant.phone_numbers, error=error, saved=saved,
                         number=number, transfer=tenant.fallback_phone
                         if transfer is None else transfer)


@router.get(PHONES, response_class=HTMLResponse)
def phones_page(request: Request, who: AdminDep, session: SessionDep,
                saved: int = Query(0, ge=0, le=1)) -> Response:
    return _page(request, who, session, saved=bool(saved))


@router.post(PHONES, response_class=HTMLResponse)
def add_phone(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
              session: SessionDep, factory: FactoryDep) -> Response:
    try:
        number = form.get("number")
        if not number:
            raise FormError("number_needed")
        with write_session(factory) as writing:
            add_number(writing, business_of(writing, who), number)
    except (FormError, FrontdeskError) as exc:
        text, status = why_not(request, who, exc)
        return _page(request, who, session, status_code=status, error=text,
                     number=form.shown("number", 40))
    return RedirectResponse(PHONES + "?saved=1", status_code=303)


@router.post(PHONES + "/transfer", response_class=HTMLResponse)
def set_transfer(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
                 session: SessionDep, factory: FactoryDep) -> Response:
    try:
        number = form.get("transfer")
        if not number:
            raise FormError("number_needed")
        with write_session(factory) as writing:
            update_tenant(writing, who.tenant_id, TenantFields(fallback_phone=number))
    except (FormError, FrontdeskError) as exc:
        text, status = why_not(request, who, exc)
        return _page(request, who, session, status_code=status, error=text,
                     transfer=form.shown("transfer", 40))
    return RedirectResponse(PHONES + "?saved=1", status_code=303)


@router.post(PHONES + "/{number_id}/remove")
def remove_phone(who: AdminDep, _: CsrfChecked, factory: FactoryDep,
                 number_id: uuid.UUID) -> Response:
    with write_session(factory) as writing:
        remove_number(writing, business_of(writing, who), number_id)
    return RedirectResponse(PHONES + "?saved=1", status_code=303)
