"""Optional OpenTelemetry traces, sent over OTLP/HTTP when ``FRONTDESK_OTLP_ENDPOINT`` is set.

Off (the default), nothing here imports OpenTelemetry: the ``otel`` extra need not be
installed and :func:`span` costs a global read. On, the app factory (or ``frontdesk
worker``) calls :func:`start` once; spans go through a ``BatchSpanProcessor`` to the
collector, and :meth:`Tracing.stop` flushes them at shutdown. The tracer provider is
ours, not OpenTelemetry's global one: a second app in the same process (tests) replaces
it without the global's set-once rule. Spans nest through OpenTelemetry's own context
variable, so a turn answered in Starlette's thread pool is a child of its request.

Attributes carry ids and bounded labels only (routes, channels, providers, outcomes),
never what a person said, a phone number or an email; a failed span records the
exception's type, not its message (which may quote one). ADR 0056.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the extra may be absent: its types are for mypy only
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, Tracer

Attribute = str | int | float | bool | None
Kind = Literal["internal", "server", "client"]
TRACES_PATH = "/v1/traces"


class TracingUnavailable(RuntimeError):
    """The endpoint is set but the OpenTelemetry packages are not installed."""


class Tracing:
    """This process's tracer and the provider that batches and exports its spans."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self.tracer: Tracer = provider.get_tracer("frontdesk")

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Export every span ended so far; False when the collector did not take them
        in time."""
        return self.provider.force_flush(int(timeout_s * 1000))

    def stop(self) -> None:
        """Flush and shut down (at app or worker shutdown); spans after it are dropped."""
        global _active
        if _active is self:
            _active = None
        self.provider.shutdown()


_active: Tracing | None = None


def traces_url(endpoint: str) -> str:
    """The collector's OTLP/HTTP traces URL from its base (``http://collector:4318``),
    as OpenTelemetry's own ``OTEL_EXPORTER_OTLP_ENDPOINT`` is read; a full
    ``.../v1/traces`` URL is kept as given."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith(TRACES_PATH) else endpoint + TRACES_PATH


def start(endpoint: str, *, resource: Mapping[str, str]) -> Tracing:
    """Trace this process to ``endpoint``, ``resource`` naming it (``service.name``...).
    Replaces (and flushes) any earlier tracing of this process."""
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise TracingUnavailable(
            "FRONTDESK_OTLP_ENDPOINT is set but OpenTelemetry is not installed: "
            "pip install 'frontdesk[otel]', or unset FRONTDESK_OTLP_ENDPOINT"
        ) from exc
    global _active
    if _active is not None:
        _active.stop()
    provider = TracerProvider(resource=Resource.create(dict(resource)))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces_url(endpoint))))
    _active = Tracing(provider)
    return _active


def active() -> Tracing | None:
    return _active


class SpanHandle:
    """What code inside a span may add: attributes and a better name. Inert when
    tracing is off."""

    __slots__ = ("_span",)

    def __init__(self, span: Span | None) -> None:
        self._span = span

    def set(self, attributes: Mapping[str, Attribute]) -> None:
        if self._span is not None:
            self._span.set_attributes({k: v for k, v in attributes.items() if v is not None})

    def rename(self, name: str) -> None:
        if self._span is not None:
            self._span.update_name(name)

    def failed(self, reason: str) -> None:
        """Mark the span as an error (``reason``: a code or a type name, no personal data)."""
        if self._span is not None:
            from opentelemetry.trace import Status, StatusCode

            self._span.set_status(Status(StatusCode.ERROR, reason))


_OFF = SpanHandle(None)


@contextmanager
def span(
    name: str,
    attributes: Mapping[str, Attribute] | None = None,
    *,
    kind: Kind = "internal",
    carrier: Mapping[str, str] | None = None,
) -> Iterator[SpanHandle]:
    """A span around the block, the child of the current one (or, for a ``server`` span,
    of the W3C ``traceparent`` in ``carrier``, the request's headers, when there is one).
    An exception leaving the block marks it failed with the exception's type."""
    tracing = _active
    if tracing is None:
        yield _OFF
        return
    from opentelemetry.trace import SpanKind

    parent = None
    if carrier:
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        parent = TraceContextTextMapPropagator().extract(dict(carrier))
    with tracing.tracer.start_as_current_span(
        name, context=parent, kind=SpanKind[kind.upper()],
        attributes={k: v for k, v in (attributes or {}).items() if v is not None},
        record_exception=False, set_status_on_exception=False,
    ) as current:
        handle = SpanHandle(current)
        try:
            yield handle
        except BaseException as exc:
            current.set_attribute("error.type", type(exc).__name__)
            handle.failed(type(exc).__name__)
            raise


def annotate(attributes: Mapping[str, Attribute]) -> None:
    """Add attributes to the current span (a turn says its outcome once decided)."""
    if _active is None:
        return
    from opentelemetry import trace

    SpanHandle(trace.get_current_span()).set(attributes)
