"""What the dashboard's book, move and cancel forms show: one appointment as the person
signed in may see it, and the services, staff and customers a booking may choose from.

Staff see only their own calendar (``Viewer.resource_id``): any other appointment is
"not found" to them, like another business's, and they choose from no one else's
calendar and from no customer list (they type the customer's name and phone).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.errors import NotFound
from frontdesk.services.users import Viewer
from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    Customer,
    Resource,
    Service,
    Tenant,
    resource_services,
)

# A select box, not a search: past this many customers, type the phone number instead
# (a booking by phone finds the existing customer).
CUSTOMER_CHOICES = 300

Choice = tuple[uuid.UUID, str]


@dataclass(frozen=True, slots=True)
class AppointmentCard:
    """One appointment, in the business's zone, with the staff who could take it."""

    id: uuid.UUID
    start: datetime
    end: datetime
    service_id: uuid.UUID
    service: str
    resource_id: uuid.UUID
    resource: str
    customer: str | None
    status: str
    changeable: bool  # booked and not yet started: it may be moved or cancelled
    staff: list[Choice]  # who offers its service (admins only; staff keep their own)
    timezone: str


@dataclass(frozen=True, slots=True)
class BookingChoices:
    services: list[Choice]
    staff: list[Choice]  # admins: every active resource; staff: only their own
    customers: list[Choice]  # admins only
    timezone: str


def visible_appointment(session: Session, who: Viewer, appointment_id: uuid.UUID) -> Appointment:
    """The appointment if this person may see it; "not found" otherwise (another business's,
    or, for staff, someone else's calendar: the same answer, so ids reveal nothing)."""
    row = session.get(Appointment, appointment_id)
    if row is None or row.tenant_id != who.tenant_id or not (
            who.is_admin or row.resource_id == who.resource_id):
        raise NotFound(f"No appointment with id {appointment_id} in your calendar.",
                       appointment_id=str(appointment_id))
    return row


def appointment_card(session: Session, who: Viewer, appointment_id: uuid.UUID,
                     *, now: datetime | None = None) -> AppointmentCard:
    row = visible_appointment(session, who, appointment_id)
    zone = ZoneInfo(session.get_one(Tenant, who.tenant_id).timezone)
    now = now or datetime.now(UTC)
    customer = row.customer
    shown = (customer.name or customer.phone_e164) if customer is not None else None
    return AppointmentCard(
        row.id, row.start_at.astimezone(zone), row.end_at.astimezone(zone), row.service_id,
        row.service.name, row.resource_id, row.resource.name, shown, row.status,
        row.status == AppointmentStatus.BOOKED.value and row.start_at > now,
        _offering(session, who, row.service_id) if who.is_admin else [], str(zone))


def booking_choices(session: Session, who: Viewer) -> BookingChoices:
    tenant = session.get_one(Tenant, who.tenant_id)
    services = [(i, n) for i, n in session.execute(
        select(Service.id, Service.name)
        .where(Service.tenant_id == tenant.id, Service.active.is_(True))
        .order_by(Service.name))]
    staff = select(Resource.id, Resource.name).where(
        Resource.tenant_id == tenant.id, Resource.active.is_(True)).order_by(Resource.name)
    if not who.is_admin:
        staff = staff.where(Resource.id == (who.resource_id or uuid.UUID(int=0)))
    customers: list[Choice] = []
    if who.is_admin:
        customers = [(i, " · ".join(p for p in (name, phone) if p)) for i, name, phone in
                     session.execute(
                         select(Customer.id, Customer.name, Customer.phone_e164)
                         .where(Customer.tenant_id == tenant.id, Customer.erased_at.is_(None))
                         .order_by(Customer.name.is_(None), Customer.name,
                                   Customer.phone_e164)
                         .limit(CUSTOMER_CHOICES))]
    return BookingChoices(services, [(i, n) for i, n in session.execute(staff)], customers,
                          tenant.timezone)


def _offering(session: Session, who: Viewer, service_id: uuid.UUID) -> list[Choice]:
    return [(i, n) for i, n in session.execute(
        select(Resource.id, Resource.name)
        .join(resource_services, resource_services.c.resource_id == Resource.id)
        .where(resource_services.c.service_id == service_id,
               Resource.tenant_id == who.tenant_id, Resource.active.is_(True))
        .order_by(Resource.name))]
