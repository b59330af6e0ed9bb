"""What each participant of a group meeting is told when its time is booked: one message
per person (a text where they gave a number, else an email), in the booking's own
transaction, keyed by appointment and participant so a retry adds nothing."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from frontdesk.services.notices.email_messages import when_text
from frontdesk.services.notices.outbox import Draft
from frontdesk.store.models import Appointment, MeetingParticipant, MeetingRequest, Tenant

PURPOSE = "meeting_confirmation"

_SMS = {
    "en": "{business}: {title} is booked for {when} with {resource}. Reply if you can't make it.",
    "es": "{business}: {title} queda fijada el {when} con {resource}. Responda si no puede "
    "asistir.",
}
_SUBJECT = {
    "en": "Booked: {title}, {when}",
    "es": "Fijada: {title}, {when}",
}
_BODY = {
    "en": "Hello {name},\n\n{title} is booked for {when} with {resource}, at the time that "
    "suits the most participants.\n\nIf you can't make it, reply to this message.\n\n"
    "{business}",
    "es": "Hola {name}:\n\n{title} queda fijada el {when} con {resource}, a la hora que mejor "
    "les va a la mayoría.\n\nSi no puede asistir, responda a este mensaje.\n\n{business}",
}


def participant_drafts(
    tenant: Tenant,
    request: MeetingRequest,
    appointment: Appointment,
    participants: list[MeetingParticipant],
    *,
    sender: str | None,
    lang: str,
) -> list[Draft]:
    """One draft per participant who can be reached (a phone first, else an email)."""
    drafts: list[Draft] = []
    for person in participants:
        zone = ZoneInfo(person.timezone or tenant.timezone)
        fields = {
            "business": tenant.name,
            "title": request.title,
            "when": when_text(appointment.start_at, zone, lang),
            "resource": appointment.resource.name,
            "name": person.name,
        }
        key = f"meeting:{appointment.id}:{person.id}"
        if person.phone_e164:
            drafts.append(Draft(
                tenant_id=tenant.id, channel="sms", purpose=PURPOSE,
                recipient=person.phone_e164, dedupe_key=key, appointment_id=appointment.id,
                customer_id=person.customer_id,
                payload={"body": _SMS[lang].format(**fields), "from": sender}))
        elif person.email:
            drafts.append(Draft(
                tenant_id=tenant.id, channel="email", purpose=PURPOSE,
                recipient=person.email, dedupe_key=key, appointment_id=appointment.id,
                customer_id=person.customer_id,
                payload={"subject": _SUBJECT[lang].format(**fields),
                         "body": _BODY[lang].format(**fields), "from_name": tenant.name,
                         "reply_to": tenant.notify_email}))
    return drafts
