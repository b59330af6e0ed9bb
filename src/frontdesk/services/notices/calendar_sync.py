"""Our appointments written to resources' external calendars, through the outbox.

Enqueued in the booking's own transaction (like the texts), so a calendar that is down
never blocks a booking: the worker writes the event later, retries it, and a failure is
left visible on the outbox row (and, for rejected credentials, on the connection).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.services.notices.outbox import Draft, cancel_pending, enqueue, write
from frontdesk.store.models import (
    Appointment,
    CalendarConnection,
    OutboxMessage,
    OutboxStatus,
    Tenant,
)

CHANNEL = "calendar"
UPSERT = "calendar_upsert"
DELETE = "calendar_delete"


def _utc(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def summary(tenant: Tenant, appointment: Appointment) -> str:
    """The event's title; a clinic's calendar names no patients."""
    customer = appointment.customer
    who = customer.name if customer is not None and customer.name else None
    if tenant.persona == "medical" or not who:
        who = "booked"
    return f"{appointment.service.name} — {who}"


_SOURCES = {"phone": "a phone call", "sms": "text messages", "chat": "chat", "api": "the API"}


def description(tenant: Tenant, appointment: Appointment) -> str:
    """The event's notes: who to call back and how it was booked. A clinic's calendar
    gets neither the patient's name nor their number (the calendar is not the record)."""
    how = _SOURCES.get(appointment.source, appointment.source)
    lines = [f"{appointment.service.name} with {appointment.resource.name}."]
    customer = appointment.customer
    if tenant.persona != "medical" and customer is not None:
        who = " ".join(x for x in (customer.name, customer.phone_e164, customer.email) if x)
        if who:
            lines.append(f"Customer: {who}")
        if appointment.notes:
            lines.append(f"Notes: {appointment.notes}")
    lines.append(f"Booked by frontdesk through {how}; change it there, not here.")
    return "\n".join(lines)


def _connection(session: Session, appointment: Appointment) -> CalendarConnection | None:
    if not appointment.resource.has_calendar:
        return None
    return session.scalars(
        select(CalendarConnection).where(
            CalendarConnection.tenant_id == appointment.tenant_id,
            CalendarConnection.resource_id == appointment.resource_id,
        )
    ).first()


def _done_count(session: Session, appointment: Appointment) -> int:
    """Calendar rows of this appointment no longer pending: a new change gets a new key
    (moving an appointment back to an earlier time must write it again)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.appointment_id == appointment.id,
                OutboxMessage.channel == CHANNEL,
                OutboxMessage.status != OutboxStatus.PENDING.value,
            )
        )
        or 0
    )


def _payload(tenant: Tenant, appointment: Appointment, op: str) -> dict[str, object]:
    return {
        "appointment_id": str(appointment.id),
        "start": _utc(appointment.start_at),
        "end": _utc(appointment.end_at),
        "summary": summary(tenant, appointment),
        "description": description(tenant, appointment),
        "op": op,
    }


def _draft(
    tenant: Tenant, appointment: Appointment, connection_id: str, op: str, seq: int
) -> Draft:
    purpose = UPSERT if op == "upsert" else DELETE
    return Draft(
        tenant_id=tenant.id,
        channel=CHANNEL,
        purpose=purpose,
        recipient=connection_id,
        dedupe_key=(
            f"{purpose}:{appointment.id}:{connection_id}:{_utc(appointment.start_at)}:{seq}"
        ),
        appointment_id=appointment.id,
        payload=_payload(tenant, appointment, op),
    )


def _enqueue(
    session: Session, tenant: Tenant, appointment: Appointment, connection_id: str, op: str
) -> None:
    write(session, [_draft(tenant, appointment, connection_id, op,
                           _done_count(session, appointment))])


def connection_id(session: Session, appointment: Appointment) -> str | None:
    """The id of the calendar connection of the appointment's resource, if it has one."""
    connection = _connection(session, appointment)
    return str(connection.id) if connection is not None else None


