"""The customers pages: search and filters, "contact these" for exactly the people on
screen, and a customer's history with the transcript of their conversation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.scheduling.constraints import HardConstraints
from frontdesk.services.customers import CustomerFields, create_customer
from frontdesk.services.meeting_requests import MeetingRequestFields, create_meeting_request
from frontdesk.store.db import write_session
from frontdesk.store.models import Campaign, CampaignLead, Tenant
from tests.api.conftest import auth
from tests.conftest import Business
from tests.dashboard.conftest import Person, form_token, sign_in


def people(factory: sessionmaker[Session], business: Business) -> None:
    now = datetime.now(UTC)
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, business.tenant.id)
        for phone, name, consent in (("+12125550161", "Ada Stone", True),
                                     ("+12125550162", "Ben Stone", True),
                                     ("+12125550163", "Cy Vale", False)):
            create_customer(session, tenant, CustomerFields(phone=phone, name=name,
                                                            call_consent=consent))
        create_meeting_request(session, tenant, MeetingRequestFields(
            title="Annual check-up", resource_id=business.ana.id, duration_minutes=30,
            hard=HardConstraints(window_start=now, window_end=now + timedelta(days=14),
                                 timezone=tenant.timezone)))


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/dashboard/customers/[0-9a-f-]+">([^<]+)</a>', html)


def test_search_then_contact_exactly_those_people(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
    add_user: Callable[..., Person],
) -> None:
    people(factory, biz)
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    everyone = client.get("/dashboard/customers?sort=name")
    assert everyone.status_code == 200
    assert _names(everyone.text) == ["Ada Stone", "Ben Stone", "Cy Vale"]
    stones = client.get("/dashboard/customers?q=stone&sort=name")
    assert _names(stones.text) == ["Ada Stone", "Ben Stone"]
    request_id = re.search(r'<option value="([0-9a-f-]{36})">Annual check-up', stones.text)
    assert request_id is not None
    ids = re.findall(r'name="customer_id" value="([0-9a-f-]+)"', stones.text)
    assert len(ids) == 2
    made = client.post("/dashboard/customers/contact", data={
        "csrf": form_token(stones.text), "name": "Stones", "meeting_request_id":
        request_id.group(1), "customer_id": ids}, follow_redirects=False)
    assert (made.status_code, made.headers["location"]) == (303, "/dashboard/campaigns")
    with factory() as session:
        campaign = session.scalars(select(Campaign).where(Campaign.name == "Stones")).one()
        phones = sorted(session.scalars(select(CampaignLead.phone_e164).where(
            CampaignLead.campaign_id == campaign.id)))
    assert campaign.status == "draft" and phones == ["+12125550161", "+12125550162"]


def test_a_customers_page_shows_their_conversation_and_no_one_elses(
    client: TestClient, make_business: Callable[..., Business],
    add_user: Callable[..., Person],
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    made = client.post("/api/v1/customers", headers=auth(salon),
                       json={"phone": "+12125550171", "name": "Dee Lane"})
    assert made.status_code == 201, made.text
    chat = client.post("/api/v1/chat", headers=auth(salon), json={
        "message": "Hi, I'd like a haircut", "caller_phone": "+12125550171",
        "caller_phone_verified": True})
    assert chat.status_code == 200, chat.text
    who = made.json()
    add_user(salon, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    page = client.get(f"/dashboard/customers/{who['id']}")
    assert page.status_code == 200
    assert "I&#39;d like a haircut" in page.text or "I'd like a haircut" in page.text
    assert "Assistant" in page.text and "Customer" in page.text
    client.cookies.clear()
    add_user(clinic, "owner@clinic.example")
    sign_in(client, "owner@clinic.example")
    assert client.get(f"/dashboard/customers/{who['id']}").status_code == 404
    assert "+12125550171" not in client.get("/dashboard/customers").text
