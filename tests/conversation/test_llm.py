"""The LLM driver end to end: Agent -> official SDK -> HTTP -> a scripted stand-in server.

The stand-in plays the model; the tools, booking service and database are real. Each
test asserts what must hold whatever a model says: appointments exist only when a tool
made them, outcomes come from tool results, and a broken model hands the turn to the
deterministic engine.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.llm import DeferredToRules, LLMBrain, LLMUnavailable, UnbackedClaim
from frontdesk.conversation.state import DialogueState
from frontdesk.conversation.tools import TOOL_MODELS
from frontdesk.nlu.types import Understanding
from frontdesk.services.customers import CustomerFields, upsert_by_phone
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, Conversation
from tests.conftest import Business
from tests.conversation.standin_openai import StandIn

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2030, 6, 3, 8, 0, tzinfo=ZONE)  # a Monday morning, before opening
TUESDAY = date(2030, 6, 4)
PHONE = "+12125550199"


@pytest.fixture
def biz(make_business: Callable[..., Business]) -> Business:
    return make_business()


class RecordingBrain(LLMBrain):
    """The driver, keeping what it raised (the Agent swallows it and asks the rules)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.raised: list[Exception] = []

    def respond(self, state: DialogueState, u: Understanding, ctx: TurnContext,
                history: list[tuple[str, str]]) -> Decision:
        try:
            return super().respond(state, u, ctx, history)
        except Exception as exc:
            self.raised.append(exc)
            raise


def make_agent(factory: sessionmaker[Session], standin: StandIn, **options: Any) -> Agent:
    options.setdefault("timeout_s", 5.0)
    brain = RecordingBrain(base_url=standin.url, model="standin-model", api_key="", **options)
    return Agent(factory, brain=brain, clock=lambda: NOW.astimezone(UTC))


def raised(agent: Agent) -> list[type[Exception]]:
    assert isinstance(agent.brain, RecordingBrain)
    return [type(e) for e in agent.brain.raised]


def open_chat(agent: Agent, biz: Business, caller_phone: str | None = None) -> uuid.UUID:
    conversation = agent.open(biz.tenant, "chat", f"chat-{uuid.uuid4().hex[:8]}",
                              caller_phone=caller_phone, caller_verified=caller_phone is not None)
    return conversation.id


def appointments(factory: sessionmaker[Session], biz: Business) -> list[Appointment]:
    with factory() as session:
        return list(session.scalars(select(Appointment).where(
            Appointment.tenant_id == biz.tenant.id)))


def slots_args(biz: Business, day: date = TUESDAY, **extra: Any) -> dict[str, Any]:
    return {"service_id": str(biz.haircut.id), "start": biz.at(day, 9).isoformat(),
            "end": biz.at(day, 12).isoformat(), **extra}


def book_args(biz: Business, hour: int = 10, **extra: Any) -> dict[str, Any]:
    return {"service_id": str(biz.haircut.id), "start": biz.at(TUESDAY, hour).isoformat(),
            "customer_name": "Alex Smith", "customer_phone": PHONE, **extra}


# --- the happy paths ----------------------------------------------------------------------


