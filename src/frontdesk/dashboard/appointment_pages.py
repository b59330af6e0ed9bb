"""The appointments page: a day or a week, per staff member, with each appointment's
state, and buttons to mark it confirmed, completed or a no-show (staff: their own).
Booking, moving and cancelling from it: ``appointment_edit_pages``."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard.render import page
from frontdesk.dashboard.routes import HOME, CsrfChecked, ViewerDep
from frontdesk.dashboard.text import language_of
from frontdesk.services.appointment_outcomes import Outcome
from frontdesk.services.calendar_view import calendar, mark_for
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)
# What the editing pages just did, said once on the calendar they send you back to.
DONE = ("booked", "moved", "cancelled")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


@router.get(HOME + "/appointments", response_class=HTMLResponse)
def appointments_page(
    request: Request, who: ViewerDep, session: SessionDep,
    day: Annotated[str, Query(max_length=10)] = "",
    view: Literal["day", "week"] = "week",
    resource: Annotated[str, Query(max_length=36)] = "",
    done: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    try:
        chosen = uuid.UUID(resource) if resource else None
    except ValueError:
        chosen = None
    shown = calendar(session, who, _day(day), 7 if view == "week" else 1, chosen)
    first, step = shown.first_day, timedelta(days=7 if view == "week" else 1)
    return page("appointments.html", language_of(request, who.language), who=who,
                cal=shown, view=view, csrf=request.state.csrf, active="appointments",
                previous=(first - step).isoformat(), following=(first + step).isoformat(),
                query=request.url.query, done=done if done in DONE else "",
                can_book=who.is_admin or who.resource_id is not None)


@router.post(HOME + "/appointments/{appointment_id}/{outcome}")
def mark(who: ViewerDep, _: CsrfChecked, factory: FactoryDep, request: Request,
         appointment_id: uuid.UUID,
         outcome: Literal["confirmed", "completed", "no_show"]) -> Response:
    mark_for(factory, who, appointment_id, Outcome(outcome))
    back = request.headers.get("referer", "")
    target = HOME + "/appointments"
    if "/dashboard/appointments" in back and "?" in back:
        target += "?" + back.split("?", 1)[1][:300]
    return RedirectResponse(target, status_code=303)
