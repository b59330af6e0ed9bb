"""A campaign's offers and what a person says back, kept on their meeting participant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import meeting_offers
from frontdesk.services.outbound_context import campaign_for
from frontdesk.store.db import write_session
from frontdesk.store.models import MeetingRequest
from tests.conftest import Business
from tests.conversation.campaign_calls import (
    first_monday,
    inside_hard,
    participants,
    place_call,
    set_up_campaign,
)

NY = ZoneInfo("America/New_York")


def test_each_statement_is_added_to_one_participant_row(
        factory: sessionmaker[Session], make_business: Callable[..., Business]) -> None:
    business = make_business()
    now = datetime.combine(first_monday(NY), time(10), tzinfo=NY)
    setup = set_up_campaign(factory, business, now=now)
    conversation_id = place_call(factory, setup, now)
    campaign = campaign_for(factory, business.tenant, conversation_id, "phone", None)
    assert campaign is not None and campaign.lead_id == setup.lead_id
    thursday = meeting_offers.stated_windows(campaign, "Thursday morning", now)
    afternoon = meeting_offers.stated_windows(campaign, "Thursday after 1", now)
    assert thursday and afternoon and thursday[0][1] < afternoon[0][0]
    first = meeting_offers.save_availability(factory, business.tenant, campaign, thursday)
    second = meeting_offers.save_availability(factory, business.tenant, campaign, afternoon)
    assert first is not None and first == second
    [row] = participants(factory, setup)
    stored = [(datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"]))
              for w in row.availability]
    assert stored == sorted(thursday + afternoon)  # both kept, in order, in UTC
    assert all(a.tzinfo is not None and a.utcoffset() == UTC.utcoffset(None) for a, _ in stored)
    # Offers inside what they said lie inside both it and the request's hard constraints.
    for slot in meeting_offers.meeting_slots(factory, business.tenant, campaign, now=now,
                                             within=stored):
        assert inside_hard(slot.start, slot.end, setup.hard)
        assert any(a <= slot.start and slot.end <= b for a, b in stored)


def test_a_closed_request_takes_no_offers_and_no_availability(
        factory: sessionmaker[Session], make_business: Callable[..., Business]) -> None:
    business = make_business()
    now = datetime.combine(first_monday(NY), time(10), tzinfo=NY)
    setup = set_up_campaign(factory, business, now=now)
    conversation_id = place_call(factory, setup, now)
    with write_session(factory) as session:
        session.get_one(MeetingRequest, setup.request_id).status = "fulfilled"
    campaign = campaign_for(factory, business.tenant, conversation_id, "phone", None)
    assert campaign is not None and not campaign.request_open
    assert meeting_offers.meeting_slots(factory, business.tenant, campaign, now=now) == []
    windows = meeting_offers.stated_windows(campaign, "Thursday morning", now)
    assert meeting_offers.save_availability(factory, business.tenant, campaign, windows) is None
    assert participants(factory, setup) == []


def test_another_businesss_conversation_has_no_campaign(
        factory: sessionmaker[Session], make_business: Callable[..., Business]) -> None:
    business, other = make_business(), make_business("clinic")
    now = datetime.combine(first_monday(NY), time(10), tzinfo=NY)
    conversation_id = place_call(factory, set_up_campaign(factory, business, now=now), now)
    assert campaign_for(factory, other.tenant, conversation_id, "phone", None) is None
