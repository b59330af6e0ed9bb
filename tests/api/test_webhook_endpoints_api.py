"""``/api/v1/webhook-endpoints``: the secret is shown once, addresses frontdesk must not
reach are refused with a problem that says why, unknown event types are named, and the
endpoints are an admin key's business only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from frontdesk.services.events import EVENT_TYPES
from tests.conftest import Business, auth

HOOKS = "/api/v1/webhook-endpoints"


def test_the_secret_is_shown_once_and_rotation_gives_a_new_one(
    client: TestClient, biz: Business,
) -> None:
    created = client.post(HOOKS, headers=auth(biz), json={
        "url": "https://8.8.8.8/hooks", "description": "CRM",
        "events": ["appointment.booked", "appointment.cancelled"]})
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    shown = client.get(f"{HOOKS}/{body['id']}", headers=auth(biz))
    listed = client.get(HOOKS, headers=auth(biz))
    assert secret not in shown.text and secret not in listed.text
    assert shown.json()["events"] == ["appointment.booked", "appointment.cancelled"]
    assert shown.json()["enabled"] is True and "secret" not in shown.json()
    rotated = client.post(f"{HOOKS}/{body['id']}/rotate-secret", headers=auth(biz))
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != secret
    assert rotated.json()["previous_valid_until"] is not None  # a day of overlap by default
    at_once = client.post(f"{HOOKS}/{body['id']}/rotate-secret", headers=auth(biz),
                          json={"keep_previous_for_s": 0})
    assert at_once.status_code == 200 and at_once.json()["previous_valid_until"] is None
    too_long = client.post(f"{HOOKS}/{body['id']}/rotate-secret", headers=auth(biz),
                           json={"keep_previous_for_s": 30 * 86400})
    assert too_long.status_code == 422


def test_addresses_frontdesk_must_not_reach_are_refused_with_a_problem(
    client: TestClient, biz: Business,
) -> None:
    for url in ("http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/hook",
                "http://127.0.0.1:8765/hook", "http://[::1]/hook"):
        refused = client.post(HOOKS, headers=auth(biz), json={"url": url})
        assert refused.status_code == 422, (url, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["code"] == "invalid_input" and problem["field"] == "url"
        assert "public addresses" in problem["detail"]
    metadata = client.post(HOOKS, headers=auth(biz), json={"url": "http://169.254.169.254/x"})
    assert "link-local" in metadata.json()["detail"]
    for url in ("ftp://8.8.8.8/hook", "javascript:alert(1)", "file:///etc/passwd"):
        assert client.post(HOOKS, headers=auth(biz), json={"url": url}).status_code == 422
    assert client.get(HOOKS, headers=auth(biz)).json() == []
    made = client.post(HOOKS, headers=auth(biz), json={"url": "https://8.8.8.8/ok"}).json()
    moved = client.patch(f"{HOOKS}/{made['id']}", headers=auth(biz),
                         json={"url": "http://192.168.0.10/in"})
    assert moved.status_code == 422 and moved.json()["field"] == "url"


def test_unknown_event_types_are_refused_naming_the_known_ones(
    client: TestClient, biz: Business,
) -> None:
    refused = client.post(HOOKS, headers=auth(biz), json={
        "url": "https://8.8.8.8/hooks", "events": ["appointment.booked", "appointment.eaten"]})
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "appointment.eaten" in detail
    assert all(name in detail for name in EVENT_TYPES)


def test_patch_test_ping_deliveries_and_delete(client: TestClient, biz: Business) -> None:
    made = client.post(HOOKS, headers=auth(biz), json={"url": "https://8.8.8.8/a"}).json()
    assert made["events"] == ["*"]
    paused = client.patch(f"{HOOKS}/{made['id']}", headers=auth(biz), json={"enabled": False})
    assert paused.json()["enabled"] is False
    assert paused.json()["disabled_reason"] == "disabled by the business"
    refused = client.post(f"{HOOKS}/{made['id']}/test", headers=auth(biz))
    assert refused.status_code == 409  # a paused endpoint gets nothing
    resumed = client.patch(f"{HOOKS}/{made['id']}", headers=auth(biz),
                           json={"enabled": True, "events": ["call.ended"]})
    assert resumed.json()["enabled"] is True and resumed.json()["events"] == ["call.ended"]
    ping = client.post(f"{HOOKS}/{made['id']}/test", headers=auth(biz))
    assert ping.status_code == 202
    assert ping.json()["event_type"] == "webhook.test"
    assert ping.json()["event_id"].startswith("msg_")
    replay = client.post(f"{HOOKS}/{made['id']}/deliveries/{ping.json()['message_id']}/replay",
                         headers=auth(biz))
    assert replay.status_code == 202 and replay.json()["event_id"] == ping.json()["event_id"]
    assert replay.json()["message_id"] != ping.json()["message_id"]
    assert client.get(f"{HOOKS}/{made['id']}/deliveries", headers=auth(biz)).json() == []
    assert client.delete(f"{HOOKS}/{made['id']}", headers=auth(biz)).status_code == 204
    assert client.get(f"{HOOKS}/{made['id']}", headers=auth(biz)).status_code == 404


def test_only_admin_keys_manage_endpoints(client: TestClient, biz: Business) -> None:
    read = client.post("/api/v1/api-keys", headers=auth(biz),
                       json={"name": "reports", "scope": "read"}).json()["key"]
    answer = client.get(HOOKS, headers={"Authorization": f"Bearer {read}"})
    assert answer.status_code == 403
