"""Circuit breakers: stop calling a provider endpoint that keeps failing, try again later.

One breaker per provider endpoint (``provider`` + host, e.g. ``twilio api.twilio.com``),
shared by every business and every thread of the process: when a carrier is down it is
down for all its tenants, and a thousand due texts must not each wait out a timeout
against it. The states (docs/decisions/0061-circuit-breakers.md):

- closed: calls go through; ``failures`` consecutive failures open it.
- open: ``allow()`` says no until ``cool_down_s`` has passed since it opened; callers
  take their fallback at once (the outbox defers the message without spending an
  attempt, a calendar read answers from what is known, the brain hands the turn to the
  rules).
- half-open: the cool-down is over; one caller at a time is let through as a probe. Its
  success closes the breaker, its failure opens it for another cool-down. A probe that
  never reports (its thread died) does not wedge the breaker: after another cool-down a
  new probe is let through.

Only failures that say the endpoint is unwell count (timeouts, refused connections, 5xx,
429); a 4xx about one request is the endpoint answering, and counts as a success.

Per process, in memory: each server or worker process finds out for itself (within
``failures`` calls), which is cheap, and needs no shared store that could itself be down.
``breaker_states()`` is what a metrics exporter publishes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class Policy:
    """When a breaker opens (consecutive failures) and how long it stays open."""

    failures: int = 5
    cool_down_s: float = 30.0

    def __post_init__(self) -> None:
        if self.failures < 1 or self.cool_down_s <= 0:
            raise ValueError("a breaker needs failures >= 1 and a positive cool-down")


class CircuitOpen(Exception):
    """A call was not made: its endpoint's breaker is open. ``retry_in_s``: when to try."""

    def __init__(self, endpoint: str, retry_in_s: float) -> None:
        super().__init__(f"circuit open for {endpoint}; next try in {retry_in_s:.0f} s")
        self.endpoint, self.retry_in_s = endpoint, retry_in_s


class Breaker:
    """One endpoint's breaker. Thread-safe; ``clock`` is monotonic seconds."""

    def __init__(self, endpoint: str, policy: Policy,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.endpoint, self.policy, self._clock = endpoint, policy, clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None  # None: closed
        self._probe_at: float | None = None  # when the current half-open probe was let out

    @property
    def state(self) -> State:
        with self._lock:
            return self._state(self._clock())

    def _state(self, now: float) -> State:
        if self._opened_at is None:
            return State.CLOSED
        if now - self._opened_at < self.policy.cool_down_s:
            return State.OPEN
        return State.HALF_OPEN

    def allow(self) -> bool:
        """May a call go out now? In half-open, True for one probe at a time."""
        with self._lock:
            now = self._clock()
            state = self._state(now)
            if state is State.CLOSED:
                return True
            if state is State.OPEN:
                return False
            if self._probe_at is not None and now - self._probe_at < self.policy.cool_down_s:
                return False  # a probe is out; wait for its word
            self._probe_at = now
            return True

    def retry_in(self) -> float:
        """Seconds until a call may be tried (0 when closed): the cool-down's end, or, with
        a probe out, a short look again."""
        with self._lock:
            now = self._clock()
            state = self._state(now)
            if state is State.CLOSED:
                return 0.0
            assert self._opened_at is not None
            left = self._opened_at + self.policy.cool_down_s - now
            return left if state is State.OPEN else 1.0

    def check(self) -> None:
        """``allow()`` or raise ``CircuitOpen``."""
        if not self.allow():
            raise CircuitOpen(self.endpoint, self.retry_in())

    def succeeded(self) -> None:
        with self._lock:
            self._failures, self._opened_at, self._probe_at = 0, None, None

    def failed(self) -> None:
        with self._lock:
            now = self._clock()
            self._failures += 1
            state = self._state(now)
            if state is State.HALF_OPEN or (
                    state is State.CLOSED and self._failures >= self.policy.failures):
                self._opened_at, self._probe_at = now, None  # (re)open: a new cool-down
            # Open: a call let out before it opened failed late; the cool-down stands.


def endpoint(provider: str, url: str = "") -> str:
    """The breaker's name: the provider and the host (with port) it is reached on."""
    host = urlsplit(url).netloc.rsplit("@", 1)[-1] if "//" in url else url
    return f"{provider} {host}" if host else provider


class Breakers:
    """The breakers of one process, by endpoint, made on first use."""

    def __init__(self, policy: Policy | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.policy, self.clock = policy or Policy(), clock
        self._lock = threading.Lock()
        self._by_endpoint: dict[str, Breaker] = {}

    def configure(self, policy: Policy, clock: Callable[[], float] | None = None) -> None:
        """New thresholds (and clock) for every breaker; known states are forgotten."""
        with self._lock:
            self.policy = policy
            if clock is not None:
                self.clock = clock
            self._by_endpoint.clear()

    def get(self, provider: str, url: str = "") -> Breaker:
        name = endpoint(provider, url)
        with self._lock:
            breaker = self._by_endpoint.get(name)
            if breaker is None:
                breaker = self._by_endpoint[name] = Breaker(name, self.policy, self.clock)
            return breaker

    def states(self) -> dict[str, State]:
        with self._lock:
            breakers = list(self._by_endpoint.values())
        return {b.endpoint: b.state for b in breakers}


BREAKERS = Breakers()


def breaker(provider: str, url: str = "") -> Breaker:
    """The process's breaker for ``provider`` at ``url``'s host."""
    return BREAKERS.get(provider, url)


def configure(policy: Policy, clock: Callable[[], float] | None = None) -> None:
    """Set the process's thresholds (the app factory and ``frontdesk worker`` do, from
    settings)."""
    BREAKERS.configure(policy, clock)


def breaker_states() -> dict[str, str]:
    """Every endpoint called so far and its state ("closed", "open", "half_open"): for
    metrics and health pages."""
    return {name: str(state) for name, state in BREAKERS.states().items()}
