"""The settings pages' front page (what can be set, and how it stands), and the
business's opening hours: one week's hours given to the staff chosen (opening hours are
when staff work; ``services.business_hours``). Owners and admins."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard.routes import HOME, AdminDep, CsrfChecked
from frontdesk.dashboard.settings_forms import (
    FormError,
    Posted,
    PostedForm,
    read_ids,
    read_week,
    settings_page,
    week_values,
    why_not,
)
from frontdesk.errors import FrontdeskError, NotFound
from frontdesk.services.business_hours import set_business_hours
from frontdesk.services.listings import list_resources, list_services
from frontdesk.services.opening_hours import opening_hours
from frontdesk.services.records import write_session
from frontdesk.services.users import Viewer, business_of
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)
SETTINGS = HOME + "/settings"


@router.get(SETTINGS, response_class=HTMLResponse)
def settings_home(request: Request, who: AdminDep, session: SessionDep) -> Response:
    tenant = business_of(session, who)
    return settings_page(
        request, who, "settings.html", tenant=tenant, hours=opening_hours(session, tenant),
        services=list_services(session, tenant), staff=list_resources(session, tenant))


def _hours_page(request: Request, who: Viewer, session: SessionDep, *,
                values: dict[str, object] | None = None, chosen: list[str] | None = None,
                error: str | None = None, status_code: int = 200, saved: bool = False
                ) -> Response:
    tenant = business_of(session, who)
    staff = [r for r in list_resources(session, tenant) if r.active]
    return settings_page(
        request, who, "settings_hours.html", status_code=status_code, staff=staff,
        values=values if values is not None else week_values(opening_hours(session, tenant)),
        chosen=chosen if chosen is not None else [str(r.id) for r in staff],
        error=error, saved=saved)


@router.get(SETTINGS + "/hours", response_class=HTMLResponse)
def hours_form(request: Request, who: AdminDep, session: SessionDep,
               saved: int = Query(0, ge=0, le=1)) -> Response:
    return _hours_page(request, who, session, saved=bool(saved))


@router.post(SETTINGS + "/hours", response_class=HTMLResponse)
def save_hours(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
               session: SessionDep, factory: FactoryDep) -> Response:
    try:
        hours, ids = read_week(form), read_ids(form, "staff")
        with write_session(factory) as writing:
            set_business_hours(writing, business_of(writing, who), hours, ids)
    except NotFound:
        raise  # another business's staff: 404, as for any id not this business's
    except (FormError, FrontdeskError) as exc:
        return _refused(request, who, session, form, exc)
    return RedirectResponse(SETTINGS + "/hours?saved=1", status_code=303)


def _refused(request: Request, who: Viewer, session: SessionDep, form: Posted,
             exc: FormError | FrontdeskError) -> Response:
    text, status = why_not(request, who, exc)
    return _hours_page(request, who, session, values=form.as_values(),
                       chosen=form.getlist("staff"), error=text, status_code=status)
