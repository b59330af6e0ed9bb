"""The customers pages: a searchable, filterable list with "contact these", and one
customer's page (their history: appointments, conversations with transcripts, messages
and campaign calls). Owners and admins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard.render import page
from frontdesk.dashboard.routes import HOME, CsrfChecked, ViewerDep, admin
from frontdesk.dashboard.text import language_of
from frontdesk.services.contact_these import contact_these, open_requests
from frontdesk.services.customer_overview import CustomerQuery, list_overviews
from frontdesk.services.customer_timeline import customer_timeline
from frontdesk.services.users import business_of
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)

Sort = Literal["created", "name", "last_contact", "next_appointment"]
OUTCOMES = ("booked", "declined", "callback_requested", "voicemail", "no_answer", "busy",
            "failed", "wrong_number", "opted_out")


@router.get(HOME + "/customers", response_class=HTMLResponse)
def customers_page(
    request: Request, who: ViewerDep, session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    not_contacted_days: Annotated[str, Query(max_length=5)] = "",
    last_outcome: Annotated[str, Query(max_length=24)] = "",
    no_show_days: Annotated[str, Query(max_length=5)] = "",
    tag: Annotated[str, Query(max_length=50)] = "",
    sort: Sort = "created",
) -> Response:
    admin(who)
    now = datetime.now(UTC)
    quiet, missed = _days(not_contacted_days), _days(no_show_days)
    where = CustomerQuery(
        contains=q.strip() or None, not_contacted_days=quiet,
        last_outcome=last_outcome if last_outcome in OUTCOMES else None,
        no_show_since=now - timedelta(days=missed) if missed else None,
        tag=tag.strip() or None, sort=sort)
    people = list_overviews(session, business_of(session, who), where, now=now, limit=200)
    return page("customers.html", language_of(request, who.language), who=who,
                people=people, csrf=request.state.csrf, active="customers",
                filters={"q": q, "not_contacted_days": quiet or "",
                         "last_outcome": last_outcome, "no_show_days": missed or "",
                         "tag": tag, "sort": sort},
                outcomes=OUTCOMES, requests=open_requests(session, who.tenant_id))


def _days(value: str) -> int | None:
    """A form's number of days: an empty box (or nonsense) is no filter, not an error."""
    value = value.strip()
    return int(value) if value.isdigit() and 1 <= int(value) <= 3650 else None


@router.post(HOME + "/customers/contact")
def contact(who: ViewerDep, _: CsrfChecked, factory: FactoryDep,
            name: Annotated[str, Form(min_length=1, max_length=200)],
            meeting_request_id: Annotated[uuid.UUID, Form()],
            customer_id: Annotated[list[uuid.UUID], Form(max_length=1000)]) -> Response:
    admin(who)
    contact_these(factory, who.tenant_id, name, meeting_request_id, customer_id)
    return RedirectResponse(HOME + "/campaigns", status_code=303)


@router.get(HOME + "/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(request: Request, who: ViewerDep, session: SessionDep,
                  customer_id: uuid.UUID,
                  before: Annotated[datetime | None, Query()] = None) -> Response:
    admin(who)
    history = customer_timeline(session, business_of(session, who), customer_id,
                                before=before, limit=50)
    entries = [(entry, type(entry.item).__name__) for entry in history.entries]
    return page("customer.html", language_of(request, who.language), who=who,
                history=history, entries=entries, csrf=request.state.csrf,
                active="customers")
