"""Every route that names a thing by id, tried with another business's key.

The routes are read from the OpenAPI document, so a new route with an id in its path is
covered (or fails here until it is): each must answer 404 for an id of another business
— not 403, which would confirm the id exists — and change nothing of that business.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.customers import CustomerFields, create_customer
from frontdesk.services.outbound_calls import queue_call
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant, TenantPhoneNumber
from tests.api.conftest import auth
from tests.conftest import Business, next_weekday

# A body each operation accepts, so the request gets past validation to the lookup.
BODIES: dict[tuple[str, str], Any] = {
    ("patch", "/api/v1/services/{service_id}"): {"name": "Taken over"},
    ("patch", "/api/v1/resources/{resource_id}"): {"name": "Taken over"},
    ("post", "/api/v1/resources/{resource_id}/exceptions"): {
        "kind": "off", "start_date": "2027-03-01"},
    ("patch", "/api/v1/customers/{customer_id}"): {"name": "Taken over"},
    ("post", "/api/v1/appointments/{appointment_id}/reschedule"): {
        "start": "2027-03-02T10:00:00-05:00"},
    ("put", "/api/v1/resources/{resource_id}/calendar"): {
        "provider": "caldav", "url": "https://8.8.8.8/dav/", "username": "u",
        "password": "p", "calendar": "work"},
    ("patch", "/api/v1/resources/{resource_id}/calendar"): {"check_calendars": []},
    ("post", "/api/v1/resources/{resource_id}/calendar/connect/{provider}"): {},
    ("patch", "/api/v1/meeting-requests/{request_id}"): {"title": "Taken over"},
    ("post", "/api/v1/campaigns/{campaign_id}/leads/import"): "phone\n+12125550177\n",
    ("post", "/api/v1/meeting-requests/{request_id}/participants"): {"name": "Taken over"},
    ("patch", "/api/v1/meeting-requests/{request_id}/participants/{participant_id}"): {
        "name": "Taken over"},
    ("post", "/api/v1/meeting-requests/{request_id}/confirm-best-slot"): {},
    ("post", "/api/v1/campaigns/{campaign_id}/leads/from-customers"): {},
    ("post", "/api/v1/conversations/{conversation_id}/feedback"): {"rating": "bad"},
    ("patch", "/api/v1/webhook-endpoints/{endpoint_id}"): {"url": "https://8.8.4.4/taken"},
    ("post", "/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret"): {"keep_previous_for_s": 0},
}


def _owner_data(client: TestClient, biz: Business) -> dict[str, str]:
    """Make one of everything in ``biz`` over the API; return the ids by parameter name."""
    day = next_weekday(biz.tz, 1)
    booked = client.post("/api/v1/appointments", headers=auth(biz), json={
        "service_id": str(biz.haircut.id), "start": biz.at(day, 10).isoformat(),
        "customer": {"phone": "+12125550199", "name": "Alex"}})
    assert booked.status_code == 201, booked.text
    exception = client.post(f"/api/v1/resources/{biz.ana.id}/exceptions", headers=auth(biz),
                            json={"kind": "off", "start_date": day.isoformat()})
    assert exception.status_code == 201, exception.text
    chat = client.post("/api/v1/chat", headers=auth(biz), json={"message": "hello"})
    assert chat.status_code == 200, chat.text
    assert client.post(f"/api/v1/resources/{biz.ana.id}/feed", headers=auth(biz)).is_success
    meeting = client.post("/api/v1/meeting-requests", headers=auth(biz), json={
        "resource_id": str(biz.ana.id), "duration_minutes": 30, "hard_constraints": {
            "window_start": biz.at(day, 9).isoformat(),
            "window_end": biz.at(day, 17).isoformat()}})
    assert meeting.status_code == 201, meeting.text
    participant = client.post(
        f"/api/v1/meeting-requests/{meeting.json()['id']}/participants", headers=auth(biz),
        json={"name": "Rosa", "availability": [{"start": biz.at(day, 10).isoformat(),
                                                "end": biz.at(day, 12).isoformat()}]})
    assert participant.status_code == 201, participant.text
    campaign = client.post("/api/v1/campaigns", headers=auth(biz), json={
        "name": "Owner's", "meeting_request_id": meeting.json()["id"]})
    assert campaign.status_code == 201, campaign.text
    rated = client.post(f"/api/v1/conversations/{chat.json()['conversation_id']}/feedback",
                        headers=auth(biz), json={"rating": "good", "reason": "Owner's"})
    assert rated.status_code == 201, rated.text
    endpoint = client.post("/api/v1/webhook-endpoints", headers=auth(biz), json={
        "url": "https://8.8.8.8/owner-hook", "events": ["appointment.booked"]})
    assert endpoint.status_code == 201, endpoint.text
    ping = client.post(f"/api/v1/webhook-endpoints/{endpoint.json()['id']}/test",
                       headers=auth(biz))
    assert ping.status_code == 202, ping.text
    return {
        "feedback_id": rated.json()["id"],
        "campaign_id": campaign.json()["id"],
        "action": "cancel",
        "request_id": meeting.json()["id"],
        "participant_id": participant.json()["id"],
        "service_id": str(biz.haircut.id),
        "resource_id": str(biz.ana.id),
        "exception_id": exception.json()["id"],
        "customer_id": booked.json()["customer_id"],
        "appointment_id": booked.json()["id"],
        "conversation_id": chat.json()["conversation_id"],
        "provider": "google",
        "api_key_id": client.get("/api/v1/api-keys", headers=auth(biz)).json()[0]["id"],
        "endpoint_id": endpoint.json()["id"],
        "delivery_id": ping.json()["message_id"],
    }


def _snapshot(client: TestClient, biz: Business, ids: dict[str, str]) -> list[Any]:
    reads = ["/api/v1/tenant", f"/api/v1/services/{ids['service_id']}",
             f"/api/v1/resources/{ids['resource_id']}",
             f"/api/v1/customers/{ids['customer_id']}",
             f"/api/v1/appointments/{ids['appointment_id']}",
             f"/api/v1/conversations/{ids['conversation_id']}",
             f"/api/v1/conversations/{ids['conversation_id']}/feedback",
             f"/api/v1/resources/{ids['resource_id']}/calendar",
             f"/api/v1/meeting-requests/{ids['request_id']}",
             f"/api/v1/meeting-requests/{ids['request_id']}/participants",
             f"/api/v1/campaigns/{ids['campaign_id']}",
             f"/api/v1/campaigns/{ids['campaign_id']}/leads",
             f"/api/v1/calls/{ids['call_id']}",
             "/api/v1/api-keys", "/api/v1/webhook-endpoints",
             f"/api/v1/webhook-endpoints/{ids['endpoint_id']}/deliveries"]
    return [(path, client.get(path, headers=auth(biz)).json()) for path in reads]


def _queued_call(factory: sessionmaker[Session], biz: Business) -> str:
    """A call the owner queued (through the service: the API refuses without Twilio)."""
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164="+12125550100"))
        session.flush()
        session.refresh(tenant)
        create_customer(session, tenant, CustomerFields(phone="+12125550177",
                                                        call_consent=True))
        return str(queue_call(session, tenant, "+12125550177", key="owner-call").id)


def test_no_route_reaches_another_business_by_id(
    client: TestClient, make_business: Callable[..., Business],
    factory: sessionmaker[Session],
) -> None:
    owner, intruder = make_business("owner"), make_business("intruder")
    ids = _owner_data(client, owner) | {"call_id": _queued_call(factory, owner)}
    before = _snapshot(client, owner, ids)
    document = client.get("/openapi.json").json()
    tried: list[str] = []
    for template, operations in document["paths"].items():
        if "{" not in template or not template.startswith("/api/"):
            continue
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            path = template
            for name in names:
                path = path.replace("{" + name + "}", ids[name])
            kwargs: dict[str, Any] = {"headers": auth(intruder)}
            if "requestBody" in operation:
                body = BODIES[(method, template)]
                kwargs["content" if isinstance(body, str) else "json"] = body
            response = client.request(method.upper(), path, **kwargs)
            assert response.status_code == 404, (method, template, response.text)
            assert response.json()["code"] == "not_found"
            tried.append(f"{method} {template}")
    assert _snapshot(client, owner, ids) == before
    assert len(tried) >= 20, tried  # the document really was enumerated


def test_ids_in_queries_and_bodies_do_not_cross_businesses(
    client: TestClient, make_business: Callable[..., Business]
) -> None:
    owner, intruder = make_business("owner"), make_business("intruder")
    ids = _owner_data(client, owner)
    listed = client.get("/api/v1/appointments", headers=auth(intruder),
                        params={"customer_id": ids["customer_id"]})
    assert listed.status_code == 200 and listed.json() == []
    search = client.get("/api/v1/availability", headers=auth(intruder),
                        params={"service": ids["service_id"]})
    assert search.status_code == 404
    day = next_weekday(owner.tz, 2)
    booked = client.post("/api/v1/appointments", headers=auth(intruder), json={
        "service_id": ids["service_id"], "start": owner.at(day, 11).isoformat()})
    assert booked.status_code == 404
    as_customer = client.post("/api/v1/appointments", headers=auth(intruder), json={
        "service_id": str(intruder.haircut.id), "start": intruder.at(day, 11).isoformat(),
        "customer_id": ids["customer_id"]})
    assert as_customer.status_code == 404
    assert client.get("/api/v1/appointments", headers=auth(owner)).json()[0]["id"] == (
        ids["appointment_id"])
    # The export (no id in its path) lists only the key's own business's conversations.
    mine = client.get("/api/v1/conversations/export", headers=auth(owner)).json()
    assert [c["id"] for c in mine["conversations"]] == [ids["conversation_id"]]
    theirs = client.get("/api/v1/conversations/export", headers=auth(intruder))
    assert theirs.status_code == 200 and theirs.json()["conversations"] == []
