"""An LLM rewords a finished conversation's analysis through the outbox's "analysis"
channel, against the local OpenAI-compatible stand-in (real HTTP): what it may change
is taken, the facts are kept, and any failure leaves the rules' analysis, final, with
the reason. The final hook runs once per ending whichever way it went."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.circuit import Policy, breaker
from frontdesk.conversation.llm_analysis import LLMAnalyst
from frontdesk.delivery.analysis_sender import AnalysisSender
from frontdesk.delivery.worker import deliver_due
from frontdesk.services import conversation_analysis
from frontdesk.store.models import Conversation, OutboxMessage, Tenant
from tests.conftest import Business
from tests.conversation.standin_openai import StandIn
from tests.services.analysis_chats import book_and_leave, row, send

GOOD = {"summary": "Alex booked a haircut for Wednesday at ten; friendly and quick.",
        "intent": "book", "success": True,
        "success_rationale": "The caller got the time they asked for.",
        "transfer_reason": None}


@pytest.fixture
def finals(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def record(session: Session, tenant: Tenant, conversation: Conversation) -> None:
        calls.append(dict(conversation.analysis or {}))

    monkeypatch.setattr(conversation_analysis, "analysis_final", record)
    yield calls


def _senders(factory: sessionmaker[Session], standin: StandIn) -> dict[str, AnalysisSender]:
    analyst = LLMAnalyst(base_url=standin.url, model="analyst", timeout_s=5)
    return {"analysis": AnalysisSender(factory, analyst)}


def _ended_with_llm(client: TestClient, biz: Business) -> str:
    client.app.state.agent.refine_analysis = True  # type: ignore[attr-defined]
    out, _ = book_and_leave(client, biz)
    return str(out["conversation_id"])


def test_the_llm_rewords_the_analysis_and_keeps_the_facts(
        client: TestClient, biz: Business, factory: sessionmaker[Session], standin: StandIn,
        finals: list[dict[str, Any]]) -> None:
    conversation_id = _ended_with_llm(client, biz)
    rules = row(factory, conversation_id).analysis
    assert rules is not None
    # The model tries to change what it may not: the writes fix intent and success.
    standin.reply(json.dumps(GOOD | {"intent": "info", "success": False}))
    deliver_due(factory, _senders(factory, standin))
    final = row(factory, conversation_id).analysis
    assert final is not None
    assert (final["engine"], final["status"], final["llm_error"]) == ("llm", "final", None)
    assert final["summary"] == GOOD["summary"]
    assert final["success_rationale"] == GOOD["success_rationale"]
    assert final["intent"] == "book" and final["success"] is True
    for fact in ("outcome", "booked_times", "appointments", "customer_id", "ending"):
        assert final[fact] == rules[fact], fact
    asked = standin.requests[0]
    assert asked["response_format"] == {"type": "json_object"}
    shown = json.loads(asked["messages"][1]["content"])
    assert shown["facts"]["outcome"] == "booked" and shown["transcript"]
    assert [f["status"] for f in finals] == ["final"] and finals[0]["engine"] == "llm"
    # A redelivery (at least once) neither asks again nor makes it final twice.
    again = conversation_analysis.finish_refinement(
        factory, biz.tenant.id, uuid.UUID(conversation_id), final["ending"],
        proposal=GOOD, error=None)
    assert again == "superseded" and len(finals) == 1


def test_the_llm_may_judge_a_transfer(
        client: TestClient, biz: Business, factory: sessionmaker[Session], standin: StandIn,
        finals: list[dict[str, Any]]) -> None:
    client.app.state.agent.refine_analysis = True  # type: ignore[attr-defined]
    out = send(client, biz, "Can I speak to a person please?")
    standin.reply("```json\n" + json.dumps(GOOD | {
        "intent": "other", "success": False, "transfer_reason": "wanted a manager"}) + "\n```")
    deliver_due(factory, _senders(factory, standin))
    final = row(factory, out["conversation_id"]).analysis
    assert final is not None and final["engine"] == "llm"
    assert (final["success"], final["success_basis"]) == (False, "llm_judgement")
    assert final["intent"] == "other" and final["transfer_reason"] == "wanted a manager"
    assert final["outcome"] == "transferred" and len(finals) == 1


@pytest.mark.parametrize(("answer", "error"), [
    ("Sure! The caller booked a haircut.", "not json"),
    (json.dumps({"summary": "", "intent": "book"}), "invalid: summary"),
    (json.dumps(GOOD | {"intent": "gossip"}), "invalid: intent"),
])
def test_an_unusable_answer_leaves_the_rules_analysis_final(
        client: TestClient, biz: Business, factory: sessionmaker[Session], standin: StandIn,
        finals: list[dict[str, Any]], answer: str, error: str) -> None:
    conversation_id = _ended_with_llm(client, biz)
    rules = row(factory, conversation_id).analysis
    standin.reply(answer)
    deliver_due(factory, _senders(factory, standin))
    final = row(factory, conversation_id).analysis
    assert final is not None and rules is not None
    assert (final["engine"], final["status"]) == ("rules", "final")
    assert final["llm_error"].startswith(error), final["llm_error"]
    assert final["summary"] == rules["summary"]
    assert len(finals) == 1 and finals[0]["llm_error"] == final["llm_error"]


def test_a_model_that_stays_down_is_retried_then_the_rules_stand(
        client: TestClient, biz: Business, factory: sessionmaker[Session], standin: StandIn,
        finals: list[dict[str, Any]]) -> None:
    conversation_id = _ended_with_llm(client, biz)
    senders = _senders(factory, standin)
    now = datetime.now(UTC)
    with factory() as session:
        message_id = session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.channel == "analysis")).one()
    for attempt in range(conversation_analysis.REFINE_ATTEMPTS):
        standin.fail(503)
        report = deliver_due(factory, senders, now=now + timedelta(hours=attempt))
        last = attempt == conversation_analysis.REFINE_ATTEMPTS - 1
        assert (message_id in report.sent, message_id in report.retrying) == (last, not last)
        assert len(finals) == (1 if last else 0)
    final = row(factory, conversation_id).analysis
    assert final is not None and final["status"] == "final" and final["llm_error"] == "http 503"
    with factory() as session:
        message = session.get_one(OutboxMessage, message_id)
    assert message.status == "sent" and message.attempts == conversation_analysis.REFINE_ATTEMPTS


def test_a_refinement_for_a_resumed_conversation_is_dropped(
        client: TestClient, biz: Business, factory: sessionmaker[Session], standin: StandIn,
        finals: list[dict[str, Any]]) -> None:
    client.app.state.agent.refine_analysis = True  # type: ignore[attr-defined]
    out = send(client, biz, "What are your opening hours?")
    client.app.state.agent.end(biz.tenant, uuid.UUID(out["conversation_id"]))  # type: ignore[attr-defined]
    send(client, biz, "Actually, one more thing", out["session_id"])  # resumed: live again
    deliver_due(factory, _senders(factory, standin))
    assert standin.requests == []  # the model was not asked
    assert finals == []


def test_a_model_known_to_be_down_is_not_asked_and_the_rules_stand_at_once(
        client: TestClient, biz: Business, factory: sessionmaker[Session], standin: StandIn,
        finals: list[dict[str, Any]]) -> None:
    """The turns' LLM breaker is open (the model failed them): the refinement does not
    wait out its retries against it; the rules' analysis is final on the first try."""
    conversation_id = _ended_with_llm(client, biz)
    guard = breaker("llm", standin.url)
    for _ in range(Policy().failures):
        guard.failed()
    asked = len(standin.requests)
    with factory() as session:
        message_id = session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.channel == "analysis")).one()
    report = deliver_due(factory, _senders(factory, standin))
    assert message_id in report.sent and message_id not in report.retrying
    assert len(standin.requests) == asked  # not a single request to the model
    final = row(factory, conversation_id).analysis
    assert final is not None and final["status"] == "final" and final["engine"] == "rules"
    assert final["llm_error"].startswith("circuit open")
    assert len(finals) == 1
