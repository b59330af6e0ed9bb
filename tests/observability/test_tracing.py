"""OpenTelemetry traces (FRONTDESK_OTLP_ENDPOINT) reach a collector over OTLP/HTTP: a
span per request named by its route template, a span per agent turn with its
conversation, a span per outbox send; no personal data in any attribute. Off, the
OpenTelemetry SDK is never imported."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.delivery.worker import deliver_due
from frontdesk.observability import tracing
from frontdesk.senders.console import ConsoleSender
from tests.channels.test_chat import chat_until_booked
from tests.conftest import Business, auth
from tests.standins.otlp_collector import PROTOBUF, Collector, ReceivedSpan

ROOT = Path(__file__).resolve().parents[2]
# What the chat customer gives (tests/channels/conftest.py ANSWERS): number, name; any email.
PERSONAL = re.compile(r"555\D?0199|@|\+\d{7,}|Alex|Smith")
APPOINTMENT = "3f1c2a4e-0000-4000-8000-000000000001"
PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    """Tracing does not depend on the database: SQLite only."""
    return sqlite_engine


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector().start()
    yield server
    server.stop()


@pytest.fixture
def traced(engine: Engine, collector: Collector) -> Iterator[TestClient]:
    settings = Settings(environment="test", llm_base_url="", otlp_endpoint=collector.url,
                        otlp_service_name="frontdesk-test")
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client
    assert tracing.active() is None, "the app's shutdown stops tracing"


def flush(client: TestClient) -> None:
    active = client.app.state.tracing  # type: ignore[attr-defined]
    assert active is not None and active.flush(), "the collector took the spans"


def test_a_chat_booking_is_traced(traced: TestClient, collector: Collector, biz: Business,
                                  factory: sessionmaker[Session]) -> None:
    out, transcript, _ = chat_until_booked(traced, biz, "en")
    turns = len(transcript.lines) // 2
    missing = traced.get(f"/api/v1/appointments/{APPOINTMENT}", headers={
        **auth(biz), "X-Request-ID": "trace-test-0001",
        "traceparent": f"00-{PARENT_TRACE}-{PARENT_SPAN}-01"})
    assert missing.status_code == 404
    report = deliver_due(factory, {"sms": ConsoleSender("sms"), "email": ConsoleSender("email")})
    assert report.sent, "the booking's confirmation went out"
    flush(traced)

    assert collector.content_types == {PROTOBUF}
    chats = collector.named("POST /api/v1/chat")
    assert len(chats) == turns, transcript
    assert all(s.kind == "server" and s.attributes["http.route"] == "/api/v1/chat"
               and s.attributes["http.response.status_code"] == 200
               and s.attributes["http.request.method"] == "POST"
               and s.attributes["frontdesk.tenant"] == biz.tenant.slug
               and re.fullmatch(r"[0-9a-f]{32}", s.attributes["frontdesk.request_id"])
               for s in chats), chats

    (lookup,) = collector.named("GET /api/v1/appointments/{appointment_id}")
    assert lookup.attributes["http.response.status_code"] == 404
    assert lookup.attributes["frontdesk.request_id"] == "trace-test-0001"
    # A caller's W3C trace context is continued, not restarted.
    assert (lookup.trace_id, lookup.parent_id) == (PARENT_TRACE, PARENT_SPAN)
    assert not lookup.error  # a 4xx is the client's; a 5xx marks the span failed

    turn_spans = collector.named("agent turn")
    assert len(turn_spans) == turns
    conversation = str(out["conversation_id"])
    assert {s.attributes["frontdesk.conversation_id"] for s in turn_spans} == {conversation}
    assert all(s.attributes["frontdesk.channel"] == "chat"
               and s.attributes["frontdesk.turn.engine"] == "rules" for s in turn_spans)
    assert [s.attributes.get("frontdesk.turn.outcome") for s in turn_spans].count("booked") == 1
    # Each turn is the child of its request, in the request's trace.
    requests = {s.span_id: s for s in chats}
    assert all(s.parent_id in requests and requests[s.parent_id].trace_id == s.trace_id
               for s in turn_spans)
    assert {s.attributes["frontdesk.conversation_id"] for s in chats} == {conversation}

    sends = collector.named("outbox send")
    assert len(sends) == len(report.sent)
    assert all(s.kind == "client" and s.attributes["frontdesk.provider"] == "console"
               and s.attributes["frontdesk.channel"] in {"sms", "email"} for s in sends)

    resource = collector.spans[0].resource
    assert resource["service.name"] == "frontdesk-test"
    assert resource["deployment.environment.name"] == "test"
    assert_no_personal_data(collector.spans)


def assert_no_personal_data(spans: list[ReceivedSpan]) -> None:
    leaks = [(s.name, key, value) for s in spans for key, value in s.attributes.items()
             if PERSONAL.search(str(value))]
    assert not leaks, leaks
    assert spans and not any(PERSONAL.search(s.name) for s in spans)


def test_a_failed_send_marks_its_span_with_the_error_type(
        traced: TestClient, collector: Collector, factory: sessionmaker[Session],
        biz: Business) -> None:
    from frontdesk.senders.base import OutgoingMessage, TransientSendError

    class Down(ConsoleSender):
        def send(self, message: OutgoingMessage) -> str:
            raise TransientSendError(f"carrier refused {message.recipient}")

    chat_until_booked(traced, biz, "en")
    report = deliver_due(factory, {"sms": Down("sms"), "email": Down("email")})
    assert report.retrying
    flush(traced)
    sends = collector.named("outbox send")
    assert sends and all(s.error and s.attributes["error.type"] == "TransientSendError"
                         for s in sends)
    assert_no_personal_data(sends)  # the error's message (with the number) is not kept


def test_the_endpoint_without_the_extra_is_a_clear_startup_error(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # As if `pip install 'frontdesk[otel]'` had not been run: the import fails.
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)
    settings = Settings(environment="test", otlp_endpoint="http://127.0.0.1:4318")
    with pytest.raises(tracing.TracingUnavailable, match=r"frontdesk\[otel\]"):
        create_app(settings, engine=engine)


def test_an_endpoint_must_be_an_http_url() -> None:
    with pytest.raises(ValidationError, match="FRONTDESK_OTLP_ENDPOINT"):
        Settings(otlp_endpoint="collector:4318")
    assert tracing.traces_url("http://c:4318/") == "http://c:4318/v1/traces"
    assert tracing.traces_url("https://c/otlp/v1/traces") == "https://c/otlp/v1/traces"


def test_without_an_endpoint_the_sdk_is_never_imported(tmp_path: Path) -> None:
    """The app starts, answers and stops; FastAPI may load the OpenTelemetry API (it has
    its own hooks), but neither the SDK nor an exporter is imported."""
    script = (
        "import sys\n"
        "from fastapi.testclient import TestClient\n"
        "from frontdesk.app import create_app\n"
        "from frontdesk.config import Settings\n"
        f"app = create_app(Settings(environment='test', data_dir={str(tmp_path)!r}))\n"
        "with TestClient(app) as client:\n"
        "    assert client.post('/api/v1/chat', json={'message': 'hi'}).status_code == 401\n"
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk', "
        "'opentelemetry.exporter'))))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRONTDESK_", "OTEL_"))}
    env["PYTHONPATH"] = f"{ROOT / 'src'}{os.pathsep}{ROOT}"
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


def test_serve_says_what_to_install_when_the_extra_is_missing(tmp_path: Path) -> None:
    """``frontdesk serve`` with the endpoint set and no SDK: exit 2 and one clear line."""
    script = ("import sys\n"
              "sys.modules['opentelemetry.sdk.trace'] = None  # the extra not installed\n"
              "from frontdesk.cli import main\n"
              "sys.exit(main(['serve', '--port', '1']))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRONTDESK_", "OTEL_"))}
    env.update({"PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
                "FRONTDESK_DATA_DIR": str(tmp_path),
                "FRONTDESK_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "error: FRONTDESK_OTLP_ENDPOINT is set but OpenTelemetry is not installed: "
        "pip install 'frontdesk[otel]', or unset FRONTDESK_OTLP_ENDPOINT")
