"""Gauges of one process, computed when it is scraped: its circuit breakers and, in a
``frontdesk worker``, how old its own heartbeat is.

Like :class:`~frontdesk.observability.metrics.DatabaseGauges` they read through a
callable handed in by the composition (the app factory, ``frontdesk worker``): this
package imports nothing of ours, so ``frontdesk.circuit.breaker_states`` comes in as an
argument.

Breakers are per process (frontdesk.circuit): with ``frontdesk serve --workers N`` a
scrape sees the breakers of the process that answered it. Each process finds an outage
for itself within a few calls, so an alert on ``max(frontdesk_circuit_open)`` over a few
scrapes sees it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

STATES = ("closed", "open", "half_open")
# Providers whose host a business chooses (its own CalDAV server): naming the host would
# publish which server a business uses, and there is one per business. They are counted
# by provider and state only.
TENANT_HOSTS = frozenset({"caldav"})
# At most this many per-endpoint series: endpoints are the deployment's providers (a
# handful), so more means something unexpected is being named; the counts still see all.
MAX_ENDPOINTS = 50
# "provider" or "provider host[:port]": a breaker's name (frontdesk.circuit.endpoint)
# with no userinfo, path or query, so no credential or tenant id can ride along.
_ENDPOINT = re.compile(
    r"(?P<provider>[a-z0-9_\-]{1,40})"
    r"(?: (?:[A-Za-z0-9\-]{1,63}\.)*[A-Za-z0-9\-]{1,63}(?::\d{1,5})?"
    r"| \[[0-9A-Fa-f:.]{2,45}\](?::\d{1,5})?)?")


def provider_of(endpoint: str) -> str | None:
    """The provider of a well-formed breaker name, else None (it is not published)."""
    match = _ENDPOINT.fullmatch(endpoint)
    return match.group("provider") if match else None


class CircuitGauges(Collector):
    """``frontdesk_circuit_open{endpoint}`` (1 while the breaker refuses calls) and
    ``frontdesk_circuit_state{endpoint,state}`` for the deployment's own endpoints, and
    ``frontdesk_circuit_breakers{provider,state}`` (how many, every provider)."""

    def __init__(self, states: Callable[[], Mapping[str, str]]) -> None:
        self.states = states

    def collect(self) -> Iterator[Metric]:
        opened = GaugeMetricFamily(
            "frontdesk_circuit_open",
            "1 while this endpoint's circuit breaker refuses calls (open), else 0",
            labels=["endpoint"])
        state = GaugeMetricFamily(
            "frontdesk_circuit_state", "The endpoint's breaker state (1 for the current one)",
            labels=["endpoint", "state"])
        counts: Counter[tuple[str, str]] = Counter()
        named = 0
        for endpoint, current in sorted(self.states().items()):
            provider = provider_of(endpoint)
            if provider is None or current not in STATES:
                log.warning("metrics: a circuit breaker with an unexpected name is not "
                            "published")
                continue
            counts[provider, current] += 1
            if provider in TENANT_HOSTS or named >= MAX_ENDPOINTS:
                continue
            named += 1
            opened.add_metric([endpoint], 1.0 if current == "open" else 0.0)
            for each in STATES:
                state.add_metric([endpoint, each], 1.0 if each == current else 0.0)
        breakers = GaugeMetricFamily(
            "frontdesk_circuit_breakers", "Circuit breakers of this process, by provider "
            "and state", labels=["provider", "state"])
        for (provider, current), count in sorted(counts.items()):
            breakers.add_metric([provider, current], count)
        yield opened
        yield state
        yield breakers


class HeartbeatGauge(Collector):
    """``frontdesk_worker_heartbeat_age_seconds``: since this worker last wrote its
    heartbeat (since it started, while none has been written): it grows while the
    database is away, which is when ``/ready`` on the servers turns the worker stale."""

    def __init__(self, age_s: Callable[[], float]) -> None:
        self.age_s = age_s

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "frontdesk_worker_heartbeat_age_seconds",
            "Seconds since this worker's heartbeat row was last written", value=self.age_s())
