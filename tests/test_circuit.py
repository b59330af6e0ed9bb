"""The circuit breaker on a clock the test turns: opens after K consecutive failures,
refuses during the cool-down, lets one probe through after it, and closes or reopens
on the probe's word; one breaker per provider and host, shared by every caller."""

from __future__ import annotations

import threading

import pytest

from frontdesk import circuit
from frontdesk.circuit import Breaker, Breakers, CircuitOpen, Policy, State


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _breaker(failures: int = 3, cool_down_s: float = 30.0) -> tuple[Breaker, Clock]:
    clock = Clock()
    return Breaker("twilio api.twilio.com", Policy(failures, cool_down_s), clock), clock


def test_opens_after_consecutive_failures_only() -> None:
    breaker, _ = _breaker(failures=3)
    breaker.failed()
    breaker.failed()
    breaker.succeeded()  # a success in between starts the count again
    breaker.failed()
    breaker.failed()
    assert breaker.state is State.CLOSED and breaker.allow()
    breaker.failed()
    assert breaker.state is State.OPEN
    assert not breaker.allow()
    with pytest.raises(CircuitOpen) as refused:
        breaker.check()
    assert refused.value.retry_in_s == pytest.approx(30.0)


def test_one_probe_after_the_cool_down_closes_it_on_success() -> None:
    breaker, clock = _breaker(failures=1, cool_down_s=30)
    breaker.failed()
    clock.now += 29
    assert not breaker.allow()
    assert breaker.retry_in() == pytest.approx(1.0)
    clock.now += 1
    assert breaker.state is State.HALF_OPEN
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # nobody else while it is out
    breaker.succeeded()
    assert breaker.state is State.CLOSED
    assert all(breaker.allow() for _ in range(5))


def test_a_failed_probe_opens_it_for_another_cool_down() -> None:
    breaker, clock = _breaker(failures=2, cool_down_s=10)
    breaker.failed()
    breaker.failed()
    clock.now += 10
    assert breaker.allow()
    breaker.failed()  # one failure is enough in half-open
    assert breaker.state is State.OPEN
    assert breaker.retry_in() == pytest.approx(10.0)
    clock.now += 9.5
    assert not breaker.allow()


def test_a_probe_that_never_reports_does_not_wedge_it() -> None:
    breaker, clock = _breaker(failures=1, cool_down_s=10)
    breaker.failed()
    clock.now += 10
    assert breaker.allow()  # this probe's thread dies without a word
    clock.now += 5
    assert not breaker.allow()
    clock.now += 5
    assert breaker.allow()  # a new probe


def test_a_late_failure_while_open_keeps_the_cool_down() -> None:
    breaker, clock = _breaker(failures=1, cool_down_s=10)
    breaker.failed()
    clock.now += 6
    breaker.failed()  # a call let out before it opened, failing late
    clock.now += 4
    assert breaker.allow()


def test_only_one_of_many_threads_probes() -> None:
    breaker, clock = _breaker(failures=1, cool_down_s=1)
    breaker.failed()
    clock.now += 1
    start = threading.Barrier(16)
    allowed: list[bool] = []
    lock = threading.Lock()

    def call() -> None:
        start.wait()
        ok = breaker.allow()
        with lock:
            allowed.append(ok)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(allowed) == [False] * 15 + [True]


def test_one_breaker_per_provider_and_host() -> None:
    breakers = Breakers(Policy(failures=1))
    twilio = breakers.get("twilio", "https://api.twilio.com")
    assert breakers.get("twilio", "https://api.twilio.com/2010-04-01") is twilio
    assert breakers.get("twilio", "https://user:pw@api.twilio.com") is twilio
    other = breakers.get("twilio", "http://127.0.0.1:8081")
    assert other is not twilio
    assert breakers.get("caldav", "https://api.twilio.com") is not twilio
    twilio.failed()
    assert breakers.states() == {"twilio api.twilio.com": State.OPEN,
                                 "twilio 127.0.0.1:8081": State.CLOSED,
                                 "caldav api.twilio.com": State.CLOSED}


def test_the_process_states_are_published_as_plain_strings() -> None:
    circuit.configure(Policy(failures=1))
    circuit.breaker("llm", "http://127.0.0.1:9/v1").failed()
    circuit.breaker("smtp", "mail.example.com:587")
    assert circuit.breaker_states() == {"llm 127.0.0.1:9": "open",
                                        "smtp mail.example.com:587": "closed"}


def test_a_policy_needs_sense() -> None:
    with pytest.raises(ValueError):
        Policy(failures=0)
    with pytest.raises(ValueError):
        Policy(cool_down_s=0)
