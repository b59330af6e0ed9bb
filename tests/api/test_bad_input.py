"""Bad input gets a 4xx problem naming the field, never a 500, and changes nothing.

Each case here once answered 500 (found by a hostile review: Schemathesis on
PostgreSQL and hand-made input); they run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.api.conftest import auth
from tests.conftest import Business, next_weekday


@pytest.fixture
def lenient(engine: Engine) -> Iterator[TestClient]:
    """The app as a client sees it: a crash is a 500 answer, not a test-side exception."""
    app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    if field is not None:
        named = {body.get("field")} | {e["field"] for e in body.get("errors", [])}
        assert any(field in (n or "") for n in named), body
    return body


def _count(client: TestClient, biz: Business, what: str) -> int:
    return len(client.get(f"/api/v1/{what}", headers=auth(biz)).json())


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00",
                                   "9999-12-31T23:00:00-05:00", "0001-01-01T01:00:00+05:00"])
def test_booking_at_the_ends_of_the_calendar_is_refused(
    lenient: TestClient, biz: Business, start: str
) -> None:
    body = {"service_id": str(biz.haircut.id), "start": start,
            "customer": {"phone": "+12125550199", "name": "Alex"}}
    response = lenient.post("/api/v1/appointments", json=body, headers=auth(biz))
    _problem(response, 422, "start")
    assert _count(lenient, biz, "appointments") == 0


@pytest.mark.parametrize("bound", ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59+00:00",
                                   "0001-01-01T00:00:00"])
@pytest.mark.parametrize("path", ["availability", "appointments"])
def test_search_bounds_at_the_ends_of_the_calendar_are_refused(
    lenient: TestClient, biz: Business, bound: str, path: str
) -> None:
    for name in ("from", "to"):
        params = {"service": str(biz.haircut.id), name: bound}
        response = lenient.get(f"/api/v1/{path}", params=params, headers=auth(biz))
        _problem(response, 422, name)


def test_reschedule_to_year_9999_is_refused(lenient: TestClient, biz: Business) -> None:
    day = next_weekday(biz.tz, 1)
    made = lenient.post(
        "/api/v1/appointments",
        json={"service_id": str(biz.haircut.id), "start": biz.at(day, 10).isoformat(),
              "customer": {"phone": "+12125550199"}},
        headers=auth(biz),
    ).json()
    response = lenient.post(f"/api/v1/appointments/{made['id']}/reschedule",
                            json={"start": "9999-12-31T23:30:00-05:00"}, headers=auth(biz))
    _problem(response, 422, "start")
    after = lenient.get(f"/api/v1/appointments/{made['id']}", headers=auth(biz)).json()
    assert after["start"] == made["start"]


@pytest.mark.parametrize(("start", "end"), [("0001-01-01", "9999-12-31"),
                                            ("9999-12-31", None), ("0001-01-01", None)])
def test_time_off_must_be_a_sane_span(
    lenient: TestClient, biz: Business, start: str, end: str | None
) -> None:
    response = lenient.post(
        f"/api/v1/resources/{biz.ana.id}/exceptions",
        json={"kind": "off", "start_date": start, "end_date": end},
        headers=auth(biz),
    )
    _problem(response, 422, "date")
    ana = lenient.get(f"/api/v1/resources/{biz.ana.id}", headers=auth(biz)).json()
    assert ana["exceptions"] == []


def test_a_year_of_time_off_is_still_allowed(lenient: TestClient, biz: Business) -> None:
    day = next_weekday(biz.tz, 1)
    response = lenient.post(
        f"/api/v1/resources/{biz.ana.id}/exceptions",
        json={"kind": "off", "start_date": day.isoformat(),
              "end_date": day.replace(year=day.year + 1).isoformat()},
        headers=auth(biz),
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("params", [{"offset": str(2**64)}, {"limit": str(2**64)},
                                    {"offset": str(2**63)}, {"offset": "-1"}])
@pytest.mark.parametrize("path", ["appointments", "customers"])
def test_paging_beyond_64_bits_is_refused(
    lenient: TestClient, biz: Business, params: dict[str, str], path: str
) -> None:
    response = lenient.get(f"/api/v1/{path}", params=params, headers=auth(biz))
    _problem(response, 422, next(iter(params)))


@pytest.mark.parametrize("price", [2**31, 2**63, 10**30])
def test_prices_beyond_any_real_price_are_refused(
    lenient: TestClient, biz: Business, price: int
) -> None:
    before = _count(lenient, biz, "services")
    response = lenient.post("/api/v1/services", headers=auth(biz),
                            json={"name": "Gold", "duration_minutes": 30, "price_cents": price})
    _problem(response, 422, "price_cents")
    patched = lenient.patch(f"/api/v1/services/{biz.haircut.id}", headers=auth(biz),
                            json={"price_cents": price})
    _problem(patched, 422, "price_cents")
    assert _count(lenient, biz, "services") == before


@pytest.mark.parametrize("zone", ["A" * 1000, "localtime", "posixrules", "../../etc/passwd",
                                  "Factory", "/usr/share/zoneinfo/UTC", "America/New_York\x00"])
def test_only_real_iana_zones_are_accepted(lenient: TestClient, biz: Business, zone: str) -> None:
    response = lenient.patch("/api/v1/tenant", json={"timezone": zone}, headers=auth(biz))
    _problem(response, 422, "timezone")
    created = lenient.post("/api/v1/customers", headers=auth(biz),
                           json={"phone": "+12125550123", "timezone": zone})
    _problem(created, 422, "timezone")
    assert lenient.get("/api/v1/tenant", headers=auth(biz)).json()["timezone"] == (
        "America/New_York"
    )


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("customers", "post", {"phone": "+12125550123", "name": "Al\x00ex"}, "name"),
        ("customers", "post", {"phone": "+12125550123", "email": "a\x00@b.co"}, "email"),
        ("services", "post", {"name": "Cut\x00", "duration_minutes": 30}, "name"),
        ("resources", "post", {"name": "Ana\x00"}, "name"),
        ("chat", "post", {"message": "hello\x00there"}, "message"),
        ("tenant", "patch", {"name": "Bella\x00"}, "name"),
    ],
)
def test_nul_characters_in_text_are_refused(
    lenient: TestClient, biz: Business, path: str, method: str, body: dict[str, Any], field: str
) -> None:
    response = getattr(lenient, method)(f"/api/v1/{path}", json=body, headers=auth(biz))
    _problem(response, 422, field)


def test_nul_in_a_nested_field_is_named(lenient: TestClient, biz: Business) -> None:
    day = next_weekday(biz.tz, 1)
    body = {"service_id": str(biz.haircut.id), "start": biz.at(day, 10).isoformat(),
            "customer": {"phone": "+12125550199", "name": "Al\x00ex"}, "notes": "ok"}
    response = lenient.post("/api/v1/appointments", json=body, headers=auth(biz))
    _problem(response, 422, "customer.name")
    assert _count(lenient, biz, "appointments") == 0


@pytest.mark.parametrize("params", [{"q": "a\x00b"}, {"phone": "+1212\x00555"}])
def test_nul_in_a_search_is_refused(
    lenient: TestClient, biz: Business, params: dict[str, str]
) -> None:
    response = lenient.get("/api/v1/customers", params=params, headers=auth(biz))
    _problem(response, 422, next(iter(params)))


def test_every_integer_field_in_the_api_has_a_maximum(lenient: TestClient) -> None:
    """Integers without a maximum overflow the database's column (2**31 on PostgreSQL)."""
    document = lenient.get("/openapi.json").json()
    unbounded: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "integer" and "maximum" not in node:
                unbounded.append(where)
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    for name, schema in document["components"]["schemas"].items():
        if name.endswith("In") or name.endswith("Patch") or name.endswith("Request"):
            walk(schema, name)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                walk(parameter.get("schema", {}), f"{method} {path} {parameter['name']}")
    assert unbounded == []
