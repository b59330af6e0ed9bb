"""CORS headers for the widget's chat calls from its own site, and nowhere else."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.api_keys import create_api_key
from frontdesk.store.db import write_session
from tests.api.conftest import auth
from tests.conftest import Business

SITE = "https://salon.example"
PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type"}


def _widget_key(factory: sessionmaker[Session], biz: Business) -> str:
    with write_session(factory) as session:
        tenant = session.merge(biz.tenant)
        return create_api_key(session, tenant, "site", scope="widget",
                              allowed_origins=[SITE])[1]


def test_the_chat_preflight_allows_only_what_the_chat_door_needs(client: TestClient) -> None:
    answer = client.options("/api/v1/chat", headers={"Origin": SITE, **PREFLIGHT})
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == SITE
    assert answer.headers["access-control-allow-methods"] == "POST"
    allowed = {h.strip() for h in answer.headers["access-control-allow-headers"].split(",")}
    assert allowed == {"authorization", "content-type", "idempotency-key", "x-api-key"}
    assert "access-control-allow-credentials" not in answer.headers
    assert "Origin" in answer.headers["vary"]


def test_no_other_path_answers_a_preflight(client: TestClient) -> None:
    for path in ("/api/v1/services", "/api/v1/customers", "/v1/chat/completions",
                 "/api/v1/api-keys", "/api/v1/chat/other"):
        answer = client.options(path, headers={"Origin": SITE, **PREFLIGHT})
        assert "access-control-allow-origin" not in answer.headers, path


def test_only_a_widget_key_from_its_site_gets_cors_headers(
    client: TestClient, biz: Business, factory: sessionmaker[Session]
) -> None:
    widget = {"Authorization": f"Bearer {_widget_key(factory, biz)}", "Origin": SITE}
    chat = client.post("/api/v1/chat", headers=widget, json={"message": "hello"})
    assert chat.status_code == 200
    assert chat.headers["access-control-allow-origin"] == SITE
    assert "Origin" in chat.headers["vary"]
    # Bad input from the site still reaches the page, so the widget can tell.
    bad = client.post("/api/v1/chat", headers=widget, json={"message": ""})
    assert bad.status_code == 422 and bad.headers["access-control-allow-origin"] == SITE
    # An admin key (a server, not a browser) never gets them, on chat or anywhere else.
    admin = {**auth(biz), "Origin": SITE}
    for answer in (client.post("/api/v1/chat", headers=admin, json={"message": "hello"}),
                   client.get("/api/v1/services", headers=admin)):
        assert answer.status_code == 200
        assert "access-control-allow-origin" not in answer.headers
    elsewhere = client.get("/api/v1/services", headers=widget)
    assert elsewhere.status_code == 403 and "access-control-allow-origin" not in elsewhere.headers
