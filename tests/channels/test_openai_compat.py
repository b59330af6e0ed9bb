"""The OpenAI-compatible door, driven by the official ``openai`` SDK as a voice platform would.

Voice platforms (Telnyx AI Assistant, Vapi, ...) resend the whole history every turn;
these tests do the same and check that one call is one conversation, a replayed
request never books twice, and errors come back in OpenAI's shape.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.models import Conversation, Customer
from tests.channels.conftest import Transcript, answer_for, appointments, auth, opening
from tests.conftest import Business, next_weekday

SYSTEM = "You are the friendly front desk of Salon. Keep answers short."
OPENER = "Thanks for calling Salon! How can I help you today?"


def sdk(client: TestClient, key: str) -> openai.OpenAI:
    # TestClient is an httpx.Client: the SDK talks to the app in-process, no network.
    return openai.OpenAI(base_url="http://testserver/v1", api_key=key, http_client=client,
                         max_retries=0)


class VoicePlatform:
    """Sends the whole history on every turn, like Vapi or Telnyx do."""

    def __init__(self, oa: openai.OpenAI, *, stream: bool = False,
                 extra_body: dict[str, Any] | None = None, system: str = SYSTEM) -> None:
        self.oa, self.stream, self.extra_body = oa, stream, extra_body
        self.history: list[dict[str, Any]] = [{"role": "system", "content": system},
                                              {"role": "assistant", "content": OPENER}]

    def say(self, text: str) -> str:
        self.history.append({"role": "user", "content": text})
        reply = self.send()
        self.history.append({"role": "assistant", "content": reply})
        return reply

    def send(self, messages: list[dict[str, Any]] | None = None) -> str:
        messages = messages if messages is not None else self.history
        extras = dict(temperature=0.4, max_tokens=250, extra_body=self.extra_body)
        if not self.stream:
            out = self.oa.chat.completions.create(model="frontdesk", messages=messages,  # type: ignore[arg-type,call-overload]
                                                  **extras)
            assert out.object == "chat.completion" and out.choices[0].finish_reason == "stop"
            return out.choices[0].message.content or ""
        pieces, finish = [], None
        for chunk in self.oa.chat.completions.create(model="frontdesk", messages=messages,  # type: ignore[arg-type,call-overload]
                                                     stream=True, **extras):
            assert chunk.object == "chat.completion.chunk"
            if chunk.choices:
                pieces.append(chunk.choices[0].delta.content or "")
                finish = chunk.choices[0].finish_reason or finish
        assert finish == "stop"
        return "".join(pieces)


def _newest_state(factory: sessionmaker[Session], biz: Business) -> tuple[Conversation, dict]:  # type: ignore[type-arg]
    with factory() as session:
        row = session.scalars(select(Conversation).where(
            Conversation.tenant_id == biz.tenant.id).order_by(Conversation.started_at.desc())
        ).first()
        assert row is not None
        return row, dict(row.state)


def call_until_booked(platform: VoicePlatform, factory: sessionmaker[Session], biz: Business,
                      day: date, lang: str = "en") -> Transcript:
    transcript, text = Transcript(), opening(day, lang)
    for _ in range(10):
        reply = platform.say(text)
        transcript.add("caller", text)
        transcript.add("agent", reply)
        assert reply.strip(), transcript
        _, state = _newest_state(factory, biz)
        if state.get("appointment_id"):
            return transcript
        text = answer_for(state, day, lang)
    pytest.fail(f"no appointment after 10 turns:\n{transcript}")


def _conversations(factory: sessionmaker[Session], biz: Business) -> list[Conversation]:
    with factory() as session:
        return list(session.scalars(select(Conversation).where(
            Conversation.tenant_id == biz.tenant.id)))


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_voice_platform_books_and_a_replay_books_nothing_more(
        client: TestClient, biz: Business, factory: sessionmaker[Session], stream: bool) -> None:
    day = next_weekday(biz.tz, 2)
    platform = VoicePlatform(sdk(client, biz.api_key), stream=stream)
    transcript = call_until_booked(platform, factory, biz, day)
    booked = appointments(factory, biz)
    assert len(booked) == 1, transcript
    assert booked[0].start_at == biz.at(day, 10), transcript
    assert booked[0].source == "phone"
    listed = client.get("/api/v1/appointments", headers=auth(biz)).json()
    assert [a["id"] for a in listed] == [str(booked[0].id)]
    assert datetime.fromisoformat(listed[0]["start"]) == biz.at(day, 10)
    assert len(_conversations(factory, biz)) == 1, "one call must be one conversation"

    # the platform retries the last request (same history): same words, no second booking
    last_request = platform.history[:-1]
    assert platform.send(last_request) == platform.history[-1]["content"]
    # ... and a barge-in that cut our last reply short changes nothing either
    cut = [*platform.history[:-1]]
    cut[-2] = {"role": "assistant", "content": cut[-2]["content"][:12]}
    assert platform.send(cut) == platform.history[-1]["content"]
    assert len(appointments(factory, biz)) == 1
    conversation, _ = _newest_state(factory, biz)
    assert conversation.turn_count == len(transcript.lines) // 2


def test_a_vapi_call_id_and_caller_number_are_used(client: TestClient, biz: Business,
                                                   factory: sessionmaker[Session]) -> None:
    day = next_weekday(biz.tz, 2)
    vapi = {"call": {"id": "vapi-call-42", "orgId": "org-1", "type": "inboundPhoneCall",
                     "customer": {"number": "+12125550123"}},
            "phoneNumber": {"number": "+12125550100"}, "metadata": {}}
    platform = VoicePlatform(sdk(client, biz.api_key), stream=True, extra_body=vapi)
    transcript = call_until_booked(platform, factory, biz, day)
    conversation, _ = _newest_state(factory, biz)
    assert conversation.external_id == "oa:vapi-call-42"
    assert conversation.caller_phone == "+12125550123"
    booked = appointments(factory, biz)
    assert len(booked) == 1, transcript
    with factory() as session:
        customer = session.get(Customer, booked[0].customer_id)
        assert customer is not None and customer.phone_e164 == "+12125550123", transcript


def test_a_history_we_never_saw_is_caught_up_in_order(client: TestClient, biz: Business,
                                                      factory: sessionmaker[Session]) -> None:
    """After a restart (or a platform that kept talking elsewhere) the earlier user turns
    are fed first, so the state knows the service and the time."""
    day = next_weekday(biz.tz, 2)
    platform = VoicePlatform(sdk(client, biz.api_key))
    platform.history += [{"role": "user", "content": "Hi, I'd like a haircut"},
                         {"role": "assistant", "content": "Sure! For when?"}]
    reply = platform.say(f"On {opening(day, 'en').split(' on ', 1)[1]}")
    assert reply.strip()
    conversation, state = _newest_state(factory, biz)
    assert conversation.turn_count == 2
    assert state["service_id"] == str(biz.haircut.id)
    assert state["awaiting"] not in (None, "service", "time"), (reply, state)


def test_different_calls_are_different_conversations(client: TestClient, biz: Business,
                                                     factory: sessionmaker[Session]) -> None:
    oa = sdk(client, biz.api_key)
    VoicePlatform(oa).say("Hi, I'd like a haircut")
    VoicePlatform(oa).say("What are your opening hours?")
    VoicePlatform(oa, extra_body={"call": {"id": "a"}}).say("Hi, I'd like a haircut")
    VoicePlatform(oa, extra_body={"call": {"id": "b"}}).say("Hi, I'd like a haircut")
    assert len(_conversations(factory, biz)) == 4


def test_models_list(client: TestClient, biz: Business) -> None:
    models = sdk(client, biz.api_key).models.list()
    assert [m.id for m in models.data] == ["frontdesk"]
    assert models.data[0].owned_by == "frontdesk" and models.data[0].created > 0


def test_a_bad_key_is_an_authentication_error(client: TestClient, biz: Business) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        sdk(client, "fd_not_a_key").chat.completions.create(
            model="frontdesk", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        sdk(client, "fd_not_a_key").models.list()


def test_no_user_message_is_a_bad_request(client: TestClient, biz: Business) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        sdk(client, biz.api_key).chat.completions.create(
            model="frontdesk", messages=[{"role": "system", "content": SYSTEM}])
    assert caught.value.param == "messages"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("body", "param"), [
    (b'{"model": "frontdesk", "messages": [', None),
    (b'{"model": "frontdesk"}', "messages"),
    (b'{"model": "frontdesk", "messages": "hello"}', "messages"),
    (b'{"model": "frontdesk", "messages": [{"content": "no role"}]}', "messages.0.role"),
    (b'[1, 2, 3]', None),
    (b'', None),
])
def test_malformed_requests_get_openai_shaped_400s(client: TestClient, biz: Business,
                                                    body: bytes, param: str | None) -> None:
    response = client.post("/v1/chat/completions", content=body,
                           headers={**auth(biz), "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["message"]
    assert error["param"] == param


def test_the_raw_stream_is_server_sent_events(client: TestClient, biz: Business) -> None:
    body = {"model": "voice-1", "stream": True, "tools": [{"type": "function", "function": {
        "name": "transferCall", "parameters": {"type": "object", "properties": {}}}}],
            "messages": [{"role": "system", "content": SYSTEM},
                         {"role": "user", "content": "What are your opening hours?"}]}
    with client.stream("POST", "/v1/chat/completions", json=body, headers=auth(biz)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    assert {c["id"] for c in chunks} == {chunks[0]["id"]}
    assert chunks[0]["id"].startswith("chatcmpl-")
    assert all(c["model"] == "voice-1" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    replay = client.post("/v1/chat/completions", json={**body, "stream": False},
                         headers=auth(biz)).json()
    assert replay["object"] == "chat.completion"
    assert replay["choices"][0]["message"] == {"role": "assistant", "content": text}
    assert datetime.fromtimestamp(replay["created"]).year >= 2025


def test_call_id_and_caller_headers_from_any_platform(client: TestClient, biz: Business,
                                                      factory: sessionmaker[Session]) -> None:
    body = {"model": "frontdesk", "messages": [{"role": "user", "content": "Hi, a haircut please"}]}
    headers = {**auth(biz), "X-Call-Id": "pbx-7781", "X-Caller-Number": "(212) 555-0177"}
    first = client.post("/v1/chat/completions", json=body, headers=headers)
    assert first.status_code == 200, first.text
    conversation, _ = _newest_state(factory, biz)
    assert conversation.external_id == "oa:pbx-7781"
    assert conversation.caller_phone == "+12125550177"
    odd = client.post("/v1/chat/completions", json=body,
                      headers={**auth(biz), "X-Call-Id": "pbx-7782",
                               "X-Caller-Number": "sip:anonymous@example.com"})
    assert odd.status_code == 200
    conversation, _ = _newest_state(factory, biz)
    assert conversation.caller_phone is None


def test_noise_is_answered_never_a_server_error(client: TestClient, biz: Business) -> None:
    noise = "".join(chr(0x21 + (i * 7919) % 90) for i in range(10_000))
    for content in (noise, "", "   "):
        response = client.post("/v1/chat/completions", headers=auth(biz), json={
            "model": "frontdesk", "messages": [{"role": "user", "content": content}]})
        assert response.status_code == 200, response.text
        assert response.json()["choices"][0]["message"]["content"].strip()
