"""Request keys: one helper fits every door's key into the record and knows a repeat."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.services import request_keys
from tests.conftest import Business


def test_a_short_key_is_kept_as_given() -> None:
    assert request_keys.fit("sms", "SM123") == "sms:SM123"


@pytest.mark.parametrize("raw", ["x" * 61, "x" * 200, "ü" * 100])
def test_a_long_key_is_hashed_to_fit_and_stays_the_same(raw: str) -> None:
    key = request_keys.fit("twilio-status", raw)
    assert len(key) <= request_keys.MAX_LENGTH
    assert key.startswith("twilio-status:")
    assert key == request_keys.fit("twilio-status", raw)
    assert key != request_keys.fit("twilio-status", raw + "y")


def test_a_key_exactly_at_the_limit_is_not_hashed() -> None:
    raw = "a" * (request_keys.MAX_LENGTH - len("sms:"))
    assert request_keys.fit("sms", raw) == f"sms:{raw}"


def test_a_client_key_is_always_hashed() -> None:
    key = request_keys.hashed("chat", "my-key")
    assert key.startswith("chat:") and "my-key" not in key and len(key) == 45


def test_a_prefix_that_leaves_no_room_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="prefix"):
        request_keys.hashed("p" * (request_keys.MAX_PREFIX + 1), "x")


def test_seen_and_reply_to_read_the_record(factory: sessionmaker[Session], biz: Business) -> None:
    agent = Agent(factory)
    conversation = agent.open(biz.tenant, "chat", "keys-1")
    key = request_keys.fit("test", "one")
    with factory() as session:
        assert not request_keys.seen(session, conversation.id, key)
        assert request_keys.reply_to(session, conversation.id, key) is None
    reply = agent.turn(biz.tenant, conversation.id, "What are your hours?", request_key=key)
    with factory() as session:
        assert request_keys.seen(session, conversation.id, key)
        answer = request_keys.reply_to(session, conversation.id, key)
        assert answer is not None and answer.text == reply.text
        assert not request_keys.seen(session, uuid.uuid4(), key)  # keys are per conversation
