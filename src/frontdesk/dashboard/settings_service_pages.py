"""Settings: the business's services — name, length, buffers, price, the names callers
use for it in English and Spanish, whether it is offered, and who offers it. Saved
through ``catalog.save_service`` (the API's checks) and ``service_staff``. Owners and
admins."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from frontdesk.dashboard.routes import HOME, AdminDep, CsrfChecked
from frontdesk.dashboard.settings_forms import (
    FormError,
    Posted,
    PostedForm,
    read_ids,
    read_minutes,
    read_names,
    read_price,
    saved_or_refused,
    settings_page,
)
from frontdesk.services.catalog import ServiceFields, save_service
from frontdesk.services.listings import list_resources, list_services
from frontdesk.services.lookup import get_scoped
from frontdesk.services.records import Service, write_session
from frontdesk.services.service_staff import set_offered_by
from frontdesk.services.users import Viewer, business_of
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)
SERVICES = HOME + "/settings/services"


def _values(service: Service) -> dict[str, Any]:
    price = service.price_cents
    return {
        "name": service.name, "duration": str(service.duration_minutes),
        "before": str(service.buffer_before_minutes),
        "after": str(service.buffer_after_minutes),
        "price": "" if price is None else f"{price // 100}.{price % 100:02d}",
        "spoken_en": ", ".join((service.spoken_names or {}).get("en", [])),
        "spoken_es": ", ".join((service.spoken_names or {}).get("es", [])),
        "active": "on" if service.active else "",
        "staff": [str(r.id) for r in service.resources],
    }


def _fields(form: Posted) -> ServiceFields:
    price = read_price(form.get("price"))
    spoken = {lang: names for lang in ("en", "es")
              if (names := read_names(form.get(f"spoken_{lang}")))}
    name = form.get("name")
    if not name:
        raise FormError("name_needed")
    if len(name) > 200:
        raise FormError("too_long")
    return ServiceFields(
        name=name, duration_minutes=read_minutes(form.get("duration")),
        buffer_before_minutes=read_minutes(form.get("before"), required=False) or 0,
        buffer_after_minutes=read_minutes(form.get("after"), required=False) or 0,
        spoken_names=spoken, price_cents=price, clear_price=price is None,
        active=bool(form.get("active")))


def _list_page(request: Request, who: Viewer, session: Session, *, status_code: int = 200,
               values: dict[str, Any] | None = None, error: str | None = None,
               saved: bool = False) -> Response:
    tenant = business_of(session, who)
    staff = list_resources(session, tenant)
    return settings_page(
        request, who, "settings_services.html", status_code=status_code,
        services=list_services(session, tenant), staff=staff, error=error, saved=saved,
        values=values or {"active": "on", "staff": [str(r.id) for r in staff if r.active]})


@router.get(SERVICES, response_class=HTMLResponse)
def services_page(request: Request, who: AdminDep, session: SessionDep,
                  saved: int = Query(0, ge=0, le=1)) -> Response:
    return _list_page(request, who, session, saved=bool(saved))


@router.post(SERVICES, response_class=HTMLResponse)
def add_service(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
                session: SessionDep, factory: FactoryDep) -> Response:
    return saved_or_refused(
        request, who, lambda: _save(factory, who, form, None),
        lambda status, text: _list_page(request, who, session, status_code=status,
                                        values=form.as_values(), error=text),
        SERVICES + "?saved=1")


def _save(factory: FactoryDep, who: Viewer, form: Posted, service_id: uuid.UUID | None) -> None:
    fields, staff = _fields(form), read_ids(form, "staff")
    with write_session(factory) as session:
        tenant = business_of(session, who)
        current = get_scoped(session, Service, tenant.id, service_id) if service_id else None
        service = save_service(session, tenant, fields, current)
        set_offered_by(session, tenant, service, staff)


def _edit_page(request: Request, who: Viewer, session: Session, service_id: uuid.UUID, *,
               status_code: int = 200, values: dict[str, Any] | None = None,
               error: str | None = None, saved: bool = False) -> Response:
    tenant = business_of(session, who)
    service = get_scoped(session, Service, tenant.id, service_id)
    return settings_page(
        request, who, "settings_service.html", status_code=status_code, service=service,
        staff=list_resources(session, tenant), values=values or _values(service),
        error=error, saved=saved)


@router.get(SERVICES + "/{service_id}", response_class=HTMLResponse)
def service_page(request: Request, who: AdminDep, session: SessionDep, service_id: uuid.UUID,
                 saved: int = Query(0, ge=0, le=1)) -> Response:
    return _edit_page(request, who, session, service_id, saved=bool(saved))


@router.post(SERVICES + "/{service_id}", response_class=HTMLResponse)
def change_service(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
                   session: SessionDep, factory: FactoryDep,
                   service_id: uuid.UUID) -> Response:
    return saved_or_refused(
        request, who, lambda: _save(factory, who, form, service_id),
        lambda status, text: _edit_page(request, who, session, service_id,
                                        status_code=status, values=form.as_values(),
                                        error=text),
        f"{SERVICES}/{service_id}?saved=1")
