"""What the dashboard's first page shows a signed-in person: their business today.

Plain values, read in one short session: the next appointments (a staff member sees only
their own calendar), the latest conversations, and every campaign's progress.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    Campaign,
    CampaignLead,
    Conversation,
    Customer,
    Resource,
    Service,
    Tenant,
)


@dataclass(frozen=True, slots=True)
class AppointmentLine:
    start: datetime  # in the business's zone
    service: str
    resource: str
    customer: str | None
    status: str


@dataclass(frozen=True, slots=True)
class ConversationLine:
    started: datetime
    channel: str
    language: str
    customer: str | None
    outcome: str | None
    turns: int


@dataclass(frozen=True, slots=True)
class CampaignLine:
    name: str
    status: str
    leads: int
    by_status: dict[str, int]

    @property
    def remaining(self) -> int:
        return self.by_status.get("pending", 0) + self.by_status.get("calling", 0)


@dataclass(frozen=True, slots=True)
class Overview:
    business: str
    timezone: str
    today: datetime
    appointments: list[AppointmentLine] = field(default_factory=list)
    conversations: list[ConversationLine] = field(default_factory=list)
    campaigns: list[CampaignLine] = field(default_factory=list)


def overview(session: Session, tenant_id: uuid.UUID, *, resource_id: uuid.UUID | None = None,
             now: datetime | None = None, days: int = 7) -> Overview:
    """``resource_id``: a staff member's own calendar only (their appointments, and the
    conversations of their customers)."""
    tenant = session.get_one(Tenant, tenant_id)
    zone = ZoneInfo(tenant.timezone)
    at = (now or datetime.now(UTC)).astimezone(zone)
    start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    booked = (select(Appointment.start_at, Service.name, Resource.name, Customer.name,
                     Appointment.status)
              .join(Service, Service.id == Appointment.service_id)
              .join(Resource, Resource.id == Appointment.resource_id)
              .outerjoin(Customer, Customer.id == Appointment.customer_id)
              .where(Appointment.tenant_id == tenant.id,
                     Appointment.status != AppointmentStatus.CANCELLED.value,
                     Appointment.start_at >= start,
                     Appointment.start_at < start + timedelta(days=days))
              .order_by(Appointment.start_at).limit(20))
    if resource_id is not None:
        booked = booked.where(Appointment.resource_id == resource_id)
    appointments = [AppointmentLine(s.astimezone(zone), svc, res, who, status)
                    for s, svc, res, who, status in session.execute(booked)]
    talks = (select(Conversation.started_at, Conversation.channel, Conversation.language,
                    Customer.name, Conversation.outcome, Conversation.turn_count)
             .outerjoin(Customer, Customer.id == Conversation.customer_id)
             .where(Conversation.tenant_id == tenant.id)
             .order_by(Conversation.started_at.desc()).limit(10))
    if resource_id is not None:
        theirs = select(Appointment.customer_id).where(Appointment.resource_id == resource_id)
        talks = talks.where(Conversation.customer_id.in_(theirs))
    conversations = [ConversationLine(s.astimezone(zone), ch, lang, who, outcome, n)
                     for s, ch, lang, who, outcome, n in session.execute(talks)]
    campaigns: list[CampaignLine] = []
    if resource_id is None:
        counts: dict[uuid.UUID, dict[str, int]] = {}
        for campaign_id, status, n in session.execute(
                select(CampaignLead.campaign_id, CampaignLead.status, func.count())
                .where(CampaignLead.tenant_id == tenant.id)
                .group_by(CampaignLead.campaign_id, CampaignLead.status)):
            counts.setdefault(campaign_id, {})[status] = n
        for row in session.scalars(select(Campaign).where(Campaign.tenant_id == tenant.id)
                                   .order_by(Campaign.created_at.desc()).limit(10)):
            by_status = counts.get(row.id, {})
            campaigns.append(CampaignLine(row.name, row.status, sum(by_status.values()),
                                          by_status))
    return Overview(tenant.name, tenant.timezone, at, appointments, conversations, campaigns)
