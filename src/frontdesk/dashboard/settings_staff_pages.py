"""Settings: the business's staff (and rooms or equipment booked like staff) — name,
email, the services each offers, whether they take bookings, and their weekly hours.
Saved through ``catalog.save_resource``, the API's own checks. Owners and admins."""

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
    read_week,
    saved_or_refused,
    settings_page,
    week_values,
)
from frontdesk.services.business_hours import weekly_hours
from frontdesk.services.catalog import RESOURCE_KINDS, ResourceFields, save_resource
from frontdesk.services.listings import list_resources, list_services
from frontdesk.services.lookup import get_scoped
from frontdesk.services.records import Resource, write_session
from frontdesk.services.users import Viewer, business_of
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)
STAFF = HOME + "/settings/staff"


def _values(resource: Resource) -> dict[str, Any]:
    return {"name": resource.name, "kind": resource.kind, "email": resource.email or "",
            "active": "on" if resource.active else "",
            "services": [str(s.id) for s in resource.services],
            **week_values(weekly_hours(resource))}


def _fields(form: Posted) -> ResourceFields:
    name, email, kind = form.get("name"), form.get("email"), form.get("kind") or "staff"
    if not name:
        raise FormError("name_needed")
    return ResourceFields(
        name=name, kind=kind, email=email or None, clear_email=not email,
        active=bool(form.get("active")), service_ids=read_ids(form, "services"),
        hours=read_week(form))


def _page(request: Request, who: Viewer, session: Session, template: str, *,
          status_code: int = 200, **context: Any) -> Response:
    tenant = business_of(session, who)
    return settings_page(request, who, template, status_code=status_code,
                         services=list_services(session, tenant), kinds=RESOURCE_KINDS,
                         **context)


def _list(request: Request, who: Viewer, session: Session, *, status_code: int = 200,
          values: dict[str, Any] | None = None, error: str | None = None,
          saved: bool = False) -> Response:
    staff = list_resources(session, business_of(session, who))
    hours = {r.id: weekly_hours(r) for r in staff}
    return _page(request, who, session, "settings_staff.html", status_code=status_code,
                 staff=staff, hours=hours, error=error, saved=saved,
                 values=values or {"active": "on", "kind": "staff"})


@router.get(STAFF, response_class=HTMLResponse)
def staff_page(request: Request, who: AdminDep, session: SessionDep,
               saved: int = Query(0, ge=0, le=1)) -> Response:
    return _list(request, who, session, saved=bool(saved))


@router.post(STAFF, response_class=HTMLResponse)
def add_staff(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
              session: SessionDep, factory: FactoryDep) -> Response:
    return saved_or_refused(
        request, who, lambda: _save(factory, who, form, None),
        lambda status, text: _list(request, who, session, status_code=status,
                                   values=form.as_values(), error=text),
        STAFF + "?saved=1")


def _save(factory: FactoryDep, who: Viewer, form: Posted, resource_id: uuid.UUID | None) -> None:
    fields = _fields(form)
    with write_session(factory) as session:
        tenant = business_of(session, who)
        current = get_scoped(session, Resource, tenant.id, resource_id) if resource_id else None
        save_resource(session, tenant, fields, current)


def _edit(request: Request, who: Viewer, session: Session, resource_id: uuid.UUID, *,
          status_code: int = 200, values: dict[str, Any] | None = None,
          error: str | None = None, saved: bool = False) -> Response:
    resource = get_scoped(session, Resource, who.tenant_id, resource_id)
    return _page(request, who, session, "settings_person.html", status_code=status_code,
                 resource=resource, values=values or _values(resource), error=error,
                 saved=saved)


@router.get(STAFF + "/{resource_id}", response_class=HTMLResponse)
def person_page(request: Request, who: AdminDep, session: SessionDep, resource_id: uuid.UUID,
                saved: int = Query(0, ge=0, le=1)) -> Response:
    return _edit(request, who, session, resource_id, saved=bool(saved))


@router.post(STAFF + "/{resource_id}", response_class=HTMLResponse)
def change_person(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
                  session: SessionDep, factory: FactoryDep,
                  resource_id: uuid.UUID) -> Response:
    return saved_or_refused(
        request, who, lambda: _save(factory, who, form, resource_id),
        lambda status, text: _edit(request, who, session, resource_id, status_code=status,
                                   values=form.as_values(), error=text),
        f"{STAFF}/{resource_id}?saved=1")
