"""A broken LLM is never invisible: when the rules answer a turn the LLM was configured
to answer, the reason (timeout, HTTP status, invalid tool call, refused connection...)
is logged as a warning and kept on the turn's record."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.services.conversations import turns
from frontdesk.store.models import ConversationTurn
from tests.conftest import Business
from tests.conversation.standin_openai import StandIn
from tests.conversation.test_llm import book_args, make_agent, open_chat

AGENT_LOG = "frontdesk.conversation.agent"
ASK = "Hi, I'd like a haircut on June 4th at 10am"


@pytest.fixture
def biz(make_business: Callable[..., Business]) -> Business:
    return make_business()


def _answers(factory: sessionmaker[Session], cid: uuid.UUID) -> list[ConversationTurn]:
    with factory() as session:
        return [t for t in turns(session, cid) if t.role == "assistant"]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == AGENT_LOG and r.levelno == logging.WARNING]


FAILURES: dict[str, tuple[Callable[[StandIn], None], str]] = {
    "timeout": (lambda s: s.hang(1.0), "timeout"),
    "status-500": (lambda s: s.fail(500), "http 500"),
    "status-401": (lambda s: s.fail(401, "Incorrect API key provided"), "http 401"),
    "invalid-tool-call": (lambda s: s.call_tools(("", {"service_id": "x"})), "invalid tool call"),
    "garbage": (lambda s: s.garbage(b"data: {not json\n\n", content_type="text/event-stream"),
                "malformed reply"),
    "empty-reply": (lambda s: s.reply(""), "empty reply"),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_fallback_is_logged_and_recorded_with_its_reason(
        factory: sessionmaker[Session], biz: Business, standin: StandIn,
        caplog: pytest.LogCaptureFixture, failure: str) -> None:
    script, reason = FAILURES[failure]
    agent = make_agent(factory, standin, timeout_s=0.4)
    cid = open_chat(agent, biz)
    script(standin)

    with caplog.at_level(logging.INFO, logger=AGENT_LOG):
        reply = agent.turn(biz.tenant, cid, ASK)

    assert (reply.engine, reply.fallback_reason) == ("rules", reason)
    [warning] = _warnings(caplog)
    assert f": {reason} (" in warning and str(cid) in warning
    [answer] = _answers(factory, cid)
    assert (answer.engine, answer.fallback_reason) == ("rules", reason)


def test_a_refused_connection_is_named(factory: sessionmaker[Session], biz: Business,
                                       caplog: pytest.LogCaptureFixture) -> None:
    """A misconfigured URL (nothing listens there) says so in the log and the record."""
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = StandIn()
    closed.port = port
    agent = make_agent(factory, closed)
    cid = open_chat(agent, biz)

    with caplog.at_level(logging.INFO, logger=AGENT_LOG):
        reply = agent.turn(biz.tenant, cid, ASK)

    assert (reply.engine, reply.fallback_reason) == ("rules", "connection refused")
    assert "connection refused" in _warnings(caplog)[0]
    assert _answers(factory, cid)[0].fallback_reason == "connection refused"


def test_a_healthy_turn_records_no_fallback(factory: sessionmaker[Session], biz: Business,
                                            standin: StandIn,
                                            caplog: pytest.LogCaptureFixture) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.reply("Sure, what day suits you?")

    with caplog.at_level(logging.INFO, logger=AGENT_LOG):
        reply = agent.turn(biz.tenant, cid, "I need a haircut")

    assert (reply.engine, reply.fallback_reason) == ("llm", None)
    assert _warnings(caplog) == []
    assert [(a.engine, a.fallback_reason) for a in _answers(factory, cid)] == [("llm", None)]


def test_a_failure_after_booking_is_logged_and_recorded(
        factory: sessionmaker[Session], biz: Business, standin: StandIn,
        caplog: pytest.LogCaptureFixture) -> None:
    """The tool result confirms the booking (the rules would not know of it), but the
    model's failure still shows."""
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.call_tools(("book", book_args(biz)))
    standin.fail(503)

    with caplog.at_level(logging.INFO, logger=AGENT_LOG):
        reply = agent.turn(biz.tenant, cid, "Yes, book it")

    assert (reply.engine, reply.outcome, reply.fallback_reason) == ("llm", "booked", "http 503")
    assert "http 503" in _warnings(caplog)[0]
    assert _answers(factory, cid)[0].fallback_reason == "http 503"


def test_an_opt_out_left_to_the_rules_is_recorded_not_warned(
        factory: sessionmaker[Session], biz: Business, standin: StandIn,
        caplog: pytest.LogCaptureFixture) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)

    with caplog.at_level(logging.INFO, logger=AGENT_LOG):
        reply = agent.turn(biz.tenant, cid, "STOP")

    assert (reply.engine, reply.outcome) == ("rules", "opted_out")
    assert _warnings(caplog) == []
    assert any("deferred" in r.getMessage() for r in caplog.records if r.name == AGENT_LOG)
    assert _answers(factory, cid)[0].fallback_reason == "deferred to the rules"


def test_the_transcript_api_shows_why_the_rules_answered(engine: Engine, biz: Business) -> None:
    """The business sees it too: GET /api/v1/conversations/{id} carries the reason."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(environment="test", llm_base_url=f"http://127.0.0.1:{port}/v1",
                        llm_timeout_s=2)
    with TestClient(create_app(settings, engine=engine)) as client:
        headers = {"Authorization": f"Bearer {biz.api_key}"}
        chat = client.post("/api/v1/chat", json={"message": ASK}, headers=headers).json()
        record = client.get(f"/api/v1/conversations/{chat['conversation_id']}",
                            headers=headers).json()
    answers = [t for t in record["turns"] if t["role"] == "assistant"]
    assert [t["fallback_reason"] for t in answers] == ["connection refused"]
