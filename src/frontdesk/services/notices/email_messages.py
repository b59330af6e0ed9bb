"""Email confirmations (with a calendar invite) and business notices for an appointment
that is booked, moved or cancelled — enqueued in the booking's own transaction, beside
the texts of ``messages.py``.

Purposes match the SMS ones ("confirmation", "rescheduled", "cancellation") so a
cancellation withdraws a confirmation email not sent yet, as it does the text. The
invite's SEQUENCE is the number of invites already written for the appointment: it only
grows, and needs no column of its own.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.services.notices.ics import Method, appointment_ics
from frontdesk.services.notices.outbox import Draft, write
from frontdesk.store.models import Appointment, Customer, OutboxMessage, Tenant

CHANNEL = "email"
BUSINESS_NOTICE = "business_notice"

_SUBJECTS = {
    "confirmation": {
        "en": "Confirmed: {service} at {business}, {when}",
        "es": "Confirmada: {service} en {business}, {when}",
    },
    "rescheduled": {
        "en": "Changed: {service} at {business} is now {when}",
        "es": "Cambio: {service} en {business} es ahora el {when}",
    },
    "cancellation": {
        "en": "Cancelled: {service} at {business}, {when}",
        "es": "Cancelada: {service} en {business}, {when}",
    },
}
_BODIES = {
    "confirmation": {
        "en": "Hello{name},\n\nYou're booked for {service} at {business} on {when} with "
        "{resource}.\n\nThe attached invite adds it to your calendar. To change or cancel, "
        "call or text us.\n\n{business}",
        "es": "Hola{name}:\n\nSu cita de {service} en {business} es el {when} con {resource}."
        "\n\nLa invitación adjunta la añade a su calendario. Para cambiarla o cancelarla, "
        "llámenos o escríbanos.\n\n{business}",
    },
    "rescheduled": {
        "en": "Hello{name},\n\nYour {service} at {business} has moved to {when} with "
        "{resource}.\n\nThe attached invite updates your calendar.\n\n{business}",
        "es": "Hola{name}:\n\nSu cita de {service} en {business} es ahora el {when} con "
        "{resource}.\n\nLa invitación adjunta actualiza su calendario.\n\n{business}",
    },
    "cancellation": {
        "en": "Hello{name},\n\nYour {service} at {business} on {when} is cancelled.\n\n"
        "The attached update removes it from your calendar.\n\n{business}",
        "es": "Hola{name}:\n\nSu cita de {service} en {business} del {when} está cancelada."
        "\n\nLa actualización adjunta la quita de su calendario.\n\n{business}",
    },
}
# The business reads its own notices in its first language; the customer's details in it.
_NOTICES = {
    "confirmation": {"en": "New booking", "es": "Nueva cita"},
    "rescheduled": {"en": "Moved", "es": "Cita cambiada"},
    "cancellation": {"en": "Cancelled", "es": "Cita cancelada"},
}
_LABELS = {
    "en": {"with": "With", "customer": "Customer", "source": "Source", "notes": "Notes"},
    "es": {"with": "Con", "customer": "Cliente", "source": "Origen", "notes": "Notas"},
}
_EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_ES_DAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
_EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]  # fmt: skip
_ES_MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre"]  # fmt: skip


def when_text(start: datetime, tz: ZoneInfo, lang: str) -> str:
    """'Tuesday, March 4 at 2:30 PM EST' / 'martes 4 de marzo a las 14:30 (EST)'."""
    local = start.astimezone(tz)
    zone = local.tzname() or tz.key
    if lang == "es":
        month = _ES_MONTHS[local.month - 1]
        return f"{_ES_DAYS[local.weekday()]} {local.day} de {month} a las {local:%H:%M} ({zone})"
    clock = local.strftime("%I:%M %p").lstrip("0")
    month = _EN_MONTHS[local.month - 1]
    return f"{_EN_DAYS[local.weekday()]}, {month} {local.day} at {clock} {zone}"


def _lang(customer: Customer | None, tenant: Tenant) -> str:
    lang = (customer.language if customer else None) or tenant.languages[0]
    return lang if lang in ("en", "es") else "en"


def _service_name(appointment: Appointment, lang: str) -> str:
    spoken = (appointment.service.spoken_names or {}).get(lang) or []
    return str(spoken[0]) if spoken and lang != "en" else appointment.service.name


def _next_sequence(session: Session, appointment: Appointment) -> int:
    """Invites already written for this appointment: 0 for the first, then 1, 2, ..."""
    count = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.appointment_id == appointment.id,
            OutboxMessage.channel == CHANNEL,
            OutboxMessage.purpose != BUSINESS_NOTICE,
        )
    )
    return int(count or 0)


def _wants_email(customer: Customer | None) -> bool:
    return customer is not None and bool(customer.email) and not customer.do_not_call


def _to_customer(
    tenant: Tenant,
    appointment: Appointment,
    purpose: str,
    key: str,
    method: Method,
    sequence: int,
) -> list[Draft]:
    customer = appointment.customer
    if customer is None or not customer.email or not _wants_email(customer):
        return []
    lang = _lang(customer, tenant)
    fields = {
        "business": tenant.name,
        "service": _service_name(appointment, lang),
        "when": when_text(appointment.start_at, ZoneInfo(tenant.timezone), lang),
        "resource": appointment.resource.name,
        "name": f" {customer.name}" if customer.name else "",
    }
    return [Draft(
        tenant_id=tenant.id,
        channel=CHANNEL,
        purpose=purpose,
        recipient=customer.email,
        dedupe_key=f"email:{key}",
        appointment_id=appointment.id,
        customer_id=customer.id,
        payload={
            "subject": _SUBJECTS[purpose][lang].format(**fields),
            "body": _BODIES[purpose][lang].format(**fields),
            "ics": appointment_ics(appointment, tenant, method=method, sequence=sequence),
            "ics_method": method,
            "from_name": tenant.name,
            "reply_to": tenant.notify_email,
        },
    )]


def _to_business(
    tenant: Tenant, appointment: Appointment, purpose: str, key: str
) -> list[Draft]:
    if not tenant.notify_email:
        return []
    lang = tenant.languages[0] if tenant.languages[0] in ("en", "es") else "en"
    customer = appointment.customer
    who = (customer.name if customer else None) or ("cliente" if lang == "es" else "customer")
    contact = ", ".join(c for c in (customer.phone_e164, customer.email) if c) if customer else ""
    when = when_text(appointment.start_at, ZoneInfo(tenant.timezone), lang)
    service = _service_name(appointment, lang)
    headline = _NOTICES[purpose][lang]
    label = _LABELS[lang]
    lines = [
        f"{headline}: {service} — {when}",
        f"{label['with']}: {appointment.resource.name}",
        f"{label['customer']}: {who}" + (f" ({contact})" if contact else ""),
        f"{label['source']}: {appointment.source}",
    ]
    if appointment.notes:
        lines.append(f"{label['notes']}: {appointment.notes}")
    return [Draft(
        tenant_id=tenant.id,
        channel=CHANNEL,
        purpose=BUSINESS_NOTICE,
        recipient=tenant.notify_email,
        dedupe_key=f"email-business:{key}",
        appointment_id=appointment.id,
        customer_id=customer.id if customer else None,
        payload={
            "subject": f"{headline}: {service}, {when} — {who}",
            "body": "\n".join(lines) + "\n",
            "from_name": "frontdesk",
            "reply_to": customer.email if customer and customer.email else None,
        },
    )]


def _write(
    session: Session,
    tenant: Tenant,
    appointment: Appointment,
    purpose: str,
    key: str,
    method: Method,
) -> None:
    # The invite's sequence is a count of earlier invites: read only when one is sent.
    sequence = _next_sequence(session, appointment) if _wants_email(appointment.customer) else 0
    write(session, [
        *_to_customer(tenant, appointment, purpose, key, method, sequence),
        *_to_business(tenant, appointment, purpose, key),
    ])


def booked_email_drafts(tenant: Tenant, appointment: Appointment) -> list[Draft]:
    """The emails of a new appointment: its first invite (sequence 0), the notice."""
    key = f"confirmation:{appointment.id}"
    return [
        *_to_customer(tenant, appointment, "confirmation", key, "REQUEST", 0),
        *_to_business(tenant, appointment, "confirmation", key),
    ]


def on_booked_email(session: Session, tenant: Tenant, appointment: Appointment) -> None:
    _write(session, tenant, appointment, "confirmation", f"confirmation:{appointment.id}",
           "REQUEST")


def on_rescheduled_email(session: Session, tenant: Tenant, appointment: Appointment) -> None:
    key = f"rescheduled:{appointment.id}:{appointment.start_at.isoformat()}"
    _write(session, tenant, appointment, "rescheduled", key, "REQUEST")


def on_cancelled_email(session: Session, tenant: Tenant, appointment: Appointment) -> None:
    _write(session, tenant, appointment, "cancellation", f"cancellation:{appointment.id}",
           "CANCEL")
