"""The Prometheus series frontdesk exports at ``GET /metrics`` (README, "Watching it").

Every label here takes a bounded set of values: route templates (never a raw path with
ids, keys or phone numbers), channels, provider names, domain error codes. Series that
describe the whole deployment rather than one process (the outbox's backlog, phone calls
open) are read from the database when scraped, through :class:`DatabaseGauges`.

Several server processes (``frontdesk serve --workers N``) write their counts to files
in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode, set up by the
CLI); any process's ``/metrics`` then answers for all of them (:func:`exposition`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)
# Prometheus derives rates from the counters themselves: no "_created" series beside them.
disable_created_metrics()  # type: ignore[no-untyped-call]

CONTENT_TYPE = CONTENT_TYPE_LATEST
OTHER = "other"
# The doors a conversation or a booking comes through (Appointment.source, Conversation.channel).
CHANNELS = frozenset({"api", "chat", "phone", "sms", "web", "dashboard", "voice", "email"})

HTTP_REQUESTS = Counter(
    "frontdesk_http_requests", "HTTP requests and WebSocket sessions answered",
    ["method", "route", "status"])
HTTP_SECONDS = Histogram(
    "frontdesk_http_request_duration_seconds",
    "Time to answer a request (a WebSocket: the whole session)", ["route"])
TURN_SECONDS = Histogram(
    "frontdesk_turn_duration_seconds",
    "One conversation turn, from reading it to the reply decided",
    ["channel"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 30))
BOOKINGS = Counter("frontdesk_bookings", "Appointments booked (not replays)", ["channel"])
REFUSALS = Counter(
    "frontdesk_refusals", "Domain refusals by stable code (problem+json codes and the "
    "conversation tools' refusals)", ["code", "via"])
DELIVERIES = Counter(
    "frontdesk_deliveries", "Outbox sends a provider accepted", ["channel", "provider"])
DELIVERY_FAILURES = Counter(
    "frontdesk_delivery_failures", "Outbox sends a provider refused or failed",
    ["channel", "provider", "kind"])
CALENDAR_READ_SECONDS = Histogram(
    "frontdesk_calendar_read_duration_seconds", "Reading an external calendar's busy times",
    ["provider"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))
CALENDAR_READ_FAILURES = Counter(
    "frontdesk_calendar_read_failures", "External calendar reads that failed",
    ["provider", "code"])
STREAMED_CALLS = Gauge(
    "frontdesk_streamed_calls_active", "Live media-stream calls (summed over processes)",
    ["carrier"], multiprocess_mode="livesum")
TURNS_IN_PROGRESS = Gauge(
    "frontdesk_turns_in_progress", "Conversation turns being answered right now",
    multiprocess_mode="livesum")
LLM_FALLBACKS = Counter(
    "frontdesk_llm_fallbacks", "Turns the rules answered because the LLM driver failed",
    ["reason"])

CALENDAR_PUSH_NOTIFICATIONS = Counter(
    "frontdesk_calendar_push_notifications",
    "Calendar change notifications received, by what they did (accepted: busy times read "
    "again; sync, duplicate, expired, lifecycle: nothing to read; unknown, forged: refused)",
    ["provider", "result"])
WEBHOOK_ENDPOINTS_DISABLED = Counter(
    "frontdesk_webhook_endpoints_disabled",
    "Webhook endpoints disabled by their deliveries (gone: it answered 410; failures: "
    "every delivery failed for too long)", ["reason"])
CONVERSATION_ANALYSES = Counter(
    "frontdesk_conversation_analyses",
    "Post-call analyses made final (rules final: no LLM asked; llm final; llm fallback: "
    "the LLM failed and the rules' analysis stands)", ["engine", "result"])
# What each label of those may be (anything else is counted as "other").
PUSH_PROVIDERS = frozenset({"google", "microsoft"})
PUSH_RESULTS = frozenset({"accepted", "sync", "duplicate", "expired", "lifecycle", "unknown",
                          "forged"})
PUSH_CHANNEL_STATUSES = frozenset({"active", "stopping", "gone"})


def bounded(value: str | None, known: Iterable[str] = CHANNELS) -> str:
    """``value`` when it is one of ``known``, else "other": labels stay a small set."""
    return value if value is not None and value in known else OTHER


@contextmanager
def timed(histogram: Histogram, *labels: str) -> Iterator[None]:
    started = perf_counter()
    try:
        yield
    finally:
        histogram.labels(*labels).observe(perf_counter() - started)


# --- read from the database at scrape time ------------------------------------------------


@dataclass(frozen=True, slots=True)
class DatabaseFigures:
    """The deployment's figures a scrape reads (services compute them, in one short read)."""

    outbox_due: int
    oldest_due_age_s: float  # 0 when nothing is due
    outbox_failed: int
    open_phone_calls: int
    # Calendar push channels by (provider, status); a pair without channels is absent.
    push_channels: Mapping[tuple[str, str], int] = field(default_factory=dict)


class DatabaseGauges(Collector):
    """Gauges computed when scraped by ``read`` (a service function, handed in by the app
    factory: this module imports no layer above it). A database that does not answer
    gives ``frontdesk_database_up 0`` rather than a failed scrape."""

    def __init__(self, read: Callable[[], DatabaseFigures]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("frontdesk_database_up", "The database answered this scrape")
        try:
            figures = self.read()
        except Exception as exc:  # noqa: BLE001 - a scrape reports the outage, not a 500
            log.warning("metrics: database figures unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("frontdesk_outbox_due", "Outbox messages due and not sent",
                                value=figures.outbox_due)
        yield GaugeMetricFamily(
            "frontdesk_outbox_oldest_due_age_seconds",
            "How long the oldest due outbox message has waited (0: none due)",
            value=figures.oldest_due_age_s)
        yield GaugeMetricFamily("frontdesk_outbox_failed", "Outbox messages given up on",
                                value=figures.outbox_failed)
        yield GaugeMetricFamily(
            "frontdesk_phone_calls_open",
            "Phone conversations not ended and active in the last minutes (every process)",
            value=figures.open_phone_calls)
        channels = GaugeMetricFamily(
            "frontdesk_calendar_push_channels",
            "Calendar push channels, by provider and status (active; stopping: replaced, to "
            "be stopped at the provider; gone: the provider dropped it)",
            labels=["provider", "status"])
        counts: dict[tuple[str, str], int] = {}
        for (provider, status), count in figures.push_channels.items():
            pair = (bounded(provider, PUSH_PROVIDERS), bounded(status, PUSH_CHANNEL_STATUSES))
            counts[pair] = counts.get(pair, 0) + count
        for pair, count in sorted(counts.items()):
            channels.add_metric(list(pair), count)
        yield channels


def exposition(multiprocess_dir: str, *extra: Collector | None) -> bytes:
    """The Prometheus text for this process, or for every process sharing
    ``multiprocess_dir``, followed by the ``extra`` collectors' series."""
    if multiprocess_dir:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    own = CollectorRegistry(auto_describe=False)
    for collector in extra:
        if collector is not None:
            own.register(collector)
    return text + generate_latest(own)


def prepare_multiprocess_dir(path: Path) -> None:
    """An empty directory for the processes' files: counts left by an earlier run
    would be added to this one's."""
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.db"):
        old.unlink()


def process_exited(multiprocess_dir: str, pid: int) -> None:
    """Drop a finished process's live gauges (its streamed calls are over)."""
    if multiprocess_dir:
        mark_process_dead(pid, multiprocess_dir)  # type: ignore[no-untyped-call]