def test_model_finds_open_slots_before_offering(factory: sessionmaker[Session],
                                                biz: Business, standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.call_tools(("find_open_slots", slots_args(biz)))
    standin.reply("On Tuesday I have 9, 10:20 or 11:40 AM. Which works best?")

    reply = agent.turn(biz.tenant, cid, "Can I get a haircut Tuesday morning?")

    assert reply.engine == "llm"
    assert reply.text == "On Tuesday I have 9, 10:20 or 11:40 AM. Which works best?"
    assert reply.outcome is None
    assert len(standin.requests) == 2
    [result] = standin.tool_results(1)
    assert result["ok"] and 1 <= len(result["slots"]) <= 3
    sent = standin.requests[1]["messages"]
    call = next(m for m in sent if m["role"] == "assistant" and m.get("tool_calls"))
    tool = next(m for m in sent if m["role"] == "tool")
    assert tool["tool_call_id"] == call["tool_calls"][0]["id"]
    assert json.loads(call["tool_calls"][0]["function"]["arguments"]) == slots_args(biz)
    # The state follows the tools, so the rules could carry on from here.
    assert reply.state["offered"] == [s["start"] for s in result["slots"]]
    assert reply.state["service_id"] == str(biz.haircut.id)
    assert appointments(factory, biz) == []


def test_model_books_a_real_appointment(factory: sessionmaker[Session], biz: Business,
                                        standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.call_tools(("book", book_args(biz)))
    standin.reply("You're booked for a haircut on Tuesday at 10 AM with Ana. Anything else?")

    reply = agent.turn(biz.tenant, cid, "Yes, please book it.")

    assert reply.engine == "llm"
    assert reply.outcome == "booked"
    [appointment] = appointments(factory, biz)
    assert reply.appointment_id == str(appointment.id)
    assert appointment.start_at.astimezone(ZONE) == biz.at(TUESDAY, 10)
    assert appointment.idempotency_key == f"{cid}:llm:0:1"
    with factory() as session:
        assert session.get_one(Conversation, cid).outcome == "booked"


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "plain-json"])
def test_tool_call_deltas_are_reassembled(factory: sessionmaker[Session], biz: Business,
                                          standin: StandIn, stream: bool) -> None:
    """Two parallel calls, arguments cut into 3-character deltas and interleaved."""
    agent = make_agent(factory, standin, stream=stream)
    cid = open_chat(agent, biz)
    wednesday = slots_args(biz, date(2030, 6, 5), part_of_day=["morning"])
    standin.call_tools(("find_open_slots", slots_args(biz)), ("find_open_slots", wednesday),
                       text="Let me check. ", piece=3)
    standin.reply("Tuesday or Wednesday morning both work. Which day suits you?", piece=3)

    reply = agent.turn(biz.tenant, cid, "Haircut Tuesday or Wednesday morning?")

    assert reply.text == "Tuesday or Wednesday morning both work. Which day suits you?"
    assert standin.requests[0].get("stream", False) is stream
    results = standin.tool_results(1)
    assert [r["ok"] for r in results] == [True, True]
    assert {r["slots"][0]["start"][:10] for r in results} == {"2030-06-04", "2030-06-05"}
    sent = next(m for m in standin.requests[1]["messages"] if m.get("tool_calls"))
    assert [json.loads(c["function"]["arguments"]) for c in sent["tool_calls"]] == [
        slots_args(biz), wednesday]


