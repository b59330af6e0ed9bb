"""The dialer's transactions: queue the calls a running campaign may make now, give up on
attempts that never got a result, and complete a campaign with nobody left to call.

``queue_due`` is the one place calls of a campaign start. It holds the campaign's row
lock (PostgreSQL ``FOR UPDATE``; SQLite's write transaction) while it counts what is in
flight and what started in the last minute, so any number of dialers in any number of
processes together keep the campaign's concurrency and calls-per-minute. Each call is
the lead's claim, its attempt row and its outbox row, committed together: a dialer that
dies before the commit queued nothing; after it, the outbox places the call exactly once
(``services.call_dials``), whoever delivers it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import FrontdeskError
from frontdesk.services import campaign_outcomes, dialer_plan, events
from frontdesk.services.notices.outbox import Draft, write
from frontdesk.services.outbound_calls import call_draft, caller_id
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Campaign,
    CampaignAttempt,
    CampaignLead,
    CampaignStatus,
    MeetingRequest,
    Tenant,
)

log = logging.getLogger(__name__)

PURPOSE = "campaign"
# An attempt with no result this long after it was queued never gets one (the status
# callback was lost, the provider refused it in a way nobody recorded): it counts as an
# attempt without an outcome, and the lead waits out the backoff. Longer than any call.
STALE_AFTER = timedelta(minutes=30)
PACING_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Queued:
    campaign_id: uuid.UUID
    calls: int
    in_flight: int  # before this pass queued its calls
    started_last_minute: int


def running_campaigns(factory: sessionmaker[Session]) -> list[uuid.UUID]:
    with factory() as session:
        return list(session.scalars(select(Campaign.id).where(
            Campaign.status == CampaignStatus.RUNNING.value).order_by(Campaign.id)))


def queue_due(factory: sessionmaker[Session], campaign_id: uuid.UUID,
              now: datetime | None = None) -> Queued:
    """Queue as many due calls as the campaign's pacing allows now."""
    with write_session(factory) as session:
        campaign = session.scalars(select(Campaign).where(Campaign.id == campaign_id)
                                   .with_for_update()).first()
        # The time is read once the lock is held: dialers that queued while this one
        # waited did so earlier, so every minute's count includes them.
        at = now or datetime.now(UTC)
        if campaign is None or campaign.status != CampaignStatus.RUNNING.value:
            return Queued(campaign_id, 0, 0, 0)
        in_flight = session.scalar(select(func.count()).select_from(CampaignLead).where(
            CampaignLead.campaign_id == campaign.id,
            CampaignLead.status == dialer_plan.CALLING)) or 0
        started = session.scalar(select(func.count()).select_from(CampaignAttempt).where(
            CampaignAttempt.campaign_id == campaign.id,
            CampaignAttempt.started_at > at - PACING_WINDOW)) or 0
        room = min(campaign.max_concurrent_calls - in_flight,
                   campaign.calls_per_minute - started)
        if room <= 0:
            return Queued(campaign.id, 0, in_flight, started)
        tenant = session.get_one(Tenant, campaign.tenant_id)
        try:
            sender = caller_id(tenant, None)
        except FrontdeskError as exc:
            log.warning("campaign %s cannot call: %s", campaign.id, exc)
            return Queued(campaign.id, 0, in_flight, started)
        leads = dialer_plan.claim_due(session, campaign, at, room)
        request = session.get_one(MeetingRequest, campaign.meeting_request_id)
        drafts: list[Draft] = []
        for lead in leads:
            attempt = CampaignAttempt(
                id=uuid.uuid4(), tenant_id=campaign.tenant_id, campaign_id=campaign.id,
                lead_id=lead.id, number=lead.attempts, started_at=at)
            draft = call_draft(
                campaign.tenant_id, lead.phone_e164, sender, purpose=PURPOSE,
                dedupe_key=f"campaign-call:{lead.id}:{lead.attempts}",
                customer_id=lead.customer_id,
                context={"campaign_id": str(campaign.id), "lead_id": str(lead.id),
                         "attempt_id": str(attempt.id), "attempt": lead.attempts,
                         "meeting_request_id": str(request.id), "topic": request.title,
                         "language": lead.language})
            attempt.outbox_id = draft.id
            session.add(attempt)
            drafts.append(draft)
        write(session, drafts)
        return Queued(campaign.id, len(drafts), in_flight, started)


def sweep_stale(factory: sessionmaker[Session], now: datetime | None = None,
                older_than: timedelta = STALE_AFTER) -> int:
    """Give up waiting on attempts that never got a result; their leads move on."""
    at = now or datetime.now(UTC)
    with write_session(factory) as session:
        stale = list(session.scalars(
            select(CampaignAttempt)
            .join(CampaignLead, CampaignLead.id == CampaignAttempt.lead_id)
            .where(CampaignLead.status == dialer_plan.CALLING,
                   CampaignAttempt.outcome.is_(None), CampaignAttempt.ended_at.is_(None),
                   CampaignAttempt.started_at < at - older_than)
            .limit(500).with_for_update(of=CampaignAttempt, skip_locked=True)))
        for attempt in stale:
            campaign_outcomes.record(session, attempt, None, detail="no result", now=at)
        return len(stale)


def finish_if_done(factory: sessionmaker[Session], campaign_id: uuid.UUID) -> bool:
    """Complete a running campaign with no lead left to call or in a call."""
    with write_session(factory) as session:
        campaign = session.scalars(select(Campaign).where(Campaign.id == campaign_id)
                                   .with_for_update()).first()
        if campaign is None or campaign.status != CampaignStatus.RUNNING.value:
            return False
        left = session.scalar(select(func.count()).select_from(CampaignLead).where(
            CampaignLead.campaign_id == campaign.id,
            CampaignLead.status.in_([dialer_plan.PENDING, dialer_plan.CALLING]))) or 0
        if left:
            return False
        campaign.status = CampaignStatus.COMPLETED.value
        session.flush()
        finished = campaign
        events.emit(session, campaign.tenant_id, "campaign.finished", lambda: {"campaign": {
            "id": str(finished.id), "name": finished.name, "status": finished.status,
            "leads_by_status": dict(session.execute(
                select(CampaignLead.status, func.count()).where(
                    CampaignLead.campaign_id == finished.id).group_by(CampaignLead.status)
            ).all())}}, key=str(campaign.id))
        return True


def next_due_at(factory: sessionmaker[Session]) -> datetime | None:
    """The earliest time a lead of a running campaign falls due (for the dialer's nap)."""
    with factory() as session:
        return session.scalar(
            select(func.min(CampaignLead.next_attempt_at))
            .join(Campaign, Campaign.id == CampaignLead.campaign_id)
            .where(Campaign.status == CampaignStatus.RUNNING.value,
                   CampaignLead.status == dialer_plan.PENDING))
