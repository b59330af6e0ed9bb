"""The customers pages: a searchable, filterable list with "contact these", CSV export
and import, and one customer's page (their history: appointments, conversations with
transcripts, messages and campaign calls; notes, opt-out controls, erase).

Owners and admins see every customer; staff see the customers with an appointment on
their own calendar (anyone else's page is a 404, as another business's is) and may keep
notes on them. Contacting, consent, import and erasure are for owners and admins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard.render import page
from frontdesk.dashboard.routes import HOME, AdminDep, CsrfChecked, ViewerDep
from frontdesk.dashboard.text import language_of
from frontdesk.errors import InvalidInput, NotFound
from frontdesk.services.contact_these import contact_these, open_requests
from frontdesk.services.customer_csv import export_csv
from frontdesk.services.customer_erasure import erase_customer
from frontdesk.services.customer_import import import_customers
from frontdesk.services.customer_overview import CustomerQuery, list_overviews, sees_customer
from frontdesk.services.customer_timeline import customer_timeline
from frontdesk.services.customers import CustomerFields
from frontdesk.services.lookup import get_scoped
from frontdesk.services.record_updates import update_customer
from frontdesk.services.records import Customer, write_session
from frontdesk.services.users import Viewer, business_of
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)
IMPORT_MAX_BYTES = 5 * 1024 * 1024

Sort = Literal["created", "name", "last_contact", "next_appointment"]
OUTCOMES = ("booked", "declined", "callback_requested", "voicemail", "no_answer", "busy",
            "failed", "wrong_number", "opted_out")


def calendar_of(who: Viewer) -> uuid.UUID | None:
    """None for owners and admins (everyone); a staff member's own calendar (or, with
    none, an id no appointment has: nobody)."""
    if who.is_admin:
        return None
    return who.resource_id or uuid.UUID(int=0)


@dataclass(frozen=True, slots=True)
class Filters:
    where: CustomerQuery  # what the service is asked
    shown: dict[str, object]  # what the form shows back


def filters(
    who: ViewerDep,
    q: Annotated[str, Query(max_length=100)] = "",
    not_contacted_days: Annotated[str, Query(max_length=5)] = "",
    last_outcome: Annotated[str, Query(max_length=24)] = "",
    no_show_days: Annotated[str, Query(max_length=5)] = "",
    tag: Annotated[str, Query(max_length=50)] = "",
    sort: Sort = "created",
) -> Filters:
    """The list's filters from the query (the page's and the CSV's: the same people)."""
    now = datetime.now(UTC)
    quiet, missed = _days(not_contacted_days), _days(no_show_days)
    where = CustomerQuery(
        contains=q.strip() or None, not_contacted_days=quiet,
        last_outcome=last_outcome if last_outcome in OUTCOMES else None,
        no_show_since=now - timedelta(days=missed) if missed else None,
        tag=tag.strip() or None, sort=sort, resource_id=calendar_of(who))
    return Filters(where, {
        "q": q, "not_contacted_days": quiet or "", "last_outcome": last_outcome,
        "no_show_days": missed or "", "tag": tag, "sort": sort})


FiltersDep = Annotated[Filters, Depends(filters)]


@router.get(HOME + "/customers", response_class=HTMLResponse)
def customers_page(request: Request, who: ViewerDep, session: SessionDep,
                   chosen: FiltersDep) -> Response:
    people = list_overviews(session, business_of(session, who), chosen.where,
                            now=datetime.now(UTC), limit=200)
    return page("customers.html", language_of(request, who.language), who=who,
                people=people, csrf=request.state.csrf, active="customers",
                filters=chosen.shown, query=request.url.query, outcomes=OUTCOMES,
                requests=open_requests(session, who.tenant_id) if who.is_admin else [])


@router.get(HOME + "/customers.csv")
def customers_csv(who: ViewerDep, session: SessionDep, chosen: FiltersDep) -> Response:
    """The list as shown (same filters, same order, same people) as a CSV file."""
    return Response(export_csv(session, business_of(session, who), chosen.where),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="customers.csv"',
                             "Cache-Control": "no-store"})


@router.post(HOME + "/customers/import", response_class=HTMLResponse)
async def import_page(request: Request, who: AdminDep, _: CsrfChecked,
                      factory: FactoryDep, file: UploadFile) -> Response:
    """A CSV file of customers (the columns the API's import reads): the good rows added,
    each bad row reported on the page."""
    raw = await file.read(IMPORT_MAX_BYTES + 1)
    if len(raw) > IMPORT_MAX_BYTES:
        raise InvalidInput("The file is larger than 5 MB; split it and import each part.",
                           field="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is not UTF-8 text; save it as CSV UTF-8 and try again.",
                           field="file") from exc
    with write_session(factory) as session:
        report = import_customers(session, business_of(session, who), text)
    return page("customer_import.html", language_of(request, who.language), who=who,
                report=report, csrf=request.state.csrf, active="customers")


