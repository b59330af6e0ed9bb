"""What became of a booked appointment: the customer confirmed it, came, or did not come.

Each is a move out of (or, for a confirmation, a mark on) a *booked* appointment, in one
write transaction with the row locked (``lookup.locked_scoped``), so a retried request
finds the first one's result. Asking for the state an appointment is already in is a
no-op that answers the appointment as it is (idempotent); asking a cancelled, completed
or no-show appointment for another state is a 409 that names its state and changes
nothing. Completed and no-show appointments keep holding their time (``ACTIVE_STATUSES``),
so no calendar has to be told.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import BookingRefused, RefusalCode
from frontdesk.services import event_data, events
from frontdesk.services.lookup import locked_scoped
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, AppointmentStatus, Tenant


class Outcome(StrEnum):
    CONFIRMED = "confirmed"  # stays booked; ``confirmed_at`` set
    COMPLETED = AppointmentStatus.COMPLETED.value
    NO_SHOW = AppointmentStatus.NO_SHOW.value


def mark(
    factory: sessionmaker[Session],
    tenant: Tenant,
    appointment_id: uuid.UUID,
    outcome: Outcome,
    *,
    now: datetime | None = None,
) -> Appointment:
    """Record ``outcome`` on the business's appointment (see the module's rules)."""
    with write_session(factory) as session:
        appointment = locked_scoped(session, Appointment, tenant.id, appointment_id)
        before = appointment.status
        apply_outcome(appointment, outcome, now or datetime.now(UTC))
        session.flush()
        if outcome is not Outcome.CONFIRMED and appointment.status != before:
            events.emit(session, tenant.id, f"appointment.{outcome.value}",
                        lambda: event_data.appointment_data(tenant, appointment),
                        key=str(appointment.id), customer_id=appointment.customer_id)
        return appointment


def confirm_in(session: Session, appointment: Appointment, now: datetime) -> bool:
    """Mark ``appointment`` confirmed in the caller's transaction (a reminder's "C" reply);
    False when it is no longer booked (cancelled meanwhile): nothing to confirm."""
    if appointment.status != AppointmentStatus.BOOKED.value:
        return False
    apply_outcome(appointment, Outcome.CONFIRMED, now)
    session.flush()
    return True


def apply_outcome(appointment: Appointment, outcome: Outcome, now: datetime) -> None:
    if outcome is Outcome.CONFIRMED:
        if appointment.status == AppointmentStatus.BOOKED.value:
            if appointment.confirmed_at is None:  # the first confirmation is the one kept
                appointment.confirmed_at = now
            return
    elif appointment.status == outcome.value:
        return
    elif appointment.status == AppointmentStatus.BOOKED.value:
        appointment.status = outcome.value
        return
    raise BookingRefused(
        RefusalCode.NOT_ACTIVE,
        f"This appointment is {appointment.status}; only a booked appointment can be "
        f"marked {outcome.value.replace('_', '-')}.",
        appointment_id=str(appointment.id),
        appointment_status=appointment.status,
    )
