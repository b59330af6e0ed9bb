"""Service results -> the customer list's and the timeline's response models, times in
the business's zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from frontdesk.api.convert import customer_out
from frontdesk.api.customer_schemas import (
    CustomerSummaryOut,
    TimelineAppointment,
    TimelineCampaignCall,
    TimelineConversation,
    TimelineEntryOut,
    TimelineMessage,
    TimelineOut,
    TurnLine,
)
from frontdesk.services.customer_overview import CustomerOverview
from frontdesk.services.customer_timeline import (
    AppointmentEvent,
    CampaignCall,
    ConversationEntry,
    Timeline,
    TimelineEntry,
)
from frontdesk.services.records import OutboxMessage, Tenant


def summary_out(row: CustomerOverview, tz: ZoneInfo) -> CustomerSummaryOut:
    return CustomerSummaryOut(
        **customer_out(row.customer).model_dump(),
        last_contact_at=row.last_contact_at.astimezone(tz) if row.last_contact_at else None,
        last_outcome=row.last_outcome,
        next_appointment_at=(row.next_appointment_at.astimezone(tz)
                             if row.next_appointment_at else None),
        conversations_by_channel=row.conversations_by_channel,
        tags=row.tags,
        on_do_not_call_list=row.on_do_not_call_list,
    )


def timeline_out(timeline: Timeline, tenant: Tenant) -> TimelineOut:
    tz = ZoneInfo(tenant.timezone)
    return TimelineOut(
        customer=customer_out(timeline.customer),
        entries=[_entry(e, tz) for e in timeline.entries],
        next_before=timeline.next_before.astimezone(tz) if timeline.next_before else None,
    )


def _entry(entry: TimelineEntry, tz: ZoneInfo) -> TimelineEntryOut:
    at, item = entry.at.astimezone(tz), entry.item
    if isinstance(item, AppointmentEvent):
        a = item.appointment
        return TimelineEntryOut(at=at, kind="appointment", appointment=TimelineAppointment(
            id=a.id, event=item.event, status=a.status, service_name=a.service.name,
            resource_name=a.resource.name, start=a.start_at.astimezone(tz),
            end=a.end_at.astimezone(tz)))
    if isinstance(item, ConversationEntry):
        c = item.conversation
        return TimelineEntryOut(at=at, kind="conversation", conversation=TimelineConversation(
            id=c.id, channel=c.channel, language=c.language, outcome=c.outcome,
            started_at=c.started_at.astimezone(tz),
            ended_at=c.ended_at.astimezone(tz) if c.ended_at else None,
            turns=[TurnLine(role=t.role, text=t.text, language=t.language,
                            at=t.created_at.astimezone(tz)) for t in item.turns]))
    if isinstance(item, CampaignCall):
        x = item.attempt
        return TimelineEntryOut(at=at, kind="campaign_call", campaign_call=TimelineCampaignCall(
            id=x.id, campaign_id=x.campaign_id, campaign_name=item.campaign_name,
            number=x.number, outcome=x.outcome,
            ended_at=x.ended_at.astimezone(tz) if x.ended_at else None,
            conversation_id=x.conversation_id, detail=x.detail))
    return TimelineEntryOut(at=at, kind="message", message=_message(item, tz))


def _message(m: OutboxMessage, tz: ZoneInfo) -> TimelineMessage:
    body = m.payload.get("body") or m.payload.get("subject")
    return TimelineMessage(
        id=m.id, channel=m.channel, purpose=m.purpose, status=m.status,
        body=body if isinstance(body, str) else None,
        sent_at=m.sent_at.astimezone(tz) if m.sent_at else None, last_error=m.last_error,
        appointment_id=m.appointment_id)
