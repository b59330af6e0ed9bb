"""GET /api/v1/insights: the dashboard's figures for reporting tools — a read key is
enough, a widget key is not, and a key sees its own business's figures only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.api_keys import create_api_key
from frontdesk.store.db import write_session
from tests.api.conftest import auth
from tests.conftest import Business
from tests.services import insights_data as data


def _key(factory: sessionmaker[Session], biz: Business, scope: str) -> dict[str, str]:
    with write_session(factory) as session:
        tenant = session.merge(biz.tenant)
        origins = ["https://salon.example"] if scope == "widget" else None
        key = create_api_key(session, tenant, scope, scope=scope, allowed_origins=origins)[1]
    return {"Authorization": f"Bearer {key}", "Origin": "https://salon.example"}


def test_a_read_key_gets_its_business_figures(
    client: TestClient, make_business: Callable[..., Business],
    factory: sessionmaker[Session],
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    today = datetime.now(salon.tz).date()
    data.seed(factory, salon, today)
    got = client.get("/api/v1/insights?days=7", headers=_key(factory, salon, "read"))
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["days"], body["timezone"]) == (7, "America/New_York")
    assert (body["first_day"], body["last_day"]) == (
        (today - timedelta(days=6)).isoformat(), today.isoformat())
    assert body["bookings"]["total"] == 5 and len(body["bookings"]["per_day"]) == 7
    assert body["bookings"]["per_day"][-1] == {"day": today.isoformat(), "count": 2}
    assert body["channels"][0] == {"channel": "phone", "conversations": 6, "booked": 1,
                                   "booking_rate": 1 / 6}
    assert (body["calls"]["handled"], body["calls"]["transferred"]) == (1, 4)
    assert body["handle_time"]["conversations"] == 7
    assert body["handle_time"]["average_s"] == round(1860 / 7, 1)
    assert body["no_shows"] == {"completed": 3, "no_show": 1, "rate": 0.25}
    assert body["transfer_reasons"] == [{"reason": r, "count": n} for r, n in data.REASONS]
    # The other business's key: its own (empty) figures, none of the salon's.
    theirs = client.get("/api/v1/insights", headers=auth(clinic)).json()
    assert theirs["days"] == 30 and theirs["bookings"]["total"] == 0
    assert all(c["conversations"] == 0 for c in theirs["channels"])
    assert theirs["transfer_reasons"] == [] and theirs["no_shows"]["rate"] == 0


def test_bad_periods_and_keys_are_refused(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
) -> None:
    for days in ("0", "367", "abc", "-1"):
        refused = client.get(f"/api/v1/insights?days={days}", headers=auth(biz))
        assert refused.status_code == 422, days
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/insights").status_code == 401
    widget = client.get("/api/v1/insights", headers=_key(factory, biz, "widget"))
    assert widget.status_code == 403 and widget.json()["code"] == "insufficient_scope"


def test_it_is_documented(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/insights"]["get"]
    assert operation["parameters"][0]["name"] == "days"
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InsightsOut"}
    assert {"401", "403", "422"} <= set(operation["responses"])


def test_the_rules_engine_records_why_it_handed_over(
    client: TestClient, biz: Business,
) -> None:
    asked = client.post("/api/v1/chat", headers=auth(biz),
                        json={"message": "Can I talk to a real person please?"})
    assert asked.status_code == 200, asked.text
    assert asked.json()["transfer"] is True, asked.json()
    again = client.post("/api/v1/chat", headers=auth(biz), json={
        "message": "hello?", "session_id": asked.json()["session_id"]})
    assert again.status_code == 200
    got = client.get("/api/v1/insights?days=7", headers=auth(biz)).json()
    assert got["transfer_reasons"] == [{"reason": "caller asked for a person", "count": 1}]
