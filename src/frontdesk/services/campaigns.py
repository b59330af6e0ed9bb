"""Campaigns: who to contact about a meeting request, how hard to try, and its state.

State moves: draft -> running <-> paused; draft, running or paused -> cancelled; running ->
completed (by the dialer, when no lead is left to try). Asking for the state a campaign
is already in answers it unchanged, so a retried start or pause is harmless.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.errors import Conflict, InvalidInput
from frontdesk.services import dialer_plan
from frontdesk.services.lead_import import ImportReport, import_leads
from frontdesk.services.lead_selection import CustomerFilter, add_customers
from frontdesk.services.lookup import get_scoped, locked_scoped
from frontdesk.store.models import (
    Campaign,
    CampaignLead,
    CampaignStatus,
    MeetingRequest,
    MeetingRequestStatus,
    Tenant,
)

_MOVES: dict[str, dict[str, set[str]]] = {
    "start": {"from": {CampaignStatus.DRAFT.value}, "to": {CampaignStatus.RUNNING.value}},
    "pause": {"from": {CampaignStatus.RUNNING.value}, "to": {CampaignStatus.PAUSED.value}},
    "resume": {"from": {CampaignStatus.PAUSED.value}, "to": {CampaignStatus.RUNNING.value}},
    "cancel": {"from": {CampaignStatus.DRAFT.value, CampaignStatus.RUNNING.value,
                        CampaignStatus.PAUSED.value},
               "to": {CampaignStatus.CANCELLED.value}},
}


@dataclass(frozen=True, slots=True)
class CampaignFields:
    name: str
    meeting_request_id: uuid.UUID
    max_attempts: int = 3
    max_concurrent_calls: int = 2
    calls_per_minute: int = 10
    require_consent: bool = True


def create_campaign(session: Session, tenant: Tenant, fields: CampaignFields) -> Campaign:
    request = get_scoped(session, MeetingRequest, tenant.id, fields.meeting_request_id)
    if request.status != MeetingRequestStatus.OPEN.value:
        raise Conflict(f"The meeting request is {request.status}; a campaign needs an open one.",
                       meeting_request_id=str(request.id))
    campaign = Campaign(
        tenant_id=tenant.id, meeting_request_id=request.id, name=fields.name,
        status=CampaignStatus.DRAFT.value, max_attempts=fields.max_attempts,
        max_concurrent_calls=fields.max_concurrent_calls,
        calls_per_minute=fields.calls_per_minute, require_consent=fields.require_consent)
    session.add(campaign)
    session.flush()
    return campaign


def get_campaign(session: Session, tenant: Tenant, campaign_id: uuid.UUID) -> Campaign:
    return get_scoped(session, Campaign, tenant.id, campaign_id)


def locked_campaign(session: Session, tenant: Tenant, campaign_id: uuid.UUID) -> Campaign:
    return locked_scoped(session, Campaign, tenant.id, campaign_id)


def list_campaigns(session: Session, tenant: Tenant, *, limit: int, offset: int) -> list[Campaign]:
    query = (select(Campaign).where(Campaign.tenant_id == tenant.id)
             .order_by(Campaign.created_at, Campaign.id).limit(limit).offset(offset))
    return list(session.scalars(query))


def move(session: Session, tenant: Tenant, campaign_id: uuid.UUID, action: str, *,
         now: datetime | None = None) -> Campaign:
    """Start, pause, resume or cancel; the state asked for when it already holds is no move."""
    rule = _MOVES.get(action)
    if rule is None:
        raise InvalidInput(f"Unknown action {action!r}.", field="action")
    campaign = locked_campaign(session, tenant, campaign_id)
    if campaign.status in rule["to"]:
        return campaign
    if campaign.status not in rule["from"]:
        raise Conflict(f"A {campaign.status} campaign cannot {action}.",
                       campaign_id=str(campaign.id), campaign_status=campaign.status)
    if action == "start" and not lead_counts(session, campaign):
        raise Conflict("This campaign has no leads yet: import some first.",
                       campaign_id=str(campaign.id))
    (campaign.status,) = rule["to"]
    if campaign.status == CampaignStatus.RUNNING.value:
        # Who may be called when is worked out once, here, and kept on each lead.
        dialer_plan.plan_pending(session, campaign, now or datetime.now(UTC))
    session.flush()
    return campaign


def require_importable(campaign: Campaign) -> None:
    if campaign.status in (CampaignStatus.CANCELLED.value, CampaignStatus.COMPLETED.value):
        raise Conflict(f"A {campaign.status} campaign takes no more leads.",
                       campaign_id=str(campaign.id))


def lead_counts(session: Session, campaign: Campaign) -> dict[str, int]:
    rows = session.execute(select(CampaignLead.status, func.count()).where(
        CampaignLead.campaign_id == campaign.id).group_by(CampaignLead.status))
    return {status: count for status, count in rows}


def list_leads(session: Session, tenant: Tenant, campaign_id: uuid.UUID, *, status: str | None,
               limit: int, offset: int) -> list[CampaignLead]:
    campaign = get_campaign(session, tenant, campaign_id)
    query = select(CampaignLead).where(CampaignLead.campaign_id == campaign.id)
    if status is not None:
        query = query.where(CampaignLead.status == status)
    query = query.order_by(CampaignLead.created_at, CampaignLead.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def import_csv(session: Session, tenant: Tenant, campaign_id: uuid.UUID, text: str) -> ImportReport:
    """Add a CSV file's leads (``lead_import``); in a running campaign they are planned at
    once, so the dialer sees them without a restart."""
    campaign = locked_campaign(session, tenant, campaign_id)
    require_importable(campaign)
    report = import_leads(session, tenant, campaign, text)
    _plan_if_running(session, campaign)
    return report


def add_from_customers(session: Session, tenant: Tenant, campaign_id: uuid.UUID,
                       chosen: CustomerFilter) -> ImportReport:
    """Add the business's customers that match ``chosen`` (``lead_selection``)."""
    campaign = locked_campaign(session, tenant, campaign_id)
    require_importable(campaign)
    report = add_customers(session, tenant, campaign, chosen, datetime.now(UTC))
    _plan_if_running(session, campaign)
    return report


def _plan_if_running(session: Session, campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.RUNNING.value:
        dialer_plan.plan_pending(session, campaign, datetime.now(UTC))
