"""POST /api/v1/constraints/parse: the nlu parser behind an authenticated door."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.conftest import Business

URL = "/api/v1/constraints/parse"
NOW = "2026-12-02T10:15:00-05:00"  # a Wednesday in New York


def _post(client: TestClient, biz: Business, body: dict[str, Any]) -> Any:
    return client.post(URL, headers=auth(biz), json=body)


def test_the_issue_example(client: TestClient, biz: Business) -> None:
    response = _post(
        client,
        biz,
        {
            "instruction": "Try to book in the next two weeks, preferably Tue–Thu mornings",
            "timezone": "America/New_York",
            "now": NOW,
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "hard_constraints": {
            "window_start": "2026-12-02T10:15:00-05:00",
            "window_end": "2026-12-16T00:00:00-05:00",
            "timezone": "America/New_York",
            "days_of_week": None,
            "earliest_time": None,
            "latest_time": None,
            "exclude_dates": None,
        },
        "soft_constraints": {
            "days_of_week": ["tuesday", "wednesday", "thursday"],
            "parts_of_day": ["morning"],
        },
        "refined": False,  # no LLM configured: the parser's answer as is
    }


def test_spanish_with_exclusions_and_now_in_another_zone(client: TestClient, biz: Business) -> None:
    response = _post(
        client,
        biz,
        {
            "instruction": "antes de Navidad, nunca los lunes, mejor por la tarde",
            "timezone": "Europe/Madrid",
            "now": "2026-12-02T15:15:00Z",
        },
    )
    assert response.status_code == 200, response.json()
    hard, soft = response.json()["hard_constraints"], response.json()["soft_constraints"]
    assert hard["window_start"] == "2026-12-02T16:15:00+01:00"
    assert hard["window_end"] == "2026-12-25T00:00:00+01:00"
    assert hard["days_of_week"] == [
        "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ]  # fmt: skip
    assert soft == {"days_of_week": None, "parts_of_day": ["afternoon"]}


def test_now_defaults_to_the_present(client: TestClient, biz: Business) -> None:
    response = _post(client, biz, {"instruction": "ASAP", "timezone": "UTC"})
    assert response.status_code == 200, response.json()
    hard = response.json()["hard_constraints"]
    assert hard["window_start"] < hard["window_end"]
    assert hard["timezone"] == "UTC"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instruction": "mornings", "timezone": "Mars/Olympus"}, "timezone"),
        (
            {"instruction": "mornings", "timezone": "America/New_York", "now": "2026-12-02T10:00"},
            "now",
        ),
        ({"instruction": "mornings", "timezone": "UTC", "now": "yesterday"}, "now"),
        ({"instruction": "   ", "timezone": "UTC"}, "instruction"),
        ({"instruction": "", "timezone": "UTC"}, "instruction"),
        ({"timezone": "UTC"}, "instruction"),
        ({"instruction": "mornings", "timezone": "UTC", "extra": 1}, "extra"),
        (
            {"instruction": "only Mondays, never Mondays", "timezone": "UTC", "now": NOW},
            "instruction",
        ),
        ({"instruction": "after 3pm, before 11am", "timezone": "UTC", "now": NOW}, "instruction"),
    ],  # fmt: skip
)
def test_bad_input_is_a_422_problem(
    client: TestClient, biz: Business, body: dict[str, Any], field: str
) -> None:
    response = _post(client, biz, body)
    assert response.status_code == 422, response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "invalid_input"
    named = problem.get("field") or " ".join(e["field"] for e in problem.get("errors", []))
    assert field in named, problem


def test_a_contradiction_says_why(client: TestClient, biz: Business) -> None:
    body = {"instruction": "solo los lunes, nunca los lunes", "timezone": "UTC", "now": NOW}
    problem = _post(client, biz, body).json()
    assert "contradicts" in problem["detail"]
    assert problem["field"] == "instruction"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-key"}])
def test_needs_an_api_key(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post(URL, headers=headers, json={"instruction": "ASAP", "timezone": "UTC"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_zone_with_a_seconds_offset_still_answers(client: TestClient, biz: Business) -> None:
    # Liberia kept -00:44:30 until 1972: ISO text with seconds in the offset is not RFC 3339.
    body = {"instruction": "mornings", "timezone": "Africa/Monrovia", "now": "1950-01-01T05:07Z"}
    response = _post(client, biz, body)
    assert response.status_code == 200, response.json()
    assert response.json()["hard_constraints"]["latest_time"] == "12:00"
