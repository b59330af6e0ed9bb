"""Outbound campaigns: create, import leads from CSV, start, pause, resume, cancel."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from sqlalchemy.orm import Session

from frontdesk.api.campaign_schemas import (
    CampaignIn,
    CampaignOut,
    CustomerFilterIn,
    ImportReportOut,
    LeadOut,
)
from frontdesk.api.csv_body import csv_body_doc, read_csv_body
from frontdesk.services import campaigns
from frontdesk.services.lead_selection import CustomerFilter
from frontdesk.services.records import Campaign, write_session
from frontdesk.web import bounds
from frontdesk.web.deps import FactoryDep, SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])

_CSV_BODY = csv_body_doc("name,phone,email,timezone,language,consent date,tags\n"
                         "Ana Ruiz,+1 212 555 0142,ana@example.com,,es,2026-11-02,vip;spring\n")


@router.post("", response_model=CampaignOut, status_code=status.HTTP_201_CREATED)
def create(body: CampaignIn, tenant: TenantDep, factory: FactoryDep) -> CampaignOut:
    with write_session(factory) as session:
        campaign = campaigns.create_campaign(
            session, tenant, campaigns.CampaignFields(**body.model_dump()))
        return _out(session, campaign)


@router.get("", response_model=list[CampaignOut])
def list_all(
    tenant: TenantDep, session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=bounds.MAX_OFFSET)] = 0,
) -> list[CampaignOut]:
    return [_out(session, c)
            for c in campaigns.list_campaigns(session, tenant, limit=limit, offset=offset)]


@router.get("/{campaign_id}", response_model=CampaignOut)
def get(campaign_id: uuid.UUID, tenant: TenantDep, session: SessionDep) -> CampaignOut:
    return _out(session, campaigns.get_campaign(session, tenant, campaign_id))


@router.post("/{campaign_id}/leads/import", response_model=ImportReportOut,
             openapi_extra=_CSV_BODY)
async def import_csv(campaign_id: uuid.UUID, request: Request, tenant: TenantDep,
                     factory: FactoryDep) -> ImportReportOut:
    """Add leads from a CSV file (the body; read as CSV whatever its content type).
    Good rows are imported; each bad one is reported with its line and reason."""
    text = await read_csv_body(request)
    with write_session(factory) as session:
        report = campaigns.import_csv(session, tenant, campaign_id, text)
    return ImportReportOut.model_validate(asdict(report))


@router.post("/{campaign_id}/leads/from-customers", response_model=ImportReportOut)
def from_customers(campaign_id: uuid.UUID, body: CustomerFilterIn, tenant: TenantDep,
                   factory: FactoryDep) -> ImportReportOut:
    """Add the business's own customers that match the filter and are not in yet."""
    with write_session(factory) as session:
        report = campaigns.add_from_customers(session, tenant, campaign_id,
                                              CustomerFilter(**body.model_dump()))
    return ImportReportOut.model_validate(asdict(report))


@router.get("/{campaign_id}/leads", response_model=list[LeadOut])
def leads(
    campaign_id: uuid.UUID, tenant: TenantDep, session: SessionDep,
    status_: Annotated[str | None, Query(alias="status", max_length=24)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=bounds.MAX_OFFSET)] = 0,
) -> list[LeadOut]:
    rows = campaigns.list_leads(session, tenant, campaign_id, status=status_, limit=limit,
                                offset=offset)
    return [LeadOut(id=r.id, customer_id=r.customer_id, phone=r.phone_e164,
                    timezone=r.timezone, language=r.language, consent_at=r.consent_at,
                    tags=list(r.tags), status=r.status, attempts=r.attempts,
                    next_attempt_at=r.next_attempt_at, last_outcome=r.last_outcome)
            for r in rows]


@router.post("/{campaign_id}/{action}", response_model=CampaignOut)
def act(campaign_id: uuid.UUID, action: Literal["start", "pause", "resume", "cancel"],
        tenant: TenantDep, factory: FactoryDep) -> CampaignOut:
    with write_session(factory) as session:
        return _out(session, campaigns.move(session, tenant, campaign_id, action))


def _out(session: Session, campaign: Campaign) -> CampaignOut:
    return CampaignOut.model_validate({
        "id": campaign.id, "name": campaign.name,
        "meeting_request_id": campaign.meeting_request_id, "status": campaign.status,
        "max_attempts": campaign.max_attempts,
        "max_concurrent_calls": campaign.max_concurrent_calls,
        "calls_per_minute": campaign.calls_per_minute,
        "require_consent": campaign.require_consent,
        "leads": campaigns.lead_counts(session, campaign),
        "created_at": campaign.created_at, "updated_at": campaign.updated_at,
    })
