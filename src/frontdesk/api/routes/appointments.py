from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from frontdesk.api import schemas
from frontdesk.api.convert import appointment_out
from frontdesk.api.timeparams import parse_bound
from frontdesk.services import booking, listings
from frontdesk.services.appointment_outcomes import Outcome, mark
from frontdesk.services.customers import CustomerFields
from frontdesk.services.lookup import get_scoped
from frontdesk.services.records import Appointment, AppointmentStatus
from frontdesk.web import bounds
from frontdesk.web.deps import FactoryDep, SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/appointments", tags=["appointments"])

IdempotencyKey = Annotated[
    str | None,
    Header(max_length=200, description="Send the same key again and the booking is made once."),
]


@router.get("", response_model=list[schemas.AppointmentOut])
def list_appointments(
    tenant: TenantDep,
    session: SessionDep,
    from_: Annotated[str | None, Query(alias="from", description="Date or datetime")] = None,
    to: Annotated[str | None, Query(description="Date (inclusive) or datetime (exclusive)")] = None,
    customer_id: uuid.UUID | None = None,
    resource_id: uuid.UUID | None = None,
    status_: Annotated[list[AppointmentStatus] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=bounds.MAX_OFFSET)] = 0,
) -> list[schemas.AppointmentOut]:
    where = listings.AppointmentFilter(
        start_from=parse_bound(from_, tenant, "from") if from_ else None,
        start_before=parse_bound(to, tenant, "to", end=True) if to else None,
        customer_id=customer_id,
        resource_id=resource_id,
        statuses=status_ or (),
    )
    rows = listings.list_appointments(session, tenant, where, limit=limit, offset=offset)
    return [appointment_out(a, tenant) for a in rows]


@router.post(
    "",
    response_model=schemas.AppointmentOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "Replay of an earlier request with the same key"}},
)
def create_appointment(
    body: schemas.AppointmentIn,
    tenant: TenantDep,
    factory: FactoryDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> schemas.AppointmentOut:
    request = booking.BookingRequest(
        service_id=body.service_id,
        start=body.start,
        resource_id=body.resource_id,
        customer_id=body.customer_id,
        customer=CustomerFields(**body.customer.model_dump()) if body.customer else None,
        source=body.source,
        idempotency_key=idempotency_key,
        notes=body.notes,
    )
    result = booking.book(factory, tenant, request)
    if result.replayed:
        response.status_code = status.HTTP_200_OK
    return appointment_out(result.appointment, tenant)


@router.get("/{appointment_id}", response_model=schemas.AppointmentOut)
def get_appointment(
    appointment_id: uuid.UUID, tenant: TenantDep, session: SessionDep
) -> schemas.AppointmentOut:
    return appointment_out(get_scoped(session, Appointment, tenant.id, appointment_id), tenant)


@router.post("/{appointment_id}/reschedule", response_model=schemas.AppointmentOut)
def reschedule_appointment(
    appointment_id: uuid.UUID, body: schemas.RescheduleIn, tenant: TenantDep, factory: FactoryDep
) -> schemas.AppointmentOut:
    moved = booking.reschedule(
        factory, tenant, appointment_id, body.start, resource_id=body.resource_id
    )
    return appointment_out(moved, tenant)


@router.post("/{appointment_id}/cancel", response_model=schemas.AppointmentOut)
def cancel_appointment(
    appointment_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep
) -> schemas.AppointmentOut:
    return appointment_out(booking.cancel(factory, tenant, appointment_id), tenant)


_NOT_BOOKED: dict[int | str, dict[str, object]] = {
    409: {"description": "Not booked: cancelled, or marked otherwise already"}
}


@router.post("/{appointment_id}/confirm", response_model=schemas.AppointmentOut,
             responses=_NOT_BOOKED)
def confirm_appointment(
    appointment_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep
) -> schemas.AppointmentOut:
    """The customer confirmed: the appointment stays booked, with ``confirmed_at``."""
    return appointment_out(mark(factory, tenant, appointment_id, Outcome.CONFIRMED), tenant)


@router.post("/{appointment_id}/complete", response_model=schemas.AppointmentOut,
             responses=_NOT_BOOKED)
def complete_appointment(
    appointment_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep
) -> schemas.AppointmentOut:
    """The customer came. Marking a completed appointment again changes nothing."""
    return appointment_out(mark(factory, tenant, appointment_id, Outcome.COMPLETED), tenant)


@router.post("/{appointment_id}/no-show", response_model=schemas.AppointmentOut,
             responses=_NOT_BOOKED)
def no_show_appointment(
    appointment_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep
) -> schemas.AppointmentOut:
    """The customer did not come. Marking a no-show again changes nothing."""
    return appointment_out(mark(factory, tenant, appointment_id, Outcome.NO_SHOW), tenant)
