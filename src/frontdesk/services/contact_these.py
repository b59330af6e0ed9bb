"""The dashboard's "contact these": a campaign for exactly the customers on screen.

A draft campaign for an open meeting request, with those customers as leads — the same
rules as any "call these" (a phone number, never opted out, call consent on record) —
left in draft so a person looks at it before it starts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import campaigns
from frontdesk.services.lead_selection import CustomerFilter, add_customers
from frontdesk.store.db import write_session
from frontdesk.store.models import MeetingRequest, MeetingRequestStatus, Tenant

MAX_PEOPLE = 1000


@dataclass(frozen=True, slots=True)
class OpenRequest:
    id: uuid.UUID
    title: str


def open_requests(session: Session, tenant_id: uuid.UUID) -> list[OpenRequest]:
    return [OpenRequest(i, t) for i, t in session.execute(
        select(MeetingRequest.id, MeetingRequest.title).where(
            MeetingRequest.tenant_id == tenant_id,
            MeetingRequest.status == MeetingRequestStatus.OPEN.value)
        .order_by(MeetingRequest.created_at.desc()).limit(50))]


def contact_these(factory: sessionmaker[Session], tenant_id: uuid.UUID, name: str,
                  meeting_request_id: uuid.UUID,
                  customer_ids: list[uuid.UUID]) -> tuple[uuid.UUID, int]:
    """(the new campaign's id, how many of the customers became leads)."""
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, tenant_id)
        campaign = campaigns.create_campaign(session, tenant, campaigns.CampaignFields(
            name=name, meeting_request_id=meeting_request_id))
        report = add_customers(session, tenant, campaign, CustomerFilter(
            customer_ids=tuple(customer_ids[:MAX_PEOPLE]), limit=MAX_PEOPLE),
            datetime.now(UTC))
        return campaign.id, report.imported
