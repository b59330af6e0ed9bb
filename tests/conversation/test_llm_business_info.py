"""The LLM driver and what the business tells callers, against the wire-format stand-in:
the facts are in its prompt, and the business_info tool answers only the business's own
words (found=false, with a note to offer a person, when it said nothing)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.conversation.llm import LLMBrain
from frontdesk.services.tenants import TenantFields, apply_tenant_fields
from frontdesk.store.db import write_session
from frontdesk.store.models import Service, Tenant
from tests.conftest import Business
from tests.conversation.standin_openai import StandIn

NOW = datetime(2030, 6, 3, 8, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def biz(factory: sessionmaker[Session], make_business: Callable[..., Business]) -> Business:
    biz = make_business()
    with write_session(factory) as session:
        row = session.get_one(Tenant, biz.tenant.id)
        apply_tenant_fields(session, row, TenantFields(
            info={"address": {"en": "1 Main St", "es": "Calle Mayor 1"}},
            faq=[{"question": {"en": "Do you sell gift cards?"},
                  "answer": {"en": "Yes, at the front desk."}}],
            required_fields=["date_of_birth"]))
        session.get_one(Service, biz.haircut.id).price_cents = 4500
        biz.tenant.info, biz.tenant.faq = row.info, row.faq
        biz.tenant.required_fields = row.required_fields
    return biz


def _chat(
    factory: sessionmaker[Session], standin: StandIn, biz: Business
) -> tuple[Agent, uuid.UUID]:
    brain = LLMBrain(base_url=standin.url, model="standin-model", api_key="", timeout_s=5.0)
    agent = Agent(factory, brain=brain, clock=lambda: NOW.astimezone(UTC))
    conversation = agent.open(biz.tenant, "chat", f"chat-{uuid.uuid4().hex[:8]}")
    return agent, conversation.id


def test_the_prompt_carries_the_facts_prices_and_the_rule_not_to_guess(
    factory: sessionmaker[Session], standin: StandIn, biz: Business
) -> None:
    agent, cid = _chat(factory, standin, biz)
    standin.reply("We're at 1 Main St.")
    agent.turn(biz.tenant, cid, "where are you?")
    prompt = standin.system_prompt(0)
    assert "address: 1 Main St" in prompt
    assert "Haircut (30 min, $45" in prompt and "Coloring (90 min, price not given" in prompt
    assert "required before booking (pass to book): date_of_birth" in prompt
    assert "Never guess" in prompt
    assert "business_info" in standin.tool_names(0)


def test_the_tool_answers_the_business_words_or_says_it_has_none(
    factory: sessionmaker[Session], standin: StandIn, biz: Business
) -> None:
    agent, cid = _chat(factory, standin, biz)
    standin.call_tools(("business_info", {"topic": "faq", "question": "sell gift certificates?"}),
                       ("business_info", {"topic": "parking"}),
                       ("business_info", {"topic": "address", "language": "es"}),
                       ("business_info", {"topic": "prices"}))
    standin.reply("Yes, we sell gift cards at the front desk.")
    reply = agent.turn(biz.tenant, cid, "do you sell gift certificates, and is there parking?")
    assert reply.engine == "llm"
    faq, parking, address, prices = standin.tool_results(1)
    assert faq["found"] and faq["text"] == "Yes, at the front desk." and faq["match"] >= 0.5
    assert not parking["found"] and parking["text"] is None and "person" in parking["note"]
    assert address["text"] == "Calle Mayor 1"
    assert prices["text"] == "Haircut: $45 (no price given for Coloring)"


def test_a_bad_topic_is_refused_by_the_shared_argument_check(
    factory: sessionmaker[Session], standin: StandIn, biz: Business
) -> None:
    agent, cid = _chat(factory, standin, biz)
    standin.call_tools(("business_info", {"topic": "wifi"}))
    standin.reply("I'm not sure; shall I connect you with someone?")
    agent.turn(biz.tenant, cid, "do you have wifi?")
    [result] = standin.tool_results(1)
    assert result["ok"] is False and result["error"] == "invalid_arguments"
