"""The dashboard's appointments page: a day or a week of one business's calendar, and
marking an appointment confirmed, completed or a no-show (booking, moving and cancelling
from it: ``appointment_edits``).

Staff see and mark only their own calendar (``Viewer.resource_id``): any other
appointment is "not found" to them, like another business's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import NotFound
from frontdesk.services import appointment_outcomes
from frontdesk.services.users import Viewer
from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    Customer,
    Resource,
    Service,
    Tenant,
)


@dataclass(frozen=True, slots=True)
class Slot:
    id: uuid.UUID
    start: datetime  # in the business's zone
    end: datetime
    service: str
    resource: str
    customer: str | None
    status: str
    confirmed: bool
    changeable: bool  # booked and not started yet: it may still be moved or cancelled


@dataclass(frozen=True, slots=True)
class CalendarView:
    first_day: date
    days: list[tuple[date, list[Slot]]]
    resources: list[tuple[uuid.UUID, str]]
    resource_id: uuid.UUID | None
    timezone: str


def calendar(session: Session, who: Viewer, first_day: date | None, days: int,
             resource_id: uuid.UUID | None) -> CalendarView:
    """``days`` from ``first_day`` (None: today in the business's zone; a week starts on
    the Monday of the day asked for)."""
    tenant = session.get_one(Tenant, who.tenant_id)
    zone = ZoneInfo(tenant.timezone)
    first_day = first_day or datetime.now(zone).date()
    if days == 7:
        first_day -= timedelta(days=first_day.weekday())
    if not who.is_admin:
        resource_id = who.resource_id or uuid.UUID(int=0)  # staff: their own, or nothing
    start = datetime.combine(first_day, time(0), tzinfo=zone)
    end = datetime.combine(first_day + timedelta(days=days), time(0), tzinfo=zone)
    query = (select(Appointment, Service.name, Resource.name, Customer.name)
             .join(Service, Service.id == Appointment.service_id)
             .join(Resource, Resource.id == Appointment.resource_id)
             .outerjoin(Customer, Customer.id == Appointment.customer_id)
             .where(Appointment.tenant_id == tenant.id, Appointment.start_at >= start,
                    Appointment.start_at < end)
             .order_by(Appointment.start_at))
    if resource_id is not None:
        query = query.where(Appointment.resource_id == resource_id)
    by_day: dict[date, list[Slot]] = {first_day + timedelta(days=i): [] for i in range(days)}
    now = datetime.now(UTC)
    for row, service, resource, customer in session.execute(query):
        local = row.start_at.astimezone(zone)
        by_day.setdefault(local.date(), []).append(Slot(
            row.id, local, row.end_at.astimezone(zone), service, resource, customer,
            row.status, row.confirmed_at is not None,
            row.status == AppointmentStatus.BOOKED.value and row.start_at > now))
    resources = [(i, n) for i, n in session.execute(
        select(Resource.id, Resource.name).where(Resource.tenant_id == tenant.id)
        .order_by(Resource.name))] if who.is_admin else []
    return CalendarView(first_day, sorted(by_day.items()), resources, resource_id,
                        tenant.timezone)


def mark_for(factory: sessionmaker[Session], who: Viewer, appointment_id: uuid.UUID,
             outcome: appointment_outcomes.Outcome) -> None:
    """Mark an appointment this person may see (404 otherwise; 409 if not booked)."""
    with factory() as session:
        tenant = session.get_one(Tenant, who.tenant_id)
        row = session.get(Appointment, appointment_id)
        theirs = row is not None and row.tenant_id == tenant.id and (
            who.is_admin or row.resource_id == who.resource_id)
    if not theirs:
        raise NotFound(f"No appointment with id {appointment_id} in your calendar.",
                       appointment_id=str(appointment_id))
    appointment_outcomes.mark(factory, tenant, appointment_id, outcome)
