"""Tenant, services, resources (hours, time off) and customers over HTTP."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.conftest import Business, next_weekday


def test_tenant_read_and_policy_update(client: TestClient, biz: Business) -> None:
    tenant = client.get("/api/v1/tenant", headers=auth(biz)).json()
    assert tenant["slug"] == "salon" and tenant["timezone"] == "America/New_York"
    changed = client.patch(
        "/api/v1/tenant",
        headers=auth(biz),
        json={
            "slot_interval_minutes": 30,
            "languages": ["en", "es"],
            "phone_numbers": ["212-555-0100"],
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["booking_policy"]["slot_interval_minutes"] == 30
    assert body["phone_numbers"] == ["+12125550100"] and body["languages"] == ["en", "es"]
    day = next_weekday(biz.tz, 1)
    slots = client.get(
        "/api/v1/availability",
        headers=auth(biz),
        params={
            "service": str(biz.haircut.id),
            "from": day.isoformat(),
            "to": day.isoformat(),
            "distinct": "true",
        },
    ).json()["slots"]
    assert len(slots) == 16  # 09:00 .. 16:30 every 30 minutes


def test_tenant_bad_input_changes_nothing(client: TestClient, biz: Business) -> None:
    before = client.get("/api/v1/tenant", headers=auth(biz)).json()
    for body in (
        {"timezone": "Mars/Olympus"},
        {"languages": ["fr"]},
        {"slot_interval_minutes": 0},
        {"phone_numbers": ["not a number"]},
        {"name": "x", "timezone": "Nowhere/Town"},
    ):
        response = client.patch("/api/v1/tenant", headers=auth(biz), json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"]
    assert client.get("/api/v1/tenant", headers=auth(biz)).json() == before


def test_phone_number_belongs_to_one_tenant(client: TestClient, make_business) -> None:  # type: ignore[no-untyped-def]
    a, b = make_business("alpha"), make_business("beta")
    assert (
        client.patch(
            "/api/v1/tenant", headers=auth(a), json={"phone_numbers": ["+12125550100"]}
        ).status_code
        == 200
    )
    clash = client.patch(
        "/api/v1/tenant", headers=auth(b), json={"phone_numbers": ["+12125550100"]}
    )
    assert clash.status_code == 409 and clash.json()["code"] == "conflict"


def test_service_create_update_and_duplicates(client: TestClient, biz: Business) -> None:
    created = client.post(
        "/api/v1/services",
        headers=auth(biz),
        json={
            "name": "Beard trim",
            "duration_minutes": 20,
            "buffer_after_minutes": 5,
            "spoken_names": {"en": ["beard"], "es": ["barba"]},
        },
    )
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    assert created.json()["spoken_names"] == {"en": ["beard"], "es": ["barba"]}
    dup = client.post(
        "/api/v1/services", headers=auth(biz), json={"name": "Beard trim", "duration_minutes": 20}
    )
    assert dup.status_code == 409
    patched = client.patch(
        f"/api/v1/services/{sid}", headers=auth(biz), json={"duration_minutes": 25}
    )
    assert patched.json()["duration_minutes"] == 25 and patched.json()["buffer_after_minutes"] == 5
    bad = client.post(
        "/api/v1/services", headers=auth(biz), json={"name": "Zero", "duration_minutes": 0}
    )
    assert bad.status_code == 422
    names = [s["name"] for s in client.get("/api/v1/services", headers=auth(biz)).json()]
    assert names == ["Beard trim", "Coloring", "Haircut"]


def test_resource_hours_and_time_off_shape_availability(client: TestClient, biz: Business) -> None:
    created = client.post(
        "/api/v1/resources",
        headers=auth(biz),
        json={
            "name": "Lena",
            "service_ids": [str(biz.haircut.id)],
            "hours": [
                {"weekday": 1, "start": "10:00", "end": "12:00"},
                {"weekday": 1, "start": "13:00", "end": "15:00"},
            ],
        },
    )
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    tuesday = next_weekday(biz.tz, 1)

    def starts() -> list[str]:
        body = client.get(
            "/api/v1/availability",
            headers=auth(biz),
            params={
                "service": str(biz.haircut.id),
                "resource": rid,
                "from": tuesday.isoformat(),
                "to": tuesday.isoformat(),
            },
        ).json()
        return [s["start"][11:16] for s in body["slots"]]

    assert starts() == [
        "10:00",
        "10:15",
        "10:30",
        "10:45",
        "11:00",
        "11:15",
        "11:30",
        "13:00",
        "13:15",
        "13:30",
        "13:45",
        "14:00",
        "14:15",
        "14:30",
    ]
    off = client.post(
        f"/api/v1/resources/{rid}/exceptions",
        headers=auth(biz),
        json={"kind": "off", "start_date": tuesday.isoformat(), "start": "10:00", "end": "11:00"},
    )
    assert off.status_code == 201
    assert starts()[0] == "11:00"
    whole = client.post(
        f"/api/v1/resources/{rid}/exceptions",
        headers=auth(biz),
        json={
            "kind": "off",
            "start_date": (tuesday - timedelta(days=1)).isoformat(),
            "end_date": tuesday.isoformat(),
            "reason": "Conference",
        },
    )
    assert whole.status_code == 201
    assert starts() == []
    deleted = client.delete(
        f"/api/v1/resources/{rid}/exceptions/{whole.json()['id']}", headers=auth(biz)
    )
    assert deleted.status_code == 204
    assert starts()[0] == "11:00"


def test_resource_bad_hours_are_refused(client: TestClient, biz: Business) -> None:
    for hours in (
        [{"weekday": 1, "start": "12:00", "end": "09:00"}],
        [
            {"weekday": 1, "start": "09:00", "end": "12:00"},
            {"weekday": 1, "start": "11:00", "end": "13:00"},
        ],
        [{"weekday": 7, "start": "09:00", "end": "12:00"}],
        [{"weekday": 1, "start": "9am", "end": "12:00"}],
    ):
        response = client.patch(
            f"/api/v1/resources/{biz.ana.id}", headers=auth(biz), json={"hours": hours}
        )
        assert response.status_code == 422, (hours, response.text)
    ana = client.get(f"/api/v1/resources/{biz.ana.id}", headers=auth(biz)).json()
    assert len(ana["hours"]) == 5  # unchanged
    backwards = client.post(
        f"/api/v1/resources/{biz.ana.id}/exceptions",
        headers=auth(biz),
        json={"kind": "off", "start_date": "2030-01-05", "end_date": "2030-01-01"},
    )
    assert backwards.status_code == 422


def test_customers_phone_normalised_and_unique(client: TestClient, biz: Business) -> None:
    created = client.post(
        "/api/v1/customers",
        headers=auth(biz),
        json={"phone": "(212) 555-0142", "name": "Sam", "language": "es"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["phone"] == "+12125550142"
    dup = client.post("/api/v1/customers", headers=auth(biz), json={"phone": "+1 212 555 0142"})
    assert dup.status_code == 409
    bad = client.post("/api/v1/customers", headers=auth(biz), json={"phone": "12345"})
    assert bad.status_code == 422 and "phone" in bad.json()["detail"]
    found = client.get("/api/v1/customers", headers=auth(biz), params={"phone": "212.555.0142"})
    assert [c["id"] for c in found.json()] == [created.json()["id"]]
    patched = client.patch(
        f"/api/v1/customers/{created.json()['id']}",
        headers=auth(biz),
        json={"do_not_call": True, "email": "sam@example.com"},
    )
    assert patched.json()["do_not_call"] is True and patched.json()["name"] == "Sam"
    bad_email = client.patch(
        f"/api/v1/customers/{created.json()['id']}",
        headers=auth(biz),
        json={"email": "not-an-email"},
    )
    assert bad_email.status_code == 422


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/availability" in spec["paths"]


def test_reminders_and_notify_email_are_tenant_settings(client: TestClient, biz: Business) -> None:
    assert client.get("/api/v1/tenant", headers=auth(biz)).json()["reminder_minutes"] == [1440, 120]
    changed = client.patch("/api/v1/tenant", headers=auth(biz), json={
        "reminder_minutes": [60, 2880, 60], "notify_email": "desk@salon.example"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["reminder_minutes"] == [2880, 60]
    assert changed.json()["notify_email"] == "desk@salon.example"
    bad = client.patch("/api/v1/tenant", headers=auth(biz), json={"reminder_minutes": [1]})
    assert bad.status_code == 422
