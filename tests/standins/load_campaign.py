"""A campaign built for load runs (the four-worker test, the throughput benchmark): one
business with a number, one meeting request, N leads with consent, callable right now.

The numbers are Japanese, a country without a holiday calendar here, so no run falls on
a holiday; the leads' zone is one that reads 09:00-19:00 now (one zone per 2-3 hours of
offset below, so there always is one), well inside the 08:00-21:00 window for the few
minutes a run lasts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.scheduling.constraints import HardConstraints
from frontdesk.services import campaigns
from frontdesk.services.catalog import ResourceFields, save_resource
from frontdesk.services.lead_import import import_leads
from frontdesk.services.meeting_requests import MeetingRequestFields, create_meeting_request
from frontdesk.services.tenants import TenantFields, create_tenant
from frontdesk.store.db import write_session
from frontdesk.store.models import Campaign, TenantPhoneNumber

BUSINESS_NUMBER = "+12125550100"
ZONES = ["Pacific/Kiritimati", "Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo",
         "Asia/Bangkok", "Asia/Kolkata", "Asia/Dubai", "Europe/Athens", "Europe/Madrid",
         "UTC", "America/Sao_Paulo", "America/New_York", "America/Chicago",
         "America/Los_Angeles", "Pacific/Honolulu", "Pacific/Pago_Pago"]


def zone_in_hours(now: datetime) -> str:
    return next(z for z in ZONES if 9 <= now.astimezone(ZoneInfo(z)).hour < 19)


def load_campaign(factory: sessionmaker[Session], leads: int, *, max_concurrent: int,
                  calls_per_minute: int, max_attempts: int = 1) -> Campaign:
    now = datetime.now(UTC)
    zone = zone_in_hours(now)
    with write_session(factory) as session:
        tenant = create_tenant(session, "callers", TenantFields(name="Callers",
                                                                  timezone="UTC"))
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=BUSINESS_NUMBER))
        ana = save_resource(session, tenant, ResourceFields(name="Ana"))
        request = create_meeting_request(session, tenant, MeetingRequestFields(
            title="a demo", resource_id=ana.id, duration_minutes=30,
            hard=HardConstraints(window_start=now, window_end=now + timedelta(days=14),
                                 timezone="UTC")))
        campaign = campaigns.create_campaign(session, tenant, campaigns.CampaignFields(
            name="Load", meeting_request_id=request.id, max_attempts=max_attempts,
            max_concurrent_calls=max_concurrent, calls_per_minute=calls_per_minute))
        rows = "".join(f"+8135555{i:04d},{zone},2026-01-01\n" for i in range(leads))
        report = import_leads(session, tenant, campaign,
                              "phone,timezone,consent date\n" + rows, today=date(2026, 1, 2))
        assert report.imported == leads, report.errors[:3]
        return campaign
