"""The REST API end to end: booking over HTTP, problem+json errors, tenant isolation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.conftest import Business, next_weekday


def _book(client: TestClient, biz: Business, start: datetime, **extra: object) -> dict:  # type: ignore[type-arg]
    body = {"service_id": str(biz.haircut.id), "start": start.isoformat(), **extra}
    response = client.post("/api/v1/appointments", json=body, headers=auth(biz))
    return {"status": response.status_code, "json": response.json(), "headers": response.headers}


def _all(client: TestClient, biz: Business) -> list[dict]:  # type: ignore[type-arg]
    response = client.get("/api/v1/appointments", headers=auth(biz))
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_health(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] in ("sqlite", "postgresql")


def test_availability_returns_slots_with_the_tenant_offset(
    client: TestClient, biz: Business
) -> None:
    day = next_weekday(biz.tz, 1)
    response = client.get(
        "/api/v1/availability",
        headers=auth(biz),
        params={"service": str(biz.haircut.id), "from": day.isoformat(), "to": day.isoformat()},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "America/New_York"
    starts = [datetime.fromisoformat(s["start"]) for s in body["slots"]]
    offset = biz.at(day, 9).utcoffset()
    assert starts and all(s.utcoffset() == offset for s in starts)
    assert min(starts) == biz.at(day, 9)
    # 30-min haircut ending by 17:00 on a 15-min grid: 09:00 .. 16:30, 31 starts, 2 staff.
    assert len(starts) == 31 * 2
    distinct = client.get(
        "/api/v1/availability",
        headers=auth(biz),
        params={
            "service": str(biz.haircut.id),
            "from": day.isoformat(),
            "to": day.isoformat(),
            "distinct": "true",
        },
    ).json()
    assert len(distinct["slots"]) == 31


def test_booked_slot_disappears_and_second_booking_is_refused(
    client: TestClient, biz: Business
) -> None:
    day = next_weekday(biz.tz, 2)
    start = biz.at(day, 10)
    first = _book(
        client,
        biz,
        start,
        resource_id=str(biz.ana.id),
        customer={"phone": "+1 212 555 0199", "name": "Alex"},
    )
    assert first["status"] == 201, first["json"]
    assert datetime.fromisoformat(first["json"]["start"]) == start
    assert first["json"]["customer_name"] == "Alex"
    again = _book(client, biz, start, resource_id=str(biz.ana.id))
    assert again["status"] == 409
    assert again["headers"]["content-type"] == "application/problem+json"
    assert again["json"]["code"] == "slot_taken" and again["json"]["status"] == 409
    assert "taken" in again["json"]["detail"]
    slots = client.get(
        "/api/v1/availability",
        headers=auth(biz),
        params={
            "service": str(biz.haircut.id),
            "from": day.isoformat(),
            "to": day.isoformat(),
            "resource": str(biz.ana.id),
        },
    ).json()["slots"]
    assert start.isoformat() not in {s["start"] for s in slots}
    assert len(_all(client, biz)) == 1


def test_idempotency_key_header_books_once(client: TestClient, biz: Business) -> None:
    start = biz.at(next_weekday(biz.tz, 1), 11)
    body = {"service_id": str(biz.haircut.id), "start": start.isoformat()}
    headers = {**auth(biz), "Idempotency-Key": "retry-me"}
    first = client.post("/api/v1/appointments", json=body, headers=headers)
    second = client.post("/api/v1/appointments", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    changed = client.post(
        "/api/v1/appointments",
        headers=headers,
        json={**body, "start": (start + timedelta(hours=1)).isoformat()},
    )
    assert changed.status_code == 422 and changed.json()["code"] == "idempotency_key_reused"
    assert len(_all(client, biz)) == 1


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ("{not json", 400, "malformed_json"),
        ('{"service_id": "nope", "start": "2030-01-01T10:00:00Z"}', 422, "invalid_input"),
        ('{"start": "2030-01-01T10:00:00Z"}', 422, "invalid_input"),
        ("[]", 422, "invalid_input"),
        ("x" * 10_000, 400, "malformed_json"),
    ],
)
def test_malformed_bodies_get_problem_json(
    client: TestClient, biz: Business, payload: str, status: int, code: str
) -> None:
    before = _all(client, biz)
    response = client.post(
        "/api/v1/appointments",
        content=payload,
        headers={**auth(biz), "Content-Type": "application/json"},
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code and response.json()["detail"]
    assert _all(client, biz) == before


def test_naive_start_and_unknown_fields_are_refused(client: TestClient, biz: Business) -> None:
    day = next_weekday(biz.tz, 1)
    naive = _book(client, biz, biz.at(day, 10).replace(tzinfo=None))
    assert naive["status"] == 422 and "offset" in naive["json"]["detail"]
    extra = _book(client, biz, biz.at(day, 10), colour="blue")
    assert extra["status"] == 422 and "colour" in extra["json"]["detail"]
    assert _all(client, biz) == []


def test_refusals_have_stable_codes(client: TestClient, biz: Business) -> None:
    saturday = next_weekday(biz.tz, 5)
    closed = _book(client, biz, biz.at(saturday, 10))
    assert closed["status"] == 409 and closed["json"]["code"] == "outside_hours"
    unknown = client.post(
        "/api/v1/appointments",
        headers=auth(biz),
        json={
            "service_id": "00000000-0000-0000-0000-000000000000",
            "start": biz.at(saturday, 10).isoformat(),
        },
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"


def test_auth_is_required_and_tenants_are_isolated(
    client: TestClient, make_business: Callable[..., Business]
) -> None:
    a, b = make_business("alpha"), make_business("beta")
    missing = client.get("/api/v1/appointments")
    assert missing.status_code == 401 and missing.json()["code"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = client.get("/api/v1/appointments", headers={"Authorization": "Bearer fd_nope"})
    assert wrong.status_code == 401
    booked = _book(client, b, b.at(next_weekday(b.tz, 1), 10))
    assert booked["status"] == 201
    appt_id = booked["json"]["id"]
    assert client.get(f"/api/v1/appointments/{appt_id}", headers=auth(a)).status_code == 404
    assert client.post(f"/api/v1/appointments/{appt_id}/cancel", headers=auth(a)).status_code == 404
    assert _all(client, a) == []
    assert client.get(f"/api/v1/services/{b.haircut.id}", headers=auth(a)).status_code == 404
    assert (
        client.get(
            "/api/v1/availability", headers=auth(a), params={"service": str(b.haircut.id)}
        ).status_code
        == 404
    )
    # Still booked for its owner.
    assert (
        client.get(f"/api/v1/appointments/{appt_id}", headers=auth(b)).json()["status"] == "booked"
    )


def test_reschedule_and_cancel_over_http(client: TestClient, biz: Business) -> None:
    day = next_weekday(biz.tz, 3)
    appt = _book(client, biz, biz.at(day, 9))["json"]
    moved = client.post(
        f"/api/v1/appointments/{appt['id']}/reschedule",
        headers=auth(biz),
        json={"start": biz.at(day, 15).isoformat()},
    )
    assert moved.status_code == 200
    assert datetime.fromisoformat(moved.json()["start"]) == biz.at(day, 15)
    cancelled = client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=auth(biz))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    late = client.post(
        f"/api/v1/appointments/{appt['id']}/reschedule",
        headers=auth(biz),
        json={"start": biz.at(day, 16).isoformat()},
    )
    assert late.status_code == 409 and late.json()["code"] == "not_active"


def test_list_filters(client: TestClient, biz: Business) -> None:
    monday = next_weekday(biz.tz, 0)
    first = _book(client, biz, biz.at(monday, 9), customer={"phone": "+12125550101"})["json"]
    _book(client, biz, biz.at(monday + timedelta(days=1), 9))
    third = _book(client, biz, biz.at(monday + timedelta(days=2), 9))["json"]
    client.post(f"/api/v1/appointments/{third['id']}/cancel", headers=auth(biz))

    def ids(**params: str) -> list[str]:
        response = client.get("/api/v1/appointments", headers=auth(biz), params=params)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()]

    assert ids(**{"from": monday.isoformat(), "to": monday.isoformat()}) == [first["id"]]
    assert len(ids(**{"from": monday.isoformat()})) == 3
    assert ids(customer_id=first["customer_id"]) == [first["id"]]
    assert ids(status="cancelled") == [third["id"]]
    assert len(ids(status="booked")) == 2
    bad = client.get("/api/v1/appointments", headers=auth(biz), params={"from": "next week"})
    assert bad.status_code == 422 and "from" in bad.json()["detail"]
