"""Campaigns over the API: leads from CSV (row by row), and the campaign's state moves."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.db import write_session
from frontdesk.store.models import CampaignLead
from tests.api.conftest import auth
from tests.conftest import Business

CSV = """name,phone,email,timezone,language,consent date,tags,favourite colour
Ana Ruiz,+1 212 555 0142,ana@example.com,,es,2026-11-02,vip;spring,blue
Bo Chen,(310) 555-0100,,,en,,,
Bad Phone,12,,,,,,
Ana again,212-555-0142,,,,,,
No Zone,+34 911 234 567,,Mars/Olympus,,,,
Late consent,+1 646 555 0101,,,,2999-01-01,,
Spanish,+34 911 234 567,,,fr,,,
Madrid,+34 911 234 568,,,,2026-10-01,,
"""


def _campaign(client: TestClient, biz: Business, **extra: Any) -> dict[str, Any]:
    request = client.post("/api/v1/meeting-requests", headers=auth(biz), json={
        "resource_id": str(biz.ana.id), "duration_minutes": 30, "hard_constraints": {
            "window_start": "2027-03-01T00:00:00-05:00",
            "window_end": "2027-03-15T00:00:00-04:00"}})
    assert request.status_code == 201, request.text
    made = client.post("/api/v1/campaigns", headers=auth(biz), json={
        "name": "Spring check-ups", "meeting_request_id": request.json()["id"], **extra})
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def _import(client: TestClient, biz: Business, campaign_id: str, text: str) -> Any:
    return client.post(f"/api/v1/campaigns/{campaign_id}/leads/import", headers={
        **auth(biz), "Content-Type": "text/csv"}, content=text.encode())


def test_good_rows_are_imported_and_each_bad_row_is_told_with_its_line(
    client: TestClient, biz: Business
) -> None:
    campaign = _campaign(client, biz)
    response = _import(client, biz, campaign["id"], CSV)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["imported"] == 3  # Ana, Bo, Madrid
    errors = {e["line"]: e["reason"] for e in report["errors"]}
    assert set(errors) == {4, 6, 7, 8}
    assert "phone" in errors[4] and "IANA" in errors[6]
    assert "future" in errors[7] and "en, es" in errors[8]
    assert report["skipped"] == [{"line": 5, "reason": "+12125550142 is also on line 2"}]
    assert report["warnings"][0] == {"line": 1, "reason": "ignored columns: favourite colour"}
    leads = client.get(f"/api/v1/campaigns/{campaign['id']}/leads", headers=auth(biz)).json()
    by_phone = {lead["phone"]: lead for lead in leads}
    assert set(by_phone) == {"+12125550142", "+13105550100", "+34911234568"}
    assert by_phone["+12125550142"]["tags"] == ["vip", "spring"]
    assert by_phone["+12125550142"]["consent_at"] == "2026-11-02"
    # no timezone column value: the number tells it
    assert by_phone["+13105550100"]["timezone"] == "America/Los_Angeles"
    assert by_phone["+34911234568"]["timezone"] == "Europe/Madrid"
    got = client.get(f"/api/v1/campaigns/{campaign['id']}", headers=auth(biz)).json()
    assert got["leads"] == {"pending": 3}


def test_existing_customers_are_linked_not_copied_and_a_second_upload_adds_nothing_twice(
    client: TestClient, biz: Business
) -> None:
    known = client.post("/api/v1/customers", headers=auth(biz), json={
        "phone": "+12125550142", "name": "Ana R."})
    assert known.status_code == 201, known.text
    campaign = _campaign(client, biz)
    first = _import(client, biz, campaign["id"], CSV).json()
    assert first["linked_customers"] == 1
    leads = client.get(f"/api/v1/campaigns/{campaign['id']}/leads", headers=auth(biz)).json()
    ana = next(lead for lead in leads if lead["phone"] == "+12125550142")
    assert ana["customer_id"] == known.json()["id"]
    customer = client.get(f"/api/v1/customers/{known.json()['id']}", headers=auth(biz)).json()
    assert customer["name"] == "Ana R."  # kept, not overwritten by the file
    assert customer["email"] == "ana@example.com"  # was empty: filled in
    again = _import(client, biz, campaign["id"], CSV).json()
    assert again["imported"] == 0
    assert {s["line"] for s in again["skipped"]} == {2, 3, 5, 9}
    customers = client.get("/api/v1/customers", headers=auth(biz)).json()
    assert len(customers) == 3


def test_a_file_that_is_not_a_csv_of_leads_is_refused_whole(
    client: TestClient, biz: Business
) -> None:
    campaign = _campaign(client, biz)
    for body, reason in ((b"", "empty"), (b"name,email\nAna,a@b.co\n", "phone"),
                         (b"phone\n\xff\xfe\n", "UTF-8")):
        response = client.post(f"/api/v1/campaigns/{campaign['id']}/leads/import",
                               headers={**auth(biz), "Content-Type": "text/csv"}, content=body)
        assert response.status_code == 422, response.text
        assert reason in response.json()["detail"]
    assert client.get(f"/api/v1/campaigns/{campaign['id']}/leads",
                      headers=auth(biz)).json() == []


def test_state_moves_are_checked_and_repeats_are_harmless(
    client: TestClient, biz: Business
) -> None:
    campaign = _campaign(client, biz)
    path = f"/api/v1/campaigns/{campaign['id']}"
    empty = client.post(f"{path}/start", headers=auth(biz))
    assert empty.status_code == 409 and "no leads" in empty.json()["detail"]
    _import(client, biz, campaign["id"], CSV)
    for action, expected in (("start", "running"), ("start", "running"), ("pause", "paused"),
                             ("pause", "paused"), ("resume", "running"),
                             ("cancel", "cancelled"), ("cancel", "cancelled")):
        response = client.post(f"{path}/{action}", headers=auth(biz))
        assert response.status_code == 200, (action, response.text)
        assert response.json()["status"] == expected
    refused = client.post(f"{path}/resume", headers=auth(biz))
    assert refused.status_code == 409 and "cancelled" in refused.json()["detail"]
    late = _import(client, biz, campaign["id"], CSV)
    assert late.status_code == 409
    assert client.get(path, headers=auth(biz)).json()["status"] == "cancelled"


def test_a_campaign_needs_an_open_meeting_request_of_its_own_business(
    client: TestClient, biz: Business, make_business: Any
) -> None:
    other = make_business("other")
    theirs = _campaign(client, other)
    response = client.post("/api/v1/campaigns", headers=auth(biz), json={
        "name": "Poach", "meeting_request_id": theirs["meeting_request_id"]})
    assert response.status_code == 404
    assert client.get(f"/api/v1/campaigns/{theirs['id']}", headers=auth(biz)).status_code == 404


def test_customers_are_added_by_filter_once_and_only_when_they_may_be_called(
    client: TestClient, biz: Business
) -> None:
    def customer(phone: str, **extra: Any) -> str:
        made = client.post("/api/v1/customers", headers=auth(biz),
                           json={"phone": phone, "name": phone, **extra})
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    customer("+12125550150", call_consent=True)
    customer("+12125550151", call_consent=True, timezone="America/Chicago")
    customer("+12125550152")  # no consent on record
    customer("+12125550153", call_consent=True, do_not_call=True)
    talked = client.post("/api/v1/chat", headers=auth(biz), json={
        "message": "hello", "caller_phone": "+12125550151", "caller_phone_verified": True})
    assert talked.status_code == 200, talked.text
    campaign = _campaign(client, biz)
    path = f"/api/v1/campaigns/{campaign['id']}/leads"

    recent = client.post(f"{path}/from-customers", headers=auth(biz),
                         json={"not_contacted_days": 30})
    assert recent.status_code == 200, recent.text
    assert recent.json()["imported"] == 1  # .151 talked to us today
    everyone = client.post(f"{path}/from-customers", headers=auth(biz), json={}).json()
    assert everyone["imported"] == 1  # .151 now; .150 is in already
    again = client.post(f"{path}/from-customers", headers=auth(biz),
                        json={"call_consent_only": False}).json()
    assert again["imported"] == 1  # .152: no consent, asked for anyway; .153 never
    leads = {lead["phone"]: lead for lead in client.get(path, headers=auth(biz)).json()}
    assert set(leads) == {"+12125550150", "+12125550151", "+12125550152"}
    assert leads["+12125550151"]["timezone"] == "America/Chicago"  # the customer's own
    assert leads["+12125550150"]["timezone"] == "America/New_York"  # from the number
    assert leads["+12125550152"]["consent_at"] is None
    assert leads["+12125550150"]["consent_at"] is not None
    bad = client.post(f"{path}/from-customers", headers=auth(biz),
                      json={"not_contacted_days": 0})
    assert bad.status_code == 422


def test_call_these_by_tag_and_by_how_their_last_campaign_call_ended(
    client: TestClient, biz: Business, factory: sessionmaker[Session]
) -> None:
    first = _campaign(client, biz)
    imported = _import(client, biz, first["id"], "phone,consent date,tags\n"
                       "+1 212 555 0161,2026-11-02,vip\n"
                       "+1 212 555 0162,2026-11-02,VIP;spring\n"
                       "+1 212 555 0163,2026-11-02,\n")
    assert imported.json()["imported"] == 3
    with write_session(factory) as session:  # how the first campaign's calls ended
        for lead in session.scalars(select(CampaignLead)):
            lead.last_outcome = {"+12125550161": "callback_requested",
                                 "+12125550162": "no_answer"}.get(lead.phone_e164)
    second = _campaign(client, biz)
    path = f"/api/v1/campaigns/{second['id']}/leads"
    callbacks = client.post(f"{path}/from-customers", headers=auth(biz),
                            json={"last_outcome": "callback_requested"})
    assert callbacks.status_code == 200, callbacks.text
    assert callbacks.json()["imported"] == 1
    vip = client.post(f"{path}/from-customers", headers=auth(biz), json={"tag": "vip"}).json()
    assert vip["imported"] == 1  # .0162 (.0161 is in already); tags match in any case
    leads = {lead["phone"]: lead for lead in client.get(path, headers=auth(biz)).json()}
    assert set(leads) == {"+12125550161", "+12125550162"}
    assert leads["+12125550162"]["tags"] == ["vip"]
    wrong = client.post(f"{path}/from-customers", headers=auth(biz),
                        json={"last_outcome": "maybe"})
    assert wrong.status_code == 422