def booked_drafts(
    tenant: Tenant, appointment: Appointment, connection: str | None
) -> list[Draft]:
    """The calendar write of a new appointment (none written before: sequence 0)."""
    return [] if connection is None else [_draft(tenant, appointment, connection, "upsert", 0)]


def _earlier_connections(session: Session, appointment: Appointment) -> set[str]:
    """Connections this appointment's event was written to (or was about to be)."""
    return set(
        session.scalars(
            select(OutboxMessage.recipient).where(
                OutboxMessage.appointment_id == appointment.id,
                OutboxMessage.channel == CHANNEL,
                OutboxMessage.purpose == UPSERT,
                OutboxMessage.status != OutboxStatus.CANCELLED.value,
            )
        ).all()
    )


def on_booked(session: Session, tenant: Tenant, appointment: Appointment) -> None:
    connection = _connection(session, appointment)
    if connection is not None:
        _enqueue(session, tenant, appointment, str(connection.id), "upsert")


def on_rescheduled(session: Session, tenant: Tenant, appointment: Appointment) -> None:
    earlier = _earlier_connections(session, appointment)
    if not earlier and not appointment.resource.has_calendar:
        return
    cancel_pending(session, appointment.id, (UPSERT,))
    connection = _connection(session, appointment)
    current = str(connection.id) if connection is not None else None
    for other in sorted(earlier - {current} if current else earlier):
        _enqueue(session, tenant, appointment, other, "delete")  # moved off that calendar
    if current is not None:
        _enqueue(session, tenant, appointment, current, "upsert")


def on_cancelled(session: Session, tenant: Tenant, appointment: Appointment) -> None:
    earlier = _earlier_connections(session, appointment)
    connection = _connection(session, appointment)
    if connection is not None:
        earlier.add(str(connection.id))
    if not earlier:
        return
    cancel_pending(session, appointment.id, (UPSERT,))
    for connection_id in sorted(earlier):
        _enqueue(session, tenant, appointment, connection_id, "delete")


def _upcoming(
    session: Session, tenant: Tenant, connection: CalendarConnection, now: datetime
) -> list[Appointment]:
    """The connection's resource's booked appointments that have not ended yet."""
    return list(
        session.scalars(
            select(Appointment).where(
                Appointment.tenant_id == tenant.id,
                Appointment.resource_id == connection.resource_id,
                Appointment.status == "booked",
                Appointment.end_at > now,
            )
        )
    )


def resync_resource(
    session: Session, tenant: Tenant, connection: CalendarConnection, now: datetime
) -> int:
    """Write every upcoming booked appointment of the connection's resource to its calendar.

    Run when a calendar is connected or reconnected (after being broken): bookings made
    before, or whose writes failed while it was broken, reach the calendar too. Returns
    how many were queued."""
    upcoming = _upcoming(session, tenant, connection, now)
    for appointment in upcoming:
        cancel_pending(session, appointment.id, (UPSERT,))
        _enqueue(session, tenant, appointment, str(connection.id), "upsert")
    return len(upcoming)


def withdraw_events(
    session: Session,
    tenant: Tenant,
    connection: CalendarConnection,
    calendar: str,
    now: datetime,
) -> int:
    """Remove our upcoming events from ``calendar``, a calendar the connection used before.

    The delete rows name that calendar in their payload, so the sender deletes there and
    not in the connection's current calendar. Returns how many were queued."""
    upcoming = _upcoming(session, tenant, connection, now)
    which = hashlib.sha256(calendar.encode()).hexdigest()[:16]
    for appointment in upcoming:
        enqueue(
            session,
            tenant_id=tenant.id,
            channel=CHANNEL,
            purpose=DELETE,
            recipient=str(connection.id),
            # The calendar may be a long URL: the key names it by a short digest.
            dedupe_key=f"{DELETE}:{appointment.id}:{connection.id}:{which}:{now.isoformat()}",
            appointment_id=appointment.id,
            payload={**_payload(tenant, appointment, "delete"), "calendar": calendar},
        )
    return len(upcoming)
