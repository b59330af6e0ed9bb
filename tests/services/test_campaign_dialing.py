"""The dialer's transactions: calls queued as outbox rows within the campaign's pacing,
outcomes moving leads on (retry, callback, conclusion, opt-out), the SMS follow-up, the
sweep of attempts that never got a result, and completion."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.outreach import Outcome
from frontdesk.scheduling.constraints import HardConstraints
from frontdesk.services import campaign_dialing, campaign_outcomes, campaigns
from frontdesk.services.lead_import import import_leads
from frontdesk.services.meeting_requests import MeetingRequestFields, create_meeting_request
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Campaign,
    CampaignAttempt,
    CampaignLead,
    CampaignStatus,
    Customer,
    OutboxMessage,
    Tenant,
    TenantPhoneNumber,
)
from tests.conftest import Business

NEW_YORK = ZoneInfo("America/New_York")
# Friday 2027-03-05 18:30 in New York.
NOW = datetime(2027, 3, 5, 23, 30, tzinfo=UTC)
NUMBER = "+12125550100"
CSV = """name,phone,consent date,sms opt in
Ann Lee,+1 212 555 0141,2027-01-02,yes
Bo Diaz,+1 212 555 0142,2027-01-02,no
Cy Park,+1 212 555 0143,2027-01-02,
Di Ross,+1 212 555 0144,2027-01-02,yes
"""


def _campaign(factory: sessionmaker[Session], business: Business, **fields: int) -> Campaign:
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, business.tenant.id)
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=NUMBER))
        request = create_meeting_request(session, tenant, MeetingRequestFields(
            title="your annual check-up", resource_id=business.ana.id, duration_minutes=30,
            hard=HardConstraints(window_start=NOW, window_end=NOW + timedelta(days=14),
                                 timezone=tenant.timezone)))
        campaign = campaigns.create_campaign(session, tenant, campaigns.CampaignFields(
            name="Check-ups", meeting_request_id=request.id,
            **({"max_concurrent_calls": 2, "calls_per_minute": 3} | fields)))
        assert import_leads(session, tenant, campaign, CSV, today=date(2027, 3, 1)).imported == 4
        campaigns.move(session, tenant, campaign.id, "start", now=NOW)
        return campaign


def _attempts(factory: sessionmaker[Session]) -> list[CampaignAttempt]:
    with factory() as session:
        return list(session.scalars(select(CampaignAttempt).order_by(
            CampaignAttempt.started_at, CampaignAttempt.id)))


def _lead(factory: sessionmaker[Session], lead_id: object) -> CampaignLead:
    with factory() as session:
        return session.get_one(CampaignLead, lead_id)


def _end(factory: sessionmaker[Session], attempt: CampaignAttempt, outcome: Outcome | None,
         *, at: datetime = NOW, callback_at: datetime | None = None) -> None:
    with write_session(factory) as session:
        row = session.get_one(CampaignAttempt, attempt.id)
        assert campaign_outcomes.record(session, row, outcome, callback_at=callback_at, now=at)


def test_calls_are_queued_as_outbox_rows_within_concurrency_and_calls_per_minute(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    campaign = _campaign(factory, make_business())
    first = campaign_dialing.queue_due(factory, campaign.id, NOW)
    assert (first.calls, first.in_flight) == (2, 0)  # max_concurrent_calls
    assert campaign_dialing.queue_due(factory, campaign.id, NOW).calls == 0  # both in flight
    attempts = _attempts(factory)
    with factory() as session:
        rows = session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "call")).all()
    assert {row.id for row in rows} == {a.outbox_id for a in attempts}
    for row, attempt in zip(sorted(rows, key=lambda r: str(r.id)),
                            sorted(attempts, key=lambda a: str(a.outbox_id)), strict=True):
        lead = _lead(factory, attempt.lead_id)
        assert row.payload["to"] == row.recipient == lead.phone_e164
        assert row.payload["from"] == NUMBER
        assert row.payload["context"]["attempt_id"] == str(attempt.id)
        assert row.payload["context"]["topic"] == "your annual check-up"
        assert row.dedupe_key == f"campaign-call:{lead.id}:1"
        assert (lead.status, lead.attempts, attempt.number) == ("calling", 1, 1)
    for attempt in attempts:
        _end(factory, attempt, Outcome.NO_ANSWER)
    # Two calls started in the last minute of a three-a-minute campaign: room for one.
    again = campaign_dialing.queue_due(factory, campaign.id, NOW + timedelta(seconds=30))
    assert (again.calls, again.started_last_minute) == (1, 2)
    later = campaign_dialing.queue_due(factory, campaign.id, NOW + timedelta(seconds=95))
    assert later.calls == 1  # the fourth lead; the others wait out their backoff


def test_a_missed_call_is_retried_after_the_backoff_inside_the_next_window(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    campaign = _campaign(factory, make_business())
    campaign_dialing.queue_due(factory, campaign.id, NOW)
    attempt = _attempts(factory)[0]
    _end(factory, attempt, Outcome.NO_ANSWER)
    lead = _lead(factory, attempt.lead_id)
    # 18:30 + 4 h is 22:30, past the 21:00 close: Saturday's 08:00 in New York.
    assert lead.status == "pending" and lead.last_outcome == "no_answer"
    assert lead.next_attempt_at == datetime(2027, 3, 6, 8, 0, tzinfo=NEW_YORK)


def test_a_callback_request_sets_the_next_attempt_to_the_time_asked_for(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    campaign = _campaign(factory, make_business())
    campaign_dialing.queue_due(factory, campaign.id, NOW)
    attempt = _attempts(factory)[0]
    monday_3pm = datetime(2027, 3, 8, 15, 0, tzinfo=NEW_YORK)
    _end(factory, attempt, Outcome.CALLBACK_REQUESTED, callback_at=monday_3pm)
    lead = _lead(factory, attempt.lead_id)
    assert (lead.status, lead.next_attempt_at) == ("pending", monday_3pm)
    assert _attempts(factory)[0].callback_at == monday_3pm


def test_concluding_outcomes_end_the_lead_and_an_opt_out_lands_on_the_customer(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    campaign = _campaign(factory, make_business())
    campaign_dialing.queue_due(factory, campaign.id, NOW)
    booked, opted = _attempts(factory)
    _end(factory, booked, Outcome.BOOKED)
    _end(factory, opted, Outcome.OPTED_OUT)
    assert _lead(factory, booked.lead_id).status == "booked"
    lead = _lead(factory, opted.lead_id)
    assert (lead.status, lead.next_attempt_at) == ("opted_out", None)
    with factory() as session:
        customer = session.get_one(Customer, lead.customer_id)
        assert customer.do_not_call and not customer.call_consent
    # The first outcome is kept: a later "completed" status changes nothing.
    with write_session(factory) as session:
        row = session.get_one(CampaignAttempt, booked.id)
        assert not campaign_outcomes.record(session, row, Outcome.NO_ANSWER)
    assert _lead(factory, booked.lead_id).status == "booked"


def test_the_attempt_limit_ends_the_lead(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    campaign = _campaign(factory, make_business(), max_attempts=1)
    campaign_dialing.queue_due(factory, campaign.id, NOW)
    attempt = _attempts(factory)[0]
    _end(factory, attempt, Outcome.BUSY)
    assert _lead(factory, attempt.lead_id).status == "max_attempts"


def test_leads_who_opted_in_get_one_follow_up_text_after_missed_calls(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    campaign = _campaign(factory, make_business(), max_concurrent_calls=4,
                         calls_per_minute=10)
    campaign_dialing.queue_due(factory, campaign.id, NOW)
    for attempt in _attempts(factory):
        _end(factory, attempt, Outcome.VOICEMAIL)
    with factory() as session:
        texts = session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "sms")).all()
    assert sorted(t.recipient for t in texts) == ["+12125550141", "+12125550144"]
    assert all("Reply with a time" in t.payload["body"] and "STOP" in t.payload["body"]
               and t.payload["from"] == NUMBER for t in texts)
    assert any(t.payload["body"].startswith("Hi Ann,") for t in texts)
    # A second missed call does not text again.
    tomorrow = datetime(2027, 3, 6, 13, 0, tzinfo=UTC)
    assert campaign_dialing.queue_due(factory, campaign.id, tomorrow).calls == 4
    for attempt in _attempts(factory)[4:]:
        _end(factory, attempt, Outcome.NO_ANSWER, at=tomorrow)
    with factory() as session:
        assert len(session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "sms")).all()) == 2


def test_an_attempt_that_never_gets_a_result_is_swept_and_the_lead_retried_later(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    campaign = _campaign(factory, make_business())
    campaign_dialing.queue_due(factory, campaign.id, NOW)
    assert campaign_dialing.sweep_stale(factory, NOW + timedelta(minutes=10)) == 0
    assert campaign_dialing.sweep_stale(factory, NOW + timedelta(minutes=31)) == 2
    for attempt in _attempts(factory):
        assert attempt.outcome is None and attempt.detail == "no result"
        lead = _lead(factory, attempt.lead_id)
        assert lead.status == "pending" and lead.last_outcome == "no_result"
        assert lead.next_attempt_at == datetime(2027, 3, 6, 8, 0, tzinfo=NEW_YORK)
    # A late result still lands on the attempt; a concluding one still ends the lead.
    late = _attempts(factory)[0]
    _end(factory, late, Outcome.BOOKED)
    assert _lead(factory, late.lead_id).status == "booked"


def test_a_campaign_with_nobody_left_to_call_completes(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    campaign = _campaign(factory, make_business(), max_concurrent_calls=4,
                         calls_per_minute=10)
    campaign_dialing.queue_due(factory, campaign.id, NOW)
    attempts = _attempts(factory)
    for attempt in attempts[:3]:
        _end(factory, attempt, Outcome.DECLINED)
    assert not campaign_dialing.finish_if_done(factory, campaign.id)  # one still in a call
    _end(factory, attempts[3], Outcome.WRONG_NUMBER)
    assert campaign_dialing.finish_if_done(factory, campaign.id)
    with factory() as session:
        assert session.get_one(Campaign, campaign.id).status == CampaignStatus.COMPLETED.value


def test_a_paused_campaign_queues_nothing(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    business = make_business()
    campaign = _campaign(factory, business)
    with write_session(factory) as session:
        campaigns.move(session, session.get_one(Tenant, business.tenant.id), campaign.id,
                       "pause")
    assert campaign_dialing.queue_due(factory, campaign.id, NOW).calls == 0
    assert campaign_dialing.running_campaigns(factory) == []