def test_transfer_to_human_ends_the_turn(factory: sessionmaker[Session], biz: Business,
                                         standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.call_tools(("transfer_to_human", {"reason": "caller asked for a person"}))
    standin.reply("Of course, connecting you now.")

    reply = agent.turn(biz.tenant, cid, "Can I speak to a person?")

    assert (reply.outcome, reply.transfer, reply.end) == ("transferred", True, True)
    assert reply.engine == "llm"


# --- what the model is told -----------------------------------------------------------------


def test_system_prompt_carries_business_date_hours_and_services(
        factory: sessionmaker[Session], biz: Business, standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.reply("Sure, which day would you like?")

    agent.turn(biz.tenant, cid, "I'd like a haircut")

    prompt = standin.system_prompt()
    assert biz.tenant.name in prompt
    assert "Monday, June 3, 2030" in prompt and "America/New_York" in prompt
    assert "UTC-04:00" in prompt
    assert f"Haircut (30 min, price not given; also called corte): id {biz.haircut.id}" in prompt
    assert f"Coloring (90 min, price not given): id {biz.coloring.id}" in prompt
    assert "Monday: 09:00-17:00" in prompt and "Sunday: closed" in prompt
    assert "answer in English" in prompt
    assert "phone number" in prompt  # no caller ID on chat: ask for one
    assert set(standin.tool_names()) == set(TOOL_MODELS)
    assert standin.requests[0]["messages"][-1] == {"role": "user",
                                                   "content": "I'd like a haircut"}


def test_spanish_turn_asks_for_spanish(factory: sessionmaker[Session], biz: Business,
                                       standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.reply("Claro, ¿a qué hora le viene bien?")

    reply = agent.turn(biz.tenant, cid, "Hola, quiero un corte de pelo el martes")

    assert reply.lang == "es"
    assert "answer in Spanish" in standin.system_prompt()


def test_known_caller_is_named_in_the_prompt(factory: sessionmaker[Session], biz: Business,
                                             standin: StandIn) -> None:
    with write_session(factory) as session:
        upsert_by_phone(session, biz.tenant, CustomerFields(phone=PHONE, name="Alex Smith"))
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz, caller_phone=PHONE)
    standin.reply("Hi Alex, what can I do for you?")

    agent.turn(biz.tenant, cid, "Hi there")

    prompt = standin.system_prompt()
    assert f"Caller ID: {PHONE}" in prompt
    assert "verified by caller ID: Alex Smith" in prompt


def test_earlier_offers_reach_the_next_turn(factory: sessionmaker[Session], biz: Business,
                                            standin: StandIn) -> None:
    """The model sees only words of earlier turns; the exact offered starts come via state."""
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.call_tools(("find_open_slots", slots_args(biz)))
    standin.reply("I have 9, 10:20 or 11:40. Which one?")
    first = agent.turn(biz.tenant, cid, "Haircut Tuesday morning")
    standin.reply("Great. What name should I put it under?")

    agent.turn(biz.tenant, cid, "The first one")

    assert first.state["offered"][0] in standin.system_prompt(2)
    roles = [m["role"] for m in standin.requests[2]["messages"]]
    assert roles == ["system", "user", "assistant", "user"]


# --- never claims what no tool did ----------------------------------------------------------


def test_claim_without_a_tool_falls_back_to_rules(factory: sessionmaker[Session],
                                                  biz: Business, standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.reply("You're booked for Tuesday at 10!")
    standin.reply("Great news, you're all set for Tuesday at 10.")

    reply = agent.turn(biz.tenant, cid, "Hi, I'd like a haircut on June 4th at 10am")

    assert reply.engine == "rules"
    assert raised(agent) == [UnbackedClaim]
    assert reply.outcome != "booked"
    assert appointments(factory, biz) == []
    assert standin.requests[1]["messages"][-1]["role"] == "system"  # the repair round
    assert "no tool did that" in standin.requests[1]["messages"][-1]["content"]


def test_a_corrected_claim_is_kept(factory: sessionmaker[Session], biz: Business,
                                   standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.reply("Done, you're booked!")
    standin.reply("Which time on Tuesday would you like?")

    reply = agent.turn(biz.tenant, cid, "A haircut on Tuesday please")

    assert (reply.engine, reply.text, reply.outcome) == (
        "llm", "Which time on Tuesday would you like?", None)
    assert appointments(factory, biz) == []


def test_invalid_tool_arguments_are_fed_back(factory: sessionmaker[Session], biz: Business,
                                             standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.call_tools(("book", book_args(biz, start="Tuesday at 10")),
                       ("find_open_slots", '{"service_id": '),
                       ("make_coffee", {}))
    standin.call_tools(("book", book_args(biz)))
    standin.reply("You're booked for Tuesday at 10 AM.")

    reply = agent.turn(biz.tenant, cid, "Yes, book it")

    bad_time, bad_json, unknown = standin.tool_results(1)
    assert (bad_time["ok"], bad_time["error"]) == (False, "invalid_arguments")
    assert "start" in bad_time["detail"]
    assert (bad_json["ok"], bad_json["error"]) == (False, "invalid_arguments")
    assert "JSON" in bad_json["detail"]
    assert (unknown["ok"], unknown["error"]) == (False, "unknown_tool")
    assert standin.tool_results(2)[-1]["ok"] is True
    assert reply.outcome == "booked" and reply.engine == "llm"
    assert len(appointments(factory, biz)) == 1


def test_book_without_a_phone_is_refused(factory: sessionmaker[Session], biz: Business,
                                         standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.call_tools(("book", {k: v for k, v in book_args(biz).items()
                                 if k != "customer_phone"}))
    standin.reply("What's the best phone number for you?")

    reply = agent.turn(biz.tenant, cid, "Yes")

    assert "phone" in standin.tool_results(1)[0]["detail"]
    assert reply.outcome is None and appointments(factory, biz) == []


# --- a broken model hands the turn to the rules ---------------------------------------------


FAILURES: dict[str, Callable[[StandIn], None]] = {
    "status-500": lambda s: s.fail(500),
    "status-429": lambda s: s.fail(429, "Rate limit reached"),
    "timeout": lambda s: s.hang(1.0),
    "stalled-stream": lambda s: s.stall("Let me see", 1.0),
    "garbage-body": lambda s: s.garbage(b"{not json", content_type="text/event-stream"),
    "garbage-event": lambda s: s.garbage(b"data: {not json\n\n",
                                         content_type="text/event-stream"),
    "wrong-shape": lambda s: s.garbage(b'data: {"choices": "oops"}\n\ndata: [DONE]\n\n',
                                       content_type="text/event-stream"),
    "garbage-html": lambda s: s.garbage(b"<html>502 Bad Gateway</html>",
                                        content_type="text/html"),
    "stream-error": lambda s: s.stream_error("overloaded"),
    "empty-reply": lambda s: s.reply(""),
    "nothing-scripted": lambda s: None,
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_model_failure_is_answered_by_rules(factory: sessionmaker[Session], biz: Business,
                                            standin: StandIn, failure: str) -> None:
    agent = make_agent(factory, standin, timeout_s=0.4)
    cid = open_chat(agent, biz)
    FAILURES[failure](standin)

    reply = agent.turn(biz.tenant, cid, "Hi, I'd like a haircut on June 4th at 10am")

    assert reply.engine == "rules"
    assert raised(agent) == [LLMUnavailable]
    assert reply.text
    assert reply.outcome is None
    assert appointments(factory, biz) == []
    assert len(standin.requests) == 1  # no retries against a failing server


@pytest.mark.parametrize("body", [b"{not json", b'{"choices": []}', b'{"choices": [{}]}'])
def test_malformed_plain_reply_is_answered_by_rules(factory: sessionmaker[Session],
                                                    biz: Business, standin: StandIn,
                                                    body: bytes) -> None:
    agent = make_agent(factory, standin, stream=False)
    cid = open_chat(agent, biz)
    standin.garbage(body)

    reply = agent.turn(biz.tenant, cid, "Hi, I'd like a haircut on June 4th at 10am")

    assert (reply.engine, raised(agent)) == ("rules", [LLMUnavailable])


def test_tool_rounds_are_bounded(factory: sessionmaker[Session], biz: Business,
                                 standin: StandIn) -> None:
    agent = make_agent(factory, standin, max_tool_rounds=2)
    cid = open_chat(agent, biz)
    for _ in range(3):
        standin.call_tools(("find_open_slots", slots_args(biz)))

    reply = agent.turn(biz.tenant, cid, "Hi, I'd like a haircut on June 4th at 10am")

    assert (reply.engine, raised(agent)) == ("rules", [LLMUnavailable])
    assert len(standin.requests) == 3
    assert standin.requests[2]["tool_choice"] == "none"  # the last round must speak
    assert "tool_choice" not in standin.requests[1]


def test_model_recovers_on_the_next_turn(factory: sessionmaker[Session], biz: Business,
                                         standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.fail(503)
    assert agent.turn(biz.tenant, cid, "Hello").engine == "rules"
    standin.reply("How can I help you today?")
    assert agent.turn(biz.tenant, cid, "I need an appointment").engine == "llm"


def test_failure_after_booking_confirms_without_booking_twice(
        factory: sessionmaker[Session], biz: Business, standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.call_tools(("book", book_args(biz)))
    standin.fail(500)

    reply = agent.turn(biz.tenant, cid, "Yes, book it", request_key="turn-1")

    assert reply.engine == "llm"  # the tool result speaks; the rules would not know of it
    assert reply.outcome == "booked"
    assert "10 AM" in reply.text and "Ana" in reply.text
    assert len(appointments(factory, biz)) == 1


# --- replays ----------------------------------------------------------------------------------


def test_replayed_turn_neither_calls_the_model_nor_books_again(
        factory: sessionmaker[Session], biz: Business, standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.call_tools(("book", book_args(biz)))
    standin.reply("You're booked for Tuesday at 10 AM.")
    first = agent.turn(biz.tenant, cid, "Yes, book it", request_key="req-1")
    calls = len(standin.requests)

    again = agent.turn(biz.tenant, cid, "Yes, book it", request_key="req-1")

    assert again.replayed and again.text == first.text
    assert again.appointment_id == first.appointment_id
    assert len(standin.requests) == calls
    assert len(appointments(factory, biz)) == 1


def test_turn_rerun_after_a_crash_books_once(factory: sessionmaker[Session], biz: Business,
                                             standin: StandIn,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies after the booking but before the turn is saved; the door retries
    the same turn and the model books the same thing again: one appointment."""
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    real_save = agent._save
    crashes = iter([True])

    def save_or_crash(*args: Any, **kwargs: Any) -> None:
        if next(crashes, False):
            raise RuntimeError("power cut")
        real_save(*args, **kwargs)

    monkeypatch.setattr(agent, "_save", save_or_crash)
    for _ in range(2):
        standin.call_tools(("book", book_args(biz)))
        standin.reply("You're booked for Tuesday at 10 AM.")
    with pytest.raises(RuntimeError):
        agent.turn(biz.tenant, cid, "Yes, book it", request_key="req-1")

    reply = agent.turn(biz.tenant, cid, "Yes, book it", request_key="req-1")

    assert reply.outcome == "booked"
    [appointment] = appointments(factory, biz)
    assert reply.appointment_id == str(appointment.id)
    assert standin.tool_results(3)[0]["replayed"] is True


def test_opt_out_is_left_to_the_rules(factory: sessionmaker[Session], biz: Business,
                                      standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)

    reply = agent.turn(biz.tenant, cid, "STOP")

    assert (reply.engine, reply.outcome) == ("rules", "opted_out")
    assert raised(agent) == [DeferredToRules]
    assert standin.requests == []


def test_private_persona_hides_details_from_unverified_callers(
        factory: sessionmaker[Session], biz: Business, standin: StandIn) -> None:
    agent = make_agent(factory, standin)
    cid = open_chat(agent, biz)
    standin.call_tools(("book", book_args(biz)))
    standin.reply("You're booked.")
    agent.turn(biz.tenant, cid, "Yes, book it")
    biz.tenant.persona = "medical"
    other = open_chat(agent, biz)
    standin.call_tools(("lookup_customer", {"phone": PHONE}))
    standin.reply("I found an appointment under that number. Would you like to cancel it?")

    agent.turn(biz.tenant, other, "Is there an appointment for 212 555 0199?")

    # A stated number is refused before any read: not even whether it is a patient.
    [found] = standin.tool_results(3)
    assert found["ok"] is False and found["error"] == "verification_required"
    assert "appointments" not in found and "customer" not in found and "found" not in found
    assert "Privacy" in standin.system_prompt(2)
