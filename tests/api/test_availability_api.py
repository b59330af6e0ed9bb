"""GET /api/v1/availability pages by cursor: the pages add up to the unpaged answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.conftest import Business, next_weekday


def _get(client: TestClient, biz: Business, **params: Any) -> Any:
    response = client.get("/api/v1/availability", headers=auth(biz), params=params)
    assert response.status_code == 200, response.json()
    return response.json()


def _walk(client: TestClient, biz: Business, **params: Any) -> list[dict[str, Any]]:
    slots: list[dict[str, Any]] = []
    after = None
    for _ in range(500):
        body = _get(client, biz, **params, **({"after": after} if after else {}))
        slots.extend(body["slots"])
        after = body["next_cursor"]
        if after is None:
            return slots
    raise AssertionError("paging did not end")


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"distinct": "true"},
        {"part_of_day": "afternoon"},
        {"weekday": [2, 4], "part_of_day": "morning", "distinct": "true"},
    ],
)
def test_pages_add_up_to_the_whole_answer(
    client: TestClient, biz: Business, extra: dict[str, Any]
) -> None:
    day = next_weekday(biz.tz, 0)
    window = {
        "service": str(biz.haircut.id),
        "from": day.isoformat(),
        "to": (day + timedelta(days=4)).isoformat(),
        **extra,
    }
    # Book one slot so the two staff's calendars differ.
    booked = client.post(
        "/api/v1/appointments",
        json={"service_id": str(biz.haircut.id), "start": biz.at(day, 10).isoformat()},
        headers=auth(biz),
    )
    assert booked.status_code == 201
    whole = _get(client, biz, **window, limit=5000)
    assert whole["next_cursor"] is None and len(whole["slots"]) > 50
    assert _walk(client, biz, **window, limit=7) == whole["slots"]
    first = _get(client, biz, **window, limit=7)
    assert first["slots"] == whole["slots"][:7] and first["next_cursor"]


def test_bad_cursor_is_a_problem(client: TestClient, biz: Business) -> None:
    response = client.get(
        "/api/v1/availability",
        headers=auth(biz),
        params={"service": str(biz.haircut.id), "after": "not-a-cursor!"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_input"
