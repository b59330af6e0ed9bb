"""The campaigns page: each campaign's progress from its leads, and pause/resume."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.scheduling.constraints import HardConstraints
from frontdesk.services import campaigns
from frontdesk.services.lead_import import import_leads
from frontdesk.services.meeting_requests import MeetingRequestFields, create_meeting_request
from frontdesk.store.db import write_session
from frontdesk.store.models import CampaignLead, Tenant, UserRole
from tests.conftest import Business
from tests.dashboard.conftest import Person, form_token, sign_in

OUTCOMES = [("booked", "booked", 1), ("declined", "declined", 1),
            ("pending", "callback_requested", 1), ("pending", "no_answer", 2),
            ("pending", None, 0), ("calling", None, 1)]


def make_campaign(factory: sessionmaker[Session], business: Business) -> str:
    """A running campaign of six leads, in the states a morning of calls leaves."""
    now = datetime.now(UTC)
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, business.tenant.id)
        request = create_meeting_request(session, tenant, MeetingRequestFields(
            title="Spring check-ups", resource_id=business.ana.id, duration_minutes=30,
            hard=HardConstraints(window_start=now, window_end=now + timedelta(days=14),
                                 timezone=tenant.timezone)))
        campaign = campaigns.create_campaign(session, tenant, campaigns.CampaignFields(
            name="Spring", meeting_request_id=request.id))
        rows = "".join(f"+1 212 555 01{40 + i},2026-01-01\n" for i in range(len(OUTCOMES)))
        import_leads(session, tenant, campaign, "phone,consent date\n" + rows,
                     today=date(2026, 1, 2))
        campaigns.move(session, tenant, campaign.id, "start")
        leads = session.scalars(select(CampaignLead).where(
            CampaignLead.campaign_id == campaign.id).order_by(CampaignLead.phone_e164)).all()
        for lead, (status, outcome, attempts) in zip(leads, OUTCOMES, strict=True):
            lead.status, lead.last_outcome, lead.attempts = status, outcome, attempts
        return str(campaign.id)


def _stats(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", html)}


def test_progress_is_counted_from_the_leads_and_a_campaign_pauses_and_resumes(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
    add_user: Callable[..., Person],
) -> None:
    campaign_id = make_campaign(factory, biz)
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    page = client.get("/dashboard/campaigns")
    assert page.status_code == 200 and "Spring check-ups" in page.text
    assert _stats(page.text) == {"Leads": 6, "Contacted": 5, "Reached": 3, "Booked": 1,
                                 "Declined": 1, "Callbacks": 1, "Opted out": 0,
                                 "Remaining": 4}
    paused = client.post(f"/dashboard/campaigns/{campaign_id}/pause",
                         data={"csrf": form_token(page.text)}, follow_redirects=False)
    assert (paused.status_code, paused.headers["location"]) == (303, "/dashboard/campaigns")
    page = client.get("/dashboard/campaigns")
    assert "paused" in page.text and ">Resume<" in page.text
    again = client.post(f"/dashboard/campaigns/{campaign_id}/resume",
                        data={"csrf": form_token(page.text)}, follow_redirects=False)
    assert again.status_code == 303 and ">Pause<" in client.get("/dashboard/campaigns").text


def test_staff_and_other_businesses_cannot_touch_a_campaign(
    client: TestClient, make_business: Callable[..., Business],
    factory: sessionmaker[Session], add_user: Callable[..., Person],
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    campaign_id = make_campaign(factory, salon)
    add_user(salon, "ana@salon.example", role=UserRole.STAFF, resource_id=salon.ana.id)
    sign_in(client, "ana@salon.example")
    assert client.get("/dashboard/campaigns").status_code == 403
    home = client.get("/dashboard")
    staff = client.post(f"/dashboard/campaigns/{campaign_id}/pause",
                        data={"csrf": form_token(home.text)})
    assert staff.status_code == 403
    client.cookies.clear()
    add_user(clinic, "owner@clinic.example")
    sign_in(client, "owner@clinic.example")
    page = client.get("/dashboard/campaigns")
    assert "Spring" not in page.text
    other = client.post(f"/dashboard/campaigns/{campaign_id}/pause",
                        data={"csrf": form_token(page.text)})
    assert other.status_code == 404
    with factory() as session:  # nothing changed
        assert campaigns.get_campaign(session, session.get_one(Tenant, salon.tenant.id),
                                      uuid.UUID(campaign_id)).status == "running"
