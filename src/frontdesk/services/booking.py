"""Book, reschedule and cancel: the only code that writes appointments.

Double booking is impossible by construction, not by luck:
- PostgreSQL: the exclusion constraint ``appointments_no_overlap`` rejects an active
  appointment whose blocked range overlaps another on the same resource; we translate
  that violation (SQLSTATE 23P01) into ``SlotTaken``.
- SQLite: the whole check-and-insert runs in a ``BEGIN IMMEDIATE`` transaction
  (``write_session``), so no other writer can slip in between check and insert.
The engine check (``check_bookable``) runs on both, first, to give a precise reason.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import (
    BookingRefused,
    IdempotencyMismatch,
    RefusalCode,
)
from frontdesk.observability.metrics import BOOKINGS, bounded
from frontdesk.scheduling import Refusal
from frontdesk.services import booking_plan, calendars, event_data, events
from frontdesk.services.booking_plan import Ask, Stale, find_by_key
from frontdesk.services.booking_rules import (
    candidate_resources,
    choose_resource,
    place,
    refuse,
    require_aware,
)
from frontdesk.services.customers import CustomerFields
from frontdesk.services.lookup import get_scoped
from frontdesk.services.notices import messages
from frontdesk.store.db import write_session, writes_lock_the_database
from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    Service,
    Tenant,
)

_EXCLUSION_VIOLATION = "23P01"
_DEADLOCK = "40P01"  # two writers waited on each other; PostgreSQL aborted one
_MAX_ATTEMPTS = 5

# More writes a caller needs in the booking's own transaction (a meeting request's
# count and its participants' notices): it sees the new appointment, and may refuse it.
AlsoWrite = Callable[[Session, Appointment], None]


@dataclass(frozen=True, slots=True)
class BookingRequest:
    service_id: uuid.UUID
    start: datetime
    resource_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    customer: CustomerFields | None = None
    source: str = "api"
    idempotency_key: str | None = None
    notes: str | None = None
    # The details the business requires before booking, already checked (business_info).
    intake: dict[str, str] | None = None

    def fingerprint(self) -> str:
        """A hash of what is being asked, to tell a replay from a reuse of the key."""
        payload = {
            "service": str(self.service_id),
            "start": self.start.astimezone(UTC).isoformat(),
            "resource": str(self.resource_id) if self.resource_id else None,
            "customer": str(self.customer_id) if self.customer_id else None,
            "phone": self.customer.phone if self.customer else None,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass(slots=True)
class BookingResult:
    appointment: Appointment
    replayed: bool = False
    warnings: list[str] = field(default_factory=list)


def _is_overlap_violation(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == _EXCLUSION_VIOLATION


def _is_deadlock(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == _DEADLOCK


def _replay(existing: Appointment, request: BookingRequest) -> BookingResult:
    if existing.request_hash != request.fingerprint():
        raise IdempotencyMismatch(
            f"Idempotency key '{request.idempotency_key}' was already used for a different "
            "booking. Use a new key for a new booking.",
            appointment_id=str(existing.id),
        )
    return BookingResult(existing, replayed=True)


def book(
    factory: sessionmaker[Session],
    tenant: Tenant,
    request: BookingRequest,
    *,
    now: datetime | None = None,
    also: AlsoWrite | None = None,
) -> BookingResult:
    """Book one appointment, or raise a typed refusal. The same idempotency key books once:
    a repeat, even one racing the first, gets the first's appointment (``replayed``).

    ``also`` runs in the booking's transaction after the appointment and its messages
    are written (not on a replay); what it raises undoes the booking.

    When no resource was asked for and a concurrent booking takes the chosen one between
    check and insert (PostgreSQL reports it at insert), try again: someone else offering
    the service may still be free. How one attempt reads and writes: ``booking_plan``.
    """
    now = now or datetime.now(UTC)
    start = require_aware(request.start)
    ask = Ask(
        service_id=request.service_id,
        start=start,
        resource_id=request.resource_id,
        customer_id=request.customer_id,
        customer=request.customer,
        source=request.source,
        idempotency_key=request.idempotency_key,
        notes=request.notes,
        intake=dict(request.intake or {}),
        fingerprint=request.fingerprint(),
    )
    if tenant.has_calendars:  # skip the extra read for businesses without calendars
        with factory() as session:
            service = get_scoped(session, Service, tenant.id, request.service_id)
            calendars.prefetch_external(
                session,
                tenant,
                service.id,
                request.resource_id,
                start,
                start + calendars.service_spec(service).duration,
            )
    try:
        result = _book_with_retries(factory, tenant, request, ask, now, also)
        if not result.replayed:  # committed: one appointment more
            BOOKINGS.labels(bounded(request.source)).inc()
        return result
    except (BookingRefused, IntegrityError):
        # A copy of this request (a client's retry, in flight at the same time) may have
        # booked under the same key while we waited on a lock: on PostgreSQL we then see
        # its appointment as a taken slot, an overlap or a duplicate key, never as our
        # own. Whatever the conflict, the copy has committed by the time we hear of it,
        # so a fresh transaction finds it: its answer is ours (ADR 0015).
        if request.idempotency_key:
            with factory() as session:
                existing = find_by_key(session, tenant, request.idempotency_key)
                if existing is not None:
                    return _replay(existing, request)
        raise


def _book_with_retries(
    factory: sessionmaker[Session],
    tenant: Tenant,
    request: BookingRequest,
    ask: Ask,
    now: datetime,
    also: AlsoWrite | None,
) -> BookingResult:
    for attempt in range(_MAX_ATTEMPTS):
        last = attempt + 1 == _MAX_ATTEMPTS
        try:
            return _book_once(factory, tenant, request, ask, now, also)
        except OperationalError as exc:
            if not _is_deadlock(exc):
                raise
            if last:
                raise refuse(tenant, Refusal.SLOT_TAKEN) from exc
        except IntegrityError as exc:
            if not _is_overlap_violation(exc):
                raise
            if last:
                raise refuse(tenant, Refusal.SLOT_TAKEN) from exc
        except Stale as exc:
            if last:
                raise refuse(tenant, Refusal.SLOT_TAKEN) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _book_once(
    factory: sessionmaker[Session],
    tenant: Tenant,
    request: BookingRequest,
    ask: Ask,
    now: datetime,
    also: AlsoWrite | None,
) -> BookingResult:
    if writes_lock_the_database(factory):
        # SQLite: read in a transaction of its own, so the database's one write lock is
        # held only for the writes and the check that must follow the lock.
        with factory() as session:
            plan = booking_plan.prepare(session, tenant, ask, now)
        if isinstance(plan, Appointment):
            return _replay(plan, request)
        with write_session(factory) as session:
            return BookingResult(_commit(session, tenant, ask, plan, now, also))
    with write_session(factory) as session:  # PostgreSQL: one transaction, rows locked late
        plan = booking_plan.prepare(session, tenant, ask, now)
        if isinstance(plan, Appointment):
            return _replay(plan, request)
        return BookingResult(_commit(session, tenant, ask, plan, now, also))


def _commit(session: Session, tenant: Tenant, ask: Ask, plan: booking_plan.Plan,
            now: datetime, also: AlsoWrite | None) -> Appointment:
    appointment = booking_plan.commit(session, tenant, ask, plan, now)
    if also is not None:
        also(session, appointment)
    return appointment


def reschedule(
    factory: sessionmaker[Session],
    tenant: Tenant,
    appointment_id: uuid.UUID,
    new_start: datetime,
    *,
    resource_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move a booked appointment; its old time is freed in the same transaction.

    Moving it where it already is changes nothing and returns it: that is how a retried
    (or concurrent) copy of a move gets the first one's answer.
    """
    now = now or datetime.now(UTC)
    start = require_aware(new_start)
    if tenant.has_calendars:  # as in book(): no network call under the write lock
        with factory() as session:
            appointment = get_scoped(session, Appointment, tenant.id, appointment_id)
            service = appointment.service
            calendars.prefetch_external(
                session,
                tenant,
                service.id,
                resource_id,
                start,
                start + calendars.service_spec(service).duration,
            )
    for attempt in range(_MAX_ATTEMPTS):
        try:
            return _reschedule_once(factory, tenant, appointment_id, start, resource_id, now)
        except OperationalError as exc:
            if not _is_deadlock(exc):
                raise
            if attempt + 1 == _MAX_ATTEMPTS:
                raise refuse(tenant, Refusal.SLOT_TAKEN) from exc
        except IntegrityError as exc:
            if _is_overlap_violation(exc):
                raise refuse(tenant, Refusal.SLOT_TAKEN) from exc
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _reschedule_once(
    factory: sessionmaker[Session],
    tenant: Tenant,
    appointment_id: uuid.UUID,
    start: datetime,
    resource_id: uuid.UUID | None,
    now: datetime,
) -> Appointment:
    with write_session(factory) as session:
        appointment = _lock_appointment(session, tenant, appointment_id)
        if (
            appointment.status == AppointmentStatus.BOOKED.value
            and appointment.start_at == start
            and resource_id in (None, appointment.resource_id)
        ):
            # Already there: a copy of this request (a retry) moved it. Moving it "again"
            # would withdraw the reminders just queued and queue nothing in their place.
            return appointment
        _require_changeable(appointment, now)
        service = appointment.service
        if resource_id is None:
            # Keep the same person when they are free; otherwise anyone who offers it.
            current = appointment.resource
            others = candidate_resources(session, tenant, service, None)
            resources = sorted(others, key=lambda r: r.id != current.id)
        else:
            resources = candidate_resources(session, tenant, service, resource_id)
        resource = choose_resource(
            session, tenant, service, resources, start, now, exclude_appointment=appointment.id
        )
        if resource.id != appointment.resource_id:
            calendars.bump(session, [appointment.resource_id])  # the old time is freed
        appointment.resource_id = resource.id
        place(appointment, service, start)
        session.flush()
        session.refresh(appointment)
        messages.on_rescheduled(session, tenant, appointment, now)
        moved = appointment
        events.emit(session, tenant.id, "appointment.rescheduled",
                    lambda: event_data.appointment_data(tenant, moved),
                    key=f"{moved.id}:{moved.start_at.isoformat()}:{moved.resource_id}",
                    customer_id=moved.customer_id)
        return appointment


