"""A new booking in two steps: read what it needs without holding any lock, then write it
holding the resource's lock for as few round trips as it takes.

``prepare`` reads: the request's earlier booking under the same key (a replay), the
service with the resources that may take it (with their hours and time off), on several
candidates which of them look free, the customer, the number texts go from. ``commit``
writes, in this order: the customer (before any lock), then the chosen resource's lock
(its calendar version bumped: PostgreSQL writers of one resource queue on that row) and
the one check that must see every committed booking (its busy time and day counts, read
after the lock), the appointment, and all its outbox rows in one INSERT. Rows go in with
Core statements whose values were built beforehand; nothing is loaded back.

On SQLite a write transaction locks the whole database, so ``prepare`` runs in a read
transaction of its own before it; on PostgreSQL both share one transaction. Whatever
``prepare`` read may have changed before ``commit`` locks: the check after the lock re-reads
bookings; a calendar version that moved by more than our own bump means someone changed
the resource meanwhile, and its hours are read again; a customer created meanwhile under
the same phone number makes the attempt start over (:class:`Stale`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from frontdesk.errors import BookingRefused, RefusalCode
from frontdesk.scheduling import Refusal, check_bookable
from frontdesk.services import calendars, event_data, events
from frontdesk.services.booking_rules import REFUSAL_PRIORITY, candidate_resources, refuse
from frontdesk.services.customers import CustomerFields, changed_fields, new_customer_row
from frontdesk.services.lookup import get_scoped
from frontdesk.services.notices import calendar_sync, messages, outbox
from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    Customer,
    Resource,
    ResourceException,
    Service,
    Tenant,
    resource_services,
    utcnow,
)

_APPOINTMENTS = cast(Table, Appointment.__table__)
_CUSTOMERS = cast(Table, Customer.__table__)
_RESOURCES = cast(Table, Resource.__table__)
# Built once, parameters passed apart: each booking skips building the statement and
# its cache key, and SQLAlchemy finds the compiled form at once.
_INSERT_APPOINTMENT = insert(_APPOINTMENTS)
_BY_KEY = select(_APPOINTMENTS.c.id).where(
    _APPOINTMENTS.c.tenant_id == bindparam("tenant_id"),
    _APPOINTMENTS.c.idempotency_key == bindparam("key"),
)
_BUMP = (
    update(_RESOURCES)
    .where(_RESOURCES.c.id == bindparam("resource_id"))
    .values(calendar_version=_RESOURCES.c.calendar_version + 1)
)
_BUMPED = _BUMP.returning(_RESOURCES.c.calendar_version)
_VERSION = select(_RESOURCES.c.calendar_version).where(_RESOURCES.c.id == bindparam("resource_id"))
_NEW_CUSTOMER = {
    name: dialect.insert(_CUSTOMERS).on_conflict_do_nothing(
        index_elements=["tenant_id", "phone_e164"]
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


BOOKED_EVENT = "appointment.booked"

_Row = TypeVar("_Row", Appointment, Customer)


# Time off this far either side of a start can matter to its check: the longest block
# (72 h), the day loaded around it (26 h), a zone's offset, and a day to spare.
_AROUND = timedelta(days=6)


class Stale(Exception):
    """Something the plan relied on changed before the write: plan again."""


@dataclass(frozen=True, slots=True)
class Ask:
    """What a booking request asks for, as ``prepare`` and ``commit`` need it."""

    service_id: uuid.UUID
    start: datetime  # UTC
    resource_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    customer: CustomerFields | None
    source: str
    idempotency_key: str | None
    notes: str | None
    intake: dict[str, str]
    fingerprint: str


@dataclass(slots=True)
class Plan:
    service: Service
    candidates: list[Resource]  # in the order to try them
    versions: dict[uuid.UUID, int]  # their calendar versions as read
    customer: Customer | None  # existing, or new (with its row in ``new_customer``)
    new_customer: dict[str, Any] | None
    customer_changes: dict[str, Any]
    sender: str | None
    appointment: Appointment | None = None  # built for ``candidates[0]``, not stored yet
    drafts: list[outbox.Draft] | None = None  # its messages (None: to build under the lock)
    webhooks: list[uuid.UUID] | None = None  # endpoints that want "appointment.booked"


def find_by_key(session: Session, tenant: Tenant, key: str) -> Appointment | None:
    """The appointment booked under this key, if any. Asked on every booking and almost
    always absent: a one-column query first, the appointment only when there is one."""
    found = session.execute(_BY_KEY, {"tenant_id": tenant.id, "key": key}).scalar()
    return None if found is None else session.get(Appointment, found)


def prepare(session: Session, tenant: Tenant, ask: Ask, now: datetime) -> Plan | Appointment:
    """The plan of the booking, or the appointment booked earlier under the same key."""
    if ask.idempotency_key and (existing := find_by_key(session, tenant, ask.idempotency_key)):
        return existing
    service, resources = offering(session, tenant, ask.service_id, ask.resource_id, ask.start)
    if len(resources) > 1:
        # Lock only someone who looks free: one read for all, no lock on the busy ones.
        resources = _free(session, tenant, service, resources, ask.start, now)
    customer, new_row, changes = _customer(session, tenant, ask)
    for key, value in changes.items():  # as they will be: the messages speak of them
        set_committed_value(customer, key, value)
    reachable = customer is not None and bool(customer.phone_e164) and not customer.do_not_call
    plan = Plan(
        service=service,
        candidates=resources,
        versions={r.id: r.calendar_version for r in resources},
        customer=customer,
        new_customer=new_row,
        customer_changes=changes,
        sender=messages.sender_for(session, tenant) if reachable else None,
        # Read with the plan, not under the lock: its rows join the booking's one INSERT.
        webhooks=events.subscribers(session, tenant.id, BOOKED_EVENT),
    )
    # The appointment and its messages, for the first candidate, before any lock is
    # taken: on SQLite the database's write lock then covers no rendering at all.
    plan.appointment = _appointment(tenant, ask, plan, resources[0])
    plan.drafts = _drafts(tenant, plan, now, plan.appointment)
    return plan


def offering(
    session: Session,
    tenant: Tenant,
    service_id: uuid.UUID,
    resource_id: uuid.UUID | None,
    start: datetime,
) -> tuple[Service, list[Resource]]:
    """The service and the active resources offering it (only ``resource_id`` if given),
    by name, with their hours and the time off around ``start``, in one query; the same
    refusals as before.

    Only the time off that can touch the booking is loaded (the check reads about a day
    either side of it; a year of past vacations would multiply the joined rows), so these
    ``Resource.exceptions`` are partial: they serve this booking's check and nothing else.
    """
    first, last = (start - _AROUND).date(), (start + _AROUND).date()
    query = (
        select(Service, Resource)
        .join(resource_services, resource_services.c.service_id == Service.id)
        .join(Resource, Resource.id == resource_services.c.resource_id)
        .where(Service.id == service_id, Service.tenant_id == tenant.id,
               Resource.tenant_id == tenant.id)
        .options(
            joinedload(Resource.hours),
            joinedload(Resource.exceptions.and_(
                ResourceException.end_date >= first, ResourceException.start_date <= last
            )),
        )
    )
    if resource_id is not None:
        query = query.where(Resource.id == resource_id)
    rows = session.execute(query).unique().all()
    if not rows:  # unknown service, or nobody offers it: the old checks say which
        service = get_scoped(session, Service, tenant.id, service_id)
        _require_active(service)
        return service, candidate_resources(session, tenant, service, resource_id)
    service = rows[0][0]
    _require_active(service)
    resources = sorted((r for _, r in rows if r.active), key=lambda r: r.name)
    if not resources:
        return service, candidate_resources(session, tenant, service, resource_id)
    return service, resources


def _require_active(service: Service) -> None:
    if not service.active:
        raise BookingRefused(RefusalCode.SERVICE_INACTIVE, f"{service.name} is not bookable now.")


def _refusals(
    session: Session,
    tenant: Tenant,
    service: Service,
    resources: list[Resource],
    start: datetime,
    now: datetime,
) -> list[Refusal | None]:
    spec = calendars.service_spec(service)
    policy, tz = calendars.booking_policy(tenant), calendars.tenant_zone(tenant)
    cals = calendars.load_calendars(session, tenant, resources, start, start + spec.duration)
    return [check_bookable(spec, policy, cal, start, now=now, tz=tz) for cal in cals]


def _free(
    session: Session,
    tenant: Tenant,
    service: Service,
    resources: list[Resource],
    start: datetime,
    now: datetime,
) -> list[Resource]:
    refusals = _refusals(session, tenant, service, resources, start, now)
    free = [r for r, refusal in zip(resources, refusals, strict=True) if refusal is None]
    if not free:
        found = [r for r in refusals if r is not None]
        raise refuse(tenant, min(found, key=REFUSAL_PRIORITY.index))
    return free


def _customer(
    session: Session, tenant: Tenant, ask: Ask
) -> tuple[Customer | None, dict[str, Any] | None, dict[str, Any]]:
    """(customer, its row when new, the fields that change when it exists)."""
    if ask.customer_id is not None:
        return get_scoped(session, Customer, tenant.id, ask.customer_id), None, {}
    fields = ask.customer
    if fields is None or not (fields.phone or fields.name or fields.email):
        return None, None, {}
    row = new_customer_row(tenant, fields)  # validates the phone number and the zone
    if row["phone_e164"]:
        existing = session.scalars(
            select(Customer).where(
                Customer.tenant_id == tenant.id, Customer.phone_e164 == row["phone_e164"]
            )
        ).first()
        if existing is not None:
            return existing, None, changed_fields(existing, tenant, fields)
    return Customer(**row), row, {}


def commit(session: Session, tenant: Tenant, ask: Ask, plan: Plan, now: datetime) -> Appointment:
    """Write the planned booking in ``session``'s (write) transaction."""
    _write_customer(session, plan)
    resource = _lock_first_free(session, tenant, ask, plan, now)
    appointment, drafts = plan.appointment, plan.drafts
    if appointment is None or appointment.resource is not resource:  # another one took it
        appointment = _appointment(tenant, ask, plan, resource)
        drafts = _drafts(tenant, plan, now, appointment)
    session.execute(_INSERT_APPOINTMENT, _row(appointment))
    if drafts is None:  # a connected calendar: which one is read here
        connection = calendar_sync.connection_id(session, appointment)
        drafts = messages.booked_drafts(tenant, appointment, now, sender=plan.sender,
                                        calendar_connection=connection)
    if plan.webhooks:
        booked = appointment
        drafts = [*drafts, *events.drafts_for(
            plan.webhooks, tenant.id, BOOKED_EVENT,
            lambda: event_data.appointment_data(tenant, booked), key=str(booked.id),
            customer_id=booked.customer_id)]
    # In the same transaction: the confirmation and reminders can never be lost.
    outbox.write(session, drafts)
    return _detached(appointment)


