"""50 copies of one chat message (one Idempotency-Key) at once, on a real uvicorn server.

A chat widget that retries a slow request can have several copies of the customer's
"Yes" in flight. The message is acted on once: one booking, one turn in the record, and
every copy gets the reply the message got.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.conversation import policy
from frontdesk.conversation.agent import Agent
from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.state import DialogueState
from frontdesk.nlu.types import Understanding
from frontdesk.store.db import make_session_factory
from frontdesk.web.deps import get_agent
from tests.channels.conftest import answer_for, appointments, opening
from tests.conftest import Business, auth, next_weekday, serving

CLIENTS = 50


class CountingBrain:
    """The rules brain, counting how often a turn is thought through."""

    name = "rules"

    def __init__(self) -> None:
        self.runs = 0
        self._guard = threading.Lock()

    def respond(
        self,
        state: DialogueState,
        u: Understanding,
        ctx: TurnContext,
        history: list[tuple[str, str]],
    ) -> Decision:
        with self._guard:
            self.runs += 1
        return policy.respond(state, u, ctx)


@pytest.fixture
def brain() -> CountingBrain:
    return CountingBrain()


@pytest.fixture
def live_server(engine: Engine, brain: CountingBrain) -> Iterator[str]:
    app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
    agent = Agent(make_session_factory(engine), brain=brain)
    app.dependency_overrides[get_agent] = lambda: agent
    with serving(app) as url:
        yield url


def _chat_until_confirming(http: httpx.Client, biz: Business) -> tuple[str, dict[str, Any]]:
    """Chat as a customer up to the agent's "shall I book it?"; the session id and answer."""
    day = next_weekday(biz.tz, 2)
    session_id: str | None = None
    text = opening(day, "en")
    for _ in range(10):
        response = http.post(
            "/api/v1/chat", headers=auth(biz), json={"message": text, "session_id": session_id}
        )
        assert response.status_code == 200, response.text
        out: dict[str, Any] = response.json()
        session_id = out["session_id"]
        if out["state"].get("awaiting") == "confirm":
            return out["session_id"], out
        text = answer_for(out["state"], day, "en")
    pytest.fail("the agent never asked to confirm")


def test_fifty_copies_of_one_chat_message_are_acted_on_once(
    live_server: str,
    brain: CountingBrain,
    make_business: Callable[..., Business],
    factory: sessionmaker[Session],
) -> None:
    biz = make_business()
    with httpx.Client(base_url=live_server, timeout=60) as http:
        session_id, before = _chat_until_confirming(http, biz)
        turns_before = http.get(
            f"/api/v1/conversations/{before['conversation_id']}", headers=auth(biz)
        ).json()["turn_count"]
    headers = {**auth(biz), "Idempotency-Key": "yes-please"}
    runs_before = brain.runs
    barrier = threading.Barrier(CLIENTS)

    def one(_: int) -> tuple[int, dict[str, Any]]:
        with httpx.Client(base_url=live_server, timeout=120) as http:
            barrier.wait()
            response = http.post(
                "/api/v1/chat", headers=headers, json={"message": "Yes", "session_id": session_id}
            )
            return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(pool.map(one, range(CLIENTS)))

    assert [status for status, _ in answers] == [200] * CLIENTS, answers
    assert brain.runs == runs_before + 1  # the turn ran once; the copies waited for it
    booked = appointments(factory, biz)
    assert len(booked) == 1
    # Every copy got the reply the message got: the booking, not "that time is taken".
    assert all(answer == answers[0][1] for _, answer in answers), answers
    assert answers[0][1]["outcome"] == "booked"
    assert answers[0][1]["state"]["appointment_id"] == str(booked[0].id)
    with httpx.Client(base_url=live_server) as http:
        record = http.get(
            f"/api/v1/conversations/{before['conversation_id']}", headers=auth(biz)
        ).json()
    assert record["turn_count"] == turns_before + 1
    said = [t for t in record["turns"] if t["role"] == "user" and t["text"] == "Yes"]
    assert len(said) == 1, record["turns"]
