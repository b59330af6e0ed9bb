"""``/api/v1/api-keys``: an admin key lists, creates and revokes its business's keys; the
secret is shown once; a widget key needs proper origins; bad input stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.conftest import Business


def _create(client: TestClient, biz: Business, **body: Any) -> Any:
    return client.post("/api/v1/api-keys", headers=auth(biz), json=body)


def test_create_list_and_revoke_keys(client: TestClient, biz: Business) -> None:
    made = _create(client, biz, name="website", scope="widget",
                   allowed_origins=["https://Salon.example:443", "http://localhost:8080"])
    assert made.status_code == 201, made.text
    widget = made.json()
    assert widget["key"].startswith("fd_pub_") and widget["scope"] == "widget"
    assert widget["allowed_origins"] == ["https://salon.example", "http://localhost:8080"]
    assert widget["prefix"] == widget["key"][:14] and widget["revoked_at"] is None
    read = _create(client, biz, name="reports", scope="read").json()
    assert read["key"].startswith("fd_") and read["allowed_origins"] is None

    listed = client.get("/api/v1/api-keys", headers=auth(biz))
    assert listed.status_code == 200
    assert [k["name"] for k in listed.json()] == ["default", "website", "reports"]
    assert [k["scope"] for k in listed.json()] == ["admin", "widget", "read"]
    for secret in (widget["key"], read["key"], biz.api_key):
        assert secret not in listed.text
    assert all("key" not in k for k in listed.json())

    reads = {"Authorization": f"Bearer {read['key']}"}
    assert client.get("/api/v1/services", headers=reads).status_code == 200
    revoked = client.post(f"/api/v1/api-keys/{read['id']}/revoke", headers=auth(biz))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/services", headers=reads).status_code == 401
    again = client.post(f"/api/v1/api-keys/{read['id']}/revoke", headers=auth(biz))
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


def test_only_admin_keys_manage_keys(client: TestClient, biz: Business) -> None:
    read = _create(client, biz, name="reports", scope="read").json()
    reads = {"Authorization": f"Bearer {read['key']}"}
    assert client.get("/api/v1/api-keys", headers=reads).status_code == 403
    refused = client.post("/api/v1/api-keys", headers=reads, json={"name": "x", "scope": "admin"})
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
    own = client.post(f"/api/v1/api-keys/{read['id']}/revoke", headers=reads)
    assert own.status_code == 403
    assert len(client.get("/api/v1/api-keys", headers=auth(biz)).json()) == 2


def test_another_business_cannot_revoke_a_key(
    client: TestClient, biz: Business, make_business: Callable[..., Business]
) -> None:
    other = make_business("other")
    theirs = client.get("/api/v1/api-keys", headers=auth(other)).json()[0]
    answer = client.post(f"/api/v1/api-keys/{theirs['id']}/revoke", headers=auth(biz))
    assert answer.status_code == 404
    assert client.get("/api/v1/services", headers=auth(other)).status_code == 200


@pytest.mark.parametrize("body", [
    {"name": "w", "scope": "widget"},
    {"name": "w", "scope": "widget", "allowed_origins": []},
    {"name": "w", "scope": "widget", "allowed_origins": ["salon.example"]},
    {"name": "w", "scope": "widget", "allowed_origins": ["http://salon.example"]},
    {"name": "w", "scope": "widget", "allowed_origins": ["https://salon.example/page"]},
    {"name": "w", "scope": "widget", "allowed_origins": ["https://*.salon.example"]},
    {"name": "w", "scope": "widget", "allowed_origins": ["https://user@salon.example"]},
    {"name": "w", "scope": "widget", "allowed_origins": ["https://salon.example:99999"]},
    {"name": "w", "scope": "widget", "allowed_origins": ["https://salon.example?x=1"]},
    {"name": "w", "scope": "widget", "allowed_origins": ["null"]},
    {"name": "r", "scope": "read", "allowed_origins": ["https://salon.example"]},
    {"name": "x", "scope": "owner"},
    {"scope": "admin"},
])
def test_bad_keys_are_refused_and_nothing_is_stored(
    client: TestClient, biz: Business, body: dict[str, Any]
) -> None:
    answer = _create(client, biz, **body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_input"
    assert len(client.get("/api/v1/api-keys", headers=auth(biz)).json()) == 1