def _appointment(tenant: Tenant, ask: Ask, plan: Plan, resource: Resource) -> Appointment:
    """The new appointment as it will be stored, with its relations set."""
    spec = calendars.service_spec(plan.service)
    stamp = utcnow()
    appointment = Appointment(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        service_id=plan.service.id,
        resource_id=resource.id,
        customer_id=plan.customer.id if plan.customer is not None else None,
        start_at=ask.start,
        end_at=ask.start + spec.duration,
        blocked_start=ask.start - spec.buffer_before,
        blocked_end=ask.start + spec.duration + spec.buffer_after,
        status=AppointmentStatus.BOOKED.value,
        source=ask.source,
        idempotency_key=ask.idempotency_key,
        request_hash=ask.fingerprint,
        notes=ask.notes,
        intake=ask.intake,
        created_at=stamp,
        updated_at=stamp,
        cancelled_at=None,
        confirmed_at=None,
    )
    set_committed_value(appointment, "service", plan.service)
    set_committed_value(appointment, "resource", resource)
    set_committed_value(appointment, "customer", plan.customer)
    return appointment


def _row(appointment: Appointment) -> dict[str, Any]:
    return {column.key: getattr(appointment, column.key) for column in _APPOINTMENTS.columns}


def _drafts(
    tenant: Tenant, plan: Plan, now: datetime, appointment: Appointment
) -> list[outbox.Draft] | None:
    """The new appointment's messages; None when its resource has a calendar connected,
    whose connection is read in the write transaction."""
    if appointment.resource.has_calendar:
        return None
    return messages.booked_drafts(tenant, appointment, now, sender=plan.sender,
                                  calendar_connection=None)


