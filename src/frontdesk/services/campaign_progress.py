"""How far each campaign has got: what the dashboard's campaigns page shows.

One aggregate query over the business's leads (by campaign, status and last outcome),
not one per campaign.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import InvalidInput
from frontdesk.services import campaigns as campaign_moves
from frontdesk.store.db import write_session
from frontdesk.store.models import Campaign, CampaignLead, MeetingRequest, Tenant

# A person answered (whatever they decided): the campaign "reached" them.
REACHED = frozenset({"booked", "declined", "callback_requested", "wrong_number", "opted_out"})


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    id: uuid.UUID
    name: str
    topic: str
    status: str
    leads: int
    contacted: int
    reached: int
    booked: int
    declined: int
    callbacks: int
    opted_out: int
    remaining: int

    @property
    def percent_done(self) -> int:
        return round(100 * (self.leads - self.remaining) / self.leads) if self.leads else 0


def progress(session: Session, tenant_id: uuid.UUID, *, limit: int = 50) -> list[CampaignProgress]:
    rows = session.execute(
        select(CampaignLead.campaign_id, CampaignLead.status, CampaignLead.last_outcome,
               func.count(), func.count().filter(CampaignLead.attempts > 0))
        .where(CampaignLead.tenant_id == tenant_id)
        .group_by(CampaignLead.campaign_id, CampaignLead.status, CampaignLead.last_outcome))
    tallies: dict[uuid.UUID, dict[str, int]] = {}
    for campaign_id, status, outcome, count, tried in rows:
        tally = tallies.setdefault(campaign_id, {})
        tally["leads"] = tally.get("leads", 0) + count
        tally["contacted"] = tally.get("contacted", 0) + (tried or 0)
        if status in ("pending", "calling"):
            tally["remaining"] = tally.get("remaining", 0) + count
        if outcome in REACHED:
            tally["reached"] = tally.get("reached", 0) + count
        if outcome:
            tally[outcome] = tally.get(outcome, 0) + count
    found = session.execute(
        select(Campaign, MeetingRequest.title)
        .join(MeetingRequest, MeetingRequest.id == Campaign.meeting_request_id)
        .where(Campaign.tenant_id == tenant_id)
        .order_by(Campaign.created_at.desc()).limit(limit))
    out = []
    for campaign, topic in found:
        t = tallies.get(campaign.id, {})
        out.append(CampaignProgress(
            campaign.id, campaign.name, topic, campaign.status, t.get("leads", 0),
            t.get("contacted", 0), t.get("reached", 0), t.get("booked", 0),
            t.get("declined", 0), t.get("callback_requested", 0), t.get("opted_out", 0),
            t.get("remaining", 0)))
    return out


def pause_or_resume(factory: sessionmaker[Session], tenant_id: uuid.UUID,
                    campaign_id: uuid.UUID, action: str) -> None:
    """The dashboard's buttons: the campaign service's own moves (404 for another
    business's campaign, 409 for a move its state does not allow)."""
    if action not in ("pause", "resume"):
        raise InvalidInput(f"Unknown action {action!r}.", field="action")
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, tenant_id)
        campaign_moves.move(session, tenant, campaign_id, action)
