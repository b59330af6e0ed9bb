"""A running campaign with one lead, and its call placed the way the dialer places it
(queued by ``campaign_dialing.queue_due``, recorded by ``call_dials``), for the outbound
conversation's tests; the channel tests drive the same campaign through real webhooks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.scheduling.constraints import HardConstraints, SoftConstraints
from frontdesk.services import call_dials, campaign_dialing, campaigns
from frontdesk.services.lead_import import import_leads
from frontdesk.services.meeting_requests import MeetingRequestFields, create_meeting_request
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    CampaignAttempt,
    CampaignLead,
    Customer,
    MeetingParticipant,
    OutboxMessage,
    Tenant,
    TenantPhoneNumber,
)
from tests.conftest import Business

BUSINESS_NUMBER = "+12125550100"
LEAD_PHONE = "+12125550177"


@dataclass(frozen=True)
class CampaignSetUp:
    campaign_id: uuid.UUID
    request_id: uuid.UUID
    lead_id: uuid.UUID
    customer_id: uuid.UUID
    hard: HardConstraints
    soft: SoftConstraints


def first_monday(tz: ZoneInfo, weeks_ahead: int = 2) -> date:
    """A Monday a few weeks ahead (no US public holiday falls on those we use)."""
    day = datetime.now(tz).date() + timedelta(days=7 * weeks_ahead)
    return day + timedelta(days=(0 - day.weekday()) % 7)


def constraints(tz: ZoneInfo, start: datetime) -> tuple[HardConstraints, SoftConstraints]:
    """Two weeks from ``start``: Tuesdays and Thursdays 10:00-14:00 only, the first
    Tuesday excluded; preferably mornings."""
    first_tuesday = start.date() + timedelta(days=(1 - start.weekday()) % 7)
    hard = HardConstraints(
        window_start=start, window_end=start + timedelta(days=14), timezone=str(tz),
        days_of_week=frozenset({"tuesday", "thursday"}), earliest_time=time(10),
        latest_time=time(14), exclude_dates=frozenset({first_tuesday}))
    return hard, SoftConstraints(parts_of_day=frozenset({"morning"}))


def set_up_campaign(
    factory: sessionmaker[Session],
    business: Business,
    *,
    now: datetime,
    language: str = "en",
    lead_tz: str = "America/New_York",
    name: str = "Alex Smith",
    phone: str = LEAD_PHONE,
    title: str = "your annual check-up",
    sms_opt_in: bool = False,
    with_service: bool = True,
) -> CampaignSetUp:
    """A running campaign about a meeting request with Ana, and its one lead."""
    hard, soft = constraints(business.tz, now)
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, business.tenant.id)
        tenant.languages = ["en", "es"]
        if not tenant.phone_numbers:
            session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=BUSINESS_NUMBER))
            session.flush()
            session.refresh(tenant)
        request = create_meeting_request(session, tenant, MeetingRequestFields(
            title=title, resource_id=business.ana.id,
            service_id=business.haircut.id if with_service else None,
            duration_minutes=30, hard=hard, soft=soft))
        campaign = campaigns.create_campaign(session, tenant, campaigns.CampaignFields(
            name="Check-ups", meeting_request_id=request.id))
        csv = ("name,phone,timezone,language,consent date\n"
               f"{name},{phone},{lead_tz},{language},{(now - timedelta(days=30)).date()}\n")
        report = import_leads(session, tenant, campaign, csv, today=now.date())
        assert report.imported == 1, report
        lead = session.scalars(select(CampaignLead).where(
            CampaignLead.campaign_id == campaign.id)).one()
        lead.sms_opt_in = sms_opt_in
        campaigns.move(session, tenant, campaign.id, "start", now=now)
        return CampaignSetUp(campaign.id, request.id, lead.id, lead.customer_id, hard, soft)


def place_call(factory: sessionmaker[Session], setup: CampaignSetUp, now: datetime,
               call_sid: str | None = None) -> uuid.UUID:
    """The dialer queues the lead's call and the sender records it placed; the call's
    conversation (what the voice webhooks find by the call id)."""
    queued = campaign_dialing.queue_due(factory, setup.campaign_id, now=now)
    assert queued.calls == 1, queued
    with factory() as session:
        attempt = session.scalars(select(CampaignAttempt).where(
            CampaignAttempt.lead_id == setup.lead_id, CampaignAttempt.outcome.is_(None))).one()
        message = session.get_one(OutboxMessage, attempt.outbox_id)
        payload: dict[str, Any] = dict(message.payload)
        tenant_id = message.tenant_id
    dial = call_dials.begin_dial(factory, message.id, tenant_id, payload["to"], payload["from"])
    assert dial.owned
    return call_dials.record_placed(factory, message.id, call_sid or "CA" + uuid.uuid4().hex,
                                    "twilio")


def attempts(factory: sessionmaker[Session], setup: CampaignSetUp) -> list[CampaignAttempt]:
    with factory() as session:
        return list(session.scalars(select(CampaignAttempt).where(
            CampaignAttempt.lead_id == setup.lead_id).order_by(CampaignAttempt.number)))


def lead(factory: sessionmaker[Session], setup: CampaignSetUp) -> CampaignLead:
    with factory() as session:
        return session.get_one(CampaignLead, setup.lead_id)


def customer(factory: sessionmaker[Session], setup: CampaignSetUp) -> Customer:
    with factory() as session:
        return session.get_one(Customer, setup.customer_id)


def participants(factory: sessionmaker[Session], setup: CampaignSetUp) -> list[MeetingParticipant]:
    with factory() as session:
        return list(session.scalars(select(MeetingParticipant).where(
            MeetingParticipant.meeting_request_id == setup.request_id)))


def inside_hard(start: datetime, end: datetime, hard: HardConstraints) -> bool:
    """The whole meeting lies inside the hard constraints (checked by hand, not by the
    function under test)."""
    local_start, local_end = start.astimezone(hard.zone()), end.astimezone(hard.zone())
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    assert hard.earliest_time is not None and hard.latest_time is not None
    return (hard.window_start <= start and end <= hard.window_end
            and local_start.date() == local_end.date()
            and names[local_start.weekday()] in (hard.days_of_week or names)
            and local_start.date() not in hard.exclude_dates
            and hard.earliest_time <= local_start.time()
            and local_end.time() <= hard.latest_time)


def utc(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """A stored UTC time (SQLite gives it back without its zone)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
