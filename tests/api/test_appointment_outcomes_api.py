"""Marking appointments confirmed, completed or no-show: only from booked, idempotent."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.conftest import Business, next_weekday


def _book(client: TestClient, biz: Business, hour: int) -> str:
    day = next_weekday(biz.tz, 1)
    response = client.post("/api/v1/appointments", headers=auth(biz), json={
        "service_id": str(biz.haircut.id), "start": biz.at(day, hour).isoformat(),
        "customer": {"phone": "+12125550199", "name": "Alex"}})
    assert response.status_code == 201, response.text
    assert response.json()["confirmed_at"] is None
    return response.json()["id"]  # type: ignore[no-any-return]


def _post(client: TestClient, biz: Business, appointment_id: str, action: str) -> dict:  # type: ignore[type-arg]
    response = client.post(f"/api/v1/appointments/{appointment_id}/{action}", headers=auth(biz))
    return {**response.json(), "http": response.status_code}


def test_confirm_keeps_it_booked_and_the_first_time(client: TestClient, biz: Business) -> None:
    appointment = _book(client, biz, 10)
    first = _post(client, biz, appointment, "confirm")
    assert first["http"] == 200
    assert first["confirmed_at"] is not None
    again = _post(client, biz, appointment, "confirm")
    assert again["confirmed_at"] == first["confirmed_at"]
    shown = client.get(f"/api/v1/appointments/{appointment}", headers=auth(biz)).json()
    assert shown["status"] == "booked" and shown["confirmed_at"] == first["confirmed_at"]


def test_complete_and_no_show_move_once_and_refuse_other_moves(
        client: TestClient, biz: Business) -> None:
    done, missed, cancelled = (_book(client, biz, hour) for hour in (10, 11, 12))
    assert _post(client, biz, done, "complete")["http"] == 200
    again = client.post(f"/api/v1/appointments/{done}/complete", headers=auth(biz))
    assert again.status_code == 200 and again.json()["status"] == "completed"
    refused = client.post(f"/api/v1/appointments/{done}/no-show", headers=auth(biz))
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "not_active" and "completed" in refused.json()["detail"]
    assert _post(client, biz, missed, "no-show")["http"] == 200
    shown = client.get(f"/api/v1/appointments/{missed}", headers=auth(biz)).json()
    assert shown["status"] == "no_show"
    assert client.post(f"/api/v1/appointments/{cancelled}/cancel", headers=auth(biz)).is_success
    for action in ("confirm", "complete", "no-show"):
        response = client.post(f"/api/v1/appointments/{cancelled}/{action}", headers=auth(biz))
        assert response.status_code == 409, action
    still = client.get(f"/api/v1/appointments/{cancelled}", headers=auth(biz)).json()
    assert still["status"] == "cancelled" and still["confirmed_at"] is None
    # Completed and no-show appointments still hold their time.
    listed = client.get("/api/v1/appointments", headers=auth(biz),
                        params={"status": ["completed", "no_show"]}).json()
    assert {a["id"] for a in listed} == {done, missed}