def _days(value: str) -> int | None:
    """A form's number of days: an empty box (or nonsense) is no filter, not an error."""
    value = value.strip()
    return int(value) if value.isdigit() and 1 <= int(value) <= 3650 else None


@router.post(HOME + "/customers/contact")
def contact(who: AdminDep, _: CsrfChecked, factory: FactoryDep,
            name: Annotated[str, Form(min_length=1, max_length=200)],
            meeting_request_id: Annotated[uuid.UUID, Form()],
            customer_id: Annotated[list[uuid.UUID], Form(max_length=1000)]) -> Response:
    contact_these(factory, who.tenant_id, name, meeting_request_id, customer_id)
    return RedirectResponse(HOME + "/campaigns", status_code=303)


def _one(session: SessionDep, who: Viewer, customer_id: uuid.UUID) -> Customer:
    """The customer, if the viewer may see them (else the same 404 as for a customer of
    another business, so a staff member cannot tell the two apart)."""
    customer = get_scoped(session, Customer, who.tenant_id, customer_id)
    calendar = calendar_of(who)
    if calendar is not None and not sees_customer(
            session, business_of(session, who), calendar, customer_id):
        raise NotFound(f"No customer with id {customer_id} in this business.",
                       customer_id=str(customer_id))
    return customer


@router.get(HOME + "/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(request: Request, who: ViewerDep, session: SessionDep,
                  customer_id: uuid.UUID,
                  before: Annotated[datetime | None, Query()] = None,
                  saved: Annotated[str, Query(max_length=10)] = "") -> Response:
    _one(session, who, customer_id)
    history = customer_timeline(session, business_of(session, who), customer_id,
                                before=before, limit=50)
    entries = [(entry, type(entry.item).__name__) for entry in history.entries]
    return page("customer.html", language_of(request, who.language), who=who,
                history=history, entries=entries, csrf=request.state.csrf,
                active="customers", saved=saved in ("notes", "consent", "erased"))


def _back(customer_id: uuid.UUID, what: str) -> RedirectResponse:
    return RedirectResponse(f"{HOME}/customers/{customer_id}?saved={what}", status_code=303)


@router.post(HOME + "/customers/{customer_id}/notes")
def save_notes(who: ViewerDep, _: CsrfChecked, factory: FactoryDep, customer_id: uuid.UUID,
               notes: Annotated[str, Form(max_length=5000)] = "") -> Response:
    with write_session(factory) as session:
        _one(session, who, customer_id)
        update_customer(session, business_of(session, who), customer_id,
                        CustomerFields(notes=notes.strip()))
    return _back(customer_id, "notes")


@router.post(HOME + "/customers/{customer_id}/consent")
def save_consent(who: AdminDep, _: CsrfChecked, factory: FactoryDep, customer_id: uuid.UUID,
                 sms_consent: Annotated[bool, Form()] = False,
                 call_consent: Annotated[bool, Form()] = False,
                 do_not_call: Annotated[bool, Form()] = False) -> Response:
    """The whole state of the three boxes (an unticked box is not sent: it means no)."""
    with write_session(factory) as session:
        update_customer(session, business_of(session, who), customer_id, CustomerFields(
            sms_consent=sms_consent, call_consent=call_consent, do_not_call=do_not_call))
    return _back(customer_id, "consent")


@router.get(HOME + "/customers/{customer_id}/erase", response_class=HTMLResponse)
def erase_form(request: Request, who: AdminDep, session: SessionDep,
               customer_id: uuid.UUID) -> Response:
    customer = _one(session, who, customer_id)
    return page("customer_erase.html", language_of(request, who.language), who=who,
                customer=customer, csrf=request.state.csrf, active="customers")


@router.post(HOME + "/customers/{customer_id}/erase")
def erase(who: AdminDep, _: CsrfChecked, factory: FactoryDep, customer_id: uuid.UUID,
          confirm: Annotated[str, Form(max_length=10)] = "") -> Response:
    """A privacy request: only with the confirmation box ticked (erasing cannot be
    undone)."""
    if confirm != "yes":
        raise InvalidInput("Tick the box to confirm: erasing cannot be undone.",
                           field="confirm")
    with write_session(factory) as session:
        erase_customer(session, business_of(session, who), customer_id)
    return _back(customer_id, "erased")
