"""Book, move and cancel from the dashboard, for the person signed in.

Every change goes through the booking service (``booking.book``, ``reschedule`` and
``cancel``): the same rules, the same no-double-booking transaction and the same outbox
messages (confirmation, "now on", cancellation, reminders) as the API's. This module only
decides who may ask for what, reads a form's date and time on the business's clocks, and,
when the booking service refuses a time, finds the free times nearby that availability
can offer instead (ADR 0039).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import BookingRefused, FrontdeskError, InvalidInput, NotFound
from frontdesk.services import availability, booking
from frontdesk.services.appointment_forms import visible_appointment
from frontdesk.services.customers import CustomerFields
from frontdesk.services.users import Viewer
from frontdesk.store.models import Appointment, Resource, Tenant

SOURCE = "dashboard"  # what an appointment booked here says it came from
NEARBY = timedelta(days=7)  # how far from the time asked for alternatives are looked for


class NotYourCalendar(FrontdeskError):
    code = "forbidden"
    status = 403
    title = "Staff book, move and cancel only on their own calendar"


@dataclass(frozen=True, slots=True)
class NewBooking:
    service_id: uuid.UUID
    day: date  # on the business's clocks
    at: time
    resource_id: uuid.UUID | None = None  # None: anyone free who offers the service
    customer_id: uuid.UUID | None = None  # an existing customer, else name and phone
    name: str = ""
    phone: str = ""
    form_key: str = ""  # one per form shown: submitting it twice books once


@dataclass(frozen=True, slots=True)
class Edited:
    appointment_id: uuid.UUID
    day: date  # the appointment's day in the business's zone: where the calendar shows it


@dataclass(frozen=True, slots=True)
class Alternative:
    start: datetime  # in the business's zone
    resource_id: uuid.UUID
    resource: str


def wall_clock(tenant: Tenant, day: date, at: time) -> datetime:
    """A date and time as the business's clocks read them. A time its clocks skip (the
    hour lost when summer time starts) is refused rather than quietly shifted; in the hour
    that repeats, the first one is meant."""
    zone = ZoneInfo(tenant.timezone)
    local = datetime.combine(day, at, tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidInput(f"{day} {at:%H:%M} does not exist in {tenant.timezone}: the clocks "
                           "skip it.", field="skipped_time")
    return local


def book_for(factory: sessionmaker[Session], who: Viewer, wanted: NewBooking,
             *, now: datetime | None = None) -> Edited:
    """Book through ``booking.book``; staff only on their own calendar and only for a
    customer they name (admins may also pick an existing customer)."""
    tenant = _business(factory, who)
    resource_id = _their_resource(who, wanted.resource_id)
    if wanted.customer_id is not None and not who.is_admin:
        raise NotYourCalendar("Staff book for a customer by name and phone.")
    customer = None
    if wanted.customer_id is None:
        if not wanted.name.strip() or not wanted.phone.strip():
            raise InvalidInput("Pick a customer, or give a new one's name and phone.",
                               field="customer")
        customer = CustomerFields(name=wanted.name.strip(), phone=wanted.phone.strip())
    made = booking.book(factory, tenant, booking.BookingRequest(
        service_id=wanted.service_id, start=wall_clock(tenant, wanted.day, wanted.at),
        resource_id=resource_id, customer_id=wanted.customer_id, customer=customer,
        source=SOURCE, idempotency_key=f"{SOURCE}:{wanted.form_key}" if wanted.form_key else None,
    ), now=now)
    return _edited(tenant, made.appointment)


def move_for(factory: sessionmaker[Session], who: Viewer, appointment_id: uuid.UUID,
             day: date, at: time, resource_id: uuid.UUID | None,
             *, now: datetime | None = None) -> Edited:
    """Move through ``booking.reschedule``. ``resource_id`` None: the same person when
    free, else anyone offering the service (the API's rule); staff keep their own."""
    tenant = _business(factory, who)
    with factory() as session:
        visible_appointment(session, who, appointment_id)
    resource_id = _their_resource(who, resource_id)
    moved = booking.reschedule(factory, tenant, appointment_id, wall_clock(tenant, day, at),
                               resource_id=resource_id, now=now)
    return _edited(tenant, moved)


def cancel_for(factory: sessionmaker[Session], who: Viewer, appointment_id: uuid.UUID,
               *, now: datetime | None = None) -> Edited:
    tenant = _business(factory, who)
    with factory() as session:
        visible_appointment(session, who, appointment_id)
    return _edited(tenant, booking.cancel(factory, tenant, appointment_id, now=now))


def alternatives(factory: sessionmaker[Session], who: Viewer, service_id: uuid.UUID,
                 resource_id: uuid.UUID | None, near: datetime, *, limit: int = 5,
                 now: datetime | None = None) -> list[Alternative]:
    """Up to ``limit`` free times closest to ``near`` within a week, with whom (staff:
    only their own calendar). When the person asked for does not offer the service, an
    admin is offered anyone who does."""
    now = now or datetime.now(UTC)
    with factory() as session:
        tenant = session.get_one(Tenant, who.tenant_id)
        zone = ZoneInfo(tenant.timezone)
        day_start = datetime.combine(near.astimezone(zone).date(), time(0), tzinfo=zone)
        first = max(day_start, now)
        last = max(day_start + NEARBY, first + timedelta(days=1))
        asked = resource_id if who.is_admin else (who.resource_id or uuid.UUID(int=0))
        try:
            slots = availability.find_slots(session, tenant, service_id, first, last,
                                            resource_id=asked, now=now)
        except (BookingRefused, NotFound):
            if not who.is_admin or asked is None:
                return []
            slots = availability.find_slots(session, tenant, service_id, first, last, now=now)
        closest: dict[datetime, uuid.UUID] = {}
        for slot in sorted(slots, key=lambda s: abs(s.start - near)):
            if len(closest) == limit:
                break
            closest.setdefault(slot.start, uuid.UUID(str(slot.resource_id)))
        names = {rid: name for rid, name in session.execute(
            select(Resource.id, Resource.name).where(Resource.id.in_(set(closest.values()))))}
    return [Alternative(start.astimezone(zone), rid, names.get(rid, ""))
            for start, rid in sorted(closest.items())]


def _business(factory: sessionmaker[Session], who: Viewer) -> Tenant:
    with factory() as session:
        return session.get_one(Tenant, who.tenant_id)


def _their_resource(who: Viewer, asked: uuid.UUID | None) -> uuid.UUID | None:
    """Admins: whom they asked for. Staff: always their own calendar, never another's."""
    if who.is_admin:
        return asked
    if who.resource_id is None:
        raise NotYourCalendar("Your account has no calendar; ask an owner to link one.")
    if asked not in (None, who.resource_id):
        raise NotYourCalendar("Staff book and move only on their own calendar.")
    return who.resource_id


def _edited(tenant: Tenant, appointment: Appointment) -> Edited:
    zone = ZoneInfo(tenant.timezone)
    return Edited(appointment.id, appointment.start_at.astimezone(zone).date())
