"""Settings: when customers are reminded of an appointment, and the business's own
wording of the texts it sends (confirmation, move, cancellation, reminder), per
language. Saved through ``tenants.apply_tenant_fields`` (``tenant_wording``'s checks,
the API's too); the notices read them when they are written. Owners and admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from frontdesk.dashboard.routes import HOME, AdminDep, CsrfChecked
from frontdesk.dashboard.settings_forms import (
    FormError,
    Posted,
    PostedForm,
    read_minutes,
    settings_page,
    why_not,
)
from frontdesk.dashboard.text import language_of, words
from frontdesk.errors import FrontdeskError
from frontdesk.services.notices.messages import default_text
from frontdesk.services.record_updates import update_tenant
from frontdesk.services.records import Tenant, write_session
from frontdesk.services.tenant_wording import LANGUAGES, MESSAGE_FIELDS, MESSAGE_PURPOSES
from frontdesk.services.tenants import TenantFields
from frontdesk.services.users import Viewer, business_of
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)
MESSAGES = HOME + "/settings/messages"
# The reminder times offered as boxes to tick (minutes before), latest first.
CHOICES = (7 * 1440, 3 * 1440, 2 * 1440, 1440, 720, 240, 120, 60, 30)


def _label(minutes: int, t: dict[str, str]) -> str:
    for size, one, many in ((10080, "a_week", "n_weeks"), (1440, "a_day", "n_days"),
                            (60, "an_hour", "n_hours")):
        if minutes % size == 0:
            return t[one] if minutes == size else t[many].format(n=minutes // size)
    return t["n_minutes"].format(n=minutes)


def _stored(tenant: Tenant) -> dict[str, Any]:
    own = tenant.message_templates or {}
    return {"reminder": [str(m) for m in tenant.reminder_minutes or []],
            **{f"tpl_{p}_{lang}": (own.get(p) or {}).get(lang, "")
               for p in MESSAGE_PURPOSES for lang in LANGUAGES}}


def _page(request: Request, who: Viewer, session: Session, *,
          values: dict[str, Any] | None = None, status_code: int = 200,
          error: str | None = None, saved: bool = False) -> Response:
    tenant = business_of(session, who)
    t = words(language_of(request, who.language))
    offered = sorted(set(CHOICES) | set(tenant.reminder_minutes or []), reverse=True)
    return settings_page(
        request, who, "settings_messages.html", status_code=status_code,
        values=values or _stored(tenant), choices=[(m, _label(m, t)) for m in offered],
        purposes=MESSAGE_PURPOSES, languages=LANGUAGES, fields=MESSAGE_FIELDS,
        defaults={(p, lang): default_text(p, lang) for p in MESSAGE_PURPOSES
                  for lang in LANGUAGES},
        error=error, saved=saved)


@router.get(MESSAGES, response_class=HTMLResponse)
def messages_page(request: Request, who: AdminDep, session: SessionDep,
                  saved: int = Query(0, ge=0, le=1)) -> Response:
    return _page(request, who, session, saved=bool(saved))


def _save(request: Request, who: Viewer, session: Session, factory: FactoryDep, form: Posted,
          read: Callable[[Posted], TenantFields]) -> Response:
    try:
        fields = read(form)
        with write_session(factory) as writing:
            update_tenant(writing, who.tenant_id, fields)
    except (FormError, FrontdeskError) as exc:
        text, status = why_not(request, who, exc)
        values = {**_stored(business_of(session, who)), **form.as_values()}
        if read is _reminders:  # no box ticked is a choice too: none
            values["reminder"] = form.getlist("reminder")
        return _page(request, who, session, values=values, status_code=status, error=text)
    return RedirectResponse(MESSAGES + "?saved=1", status_code=303)


def _reminders(form: Posted) -> TenantFields:
    minutes = [read_minutes(v) for v in form.getlist("reminder")]
    return TenantFields(reminder_minutes=[m for m in minutes if m is not None])


def _templates(form: Posted) -> TenantFields:
    return TenantFields(message_templates={
        p: {lang: form.get(f"tpl_{p}_{lang}") for lang in LANGUAGES} for p in MESSAGE_PURPOSES})


@router.post(HOME + "/settings/reminders", response_class=HTMLResponse)
def save_reminders(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
                   session: SessionDep, factory: FactoryDep) -> Response:
    return _save(request, who, session, factory, form, _reminders)


@router.post(MESSAGES, response_class=HTMLResponse)
def save_messages(request: Request, who: AdminDep, _: CsrfChecked, form: PostedForm,
                  session: SessionDep, factory: FactoryDep) -> Response:
    return _save(request, who, session, factory, form, _templates)
