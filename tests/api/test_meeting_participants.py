"""A meeting request's participants over the API: add, list, change, remove, and their
availability as windows or in their own words (issue 12)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.conftest import Business

BASE = "/api/v1/meeting-requests"
# Sunday 2027-03-07 09:00 in New York: "Tuesday" is the 9th, "Thursday" the 11th.
NOW = "2027-03-07T09:00:00-05:00"


def _request(client: TestClient, biz: Business, **hard: Any) -> str:
    body = {"title": "Planning", "resource_id": str(biz.ana.id), "duration_minutes": 30,
            "hard_constraints": {"window_start": "2027-03-08T00:00:00-05:00",
                                 "window_end": "2027-03-20T00:00:00-04:00", **hard}}
    created = client.post(BASE, json=body, headers=auth(biz))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_participants_are_added_listed_changed_and_removed(
    client: TestClient, biz: Business
) -> None:
    rid = _request(client, biz)
    added = client.post(f"{BASE}/{rid}/participants", headers=auth(biz), json={
        "name": "Rosa", "phone": "(212) 555-0147", "email": "rosa@example.com",
        "availability": [
            {"start": "2027-03-09T13:00:00-05:00", "end": "2027-03-09T15:00:00-05:00"},
            {"start": "2027-03-09T15:00:00-05:00", "end": "2027-03-09T16:00:00-05:00"},
            {"start": "2027-03-08T09:00:00-05:00", "end": "2027-03-08T10:00:00-05:00"}]})
    assert added.status_code == 201, added.text
    rosa = added.json()
    assert rosa["phone"] == "+12125550147"
    # Stored sorted, joined where they touch, in UTC.
    assert rosa["availability"] == [
        {"start": "2027-03-08T14:00:00Z", "end": "2027-03-08T15:00:00Z"},
        {"start": "2027-03-09T18:00:00Z", "end": "2027-03-09T21:00:00Z"}]
    second = client.post(f"{BASE}/{rid}/participants", headers=auth(biz), json={"name": "Li"})
    assert second.status_code == 201 and second.json()["availability"] == []
    listed = client.get(f"{BASE}/{rid}/participants", headers=auth(biz)).json()
    assert [p["name"] for p in listed] == ["Rosa", "Li"]

    patched = client.patch(f"{BASE}/{rid}/participants/{rosa['id']}", headers=auth(biz),
                           json={"availability": [], "name": "Rosa M."})
    assert patched.status_code == 200, patched.text
    assert patched.json()["availability"] == [] and patched.json()["name"] == "Rosa M."
    assert patched.json()["phone"] == "+12125550147"  # not given: unchanged

    gone = client.delete(f"{BASE}/{rid}/participants/{rosa['id']}", headers=auth(biz))
    assert gone.status_code == 204
    listed = client.get(f"{BASE}/{rid}/participants", headers=auth(biz)).json()
    assert [p["name"] for p in listed] == ["Li"]
    again = client.delete(f"{BASE}/{rid}/participants/{rosa['id']}", headers=auth(biz))
    assert again.status_code == 404


def test_availability_in_words_becomes_windows_inside_the_request(
    client: TestClient, biz: Business
) -> None:
    rid = _request(client, biz, latest_time="17:00")
    for text in ("I'm free Tuesday after 2 or Thursday morning",
                 "estoy libre el martes después de las 2 o el jueves por la mañana"):
        added = client.post(f"{BASE}/{rid}/participants", headers=auth(biz), json={
            "name": "Sam", "availability_text": text, "availability_now": NOW})
        assert added.status_code == 201, added.text
        windows = added.json()["availability"]
        # Tuesday 14:00 until the request's latest time (17:00); Thursday until noon
        # (from midnight in English, 04:00 in Spanish: the grammar's morning).
        assert windows[0] == {"start": "2027-03-09T19:00:00Z", "end": "2027-03-09T22:00:00Z"}
        assert windows[1]["end"] == "2027-03-11T17:00:00Z"
        assert windows[1]["start"] in ("2027-03-11T05:00:00Z", "2027-03-11T09:00:00Z")
        assert len(windows) == 2


def test_a_rule_in_words_covers_the_requests_window(client: TestClient, biz: Business) -> None:
    rid = _request(client, biz)
    added = client.post(f"{BASE}/{rid}/participants", headers=auth(biz), json={
        "name": "Ivo", "availability_text": "any weekday morning except Wednesday",
        "availability_now": NOW})
    assert added.status_code == 201, added.text
    windows = added.json()["availability"]
    # Mon 8 .. Fri 19 March, less the two Wednesdays: 8 mornings, each ending at noon.
    assert len(windows) == 8
    days = {w["start"][:10] for w in windows}
    assert "2027-03-10" not in days and "2027-03-17" not in days
    assert all(w["end"].endswith(("T16:00:00Z", "T17:00:00Z")) for w in windows)


def test_bad_availability_is_refused_and_stores_nothing(
    client: TestClient, biz: Business
) -> None:
    rid = _request(client, biz)
    added = client.post(f"{BASE}/{rid}/participants", headers=auth(biz), json={"name": "Jo"})
    pid = added.json()["id"]
    url = f"{BASE}/{rid}/participants/{pid}"
    window = {"start": "2027-03-09T13:00:00-05:00", "end": "2027-03-09T15:00:00-05:00"}
    cases: list[dict[str, Any]] = [
        {"availability": [{"start": window["end"], "end": window["start"]}]},
        {"availability": [window] * 51},
        {"availability": [{"start": "2027-03-09T13:00:00", "end": window["end"]}]},
        {"availability": [{"start": "2029-03-09T13:00:00Z", "end": "2029-03-09T15:00:00Z"}]},
        {"availability": [{"start": "2027-03-01T00:00:00Z", "end": "2027-05-01T00:00:00Z"}]},
        {"availability_text": "whenever works, really", "availability_now": NOW},
        {"availability_text": "next year in June", "availability_now": NOW},
        {"availability": [window], "availability_text": "Tuesday"},
        {"phone": "not a phone"},
        {"timezone": "Mars/Olympus"},
    ]
    for body in cases:
        response = client.patch(url, headers=auth(biz), json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"{BASE}/{rid}/participants",
                      headers=auth(biz)).json()[0]["availability"] == []


def test_only_an_open_requests_participants_change(client: TestClient, biz: Business) -> None:
    rid = _request(client, biz)
    assert client.post(f"{BASE}/{rid}/cancel", headers=auth(biz)).status_code == 200
    added = client.post(f"{BASE}/{rid}/participants", headers=auth(biz), json={"name": "Al"})
    assert added.status_code == 409
    assert added.json()["code"] == "conflict"