def cancel(
    factory: sessionmaker[Session],
    tenant: Tenant,
    appointment_id: uuid.UUID,
    *,
    now: datetime | None = None,
) -> Appointment:
    """Cancel a booked appointment. Cancelling a cancelled one is a no-op, not an error."""
    now = now or datetime.now(UTC)
    with write_session(factory) as session:
        appointment = _lock_appointment(session, tenant, appointment_id)
        if appointment.status == AppointmentStatus.CANCELLED.value:
            return appointment
        _require_changeable(appointment, now)
        calendars.bump(session, [appointment.resource_id])
        appointment.status = AppointmentStatus.CANCELLED.value
        appointment.cancelled_at = now
        session.flush()
        messages.on_cancelled(session, tenant, appointment)
        events.emit(session, tenant.id, "appointment.cancelled",
                    lambda: event_data.appointment_data(tenant, appointment),
                    key=str(appointment.id), customer_id=appointment.customer_id)
        return appointment


def _lock_appointment(session: Session, tenant: Tenant, appointment_id: uuid.UUID) -> Appointment:
    """The appointment as committed now, its row locked until this transaction ends.

    Two copies of one reschedule or cancel (a client's retry) both find the appointment
    unchanged when they read it at once, and neither conflicts with the other's result,
    so both would act. The row lock makes the second wait for the first and then read
    what the first did (ADR 0015). ``FOR UPDATE OF`` locks only this row, not the joined
    service, resource and customer. SQLite has no row locks and needs none: the write
    transaction already holds the database's write lock.
    """
    appointment = session.scalars(
        select(Appointment)
        .where(Appointment.id == appointment_id, Appointment.tenant_id == tenant.id)
        .with_for_update(of=Appointment)
        .execution_options(populate_existing=True)
    ).first()
    # Not this tenant's: get_scoped says so in the same words as everywhere else.
    return appointment or get_scoped(session, Appointment, tenant.id, appointment_id)


def _require_changeable(appointment: Appointment, now: datetime) -> None:
    if appointment.status != AppointmentStatus.BOOKED.value:
        raise BookingRefused(
            RefusalCode.NOT_ACTIVE,
            f"This appointment is {appointment.status}; only booked appointments can change.",
            appointment_id=str(appointment.id),
        )
    if appointment.start_at <= now:
        raise BookingRefused(
            RefusalCode.ALREADY_STARTED,
            "This appointment has already started or passed; it can no longer change.",
            appointment_id=str(appointment.id),
        )
