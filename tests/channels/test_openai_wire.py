"""The pure half of the OpenAI-compatible door: identity, replay keys, chunks, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.channels import openai_wire as wire

SYSTEM = {"role": "system", "content": "You are the front desk of Bella Salon."}
OPENER = {"role": "assistant",
          "content": "Thanks for calling Bella Salon! How can I help you today?"}


def request(*messages: dict[str, Any], **extra: Any) -> wire.ChatCompletionRequest:
    return wire.ChatCompletionRequest.model_validate({"model": "x", "messages": list(messages),
                                                      **extra})


def history(*turns: str) -> list[dict[str, Any]]:
    """system, opener, then user/assistant alternating from ``turns``."""
    out: list[dict[str, Any]] = [SYSTEM, OPENER]
    for i, text in enumerate(turns):
        out.append({"role": "user" if i % 2 == 0 else "assistant", "content": text})
    return out


def call(*messages: dict[str, Any], headers: dict[str, str] | None = None,
         tenant: str = "t1", **extra: Any) -> wire.StatelessCall:
    return wire.read_call(tenant, request(*messages, **extra), headers or {})


def test_a_growing_history_keeps_its_conversation() -> None:
    first = call(*history("I need a haircut"))
    later = call(*history("I need a haircut", "Sure, when?", "Friday at 10", "10 AM works?",
                          "yes"))
    assert first.external_id == later.external_id
    assert first.external_id.startswith("oa:fp-")
    assert later.user_texts == ["I need a haircut", "Friday at 10", "yes"]
    assert later.turn_keys[0] == first.turn_keys[0]


def test_what_identifies_a_call() -> None:
    base = call(*history("I need a haircut")).external_id
    # punctuation, case and spacing of a re-transcription do not matter
    assert call(*history("i need a  HAIRCUT.")).external_id == base
    # another first sentence, prompt, opener or business is another call
    assert call(*history("I need a coloring")).external_id != base
    other_prompt = [{"role": "system", "content": "Caller +12125550100"}, OPENER,
                    {"role": "user", "content": "I need a haircut"}]
    assert call(*other_prompt).external_id != base
    assert call(*history("I need a haircut"), tenant="t2").external_id != base
    other_opener = [SYSTEM, {"role": "assistant", "content": "Good morning, Bella!"},
                    {"role": "user", "content": "I need a haircut"}]
    assert call(*other_opener).external_id != base


def test_a_cut_opener_only_matters_in_its_first_characters() -> None:
    long_opener = {"role": "assistant",
                   "content": "Thanks for calling Bella Salon, home of the best haircuts in town"}
    cut = {"role": "assistant",
           "content": "Thanks for calling Bella Salon, home of the fastest"}
    user = {"role": "user", "content": "hi"}
    assert call(SYSTEM, long_opener, user).external_id == call(SYSTEM, cut, user).external_id


def test_replay_keys_follow_the_users_words_only() -> None:
    plain = call(*history("book a haircut", "Sure! For when?", "Friday"))
    cut = call(*history("book a haircut", "Sure", "Friday"))  # barge-in cut our reply
    assert plain.turn_keys == cut.turn_keys
    other = call(*history("book a haircut", "Sure! For when?", "Saturday"))
    assert other.turn_keys[0] == plain.turn_keys[0] and other.turn_keys[1] != plain.turn_keys[1]
    # the same words later in a call are a new turn, not a replay
    repeated = call(*history("yes", "ok?", "yes"))
    assert repeated.turn_keys[0] != repeated.turn_keys[1]
    assert all(len(k) <= 64 for k in plain.turn_keys)


def test_a_platform_call_id_wins_and_is_kept_readable() -> None:
    msgs = history("hello")
    assert call(*msgs, call={"id": "vapi-123"}).external_id == "oa:vapi-123"
    assert call(*msgs, metadata={"call_id": "m-1"}).external_id == "oa:m-1"
    assert call(*msgs, headers={"x-call-id": "h-1"}).external_id == "oa:h-1"
    assert call(*msgs, headers={"x-conversation-id": "c-1"}).external_id == "oa:c-1"
    assert call(*msgs, extra_metadata={"call_control_id": "v3:abc"}).external_id == "oa:v3:abc"
    assert call(*msgs, user="user-9").external_id == "oa:user-9"
    assert call(*msgs, call={"id": "vapi-1"}, user="user-9").external_id == "oa:vapi-1"
    odd = call(*msgs, call={"id": "x" * 500}).external_id
    assert odd.startswith("oa:h-") and len(odd) <= 200
    assert call(*msgs, call={"id": "a b/c"}).external_id.startswith("oa:h-")


def test_the_callers_number_comes_from_where_each_platform_puts_it() -> None:
    msgs = history("hello")
    assert call(*msgs, call={"customer": {"number": "+12125550199"}}).caller_phone == "+12125550199"
    assert call(*msgs, customer={"number": "+12125550198"}).caller_phone == "+12125550198"
    assert call(*msgs, headers={"x-caller-number": "+12125550197"}).caller_phone == "+12125550197"
    telnyx = call(*msgs, extra_metadata={"telnyx_end_user_target": "+12125550196"})
    assert telnyx.caller_phone == "+12125550196"
    assert call(*msgs).caller_phone is None


def test_multipart_content_and_unknown_fields_are_read() -> None:
    c = call(SYSTEM, {"role": "user", "content": [{"type": "text", "text": "book"},
                                                  {"type": "image_url", "image_url": {}},
                                                  {"type": "text", "text": "a haircut"}]},
             temperature=0.2, tools=[{"type": "function"}], max_tokens=5, n=1)
    assert c.user_texts == ["book a haircut"]


def test_no_user_message_is_an_error() -> None:
    with pytest.raises(wire.NoUserMessage):
        call(SYSTEM, OPENER)


@given(st.text(max_size=300))
def test_speech_chunks_rebuild_the_reply(text: str) -> None:
    chunks = wire.speech_chunks(text)
    assert "".join(chunks) == text
    assert all(len(c.split()) <= 6 for c in chunks)


def test_a_stream_is_role_content_stop_usage_done() -> None:
    events = list(wire.stream_events("Sure! I have 10 AM with Ana on Wednesday. Shall I book it?",
                                     completion_id="chatcmpl-1", created=1, model="m",
                                     usage=wire.usage_for("hi", "Sure")))
    assert all(e.startswith("data: ") and e.endswith("\n\n") for e in events)
    assert events[-1] == "data: [DONE]\n\n"
    chunks = [json.loads(e[6:]) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == "chatcmpl-1"
               for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
    content = [c["choices"][0]["delta"]["content"] for c in chunks[1:-2]]
    assert len(content) > 1 and "".join(content).startswith("Sure! I have 10 AM")
    assert chunks[-2]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop",
                                        "logprobs": None}
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0


def test_errors_have_openais_shape() -> None:
    assert wire.error_body("nope", code="invalid_api_key") == {"error": {
        "message": "nope", "type": "invalid_request_error", "param": None,
        "code": "invalid_api_key"}}


def test_the_callers_number_separates_calls_that_start_alike() -> None:
    msgs = history("Hi, I'd like a haircut")
    one = call(*msgs, headers={"x-caller-number": "+12125550101"}).external_id
    two = call(*msgs, headers={"x-caller-number": "+12125550102"}).external_id
    assert one != two != call(*msgs).external_id


@given(st.lists(st.text(max_size=40), min_size=1, max_size=12))
def test_every_prefix_key_in_one_pass_is_the_prefix_key(texts: list[str]) -> None:
    """The running digest gives exactly the keys the record holds (one digest per prefix)."""
    assert wire.turn_keys(texts) == [wire.turn_key(texts[: i + 1]) for i in range(len(texts))]


def test_what_the_caller_heard_after_each_message() -> None:
    body = request(SYSTEM, OPENER, {"role": "user", "content": "a haircut"},
                   {"role": "assistant", "content": "Sure."},
                   {"role": "assistant", "content": "For when?"},
                   {"role": "user", "content": "uh"},
                   {"role": "user", "content": "tomorrow"},
                   {"role": "assistant", "content": [{"type": "text", "text": "At 10?"}]},
                   {"role": "user", "content": "yes"})
    call = wire.read_call("tenant", body, {})
    assert call.user_texts == ["a haircut", "uh", "tomorrow", "yes"]
    assert call.replies == ["Sure. For when?", None, "At 10?", None]
