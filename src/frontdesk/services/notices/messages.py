"""What customers and the business are told when an appointment is booked, moved or
cancelled, and the reminders before it — enqueued in the booking's own transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from frontdesk.services.notices import calendar_sync, email_messages
from frontdesk.services.notices.outbox import cancel_pending, enqueue
from frontdesk.services.phone_numbers import sending_number
from frontdesk.store.models import Appointment, Customer, Tenant

REMINDER = "reminder"

_TEXTS = {
    "confirmation": {
        "en": "{business}: you're booked for {service} on {when} with {resource}. "
        "Reply C to confirm, R to reschedule, X to cancel.",
        "es": "{business}: tiene cita de {service} el {when} con {resource}. "
        "Responda C para confirmar, R para cambiarla, X para cancelarla.",
    },
    "rescheduled": {
        "en": "{business}: your {service} is now on {when} with {resource}.",
        "es": "{business}: su cita de {service} es ahora el {when} con {resource}.",
    },
    "cancellation": {
        "en": "{business}: your {service} on {when} is cancelled.",
        "es": "{business}: su cita de {service} del {when} está cancelada.",
    },
    REMINDER: {
        "en": "{business} reminder: {service} on {when} with {resource}. "
        "Reply C to confirm, R to reschedule, X to cancel.",
        "es": "Recordatorio de {business}: {service} el {when} con {resource}. "
        "Responda C para confirmar, R para cambiarla, X para cancelarla.",
    },
}
_EN_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_ES_DAYS = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]


def _when(start: datetime, tz: ZoneInfo, lang: str) -> str:
    local = start.astimezone(tz)
    if lang == "es":
        return f"{_ES_DAYS[local.weekday()]} {local.day}/{local.month} a las {local:%H:%M}"
    clock = local.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ")
    return f"{_EN_DAYS[local.weekday()]} {local:%b} {local.day} at {clock}"


def render(purpose: str, appointment: Appointment, tenant: Tenant, lang: str) -> str:
    tz = ZoneInfo(tenant.timezone)
    service = appointment.service
    spoken = (service.spoken_names or {}).get(lang) or []
    name = spoken[0] if spoken and lang != "en" else service.name.lower()
    table = _TEXTS[purpose]
    return table.get(lang, table["en"]).format(
        business=tenant.name,
        service=name,
        when=_when(appointment.start_at, tz, lang),
        resource=appointment.resource.name,
    )


def _reachable(customer: Customer | None) -> bool:
    """Transactional texts go to a customer who gave a number, unless they opted out."""
    return customer is not None and bool(customer.phone_e164) and not customer.do_not_call


def _lang(customer: Customer | None, tenant: Tenant) -> str:
    lang = (customer.language if customer else None) or tenant.languages[0]
    return lang if lang in ("en", "es") else "en"


def _sms(
    session: Session,
    tenant: Tenant,
    appointment: Appointment,
    purpose: str,
    key: str,
    not_before: datetime | None = None,
) -> None:
    customer = appointment.customer
    if not _reachable(customer):
        return
    assert customer is not None and customer.phone_e164 is not None
    sender = sending_number(session, tenant)
    enqueue(
        session,
        tenant_id=tenant.id,
        channel="sms",
        purpose=purpose,
        recipient=customer.phone_e164,
        dedupe_key=key,
        appointment_id=appointment.id,
        customer_id=customer.id,
        not_before=not_before,
        payload={
            "body": render(purpose, appointment, tenant, _lang(customer, tenant)),
            "from": sender,
        },
    )


def _reminders(session: Session, tenant: Tenant, appointment: Appointment, now: datetime) -> None:
    for minutes in sorted(set(tenant.reminder_minutes or []), reverse=True):
        due = appointment.start_at - timedelta(minutes=minutes)
        if due <= now:
            continue  # booked too late for this reminder
        stamp = appointment.start_at.isoformat()
        _sms(
            session,
            tenant,
            appointment,
            REMINDER,
            f"reminder:{appointment.id}:{stamp}:{minutes}",
            not_before=due,
        )


def on_booked(session: Session, tenant: Tenant, appointment: Appointment, now: datetime) -> None:
    _sms(session, tenant, appointment, "confirmation", f"confirmation:{appointment.id}")
    _reminders(session, tenant, appointment, now)
    email_messages.on_booked_email(session, tenant, appointment)
    calendar_sync.on_booked(session, tenant, appointment)


def on_rescheduled(
    session: Session, tenant: Tenant, appointment: Appointment, now: datetime
) -> None:
    cancel_pending(session, appointment.id, (REMINDER,))
    stamp = appointment.start_at.isoformat()
    _sms(session, tenant, appointment, "rescheduled", f"rescheduled:{appointment.id}:{stamp}")
    _reminders(session, tenant, appointment, now)
    email_messages.on_rescheduled_email(session, tenant, appointment)
    calendar_sync.on_rescheduled(session, tenant, appointment)


def on_cancelled(session: Session, tenant: Tenant, appointment: Appointment) -> None:
    cancel_pending(session, appointment.id, (REMINDER, "confirmation", "rescheduled"))
    _sms(session, tenant, appointment, "cancellation", f"cancellation:{appointment.id}")
    email_messages.on_cancelled_email(session, tenant, appointment)
    calendar_sync.on_cancelled(session, tenant, appointment)
