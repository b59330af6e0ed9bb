"""The dialer's plan: each lead's first allowed instant (or refusal) kept on the lead, and
due leads claimed once each by concurrent dialers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.scheduling.constraints import HardConstraints
from frontdesk.services import campaigns, dialer_plan, do_not_call
from frontdesk.services.customers import CustomerFields, create_customer
from frontdesk.services.lead_import import import_leads
from frontdesk.services.meeting_requests import MeetingRequestFields, create_meeting_request
from frontdesk.store.db import write_session
from frontdesk.store.models import Campaign, CampaignLead, Tenant
from tests.conftest import Business

# Friday 2027-03-05 23:30 UTC: 18:30 in New York, 15:30 in Los Angeles, 00:30 Saturday in
# Madrid (outside every window there).
NOW = datetime(2027, 3, 5, 23, 30, tzinfo=UTC)
CSV = """name,phone,timezone,consent date
New York,+1 212 555 0142,,2027-01-02
Los Angeles,+1 310 555 0100,,2027-01-02
Madrid,+34 911 234 568,,2027-01-02
No consent,+1 646 555 0101,,
Listed,+1 646 555 0102,,2027-01-02
Opted out,+1 646 555 0103,,2027-01-02
"""


def _campaign(factory: sessionmaker[Session], business: Business) -> Campaign:
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, business.tenant.id)
        request = create_meeting_request(session, tenant, MeetingRequestFields(
            resource_id=business.ana.id, duration_minutes=30, hard=HardConstraints(
                window_start=NOW, window_end=NOW + timedelta(days=14),
                timezone=tenant.timezone)))
        create_customer(session, tenant, CustomerFields(phone="+16465550103",
                                                        do_not_call=True))
        campaign = campaigns.create_campaign(session, tenant, campaigns.CampaignFields(
            name="Spring", meeting_request_id=request.id))
        report = import_leads(session, tenant, campaign, CSV, today=date(2027, 3, 1))
        assert report.imported == 6, report
        do_not_call.add(session, "+16465550102", "registry")
        campaigns.move(session, tenant, campaign.id, "start", now=NOW)
        return campaign


def test_starting_a_campaign_gives_each_lead_its_time_or_its_reason(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    campaign = _campaign(factory, make_business())
    with factory() as session:
        leads = {lead.phone_e164: lead for lead in session.scalars(
            select(CampaignLead).where(CampaignLead.campaign_id == campaign.id))}
    ny, la, madrid = leads["+12125550142"], leads["+13105550100"], leads["+34911234568"]
    assert ny.status == la.status == madrid.status == "pending"
    assert ny.next_attempt_at == NOW  # 18:30 in New York: inside 08:00-21:00
    assert la.next_attempt_at == NOW
    # Madrid: 00:30 on Saturday; the window opens at 08:00 local time.
    assert madrid.next_attempt_at is not None
    assert madrid.next_attempt_at.astimezone(ZoneInfo("Europe/Madrid")) == datetime(
        2027, 3, 6, 8, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    assert leads["+16465550101"].status == "no_consent"
    assert leads["+16465550102"].status == "do_not_call"
    assert leads["+16465550103"].status == "opted_out"
    assert all(leads[p].next_attempt_at is None
               for p in ("+16465550101", "+16465550102", "+16465550103"))


def test_due_leads_are_claimed_once_each_and_checked_again_at_claim_time(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    campaign = _campaign(factory, make_business())
    with write_session(factory) as session:  # New York asked the business to stop since
        do_not_call.add(session, "+12125550142", "complaint")
    claimed: list[set[str]] = []

    def dialer() -> None:  # two at once: on SQLite they queue, on PostgreSQL they skip
        with write_session(factory) as session:
            mine = session.get_one(Campaign, campaign.id)
            claimed.append({lead.phone_e164 for lead in
                            dialer_plan.claim_due(session, mine, NOW, limit=10)})

    threads = [threading.Thread(target=dialer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(map(sorted, claimed)) in ([[], ["+13105550100"]], [["+13105550100"], []])
    with factory() as session:
        leads = {lead.phone_e164: lead for lead in session.scalars(select(CampaignLead))}
    ny, la = leads["+12125550142"], leads["+13105550100"]
    assert ny.status == "do_not_call" and ny.next_attempt_at is None
    assert (la.status, la.attempts, la.next_attempt_at) == ("calling", 1, None)
