"""What a read key and a widget key reach, tried on every route of the app.

The routes come from the app's route table (and are cross-checked with the OpenAPI
document), not from a hand list: a new route is covered the day it is added. A read key
may only read; a widget key reaches nothing but the chat door, and only from its site.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.services.api_keys import create_api_key
from frontdesk.store.db import write_session
from frontdesk.web.deps import get_caller
from frontdesk.web.scopes import ADMIN_ONLY_PREFIXES
from tests.api.conftest import auth
from tests.conftest import Business

SITE = "https://salon.example"
CHAT = ("POST", "/api/v1/chat")


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The app, with room for one address to try every route (a widget key's requests and
    every refusal count against the address: that limit is tested in test_rate_limits)."""
    settings = Settings(environment="test", llm_base_url="", rate_limit_ip="100000/minute")
    with TestClient(create_app(settings, engine=engine)) as test_client:
        yield test_client


def _key(factory: sessionmaker[Session], biz: Business, scope: str) -> str:
    with write_session(factory) as session:
        tenant = session.merge(biz.tenant)
        origins = [SITE] if scope == "widget" else None
        return create_api_key(session, tenant, scope, scope=scope, allowed_origins=origins)[1]


def _takes_a_key(dependant: Dependant) -> bool:
    return dependant.call is get_caller or any(_takes_a_key(d) for d in dependant.dependencies)


def _routes(client: TestClient) -> Iterator[tuple[RouteContext, APIRoute]]:
    """Every HTTP route of the app, with its full path (routers' prefixes included)."""
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        if isinstance(context.original_route, APIRoute):
            yield context, context.original_route


def _keyed_operations(client: TestClient) -> Iterator[tuple[str, str]]:
    for context, route in _routes(client):
        if _takes_a_key(route.dependant):
            for method in sorted(context.methods or ()):
                yield method, str(context.path)


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)


def _counts(client: TestClient, biz: Business) -> dict[str, int]:
    return {what: len(client.get(f"/api/v1/{what}", headers=auth(biz)).json())
            for what in ("services", "resources", "customers", "api-keys")}


def test_the_route_table_and_the_openapi_document_agree_on_which_routes_take_a_key(
    client: TestClient,
) -> None:
    keyed = set(_keyed_operations(client))
    documented = {(method.upper(), path)
                  for path, ops in client.get("/openapi.json").json()["paths"].items()
                  for method, op in ops.items() if op.get("security")}
    assert len(keyed) > 40 and CHAT in keyed
    assert documented <= keyed  # every documented keyed operation goes through get_caller
    api_routes = {(m, p) for m, p in _all_operations(client) if p.startswith("/api/v1/")}
    assert api_routes <= keyed, "an /api/v1 route that takes no API key"


def _all_operations(client: TestClient) -> Iterator[tuple[str, str]]:
    for context, _ in _routes(client):
        for method in context.methods or ():
            yield method, str(context.path)


def _says_insufficient_scope(path: str, body: dict[str, Any]) -> None:
    # The OpenAI-compatible door (/v1/...) answers errors in OpenAI's shape.
    code = body["code"] if path.startswith("/api/") else body["error"]["code"]
    assert code == "insufficient_scope", (path, body)


def test_a_read_key_reads_and_can_write_nothing(
    client: TestClient, biz: Business, factory: sessionmaker[Session]
) -> None:
    key = {"Authorization": f"Bearer {_key(factory, biz, 'read')}"}
    before = _counts(client, biz)
    reads = writes = 0
    for method, path in _keyed_operations(client):
        answer = client.request(method, _url(path), headers=key)
        may_read = (method in ("GET", "HEAD") and path.startswith("/api/v1/")
                    # keys and webhook endpoints (URLs may carry a receiver's token)
                    and not path.startswith(ADMIN_ONLY_PREFIXES))
        if may_read:
            reads += 1
            assert answer.status_code != 403, (method, path, answer.text)
        else:
            writes += 1
            assert answer.status_code == 403, (method, path, answer.text)
            _says_insufficient_scope(path, answer.json())
    assert reads > 15 and writes > 25
    assert _counts(client, biz) == before
    assert client.get("/api/v1/services", headers=key).status_code == 200


