"""A model server that keeps failing (5xx, or silent past the timeout) opens its circuit
breaker: the next turns go to the rules at once, without a request; after the cool-down
one turn probes it, and a good answer puts the LLM back in charge."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from frontdesk import circuit
from tests.conftest import Business
from tests.conversation.standin_openai import StandIn
from tests.conversation.test_llm import make_agent, open_chat


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


FAILURES: dict[str, tuple[Callable[[StandIn], None], str]] = {
    "status-503": (lambda s: s.fail(503), "http 503"),
    "timeout": (lambda s: s.hang(1.0), "timeout"),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_an_open_breaker_sends_turns_to_the_rules_without_asking(
    factory: sessionmaker[Session], make_business: Callable[..., Business], standin: StandIn,
    failure: str,
) -> None:
    clock = Clock()
    circuit.configure(circuit.Policy(failures=2, cool_down_s=60), clock)
    biz = make_business()
    agent = make_agent(factory, standin, timeout_s=0.4)
    script, reason = FAILURES[failure]
    endpoint = f"llm 127.0.0.1:{standin.port}"

    for _ in range(2):
        script(standin)
        reply = agent.turn(biz.tenant, open_chat(agent, biz), "Hi, I'd like a haircut")
        assert (reply.engine, reply.fallback_reason) == ("rules", reason)
    assert circuit.breaker_states()[endpoint] == "open"
    assert len(standin.requests) == 2

    for _ in range(3):  # other callers, other conversations: the server is not asked
        reply = agent.turn(biz.tenant, open_chat(agent, biz), "Hola, quiero un corte")
        assert (reply.engine, reply.fallback_reason) == ("rules", "circuit open")
        assert reply.text
    assert len(standin.requests) == 2

    clock.now += 60  # the cool-down is over and the server is well again
    standin.reply("Happy to help. Which day suits you?")
    reply = agent.turn(biz.tenant, open_chat(agent, biz), "Hi, I'd like a haircut")
    assert reply.engine == "llm" and reply.text == "Happy to help. Which day suits you?"
    assert len(standin.requests) == 3
    assert circuit.breaker_states()[endpoint] == "closed"


def test_a_refused_request_does_not_count_against_the_server(
    factory: sessionmaker[Session], make_business: Callable[..., Business], standin: StandIn,
) -> None:
    """401 (a bad key) is the server answering: the breaker stays closed."""
    circuit.configure(circuit.Policy(failures=2, cool_down_s=60), Clock())
    biz = make_business()
    agent = make_agent(factory, standin, timeout_s=2)
    for _ in range(3):
        standin.fail(401, "Incorrect API key provided")
        reply = agent.turn(biz.tenant, open_chat(agent, biz), "Hi, I'd like a haircut")
        assert reply.fallback_reason == "http 401"
    assert len(standin.requests) == 3
    assert circuit.breaker_states() == {f"llm 127.0.0.1:{standin.port}": "closed"}
