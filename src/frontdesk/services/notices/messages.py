"""What customers and the business are told when an appointment is booked, moved or
cancelled, and the reminders before it — enqueued in the booking's own transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from frontdesk.services.notices import calendar_sync, email_messages
from frontdesk.services.notices.outbox import Draft, cancel_pending, write
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


def default_text(purpose: str, lang: str) -> str:
    """The built-in text of a message (what a business that wrote none sends)."""
    table = _TEXTS[purpose]
    return table.get(lang, table["en"])


def message_text(tenant: Tenant, purpose: str, lang: str) -> str:
    """The business's own text for ``purpose`` in ``lang`` (checked when it was saved:
    ``tenant_wording.check_templates``), else the built-in one."""
    own = (tenant.message_templates or {}).get(purpose) or {}
    return str(own.get(lang) or default_text(purpose, lang))


def render(purpose: str, appointment: Appointment, tenant: Tenant, lang: str) -> str:
    tz = ZoneInfo(tenant.timezone)
    service = appointment.service
    spoken = (service.spoken_names or {}).get(lang) or []
    name = spoken[0] if spoken and lang != "en" else service.name.lower()
    return message_text(tenant, purpose, lang).format(
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
    tenant: Tenant,
    appointment: Appointment,
    purpose: str,
    key: str,
    sender: str | None,
    not_before: datetime | None = None,
) -> list[Draft]:
    customer = appointment.customer
    if not _reachable(customer):
        return []
    assert customer is not None and customer.phone_e164 is not None
    return [Draft(
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
    )]


def _reminders(
    tenant: Tenant, appointment: Appointment, now: datetime, sender: str | None
) -> list[Draft]:
    drafts: list[Draft] = []
    for minutes in sorted(set(tenant.reminder_minutes or []), reverse=True):
        due = appointment.start_at - timedelta(minutes=minutes)
        if due <= now:
            continue  # booked too late for this reminder
        stamp = appointment.start_at.isoformat()
        key = f"reminder:{appointment.id}:{stamp}:{minutes}"
        drafts += _sms(tenant, appointment, REMINDER, key, sender, not_before=due)
    return drafts


def sender_for(session: Session, tenant: Tenant) -> str | None:
    """The number texts go from: from the tenant's loaded numbers when it has them (it
    does when it was loaded in full, as authentication loads it), else one query."""
    loaded = inspect(tenant).attrs.phone_numbers.loaded_value
    if loaded is NO_VALUE:
        return sending_number(session, tenant)
    return loaded[0].number_e164 if loaded else None


def booked_drafts(
    tenant: Tenant,
    appointment: Appointment,
    now: datetime,
    *,
    sender: str | None,
    calendar_connection: str | None,
) -> list[Draft]:
    """Every message a *new* appointment sends, without reading the database: its id was
    never used, so no earlier row can share a key and no invite was written before."""
    key = f"confirmation:{appointment.id}"
    return [
        *_sms(tenant, appointment, "confirmation", key, sender),
        *_reminders(tenant, appointment, now, sender),
        *email_messages.booked_email_drafts(tenant, appointment),
        *calendar_sync.booked_drafts(tenant, appointment, calendar_connection),
    ]


def on_booked(session: Session, tenant: Tenant, appointment: Appointment, now: datetime) -> None:
    """The same messages as :func:`booked_drafts`, looked up and written in one go."""
    connection = calendar_sync.connection_id(session, appointment)
    write(session, booked_drafts(tenant, appointment, now, sender=sender_for(session, tenant),
                                 calendar_connection=connection))


def on_rescheduled(
    session: Session, tenant: Tenant, appointment: Appointment, now: datetime
) -> None:
    cancel_pending(session, appointment.id, (REMINDER,))
    stamp = appointment.start_at.isoformat()
    sender = sender_for(session, tenant) if _reachable(appointment.customer) else None
    write(session, [
        *_sms(tenant, appointment, "rescheduled", f"rescheduled:{appointment.id}:{stamp}",
              sender),
        *_reminders(tenant, appointment, now, sender),
    ])
    email_messages.on_rescheduled_email(session, tenant, appointment)
    calendar_sync.on_rescheduled(session, tenant, appointment)


def on_cancelled(session: Session, tenant: Tenant, appointment: Appointment) -> None:
    cancel_pending(session, appointment.id, (REMINDER, "confirmation", "rescheduled"))
    sender = sender_for(session, tenant) if _reachable(appointment.customer) else None
    write(session, _sms(tenant, appointment, "cancellation", f"cancellation:{appointment.id}",
                        sender))
    email_messages.on_cancelled_email(session, tenant, appointment)
    calendar_sync.on_cancelled(session, tenant, appointment)
