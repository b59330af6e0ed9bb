"""The lists the REST API shows: one business's rows, filtered and ordered, a page at a time.

Every query starts from the tenant's id, so a list can never show another business's
rows, whatever the filters say.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from frontdesk.services.customers import find_by_phone, normalize_phone
from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    Customer,
    OutboxMessage,
    Resource,
    Service,
    Tenant,
)


@dataclass(frozen=True, slots=True)
class AppointmentFilter:
    """Which appointments: starting in [start_from, start_before), of whom, in what state."""

    start_from: datetime | None = None
    start_before: datetime | None = None
    customer_id: uuid.UUID | None = None
    resource_id: uuid.UUID | None = None
    statuses: Sequence[AppointmentStatus] = ()


def list_appointments(
    session: Session, tenant: Tenant, where: AppointmentFilter, *, limit: int, offset: int = 0
) -> list[Appointment]:
    """The business's appointments matching ``where``, earliest first."""
    query = select(Appointment).where(Appointment.tenant_id == tenant.id)
    if where.start_from is not None:
        query = query.where(Appointment.start_at >= where.start_from)
    if where.start_before is not None:
        query = query.where(Appointment.start_at < where.start_before)
    if where.customer_id:
        query = query.where(Appointment.customer_id == where.customer_id)
    if where.resource_id:
        query = query.where(Appointment.resource_id == where.resource_id)
    if where.statuses:
        query = query.where(Appointment.status.in_([s.value for s in where.statuses]))
    return list(
        session.scalars(query.order_by(Appointment.start_at).limit(limit).offset(offset))
    )


def list_customers(
    session: Session,
    tenant: Tenant,
    *,
    phone: str | None = None,
    contains: str | None = None,
    limit: int,
    offset: int = 0,
) -> list[Customer]:
    """The business's customers, oldest first; ``contains``: in the name or the email.

    ``phone`` (any format) finds the one customer with that number (phones are unique
    per business), whatever the other arguments say."""
    if phone:
        found = find_by_phone(session, tenant, phone)
        return [found] if found is not None else []
    query = select(Customer).where(Customer.tenant_id == tenant.id)
    if contains:
        like = f"%{contains}%"
        query = query.where(or_(Customer.name.ilike(like), Customer.email.ilike(like)))
    return list(session.scalars(query.order_by(Customer.created_at).limit(limit).offset(offset)))


def list_messages(
    session: Session,
    tenant: Tenant,
    *,
    to: str | None = None,
    appointment_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int,
) -> list[OutboxMessage]:
    """The business's outbox, newest first; ``to`` is an email or a phone number in any
    format (read in the business's country)."""
    query = select(OutboxMessage).where(OutboxMessage.tenant_id == tenant.id)
    if to:
        recipient = to if "@" in to else normalize_phone(to, tenant.country)
        query = query.where(OutboxMessage.recipient == recipient)
    if appointment_id:
        query = query.where(OutboxMessage.appointment_id == appointment_id)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(session.scalars(query.order_by(OutboxMessage.created_at.desc()).limit(limit)))


def list_resources(session: Session, tenant: Tenant) -> list[Resource]:
    """The business's staff and rooms, by name."""
    return list(
        session.scalars(
            select(Resource).where(Resource.tenant_id == tenant.id).order_by(Resource.name)
        )
    )


def list_services(session: Session, tenant: Tenant) -> list[Service]:
    """What the business offers, by name."""
    return list(
        session.scalars(
            select(Service).where(Service.tenant_id == tenant.id).order_by(Service.name)
        )
    )


def resource_names(session: Session, tenant: Tenant) -> dict[uuid.UUID, str]:
    """Each of the business's resources' name, by id."""
    rows = session.execute(
        select(Resource.id, Resource.name).where(Resource.tenant_id == tenant.id)
    )
    return {resource_id: name for resource_id, name in rows}
