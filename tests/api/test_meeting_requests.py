"""Meeting requests over the API: create, list, get, patch, cancel (issue 12)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.conftest import Business


def _body(biz: Business, **extra: Any) -> dict[str, Any]:
    return {
        "title": "Intro call",
        "resource_id": str(biz.ana.id),
        "duration_minutes": 30,
        "hard_constraints": {
            "window_start": "2027-03-01T00:00:00-05:00",
            "window_end": "2027-03-15T00:00:00-04:00",
            "days_of_week": ["thursday", "tuesday", "wednesday", "tuesday"],
            "earliest_time": "09:00",
            "latest_time": "12:00",
            "exclude_dates": ["2027-03-10", "2027-03-03", "2027-03-10"],
        },
        "soft_constraints": {"parts_of_day": ["morning"]},
        **extra,
    }


def test_a_request_is_stored_in_the_parsers_shape_and_read_back(
    client: TestClient, biz: Business
) -> None:
    created = client.post("/api/v1/meeting-requests", json=_body(biz), headers=auth(biz))
    assert created.status_code == 201, created.text
    out = created.json()
    hard = out["hard_constraints"]
    assert hard["days_of_week"] == ["tuesday", "wednesday", "thursday"]  # week order, once
    assert hard["exclude_dates"] == ["2027-03-03", "2027-03-10"]
    assert (hard["earliest_time"], hard["latest_time"]) == ("09:00", "12:00")
    assert hard["timezone"] == biz.tenant.timezone  # the request's zone, by default
    assert out["soft_constraints"] == {"days_of_week": None, "parts_of_day": ["morning"]}
    assert out["status"] == "open" and out["bookings_wanted"] == 1
    assert out["timezone"] == biz.tenant.timezone  # the business's zone by default
    got = client.get(f"/api/v1/meeting-requests/{out['id']}", headers=auth(biz))
    assert got.json() == out
    listed = client.get("/api/v1/meeting-requests", headers=auth(biz),
                        params={"status": "open"}).json()
    assert [r["id"] for r in listed] == [out["id"]]


def test_the_duration_comes_from_the_service_when_not_given(
    client: TestClient, biz: Business
) -> None:
    body = _body(biz, service_id=str(biz.coloring.id))
    del body["duration_minutes"], body["resource_id"]
    created = client.post("/api/v1/meeting-requests", json=body, headers=auth(biz))
    assert created.status_code == 201, created.text
    assert created.json()["duration_minutes"] == biz.coloring.duration_minutes


def test_bad_requests_are_refused_with_a_reason_and_store_nothing(
    client: TestClient, biz: Business
) -> None:
    window = _body(biz)["hard_constraints"]
    cases: list[tuple[dict[str, Any], str]] = [
        (_body(biz, resource_id=None), "resource_id"),
        (_body(biz, hard_constraints={**window, "window_end": window["window_start"]}),
         "window"),
        (_body(biz, hard_constraints={**window, "latest_time": "08:00"}), "latest"),
        (_body(biz, hard_constraints={**window, "days_of_week": ["funday"]}), "days_of_week"),
        (_body(biz, hard_constraints={**window, "window_end": "2029-01-01T00:00:00Z"}), "366"),
        (_body(biz, timezone="Mars/Olympus"), "IANA"),
        (_body(biz, hard_constraints={**window, "window_start": "2027-03-01T00:00:00"}),
         "offset"),
    ]
    for body, reason in cases:
        response = client.post("/api/v1/meeting-requests", json=body, headers=auth(biz))
        assert response.status_code == 422, (reason, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert reason in response.text, response.text
    assert client.get("/api/v1/meeting-requests", headers=auth(biz)).json() == []


def test_patch_changes_what_is_given_and_cancel_is_final_and_idempotent(
    client: TestClient, biz: Business
) -> None:
    made = client.post("/api/v1/meeting-requests", json=_body(biz), headers=auth(biz)).json()
    path = f"/api/v1/meeting-requests/{made['id']}"
    patched = client.patch(path, json={"bookings_wanted": 3, "soft_constraints": {
        "days_of_week": ["friday"]}}, headers=auth(biz))
    assert patched.status_code == 200, patched.text
    assert patched.json()["bookings_wanted"] == 3
    assert patched.json()["soft_constraints"]["days_of_week"] == ["friday"]
    assert patched.json()["hard_constraints"] == made["hard_constraints"]  # untouched
    first = client.post(f"{path}/cancel", headers=auth(biz))
    again = client.post(f"{path}/cancel", headers=auth(biz))
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "cancelled"
    assert again.json()["cancelled_at"] == first.json()["cancelled_at"]
    refused = client.patch(path, json={"title": "Revived"}, headers=auth(biz))
    assert refused.status_code == 409 and "cancelled" in refused.json()["detail"]
    assert client.get(path, headers=auth(biz)).json()["title"] == "Intro call"
    assert client.get("/api/v1/meeting-requests", headers=auth(biz),
                      params={"status": "open"}).json() == []


def test_a_staff_member_of_another_business_cannot_be_named(
    client: TestClient, biz: Business, make_business: Any
) -> None:
    other = make_business("other")
    response = client.post("/api/v1/meeting-requests", json=_body(biz, resource_id=str(
        other.ana.id)), headers=auth(biz))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_what_is_stored_reads_back_as_the_scheduling_cores_constraints(
    client: TestClient, biz: Business
) -> None:
    from datetime import date, time

    from frontdesk.services.meeting_requests import hard_from_json, hard_json, soft_from_json

    body = _body(biz)
    body["hard_constraints"]["timezone"] = "America/Chicago"
    out = client.post("/api/v1/meeting-requests", json=body, headers=auth(biz)).json()
    hard = hard_from_json(out["hard_constraints"])
    assert hard.timezone == "America/Chicago"
    assert hard.days_of_week == {"tuesday", "wednesday", "thursday"}
    assert (hard.earliest_time, hard.latest_time) == (time(9), time(12))
    assert hard.exclude_dates == {date(2027, 3, 3), date(2027, 3, 10)}
    assert hard_json(hard) == out["hard_constraints"]
    assert soft_from_json(out["soft_constraints"]).parts_of_day == {"morning"}
