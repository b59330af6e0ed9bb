"""GET /metrics: the series move when a customer books by chat; labels are route
templates, never raw paths; the token, when set, is required."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.observability.metrics import DatabaseFigures, DatabaseGauges, exposition
from frontdesk.services.operations import deployment_figures
from frontdesk.store.db import write_session
from frontdesk.store.models import OutboxMessage
from tests.channels.test_chat import chat_until_booked
from tests.conftest import Business, auth, with_settings

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_chat_booking_moves_the_series(client: TestClient, biz: Business) -> None:
    before = scrape(client)
    out, transcript, _ = chat_until_booked(client, biz, "en")
    turns = len(transcript.lines) // 2
    after = scrape(client)

    moved = {name: value(after, name, **labels) - value(before, name, **labels)
             for name, labels in [
                 ("frontdesk_bookings_total", {"channel": "chat"}),
                 ("frontdesk_turn_duration_seconds_count", {"channel": "chat"}),
                 ("frontdesk_http_requests_total",
                  {"method": "POST", "route": "/api/v1/chat", "status": "200"}),
             ]}
    assert moved == {"frontdesk_bookings_total": 1,
                     "frontdesk_turn_duration_seconds_count": turns,
                     "frontdesk_http_requests_total": turns}, transcript
    assert value(after, "frontdesk_database_up") == 1
    assert value(after, "frontdesk_turns_in_progress") == 0
    assert out["outcome"] == "booked"


def test_labels_are_route_templates_and_refusals_have_their_code(
        client: TestClient, biz: Business) -> None:
    appointment = "3f1c2a4e-0000-4000-8000-000000000001"
    template = {"method": "GET", "route": "/api/v1/appointments/{appointment_id}",
                "status": "404"}
    before = value(scrape(client), "frontdesk_http_requests_total", **template)
    assert client.get(f"/api/v1/appointments/{appointment}", headers=auth(biz)
                      ).status_code == 404
    assert client.get("/api/v1/customers?phone=%2B12125550123").status_code == 401
    assert client.get("/no/such/+12125550123").status_code == 404
    response = client.get("/metrics")
    text = response.text
    assert appointment not in text and "2125550123" not in text and biz.api_key not in text
    samples = scrape(client)
    assert value(samples, "frontdesk_http_requests_total", **template) == before + 1
    assert value(samples, "frontdesk_http_requests_total", method="GET",
                 route="unmatched", status="404") >= 1
    assert value(samples, "frontdesk_refusals_total", code="not_found", via="api") >= 1
    assert value(samples, "frontdesk_refusals_total", code="unauthorized", via="api") >= 1


def test_the_token_when_set_is_required(client: TestClient) -> None:
    with_settings(client.app, metrics_token="scrape-me")  # type: ignore[arg-type]
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused.json()["code"] == "metrics_token_required"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert scrape(client, Authorization="Bearer scrape-me")


def test_the_outbox_backlog_and_its_oldest_due_age(
        factory: sessionmaker[Session], make_business: Callable[..., Business]) -> None:
    tenant = make_business().tenant
    now = datetime.now(UTC)
    with write_session(factory) as session:
        for minutes, status, extra in [(30, "pending", {}), (5, "pending", {}),
                                       (-5, "pending", {}),  # not due yet
                                       (1, "sending", {"locked_until": now - timedelta(
                                           minutes=40)}),  # its worker died
                                       (2, "failed", {})]:
            session.add(OutboxMessage(
                tenant_id=tenant.id, channel="sms", purpose="reminder", recipient="+12125550199",
                dedupe_key=f"{status}{minutes}", status=status,
                next_attempt_at=now - timedelta(minutes=minutes), **extra))
    figures = deployment_figures(factory, now)
    assert figures.outbox_due == 3 and figures.outbox_failed == 1
    assert figures.oldest_due_age_s == 40 * 60

    text = exposition("", DatabaseGauges(lambda: figures)).decode()
    assert "frontdesk_outbox_due 3.0" in text
    assert "frontdesk_outbox_oldest_due_age_seconds 2400.0" in text


def test_a_database_that_does_not_answer_is_reported_not_raised() -> None:
    def down() -> DatabaseFigures:
        raise ConnectionError("no")

    text = exposition("", DatabaseGauges(down)).decode()
    assert "frontdesk_database_up 0.0" in text and "frontdesk_outbox_due" not in text
