"""The demo's leads: callable, by the product's own rule, at the moment the demo runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import pytest

from frontdesk.campaign_demo.leads import US_ZONES, leads_csv, make_leads
from frontdesk.outreach import ContactPolicy, Lead, check_contact_at
from frontdesk.services.lead_import import ImportReport, read_rows
from frontdesk.store.models import Tenant

A_WEDNESDAY = datetime(2027, 3, 10, tzinfo=UTC)  # no public holiday anywhere near


@pytest.mark.parametrize("hour", range(24))
def test_every_lead_may_be_called_now_whatever_the_hour(hour: int) -> None:
    at = A_WEDNESDAY + timedelta(hours=hour, minutes=17)
    leads, abroad = make_leads(at, seed=12)
    assert len(leads) == 20 and len({lead.phone for lead in leads}) == 20
    for lead in leads:
        number = phonenumbers.parse(lead.phone)
        assert phonenumbers.is_valid_number(number)
        assert lead.phone[5:10] == "55501"  # 555-01xx, the fiction range
        facts = Lead(lead.phone, ZoneInfo(lead.timezone), country="US",
                     consent_at=datetime.combine(lead.consent, datetime.min.time(), UTC))
        assert check_contact_at(facts, ContactPolicy(), at, frozenset()) is None
        assert lead.consent < at.date()
    # Abroad only when no US zone is open.
    us_open = [zone for zone in US_ZONES if check_contact_at(
        Lead("+13125550100", ZoneInfo(zone), country="US", consent_at=at - timedelta(days=9)),
        ContactPolicy(), at, frozenset()) is None]
    assert abroad == (not us_open)
    assert abroad or {lead.timezone for lead in leads} <= set(us_open)


def test_on_a_us_holiday_in_every_open_zone_nobody_is_made_up() -> None:
    leads, _ = make_leads(datetime(2027, 7, 5, 16, tzinfo=UTC), seed=12)  # Independence
    assert leads == []  # Day observed: Monday 5 July 2027


def test_the_csv_reads_cleanly_through_the_import() -> None:
    at = A_WEDNESDAY + timedelta(hours=15)
    leads, _ = make_leads(at, seed=3)
    tenant = Tenant(slug="t", name="T", timezone="America/New_York", country="US")
    report = ImportReport()
    rows = read_rows(tenant, leads_csv(leads), report, at.date())
    assert report.errors == [] and report.warnings == [] and report.skipped == []
    assert [(r.phone, r.timezone, r.name, r.consent) for r in rows] == [
        (lead.phone, lead.timezone, lead.name, lead.consent) for lead in leads]
    assert {r.language for r in rows} == {"en", "es"}
