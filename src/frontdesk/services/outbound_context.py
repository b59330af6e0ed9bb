"""What the agent knows, on a conversation, of the campaign behind it (issue 12).

A call the dialer placed is tied to its campaign attempt (``call_dials.record_placed``);
a text back after the SMS follow-up is not tied to anything, so its lead is found by the
texting number: the most recent lead of that business with that number, in a campaign
still running or paused, not already concluded. Either way the agent gets the same
``CampaignContext``: who is calling on whose behalf and about what (the disclosure), the
meeting request to offer times for, and the lead's name, language and zone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.scheduling.constraints import HardConstraints, SoftConstraints
from frontdesk.services.campaign_outcomes import FINAL, attempt_for_conversation
from frontdesk.services.meeting_requests import hard_from_json, soft_from_json
from frontdesk.store.models import (
    Campaign,
    CampaignLead,
    CampaignStatus,
    Customer,
    MeetingRequest,
    MeetingRequestStatus,
    Resource,
    Service,
    Tenant,
)

__all__ = ["CampaignContext", "campaign_for"]

_LIVE = (CampaignStatus.RUNNING.value, CampaignStatus.PAUSED.value)
_CONCLUDED = tuple(o.value for o in FINAL)


@dataclass(frozen=True, slots=True)
class CampaignContext:
    """A campaign conversation's facts: enough to disclose, offer, book and record."""

    campaign_id: uuid.UUID
    lead_id: uuid.UUID
    customer_id: uuid.UUID
    on_call: bool  # a call the dialer placed (else a text back to the follow-up)
    business: str
    topic: str  # the meeting request's title: what the call is about
    meeting_request_id: uuid.UUID
    request_open: bool  # only an open request takes offers and availability
    service_id: uuid.UUID | None
    service_name: str | None
    resource_id: uuid.UUID | None
    resource_name: str | None
    duration_minutes: int
    hard: HardConstraints
    soft: SoftConstraints
    lead_name: str | None
    phone: str  # the lead's number (E.164)
    language: str  # the lead's ("en" or "es")
    timezone: str  # the lead's IANA zone: their words about time are read in it


def campaign_for(
    factory: sessionmaker[Session],
    tenant: Tenant,
    conversation_id: uuid.UUID,
    channel: str,
    caller_phone: str | None,
) -> CampaignContext | None:
    """The campaign behind this conversation, or None (an ordinary conversation)."""
    with factory() as session:
        lead: CampaignLead | None = None
        if channel == "phone":
            attempt = attempt_for_conversation(session, conversation_id)
            if attempt is not None:
                lead = session.get(CampaignLead, attempt.lead_id)
        elif channel == "sms" and caller_phone:
            lead = _texting_lead(session, tenant, caller_phone)
        if lead is None or lead.tenant_id != tenant.id:
            return None
        return _context(session, tenant, lead, on_call=channel == "phone")


def _texting_lead(session: Session, tenant: Tenant, phone: str) -> CampaignLead | None:
    return session.scalars(
        select(CampaignLead)
        .join(Campaign, Campaign.id == CampaignLead.campaign_id)
        .where(CampaignLead.tenant_id == tenant.id, CampaignLead.phone_e164 == phone,
               Campaign.status.in_(_LIVE), CampaignLead.status.not_in(_CONCLUDED))
        .order_by(CampaignLead.created_at.desc(), CampaignLead.id.desc())
        .limit(1)).first()


def _context(session: Session, tenant: Tenant, lead: CampaignLead, *,
             on_call: bool) -> CampaignContext:
    campaign = session.get_one(Campaign, lead.campaign_id)
    request = session.get_one(MeetingRequest, campaign.meeting_request_id)
    customer = session.get_one(Customer, lead.customer_id)
    service = session.get(Service, request.service_id) if request.service_id else None
    resource = session.get(Resource, request.resource_id) if request.resource_id else None
    lang = lead.language or customer.language or tenant.languages[0]
    bookable = service is not None and service.active
    return CampaignContext(
        campaign_id=campaign.id, lead_id=lead.id, customer_id=customer.id, on_call=on_call,
        business=tenant.name, topic=request.title, meeting_request_id=request.id,
        request_open=request.status == MeetingRequestStatus.OPEN.value,
        service_id=service.id if bookable and service is not None else None,
        service_name=service.name if service is not None else None,
        resource_id=resource.id if resource is not None else None,
        resource_name=resource.name if resource is not None else None,
        duration_minutes=request.duration_minutes,
        hard=hard_from_json(request.hard_constraints),
        soft=soft_from_json(request.soft_constraints),
        lead_name=customer.name, phone=lead.phone_e164,
        language=lang if lang in ("en", "es") else "en", timezone=lead.timezone)
