"""Property: whatever the leads, zones, DST days, holidays and outcomes, the dialer never
queues a call outside the lead's local 08:00-21:00, on a public holiday of the number's
country, to a number on a do-not-call list, without consent it requires, or past the
attempt limit; and never a second call to a lead while one is in flight.

The dialer's real transactions run (``campaign_dialing.queue_due`` on SQLite and
PostgreSQL) at a random sequence of instants starting on DST-change days and holidays;
every in-flight call then ends with a random outcome. The oracle below reads each queued
attempt on its own, from the rows, with the lead's wall clock.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.outreach import Outcome
from frontdesk.outreach.holidays import is_public_holiday
from frontdesk.scheduling.constraints import HardConstraints
from frontdesk.services import campaign_dialing, campaign_outcomes, campaigns, do_not_call
from frontdesk.services.lead_import import import_leads
from frontdesk.services.meeting_requests import MeetingRequestFields, create_meeting_request
from frontdesk.store.db import write_session
from frontdesk.store.models import CampaignAttempt, CampaignLead, Tenant, TenantPhoneNumber
from tests.conftest import Business
from tests.outreach.strategies import INTERESTING_DAYS, ZONES

# Numbers of countries with holiday calendars (and one without: Japan), one per lead.
PHONES = ["+12125550{:03d}", "+14165550{:03d}", "+44207946{:04d}", "+3491123{:04d}",
          "+5255123{:05d}", "+8131234{:04d}"]
OPENS, CLOSES = time(8), time(21)
_serial = itertools.count()


@st.composite
def leads(draw: st.DrawFn) -> list[dict[str, object]]:
    count = draw(st.integers(1, 6))
    rows = []
    for index in range(count):
        phone = draw(st.sampled_from(PHONES)).format(100 + index)
        rows.append({
            "phone": phone,
            "timezone": draw(st.sampled_from(ZONES)),
            "consent": draw(st.booleans() | st.just(True)),
            "server_dnc": draw(st.integers(0, 3)) == 0,
        })
    return rows


@st.composite
def runs(draw: st.DrawFn) -> tuple[datetime, list[timedelta], list[Outcome]]:
    day = draw(st.sampled_from(INTERESTING_DAYS))
    start = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(0, 24 * 60 - 1)))
    steps = draw(st.lists(st.integers(1, 18 * 60).map(lambda m: timedelta(minutes=m)),
                          min_size=3, max_size=12))
    outcomes = draw(st.lists(st.sampled_from(list(Outcome)), min_size=40, max_size=40))
    return start, steps, outcomes


def _csv(rows: list[dict[str, object]]) -> str:
    lines = ["phone,timezone,consent date"]
    lines += [f"{r['phone']},{r['timezone']},{'2026-01-01' if r['consent'] else ''}"
              for r in rows]
    return "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(people=leads(), run=runs(), max_attempts=st.integers(1, 4),
       require_consent=st.booleans())
def test_no_call_is_ever_queued_that_the_rules_forbid(
    factory: sessionmaker[Session], make_business: Callable[..., Business],
    people: list[dict[str, object]], run: tuple[datetime, list[timedelta], list[Outcome]],
    max_attempts: int, require_consent: bool,
) -> None:
    start, steps, outcomes = run
    business = make_business(f"shop{next(_serial)}")
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, business.tenant.id)
        session.add(TenantPhoneNumber(tenant_id=tenant.id,
                                      number_e164=f"+1646555{next(_serial) % 10000:04d}"))
        request = create_meeting_request(session, tenant, MeetingRequestFields(
            resource_id=business.ana.id, duration_minutes=30, hard=HardConstraints(
                window_start=start, window_end=start + timedelta(days=30),
                timezone=tenant.timezone)))
        campaign = campaigns.create_campaign(session, tenant, campaigns.CampaignFields(
            name="p", meeting_request_id=request.id, max_attempts=max_attempts,
            max_concurrent_calls=3, calls_per_minute=1000, require_consent=require_consent))
        import_leads(session, tenant, campaign, _csv(people), today=date(2026, 1, 1))
        for person in people:
            if person["server_dnc"]:
                do_not_call.add(session, str(person["phone"]), "registry")
        campaigns.move(session, tenant, campaign.id, "start", now=start)
    blocked = {str(p["phone"]) for p in people if p["server_dnc"]}
    no_consent = {str(p["phone"]) for p in people if not p["consent"]}
    outcome_of = iter(outcomes * 10)
    now = start
    for step in [timedelta(0), *steps]:
        now += step
        campaign_dialing.queue_due(factory, campaign.id, now)
        with write_session(factory) as session:  # every call in flight ends now
            open_attempts = session.scalars(select(CampaignAttempt).where(
                CampaignAttempt.campaign_id == campaign.id,
                CampaignAttempt.ended_at.is_(None))).all()
            for attempt in open_attempts:
                outcome = next(outcome_of)
                callback = now + timedelta(hours=20) \
                    if outcome is Outcome.CALLBACK_REQUESTED else None
                campaign_outcomes.record(session, attempt, outcome, callback_at=callback,
                                         now=now + timedelta(minutes=3))
    with factory() as session:
        lead_rows = {lead.id: lead for lead in session.scalars(
            select(CampaignLead).where(CampaignLead.campaign_id == campaign.id))}
        attempts = session.scalars(select(CampaignAttempt).where(
            CampaignAttempt.campaign_id == campaign.id).order_by(
            CampaignAttempt.lead_id, CampaignAttempt.number)).all()
    for attempt in attempts:
        lead = lead_rows[attempt.lead_id]
        local = attempt.started_at.astimezone(ZoneInfo(lead.timezone))
        region = phonenumbers.region_code_for_number(phonenumbers.parse(lead.phone_e164))
        assert OPENS <= local.time() < CLOSES, (lead.phone_e164, local)
        assert not is_public_holiday(region, local.date()), (lead.phone_e164, local)
        assert lead.phone_e164 not in blocked
        assert not (require_consent and lead.phone_e164 in no_consent)
        assert attempt.number <= max_attempts
    event(f"calls queued: {min(len(attempts), 5)}{'+' if len(attempts) >= 5 else ''}")
    by_lead = itertools.groupby(attempts, key=lambda a: a.lead_id)
    for _, history in by_lead:
        calls = list(history)
        assert [a.number for a in calls] == list(range(1, len(calls) + 1))
        for earlier, later in itertools.pairwise(calls):
            assert earlier.ended_at is not None and later.started_at >= earlier.ended_at
            if earlier.outcome in {"booked", "declined", "wrong_number", "opted_out"}:
                raise AssertionError(f"called again after {earlier.outcome}")
