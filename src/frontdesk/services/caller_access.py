"""What a caller may see and change: the appointments of the numbers this conversation
holds (a caller ID its door vouched for, or a number proved by a texted code).

The brain's tools read a caller's record and guard reschedules and cancellations through
here, so the rule lives below the brain: a number that is only a claim is refused before
anything is read (not even whether it belongs to a customer leaks). See
docs/decisions/0013-stated-phone-verification.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import FrontdeskError, RefusalCode
from frontdesk.services import phone_verification as verification
from frontdesk.services.customers import find_by_phone, normalize_phone
from frontdesk.store.models import Appointment, AppointmentStatus, Tenant

UPCOMING_LIMIT = 10  # a caller's next appointments read out or acted on


@dataclass(frozen=True, slots=True)
class AppointmentFacts:
    """An appointment as the brain may say it: times are aware (UTC)."""

    id: uuid.UUID
    service_id: uuid.UUID
    service_name: str
    start: datetime
    end: datetime
    resource_id: uuid.UUID
    resource_name: str
    customer_id: uuid.UUID | None
    status: str


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    id: uuid.UUID
    name: str | None
    phone: str | None
    language: str | None


@dataclass(frozen=True, slots=True)
class CallerRecord:
    """The customer with a number (None: not a customer) and their next appointments."""

    customer: CustomerFacts | None
    appointments: list[AppointmentFacts] = field(default_factory=list)


class VerificationRequired(FrontdeskError):
    code = RefusalCode.VERIFICATION_REQUIRED
    status = 403
    title = "Phone not verified"


class NotCallersAppointment(FrontdeskError):
    code = RefusalCode.NOT_YOUR_APPOINTMENT
    status = 403
    title = "Not the caller's appointment"

    def __init__(self) -> None:
        super().__init__("That appointment does not belong to this caller.")


def appointment_facts(appointment: Appointment) -> AppointmentFacts:
    """The facts of an appointment a booking service returned (relations loaded)."""
    return AppointmentFacts(
        id=appointment.id,
        service_id=appointment.service_id,
        service_name=appointment.service.name,
        start=appointment.start_at,
        end=appointment.end_at,
        resource_id=appointment.resource_id,
        resource_name=appointment.resource.name,
        customer_id=appointment.customer_id,
        status=appointment.status,
    )


def verified_phones(
    factory: sessionmaker[Session], tenant: Tenant, conversation_id: uuid.UUID
) -> set[str]:
    with factory() as session:
        return verification.verified_phones(session, tenant, conversation_id)


def caller_record(
    factory: sessionmaker[Session],
    tenant: Tenant,
    conversation_id: uuid.UUID,
    phone: str,
    *,
    now: datetime,
) -> CallerRecord:
    """The record of ``phone``, once this conversation holds that number.

    Raises ``InvalidInput`` (not a phone number) or ``VerificationRequired`` (with the
    number's last four digits as ``phone_ending``), before any read of customers.
    """
    e164 = normalize_phone(phone, tenant.country)
    if e164 not in verified_phones(factory, tenant, conversation_id):
        raise VerificationRequired(
            "This number is not verified in this conversation: prove it with a texted code "
            "first.",
            phone_ending=e164[-4:],
        )
    return _record(factory, tenant, e164, now)


def require_callers_appointment(
    factory: sessionmaker[Session],
    tenant: Tenant,
    conversation_id: uuid.UUID,
    appointment_id: str,
    *,
    now: datetime,
) -> None:
    """A caller may change only the upcoming appointments of a number this conversation
    holds. ``appointment_id`` as the brain named it (a malformed one is simply not theirs).

    Also theirs: an upcoming appointment this conversation booked itself ("actually, make
    it 4" right after booking), even when the number it was booked under is only a claim:
    whoever booked it in this conversation may change it here (decision 0046).

    Raises ``VerificationRequired`` (no number held) or ``NotCallersAppointment``.
    """
    if booked_here(factory, tenant, conversation_id, appointment_id, now=now):
        return
    phones = verified_phones(factory, tenant, conversation_id)
    if not phones:
        raise VerificationRequired(
            "No phone number is verified in this conversation: prove the caller's number "
            "with a texted code first."
        )
    for phone in sorted(phones):
        record = _record(factory, tenant, phone, now)
        if appointment_id in {str(a.id) for a in record.appointments}:
            return
    raise NotCallersAppointment()


def booked_here(
    factory: sessionmaker[Session],
    tenant: Tenant,
    conversation_id: uuid.UUID,
    appointment_id: str,
    *,
    now: datetime,
) -> bool:
    """Whether this conversation booked that (still upcoming) appointment: its bookings
    carry the conversation's id as the prefix of their idempotency key, which only the
    conversation's own tools write (booking_flow and the LLM driver)."""
    try:
        wanted = uuid.UUID(appointment_id)
    except ValueError:
        return False
    with factory() as session:
        key = session.scalar(
            select(Appointment.idempotency_key).where(
                Appointment.tenant_id == tenant.id,
                Appointment.id == wanted,
                Appointment.status == AppointmentStatus.BOOKED.value,
                Appointment.start_at > now,
            )
        )
    return bool(key) and str(key).startswith(f"{conversation_id}:")


def _record(
    factory: sessionmaker[Session], tenant: Tenant, phone: str, now: datetime
) -> CallerRecord:
    """The customer with this number and their next appointments (no checks here)."""
    with factory() as session:
        customer = find_by_phone(session, tenant, phone)
        if customer is None:
            return CallerRecord(None)
        rows = session.scalars(
            select(Appointment)
            .where(
                Appointment.tenant_id == tenant.id,
                Appointment.customer_id == customer.id,
                Appointment.status == AppointmentStatus.BOOKED.value,
                Appointment.start_at > now,
            )
            .order_by(Appointment.start_at)
            .limit(UPCOMING_LIMIT)
        ).all()
        return CallerRecord(
            CustomerFacts(customer.id, customer.name, customer.phone_e164, customer.language),
            [appointment_facts(a) for a in rows],
        )
