"""The customer list to act on: computed columns, search, sort, filters, CSV out and in."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.db import write_session
from frontdesk.store.models import DoNotCallEntry
from tests.api.conftest import auth
from tests.api.dashboard_data import NOW, campaign_call, conversation, customer
from tests.conftest import Business, next_weekday


def _list(client: TestClient, biz: Business, **params: object) -> list[dict]:  # type: ignore[type-arg]
    response = client.get("/api/v1/customers", headers=auth(biz), params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _names(client: TestClient, biz: Business, **params: object) -> list[str]:
    return [c["name"] for c in _list(client, biz, **params)]


def _history(client: TestClient, biz: Business, factory: sessionmaker[Session]) -> dict:  # type: ignore[type-arg]
    """Ana: called 2 days ago (booked), texted 40 days ago, appointment next week.
    Bea: a campaign call 12 hours ago asked for a callback; tagged vip; on the server's DNC list.
    Cy: never contacted."""
    ana = customer(factory, biz, "+12125550101", "Ana", call_consent=True)
    bea = customer(factory, biz, "+12125550102", "Bea")
    cy = customer(factory, biz, "+12125550103", "Cy", email="cy@example.com")
    conversation(factory, biz, customer_id=ana, started=NOW - timedelta(days=2))
    conversation(factory, biz, customer_id=ana, channel="sms", outcome="info",
                 started=NOW - timedelta(days=40))
    campaign_call(factory, biz, bea, "+12125550102", started=NOW - timedelta(hours=12),
                  outcome="callback_requested", tags=["vip", "spring"])
    with write_session(factory) as session:
        session.add(DoNotCallEntry(phone_e164="+12125550102"))
    day = next_weekday(biz.tz, 1)
    booked = client.post("/api/v1/appointments", headers=auth(biz), json={
        "service_id": str(biz.haircut.id), "start": biz.at(day, 10).isoformat(),
        "customer_id": str(ana)})
    assert booked.status_code == 201, booked.text
    return {"ana": ana, "bea": bea, "cy": cy, "next": booked.json()["start"]}


def test_each_row_says_last_contact_outcome_next_appointment_tags_and_lists(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    h = _history(client, biz, factory)
    rows = {r["name"]: r for r in _list(client, biz)}
    ana, bea, cy = rows["Ana"], rows["Bea"], rows["Cy"]
    assert ana["last_outcome"] == "booked" and ana["conversations_by_channel"] == {
        "phone": 1, "sms": 1}
    assert ana["next_appointment_at"] == h["next"] and ana["call_consent"] is True
    assert bea["last_outcome"] == "callback_requested" and bea["tags"] == ["vip", "spring"]
    assert bea["on_do_not_call_list"] is True and ana["on_do_not_call_list"] is False
    assert cy["last_contact_at"] is None and cy["conversations_by_channel"] == {}
    assert ana["last_contact_at"] < bea["last_contact_at"]  # same offset: text order works


def test_search_sort_and_filters(client: TestClient, biz: Business,
                                 factory: sessionmaker[Session]) -> None:
    _history(client, biz, factory)
    assert _names(client, biz, q="be") == ["Bea"]
    assert _names(client, biz, q="(212) 555-0103") == ["Cy"]
    assert _names(client, biz, q="CY@EXAMPLE") == ["Cy"]
    assert _names(client, biz, phone="212-555-0101") == ["Ana"]
    assert _names(client, biz, sort="name") == ["Ana", "Bea", "Cy"]
    assert _names(client, biz, sort="last_contact") == ["Bea", "Ana", "Cy"]
    assert _names(client, biz, sort="next_appointment")[0] == "Ana"
    assert _names(client, biz, not_contacted_days=30) == ["Cy"]
    assert set(_names(client, biz, not_contacted_days=1)) == {"Ana", "Cy"}
    assert _names(client, biz, last_outcome="callback_requested") == ["Bea"]
    assert _names(client, biz, last_outcome="booked") == ["Ana"]
    assert _names(client, biz, tag="VIP") == ["Bea"]
    assert _names(client, biz, tag="nobody") == []
    assert _names(client, biz, limit=1, offset=1) == ["Bea"]
    bad = client.get("/api/v1/customers", headers=auth(biz), params={"sort": "age"})
    assert bad.status_code == 422


def test_no_show_filter(client: TestClient, biz: Business,
                        factory: sessionmaker[Session]) -> None:
    ana = customer(factory, biz, "+12125550101", "Ana")
    day = next_weekday(biz.tz, 1)
    booked = client.post("/api/v1/appointments", headers=auth(biz), json={
        "service_id": str(biz.haircut.id), "start": biz.at(day, 10).isoformat(),
        "customer_id": str(ana)}).json()
    assert _names(client, biz, no_show_since=NOW.date().isoformat()) == []
    assert client.post(f"/api/v1/appointments/{booked['id']}/no-show",
                       headers=auth(biz)).status_code == 200
    assert _names(client, biz, no_show_since=NOW.date().isoformat()) == ["Ana"]
    later = (day + timedelta(days=1)).isoformat()
    assert _names(client, biz, no_show_since=later) == []


def test_export_is_the_filtered_list_as_csv(client: TestClient, biz: Business,
                                            factory: sessionmaker[Session]) -> None:
    _history(client, biz, factory)
    response = client.get("/api/v1/customers/export.csv", headers=auth(biz),
                          params={"tag": "vip"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["name"], r["phone"], r["tags"], r["last_outcome"], r["on_do_not_call_list"])
            for r in rows] == [("Bea", "+12125550102", "vip;spring", "callback_requested",
                                "yes")]
    everyone = client.get("/api/v1/customers/export.csv", headers=auth(biz))
    assert everyone.text.splitlines()[0].startswith("id,name,phone,email")
    assert len(everyone.text.splitlines()) == 4


def test_import_adds_new_links_existing_and_reports_bad_rows(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    customer(factory, biz, "+12125550101", None)
    body = ("name,phone,email,consent date,sms opt in\n"
            "Ana,+1 212 555 0101,ana@example.com,,\n"
            "Dee,212 555 0104,,2026-01-02,yes\n"
            "Bad,12,,,\n")
    response = client.post("/api/v1/customers/import", headers=auth(biz), content=body)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["imported"] == 1 and report["linked_customers"] == 1
    assert [e["line"] for e in report["errors"]] == [4]
    rows = {r["name"]: r for r in _list(client, biz)}
    assert rows["Ana"]["email"] == "ana@example.com"  # filled in, not copied
    assert rows["Dee"]["phone"] == "+12125550104"
    assert rows["Dee"]["call_consent"] is True and rows["Dee"]["sms_consent"] is True
    empty = client.post("/api/v1/customers/import", headers=auth(biz), content="")
    assert empty.status_code == 422 and len(_list(client, biz)) == 2


def test_notes_are_kept_and_cleared(client: TestClient, biz: Business,
                                    factory: sessionmaker[Session]) -> None:
    ana = customer(factory, biz, "+12125550101", "Ana")
    path = f"/api/v1/customers/{ana}"
    patched = client.patch(path, headers=auth(biz), json={"notes": "Prefers mornings"})
    assert patched.status_code == 200 and patched.json()["notes"] == "Prefers mornings"
    assert client.get(path, headers=auth(biz)).json()["notes"] == "Prefers mornings"
    too_long = client.patch(path, headers=auth(biz), json={"notes": "x" * 5001})
    assert too_long.status_code == 422
    assert client.patch(path, headers=auth(biz), json={"notes": ""}).json()["notes"] == ""
