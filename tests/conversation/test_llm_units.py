"""The LLM driver's pure parts: tool specs, prompt, claim detection, stream assembly."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from openai.types.chat import ChatCompletionChunk

from frontdesk.config import Settings
from frontdesk.conversation.context import ServiceInfo, TurnContext
from frontdesk.conversation.llm import LLMBrain, brain_from_settings
from frontdesk.conversation.llm_claims import claimed_actions, speakable
from frontdesk.conversation.llm_prompt import system_prompt, tool_specs
from frontdesk.conversation.llm_wire import read_stream
from frontdesk.conversation.personas import persona_for
from frontdesk.conversation.state import DialogueState, OfferedSlot
from frontdesk.conversation.tools import TOOL_MODELS, Tools
from frontdesk.store.models import Tenant


def _walk(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [node] + [n for v in node.values() for n in _walk(v)]
    if isinstance(node, list):
        return [n for v in node for n in _walk(v)]
    return []


def test_tool_specs_come_from_the_tool_models() -> None:
    specs = {s["function"]["name"]: s for s in tool_specs()}

    assert list(specs) == list(TOOL_MODELS)
    for name, spec in specs.items():
        assert spec["type"] == "function"
        doc = (TOOL_MODELS[name].__doc__ or "").strip()
        assert spec["function"]["description"].startswith(doc)
        parameters = spec["function"]["parameters"]
        assert parameters["type"] == "object" and parameters["additionalProperties"] is False
        assert not any("title" in node for node in _walk(parameters)
                       if isinstance(node.get("title"), str))
    book = specs["book"]["function"]["parameters"]
    assert book["required"] == ["service_id", "start", "customer_name"]
    assert book["properties"]["start"] == {"format": "date-time", "type": "string"}
    json.dumps(specs)  # plain JSON, ready for the wire


def _context(*, persona: str = "default", caller_phone: str | None = None,
             caller_verified: bool | None = None) -> TurnContext:
    tenant = Tenant(name="Clínica Sol", timezone="Europe/Madrid", persona=persona)
    return TurnContext(
        tenant=tenant, persona=persona_for(persona),
        services=[ServiceInfo("svc-1", "Checkup", {"es": ["revisión"]}, 20)],
        tools=cast(Tools, None), now=datetime(2030, 12, 2, 16, 5, tzinfo=ZoneInfo("Europe/Madrid")),
        caller_phone=caller_phone, hours={0: [("09:00", "14:00"), ("16:00", "19:00")]},
        # By default a caller_phone is a phone line's caller ID, vouched for by the door.
        caller_verified=caller_phone is not None if caller_verified is None else caller_verified)


def test_prompt_for_a_private_business_and_an_unverified_caller() -> None:
    state = DialogueState(offered=[OfferedSlot("2030-12-03T09:00:00+01:00",
                                               "2030-12-03T09:20:00+01:00", "r-1", "Dr Ruiz")])

    prompt = system_prompt(_context(persona="medical", caller_phone="+34600000000"), state, "es")

    assert "Clínica Sol" in prompt and "Calm, professional and discreet" in prompt
    assert "Monday, December 2, 2030, 4:05 PM" in prompt and "UTC+01:00" in prompt
    assert "Monday: 09:00-14:00, 16:00-19:00" in prompt and "Tuesday: closed" in prompt
    assert "Checkup (20 min, price not given; also called revisión): id svc-1" in prompt
    assert "answer in Spanish" in prompt
    assert "Caller ID: +34600000000" in prompt and "Not a known customer" in prompt
    assert "start 2030-12-03T09:00:00+01:00 with Dr Ruiz (resource_id r-1)" in prompt
    assert "Privacy" in prompt and "(this caller is not)" in prompt
    assert "at most 3" in prompt and "find_open_slots" in prompt


def test_prompt_says_a_stated_number_needs_the_texted_code() -> None:
    claimed = system_prompt(_context(caller_phone="+34600000000", caller_verified=False),
                            DialogueState(), "en")
    assert "Number given on this chat (not verified): +34600000000" in claimed
    assert "Caller ID:" not in claimed
    assert "call send_verification_code" in claimed and "check_verification_code" in claimed
    proved = system_prompt(_context(), DialogueState(verified=True, name="Ana Ruiz",
                                                     phone="+34600000000"), "en")
    assert "verified by the code texted to their number: Ana Ruiz" in proved


@pytest.mark.parametrize(("text", "claims"), [
    ("You're booked for Tuesday at 10 AM!", {"book"}),
    ("I've booked you in with Ana.", {"book"}),
    ("Your appointment has been cancelled.", {"cancel"}),
    ("Great, I moved your haircut to Friday.", {"reschedule"}),
    ("Done! See you Tuesday.", {"any"}),
    ("You're all set.", {"any"}),
    ("No problem, you are booked.", {"book"}),
    ("Su cita queda reservada. ¿Algo más?", {"book"}),
    ("No se preocupe, su cita está reservada.", {"book"}),
    ("He cancelado su cita.", {"cancel"}),
    ("Listo, ¿algo más?", {"any"}),
    ("Shall I book it?", set()),
    ("I'll have you booked with Ana Tuesday at 10, shall I go ahead?", set()),
    ("That time is fully booked, sorry.", set()),
    ("I can get you booked tomorrow at 10.", set()),
    ("Your next scheduled appointment is Tuesday.", set()),
    ("I have 9 AM, 10 AM or 2 PM on Tuesday. Which works best?", set()),
    ("No está reservada todavía.", set()),
    ("¿Quiere que la reserve?", set()),
])
def test_claimed_actions(text: str, claims: set[str]) -> None:
    assert claimed_actions(text) == claims


def test_speakable_strips_markdown() -> None:
    text = "**Great!** Here are times:\n- 9 AM\n- 10 AM\n`x` john_doe@example.com __bold__"
    assert speakable(text) == "Great! Here are times: 9 AM 10 AM x john_doe@example.com bold"


def _chunk(delta: dict[str, Any], finish: str | None = None) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate({
        "id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


def test_stream_assembly_handles_a_reused_index() -> None:
    """Some servers (Ollama) number parallel calls all 0; a new id starts a new call."""
    chunks = [
        _chunk({"role": "assistant", "content": "One "}),
        _chunk({"content": "moment."}),
        _chunk({"tool_calls": [{"index": 0, "id": "a", "type": "function",
                                "function": {"name": "cancel", "arguments": '{"appoint'}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ment_id": "1"}'}}]}),
        _chunk({"tool_calls": [{"index": 0, "id": "b", "type": "function",
                                "function": {"name": "lookup_customer", "arguments": "{}"}}]}),
        _chunk({}, "tool_calls"),
    ]

    reply = read_stream(chunks, time.monotonic() + 5)

    assert reply.text == "One moment."
    assert [(c.id, c.name, c.arguments) for c in reply.calls] == [
        ("a", "cancel", '{"appointment_id": "1"}'), ("b", "lookup_customer", "{}")]


def test_brain_from_settings() -> None:
    assert brain_from_settings(Settings(environment="test", llm_base_url="")) is None
    brain = brain_from_settings(Settings(environment="test", llm_base_url="http://127.0.0.1:11434/v1",
                                         llm_model="llama3.1", llm_timeout_s=3))
    assert isinstance(brain, LLMBrain)
    assert (brain.name, brain.model, brain.timeout_s) == ("llm", "llama3.1", 3)
    assert brain.client.api_key == "none"  # local servers take no key
    assert str(brain.client.base_url).startswith("http://127.0.0.1:11434/v1")
    assert brain.client.max_retries == 0