def test_a_widget_key_reaches_only_the_chat_door(
    client: TestClient, biz: Business, factory: sessionmaker[Session]
) -> None:
    key = {"Authorization": f"Bearer {_key(factory, biz, 'widget')}", "Origin": SITE}
    before = _counts(client, biz)
    for method, path in _keyed_operations(client):
        if (method, path) == CHAT:
            continue
        answer = client.request(method, _url(path), headers=key)
        assert answer.status_code == 403, (method, path, answer.text)
        _says_insufficient_scope(path, answer.json())
        assert "access-control-allow-origin" not in answer.headers
    assert _counts(client, biz) == before
    customers = client.get("/api/v1/customers", headers=key)
    assert customers.status_code == 403 and "customer" not in customers.text.lower()
    chat = client.post("/api/v1/chat", headers=key, json={"message": "hello"})
    assert chat.status_code == 200, chat.text
    assert chat.headers["access-control-allow-origin"] == SITE


@pytest.mark.parametrize("origin", [None, "https://evil.example", "http://salon.example",
                                    "https://salon.example.evil.example"])
def test_a_widget_key_works_only_from_its_own_site(
    client: TestClient, biz: Business, factory: sessionmaker[Session], origin: str | None
) -> None:
    headers = {"Authorization": f"Bearer {_key(factory, biz, 'widget')}"}
    if origin is not None:
        headers["Origin"] = origin
    answer = client.post("/api/v1/chat", headers=headers, json={"message": "hello"})
    assert answer.status_code == 403
    assert answer.json()["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in answer.headers


def test_what_a_widget_visitor_says_about_their_phone_stays_a_claim(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
    make_business: Callable[..., Business],
) -> None:
    """The site cannot vouch through a key every visitor holds; and a visitor cannot pick
    up a server's chat (which the server did vouch for) by sending its session id."""
    admin_chat = client.post("/api/v1/chat", headers=auth(biz), json={
        "session_id": "member-42", "message": "hello", "caller_phone": "+12125550142",
        "caller_phone_verified": True})
    assert admin_chat.status_code == 200, admin_chat.text
    widget = {"Authorization": f"Bearer {_key(factory, biz, 'widget')}", "Origin": SITE}
    visitor = client.post("/api/v1/chat", headers=widget, json={
        "session_id": "member-42", "message": "hello", "caller_phone": "+12125550143",
        "caller_phone_verified": True})
    assert visitor.status_code == 200, visitor.text
    assert visitor.json()["conversation_id"] != admin_chat.json()["conversation_id"]
    record = client.get(f"/api/v1/conversations/{visitor.json()['conversation_id']}",
                        headers=auth(biz)).json()
    assert record["caller_phone"] == "+12125550143" and record["caller_verified"] is False
    theirs = client.get(f"/api/v1/conversations/{admin_chat.json()['conversation_id']}",
                        headers=auth(biz)).json()
    assert theirs["caller_verified"] is True


def test_read_and_widget_keys_cannot_open_the_retell_socket(
    client: TestClient, biz: Business, factory: sessionmaker[Session]
) -> None:
    from starlette.websockets import WebSocketDisconnect

    for scope in ("read", "widget"):
        key = _key(factory, biz, scope)
        with client.websocket_connect(f"/v1/retell/{key}/llm-websocket/call-1") as socket:
            with pytest.raises(WebSocketDisconnect):
                socket.receive_json()
    with client.websocket_connect(f"/v1/retell/{biz.api_key}/llm-websocket/call-2") as socket:
        assert socket.receive_json()["response_type"] == "config"
