"""Circuit breakers in the metrics (the server's /metrics and any process's exposition),
with endpoint labels that carry no tenant host or credential; the worker's scrape
server and its token."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from frontdesk import circuit
from frontdesk.delivery.worker import deliver_due
from frontdesk.observability.metrics import exposition
from frontdesk.observability.process_gauges import CircuitGauges, HeartbeatGauge
from frontdesk.observability.scrape_server import MetricsServer
from frontdesk.senders.console import ConsoleSender
from frontdesk.services.notices.outbox import enqueue
from frontdesk.store.db import write_session
from tests.conftest import Business, with_settings
from tests.observability.test_metrics import Samples, scrape, value


def parse(text: str) -> Samples:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _open(provider: str, url: str = "") -> None:
    guard = circuit.breaker(provider, url)
    for _ in range(circuit.BREAKERS.policy.failures):
        guard.failed()


def test_an_open_breaker_shows_in_the_servers_metrics(client: TestClient) -> None:
    circuit.configure(circuit.Policy(failures=2, cool_down_s=600))
    circuit.breaker("llm", "http://10.0.0.7:8000/v1").succeeded()
    _open("twilio", "https://AC123:secret@api.twilio.com/2010-04-01")
    samples = scrape(client)
    assert value(samples, "frontdesk_circuit_open", endpoint="twilio api.twilio.com") == 1
    assert value(samples, "frontdesk_circuit_open", endpoint="llm 10.0.0.7:8000") == 0
    assert value(samples, "frontdesk_circuit_state",
                 endpoint="twilio api.twilio.com", state="open") == 1
    assert value(samples, "frontdesk_circuit_state",
                 endpoint="twilio api.twilio.com", state="closed") == 0
    assert value(samples, "frontdesk_circuit_breakers", provider="twilio", state="open") == 1
    assert value(samples, "frontdesk_circuit_breakers", provider="llm", state="closed") == 1
    text = client.get("/metrics").text
    assert "secret" not in text and "AC123" not in text  # userinfo never becomes a label

    circuit.breaker("twilio", "https://api.twilio.com").succeeded()
    assert value(scrape(client), "frontdesk_circuit_open",
                 endpoint="twilio api.twilio.com") == 0


def test_tenant_chosen_hosts_are_counted_not_named() -> None:
    circuit.configure(circuit.Policy(failures=1, cool_down_s=600))
    _open("caldav", "https://dav.bella-salon.example:8443/calendars/ana/")
    _open("caldav", "https://cloud.other-shop.example/remote.php/dav")
    text = exposition("", CircuitGauges(circuit.breaker_states)).decode()
    assert "bella-salon" not in text and "other-shop" not in text
    samples = parse(text)
    assert value(samples, "frontdesk_circuit_breakers", provider="caldav", state="open") == 2


@pytest.mark.parametrize("name", [
    "smtp user:pw@mail.example",  # credentials, had they slipped through
    "twilio api.twilio.com/2010-04-01/Accounts/AC1",  # a path
    "llm host?key=abc",  # a query
    "Twilio api.twilio.com",  # not a provider name
])
def test_a_malformed_endpoint_is_not_published(name: str) -> None:
    samples = parse(exposition("", CircuitGauges(lambda: {name: "open"})).decode())
    assert not [key for key in samples if key[0].startswith("frontdesk_circuit")
                and key[1] and "open" in dict(key[1]).values()]
    assert all(name not in dict(labels).values() for _, labels in samples)


def test_the_heartbeat_gauge_reads_its_age() -> None:
    samples = parse(exposition("", HeartbeatGauge(lambda: 12.5)).decode())
    assert value(samples, "frontdesk_worker_heartbeat_age_seconds") == 12.5


def _get(port: int, token: str | None = None, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", method=method)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_scrape_server_wants_the_token_when_one_is_set() -> None:
    server = MetricsServer("127.0.0.1", 0, lambda: b"frontdesk_up 1\n", token="t0ken")
    try:
        assert _get(server.port)[0] == 401
        assert _get(server.port, "wrong")[0] == 401
        assert _get(server.port, "t0ken") == (200, "frontdesk_up 1\n")
        assert _get(server.port, "t0ken", method="POST")[0] == 405
    finally:
        server.close()
    open_server = MetricsServer("127.0.0.1", 0, lambda: b"frontdesk_up 1\n")
    try:
        assert _get(open_server.port) == (200, "frontdesk_up 1\n")
    finally:
        open_server.close()


def test_the_servers_metrics_token_covers_the_breakers(client: TestClient) -> None:
    with_settings(client.app, metrics_token="s3cret")  # type: ignore[arg-type]
    _open("twilio", "https://api.twilio.com")
    assert client.get("/metrics").status_code == 401
    samples = scrape(client, Authorization="Bearer s3cret")
    assert value(samples, "frontdesk_circuit_open", endpoint="twilio api.twilio.com") == 1


def test_an_accepted_send_counts_as_a_delivery(
    factory: sessionmaker[Session], biz: Business
) -> None:
    provider = ConsoleSender("sms")
    series = {"channel": "sms", "provider": provider.name}
    before = value(parse(exposition("").decode()), "frontdesk_deliveries_total", **series)
    with write_session(factory) as session:
        enqueue(session, tenant_id=biz.tenant.id, channel="sms", purpose="test",
                recipient="+12125550123", payload={"body": "hi", "from": "+12125550100"},
                dedupe_key="counted")
    assert len(deliver_due(factory, {"sms": provider}).sent) == 1
    after = value(parse(exposition("").decode()), "frontdesk_deliveries_total", **series)
    assert after == before + 1
