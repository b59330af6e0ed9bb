from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response, status

from frontdesk.api import schemas
from frontdesk.api.campaign_schemas import ImportReportOut
from frontdesk.api.convert import customer_out
from frontdesk.api.csv_body import csv_body_doc, read_csv_body
from frontdesk.api.customer_schemas import CustomerSummaryOut, TimelineOut
from frontdesk.api.customer_views import summary_out, timeline_out
from frontdesk.api.timeparams import parse_bound
from frontdesk.services.customer_csv import export_csv as customers_csv
from frontdesk.services.customer_erasure import erase_customer
from frontdesk.services.customer_import import import_customers
from frontdesk.services.customer_overview import CustomerQuery, Sort, list_overviews
from frontdesk.services.customer_timeline import customer_timeline
from frontdesk.services.customers import CustomerFields, create_customer
from frontdesk.services.lookup import get_scoped
from frontdesk.services.record_updates import update_customer
from frontdesk.services.records import Customer, Tenant, write_session
from frontdesk.web import bounds
from frontdesk.web.deps import FactoryDep, SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

def customer_query(
    tenant: TenantDep,
    phone: Annotated[str | None, Query(max_length=40, description="Exact phone, any format")]
    = None,
    q: Annotated[str | None, Query(max_length=100,
                                   description="Name, email or phone number contains")] = None,
    not_contacted_days: Annotated[int | None, Query(
        ge=1, le=3650, description="No conversation or campaign call in this many days")] = None,
    last_outcome: Annotated[str | None, Query(
        max_length=24, description="The latest contact ended so: a conversation outcome "
                                   "(booked, transferred...) or a campaign one "
                                   "(callback_requested, no_answer...)")] = None,
    no_show_since: Annotated[str | None, Query(
        description="Missed an appointment starting on or after this date")] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    sort: Annotated[Sort, Query(description="created (oldest first), name, last_contact "
                                            "(latest first), next_appointment (soonest)")]
    = "created",
) -> CustomerQuery:
    return CustomerQuery(
        contains=q, phone=phone, not_contacted_days=not_contacted_days,
        last_outcome=last_outcome, tag=tag, sort=sort,
        no_show_since=(parse_bound(no_show_since, tenant, "no_show_since")
                       if no_show_since else None))


QueryDep = Annotated[CustomerQuery, Depends(customer_query)]


@router.get("", response_model=list[CustomerSummaryOut])
def list_customers(
    tenant: TenantDep,
    session: SessionDep,
    where: QueryDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=bounds.MAX_OFFSET)] = 0,
) -> list[CustomerSummaryOut]:
    """The business's customers with their last contact, last outcome, next appointment,
    tags and consent: search, sort and filter them (e.g. "not contacted in 30 days")."""
    return _summaries(session, tenant, where, limit, offset)


@router.get("/export.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def export_csv(tenant: TenantDep, session: SessionDep, where: QueryDep) -> Response:
    """The list (same filters and order) as a CSV file with a header row."""
    return Response(customers_csv(session, tenant, where), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="customers.csv"'})


@router.post("/import", response_model=ImportReportOut, openapi_extra=csv_body_doc(
    "name,phone,email,timezone,language,consent date,sms opt in\n"
    "Ana Ruiz,+1 212 555 0142,ana@example.com,,es,2026-11-02,yes\n"))
async def import_csv(request: Request, tenant: TenantDep, factory: FactoryDep) -> ImportReportOut:
    """Add customers from a CSV file (the body), the columns of a campaign's lead import.
    Good rows are imported, existing phones linked; each bad row is reported."""
    text = await read_csv_body(request)
    with write_session(factory) as session:
        report = import_customers(session, tenant, text)
    return ImportReportOut.model_validate(asdict(report))


@router.post("", response_model=schemas.CustomerOut, status_code=status.HTTP_201_CREATED)
def create(body: schemas.CustomerIn, tenant: TenantDep, factory: FactoryDep) -> schemas.CustomerOut:
    with write_session(factory) as session:
        return customer_out(create_customer(session, tenant, CustomerFields(**body.model_dump())))


@router.get("/{customer_id}", response_model=schemas.CustomerOut)
def get(customer_id: uuid.UUID, tenant: TenantDep, session: SessionDep) -> schemas.CustomerOut:
    return customer_out(get_scoped(session, Customer, tenant.id, customer_id))


@router.patch("/{customer_id}", response_model=schemas.CustomerOut)
def patch(
    customer_id: uuid.UUID, body: schemas.CustomerPatch, tenant: TenantDep, factory: FactoryDep
) -> schemas.CustomerOut:
    fields = CustomerFields(**body.model_dump(exclude_unset=True))
    with write_session(factory) as session:
        return customer_out(update_customer(session, tenant, customer_id, fields))


@router.get("/{customer_id}/timeline", response_model=TimelineOut)
def timeline(
    customer_id: uuid.UUID,
    tenant: TenantDep,
    session: SessionDep,
    before: Annotated[str | None, Query(description="Only what happened before this "
                                                    "datetime: the last page's next_before")]
    = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TimelineOut:
    """Appointments, conversations with their transcripts, call events, messages and
    campaign calls of one customer, newest first."""
    found = customer_timeline(session, tenant, customer_id, limit=limit,
                              before=parse_bound(before, tenant, "before") if before else None)
    return timeline_out(found, tenant)


@router.post("/{customer_id}/erase", response_model=schemas.CustomerOut)
def erase(customer_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep) -> schemas.CustomerOut:
    """A privacy request: remove the customer's personal data (name, phone, email, notes,
    what they said, messages to them); appointments stay as anonymous history. Erasing
    again changes nothing. See docs/decisions/0037."""
    with write_session(factory) as session:
        return customer_out(erase_customer(session, tenant, customer_id))


def _summaries(session: SessionDep, tenant: Tenant, where: CustomerQuery, limit: int,
               offset: int) -> list[CustomerSummaryOut]:
    rows = list_overviews(session, tenant, where, now=datetime.now(UTC), limit=limit,
                          offset=offset)
    tz = ZoneInfo(tenant.timezone)
    return [summary_out(r, tz) for r in rows]