def _detached(obj: _Row) -> _Row:
    """A row we inserted ourselves, as if loaded: it has an identity, nothing to flush."""
    make_transient_to_detached(obj)
    return obj


def _write_customer(session: Session, plan: Plan) -> None:
    customer = plan.customer
    if plan.new_customer is not None and customer is not None:
        row = plan.new_customer
        if row["phone_e164"]:
            # Another booking may have created this phone's customer since we looked:
            # then nothing is inserted, and the attempt starts over and finds it.
            dialect = session.get_bind().dialect
            statement = _NEW_CUSTOMER[dialect.name]
            if dialect.insert_returning:  # psycopg reports no row count for this
                inserted = session.execute(statement.returning(_CUSTOMERS.c.id), row).first()
            else:  # SQLite before 3.35
                inserted = session.execute(statement, row).rowcount or None  # type: ignore[attr-defined]
            if not inserted:
                raise Stale("a customer with this phone number was just created")
        else:
            session.execute(insert(_CUSTOMERS), row)
        _detached(customer)
    elif plan.customer_changes and customer is not None:
        changes = {**plan.customer_changes, "updated_at": utcnow()}
        session.execute(update(_CUSTOMERS).where(_CUSTOMERS.c.id == customer.id).values(changes))
        set_committed_value(customer, "updated_at", changes["updated_at"])


def _lock(session: Session, resource_id: uuid.UUID) -> int:
    """Bump the resource's calendar version (taking its row lock); the new version."""
    params = {"resource_id": resource_id}
    if session.get_bind().dialect.update_returning:
        return int(session.execute(_BUMPED, params).scalar_one())
    session.execute(_BUMP, params)  # SQLite before 3.35: the write lock is held, read it back
    return int(session.execute(_VERSION, params).scalar_one())


def _lock_first_free(
    session: Session, tenant: Tenant, ask: Ask, plan: Plan, now: datetime
) -> Resource:
    refusals: list[Refusal] = []
    for resource in plan.candidates:
        current = resource
        if _lock(session, resource.id) != plan.versions[resource.id] + 1:
            # Changed since we read it (a booking, or new hours): read it again.
            current = session.scalars(
                select(Resource).where(Resource.id == resource.id)
                .execution_options(populate_existing=True)
            ).one()
        (refusal,) = _refusals(session, tenant, plan.service, [current], ask.start, now)
        if refusal is None:
            return current
        refusals.append(refusal)
    raise refuse(tenant, min(refusals, key=REFUSAL_PRIORITY.index))
