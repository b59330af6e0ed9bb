"""Settings: each staff member's external calendar — how it stands, and connecting one.
Google and Microsoft go through the same OAuth consent as the API
(``calendar_oauth.start``; the provider sends the browser back to ``/oauth/callback``,
which returns here), CalDAV through ``calendar_connections.connect_caldav``; nothing of
the flows is redone here. Owners and admins."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from frontdesk.config import Settings
from frontdesk.dashboard.render import public_base
from frontdesk.dashboard.routes import HOME, AdminDep, CsrfChecked
from frontdesk.dashboard.settings_forms import FormError, PostedForm, settings_page, why_not
from frontdesk.errors import FrontdeskError, NotFound
from frontdesk.services import calendar_connections as connections
from frontdesk.services import calendar_oauth
from frontdesk.services.calendar_providers import OAUTH_PROVIDERS, PROVIDER_NAMES
from frontdesk.services.listings import list_resources
from frontdesk.services.users import Viewer, business_of
from frontdesk.web.deps import FactoryDep, SessionDep, SettingsDep

router = APIRouter(include_in_schema=False)
CALENDARS = HOME + "/settings/calendars"
CALLBACK = "/oauth/callback/{provider}"  # the API's callback route (api/routes)


def _page(request: Request, who: Viewer, session: Session, *, status_code: int = 200,
          error: str | None = None, outcome: str = "",
          settings: Settings | None = None) -> Response:
    tenant = business_of(session, who)
    staff = list_resources(session, tenant)
    views: dict[uuid.UUID, connections.ConnectionView] = {}
    for resource in staff:
        if resource.has_calendar:
            try:
                views[resource.id] = connections.get_connection(
                    session, tenant, resource.id, settings)
            except NotFound:
                pass  # disconnected between the two reads
    return settings_page(request, who, "settings_calendars.html", status_code=status_code,
                         staff=staff, views=views, providers=OAUTH_PROVIDERS,
                         provider_names=PROVIDER_NAMES, error=error, outcome=outcome)


@router.get(CALENDARS, response_class=HTMLResponse)
def calendars_page(request: Request, who: AdminDep, session: SessionDep,
                   settings: SettingsDep,
                   calendar: Annotated[str, Query(max_length=20)] = "",
                   calendar_error: Annotated[str, Query(max_length=100)] = "") -> Response:
    """Also where the consent comes back to: ``?calendar=connected`` or
    ``?calendar_error=<reason>``."""
    outcome = "connected" if calendar == "connected" else ("failed" if calendar_error else "")
    return _page(request, who, session, outcome=outcome, settings=settings)


@router.post(CALENDARS + "/{resource_id}/connect", response_class=HTMLResponse)
def connect_oauth(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
                  session: SessionDep, settings: SettingsDep,
                  resource_id: uuid.UUID) -> Response:
    provider, base = form.get("provider"), public_base(request, settings.public_base_url)
    try:
        consent = calendar_oauth.start(
            session, business_of(session, who), resource_id, provider, settings,
            redirect_uri=base + CALLBACK.format(provider=provider),
            return_url=base + CALENDARS)
    except NotFound:
        raise
    except FrontdeskError as exc:
        text, status = why_not(request, who, exc)
        return _page(request, who, session, status_code=status, error=text,
                     settings=settings)
    return RedirectResponse(consent.authorize_url, status_code=303)


@router.post(CALENDARS + "/{resource_id}/caldav", response_class=HTMLResponse)
def connect_caldav(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
                   session: SessionDep, factory: FactoryDep, settings: SettingsDep,
                   resource_id: uuid.UUID) -> Response:
    try:
        login = connections.CalDAVLogin(form.get("url"), form.get("username"),
                                        form.get("password"), form.get("calendar"))
        if not all((login.url, login.username, login.password, login.calendar)):
            raise FormError("caldav_incomplete")
        connections.connect_caldav(factory, business_of(session, who), resource_id, login,
                                   settings)
    except NotFound:
        raise
    except (FormError, FrontdeskError) as exc:
        text, status = why_not(request, who, exc)
        return _page(request, who, session, status_code=status, error=text,
                     settings=settings)
    return RedirectResponse(CALENDARS + "?calendar=connected", status_code=303)


@router.post(CALENDARS + "/{resource_id}/disconnect")
def disconnect(who: AdminDep, _: CsrfChecked, session: SessionDep, factory: FactoryDep,
               settings: SettingsDep, resource_id: uuid.UUID) -> Response:
    connections.disconnect(factory, business_of(session, who), resource_id, settings)
    return RedirectResponse(CALENDARS, status_code=303)
