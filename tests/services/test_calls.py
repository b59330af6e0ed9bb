"""Call records: which conversation a call is, its events once, how it ended."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.services import calls
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, TenantPhoneNumber
from tests.conftest import Business

NUMBER, CUSTOMER = "+12125550100", "+12125550177"


@pytest.fixture
def line(biz: Business, factory: sessionmaker[Session]) -> Business:
    with write_session(factory) as session:
        session.add(TenantPhoneNumber(tenant_id=biz.tenant.id, number_e164=NUMBER))
    return biz


def test_a_call_is_found_by_either_side_of_it(line: Business,
                                              factory: sessionmaker[Session]) -> None:
    conversation = Agent(factory).open(line.tenant, calls.CHANNEL, "CA1")
    found = calls.find_call(factory, "CA1", [NUMBER, CUSTOMER])
    assert found is not None and found[1].id == conversation.id
    # A call the business placed: the business is the caller, the second number.
    found = calls.find_call(factory, "CA1", [CUSTOMER, NUMBER])
    assert found is not None and found[0].id == line.tenant.id
    assert calls.find_call(factory, "CA2", [NUMBER]) is None
    assert calls.find_call(factory, "CA1", [CUSTOMER]) is None


def test_a_call_is_found_by_its_id_alone(line: Business, make_business: Any,
                                        factory: sessionmaker[Session]) -> None:
    conversation = Agent(factory).open(line.tenant, calls.CHANNEL, "v3:one")
    found = calls.call_by_id(factory, "v3:one")
    assert found is not None
    assert (found[0].id, found[1].id) == (line.tenant.id, conversation.id)
    assert calls.call_by_id(factory, "v3:other") is None
    Agent(factory).open(line.tenant, "sms", "v3:texted")  # not a call
    assert calls.call_by_id(factory, "v3:texted") is None
    # Two businesses with one call id: not ours to guess which.
    Agent(factory).open(make_business("clinic").tenant, calls.CHANNEL, "v3:one")
    assert calls.call_by_id(factory, "v3:one") is None


def test_an_event_is_kept_once_per_key(line: Business, factory: sessionmaker[Session]) -> None:
    conversation = Agent(factory).open(line.tenant, calls.CHANNEL, "CA1")
    ringing = calls.CallStatus("ringing", datetime(2030, 1, 1, 12, tzinfo=UTC), sequence=0)
    assert calls.record_status(factory, conversation.id, "k:ringing", ringing)
    assert not calls.record_status(factory, conversation.id, "k:ringing", ringing)
    assert calls.record_event(factory, conversation.id, "k:other", "call.answered")
    assert calls.event_seen(factory, conversation.id, "k:other")
    with factory() as session:
        assert calls.timeline(session, conversation.id) == [
            {"status": "ringing", "at": "2030-01-01T12:00:00+00:00", "duration": None,
             "sequence": 0}, {}]


def test_last_said_repeats_the_agent(line: Business, factory: sessionmaker[Session]) -> None:
    agent = Agent(factory)
    conversation = agent.open(line.tenant, calls.CHANNEL, "CA1")
    assert calls.last_said(factory, conversation.id) == ("", "en")
    greeting = agent.greet(line.tenant, conversation.id)
    assert calls.last_said(factory, conversation.id) == (greeting.text, greeting.lang)


def test_an_outcome_set_at_the_end_is_kept(line: Business,
                                           factory: sessionmaker[Session]) -> None:
    agent = Agent(factory)
    conversation = agent.open(line.tenant, calls.CHANNEL, "CA1")
    calls.end_with(factory, line.tenant, conversation.id, "voicemail")
    calls.end_with(factory, line.tenant, conversation.id, "voicemail")  # a retry
    agent.end(line.tenant, conversation.id)  # the hang-up that follows
    with factory() as session:
        row = session.get_one(Conversation, conversation.id)
        assert row.outcome == "voicemail" and row.ended_at is not None
