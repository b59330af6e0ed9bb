"""The series of calendar push, outgoing webhooks and post-call analysis move with what
happened: notifications by what they did, endpoints disabled by their deliveries,
analyses by who wrote them; push channels are read from the database when scraped."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.observability.metrics import DatabaseGauges, exposition
from frontdesk.services import conversation_analysis
from frontdesk.services.operations import deployment_figures
from frontdesk.services.webhook_deliveries import Attempt, DisablePolicy, record_attempt
from frontdesk.services.webhook_endpoints import EndpointFields, create_endpoint
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant
from tests.calendars.push_rows import google_connection, open_channel
from tests.conftest import Business
from tests.observability.test_metrics import Samples, scrape, value
from tests.services.analysis_chats import row, send

PUSH = "frontdesk_calendar_push_notifications_total"
GOOGLE, GRAPH = "/webhooks/calendar/google", "/webhooks/calendar/microsoft"


def moved(before: Samples, after: Samples, name: str, *labels: dict[str, str]
          ) -> list[float]:
    return [value(after, name, **each) - value(before, name, **each) for each in labels]


def test_push_notifications_are_counted_by_what_they_did_and_channels_when_scraped(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    connection = google_connection(factory, biz, stored_at=now)
    live = open_channel(factory, biz, connection, "primary", now + timedelta(days=7), "g")
    dead = open_channel(factory, biz, connection, "family", now - timedelta(minutes=1), "d")
    open_channel(factory, biz, connection, "work", now + timedelta(days=2), "m", "microsoft")

    def google(channel: uuid.UUID, token: str, number: int, state: str = "exists",
               resource: str = "res-primary") -> int:
        return client.post(GOOGLE, headers={
            "X-Goog-Channel-ID": str(channel), "X-Goog-Channel-Token": token,
            "X-Goog-Resource-ID": resource, "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(number)}).status_code

    before = scrape(client)
    assert google(live, "g", 1, "sync") == 200
    assert google(live, "g", 2) == 200
    assert google(live, "g", 2) == 200  # redelivered
    assert google(dead, "d", 3, resource="res-family") == 200
    assert google(live, "not-the-token", 4) == 403
    assert google(uuid.uuid4(), "g", 5) == 404
    batch = [{"subscriptionId": "res-work", "clientState": "m"},
             {"subscriptionId": "res-work", "clientState": "m",
              "lifecycleEvent": "reauthorizationRequired"},
             {"subscriptionId": "res-work", "clientState": "not-it"},
             {"subscriptionId": "nobody", "clientState": "m"}]
    assert client.post(GRAPH, json={"value": batch}).status_code == 202
    assert client.post(GRAPH, json={"value": batch[2:3]}).status_code == 403
    after = scrape(client)

    results = ("accepted", "sync", "duplicate", "expired", "lifecycle", "forged", "unknown")
    assert moved(before, after, PUSH, *[{"provider": "google", "result": r} for r in results]
                 ) == [1, 1, 1, 1, 0, 1, 1]
    assert moved(before, after, PUSH, *[{"provider": "microsoft", "result": r}
                                        for r in results]) == [1, 0, 0, 0, 1, 2, 1]

    # Channels, every process's, read when scraped (the expired one stays until stopped).
    for provider, count in (("google", 2), ("microsoft", 1)):
        assert value(after, "frontdesk_calendar_push_channels", provider=provider,
                     status="active") == count
    figures = deployment_figures(factory)
    assert figures.push_channels == {("google", "active"): 2, ("microsoft", "active"): 1}
    text = exposition("", DatabaseGauges(lambda: figures)).decode()
    assert 'frontdesk_calendar_push_channels{provider="microsoft",status="active"} 1.0' in text


def test_endpoints_disabled_by_their_deliveries_are_counted_by_reason(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    settings = Settings(environment="test", secret_key=Fernet.generate_key().decode())
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        gone, failing = (create_endpoint(session, tenant, EndpointFields(url), settings)[0].id
                         for url in ("https://8.8.8.8/gone", "https://8.8.4.4/hook"))
    policy = DisablePolicy(after=timedelta(0), failures=2)

    def attempt(endpoint: uuid.UUID, status: int, *, is_gone: bool = False) -> str | None:
        return record_attempt(factory, Attempt(
            endpoint, biz.tenant.id, None, f"evt_{uuid.uuid4().hex}", "appointment.booked",
            0, 12, status_code=status), policy, gone=is_gone)

    labels = [{"reason": "gone"}, {"reason": "failures"}]
    before = scrape(client)
    assert attempt(gone, 410, is_gone=True) == "the endpoint answered 410 Gone"
    assert attempt(failing, 500) is None  # one failure: not yet
    assert attempt(failing, 200) is None  # a success ends the streak
    assert attempt(failing, 500) is None
    assert attempt(failing, 503) is not None
    assert attempt(failing, 500) is None  # disabled already: not counted again
    after = scrape(client)
    assert moved(before, after, "frontdesk_webhook_endpoints_disabled_total", *labels) == [1, 1]


def test_analyses_are_counted_by_engine_and_result(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    agent = client.app.state.agent  # type: ignore[attr-defined]
    labels = [{"engine": "rules", "result": "final"}, {"engine": "llm", "result": "final"},
              {"engine": "llm", "result": "fallback"}]
    name = "frontdesk_conversation_analyses_total"

    def ended() -> tuple[uuid.UUID, int]:
        out = send(client, biz, "What are your opening hours?")
        conversation_id = uuid.UUID(out["conversation_id"])
        agent.end(biz.tenant, conversation_id)
        return conversation_id, int(row(factory, conversation_id).analysis["ending"])  # type: ignore[index]

    before = scrape(client)
    ended()  # no LLM: the rules' analysis is final at once
    agent.end(biz.tenant, ended()[0])  # a retried hang-up: the same ending, not counted
    assert moved(before, scrape(client), name, *labels) == [2, 0, 0]

    agent.refine_analysis = True
    refined, failed = ended(), ended()
    assert moved(before, scrape(client), name, *labels) == [2, 0, 0]  # still refining
    proposal = {"summary": "Asked for the opening hours.", "intent": "info", "success": True,
                "success_rationale": "The hours were given."}
    # The outbox delivers at least once: a second delivery changes nothing.
    for llm, rules in (("llm", "rules"), ("superseded", "superseded")):
        assert conversation_analysis.finish_refinement(
            factory, biz.tenant.id, refined[0], refined[1], proposal=proposal,
            error=None) == llm
        assert conversation_analysis.finish_refinement(
            factory, biz.tenant.id, failed[0], failed[1], proposal=None,
            error="model down") == rules
    assert moved(before, scrape(client), name, *labels) == [2, 1, 1]
