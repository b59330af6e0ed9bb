"""GET /api/v1/conversations: every call, chat and text, newest first, filtered and paged."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.api.conftest import auth
from tests.api.dashboard_data import NOW, conversation, customer
from tests.conftest import Business


def _list(client: TestClient, biz: Business, **params: object) -> list[dict]:  # type: ignore[type-arg]
    response = client.get("/api/v1/conversations", headers=auth(biz), params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_rows_are_newest_first_with_customer_duration_and_transfer(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    ana = customer(factory, biz, "+12125550101", "Ana")
    old = conversation(factory, biz, customer_id=ana, started=NOW - timedelta(days=3),
                       minutes=4, outcome="transferred", caller_phone="+12125550101",
                       said=("a", "b", "c", "d"))
    new = conversation(factory, biz, customer_id=None, channel="chat",
                       started=NOW - timedelta(hours=1), minutes=None, outcome=None)
    rows = _list(client, biz)
    assert [r["id"] for r in rows] == [str(new), str(old)]
    live, done = rows
    assert live["live"] is True and live["duration_s"] is None and live["customer"] is None
    assert done["customer"] == {"id": str(ana), "name": "Ana"}
    assert done["duration_s"] == 240 and done["transferred"] is True
    assert done["caller_phone"] == "+12125550101" and done["turn_count"] == 2
    assert done["started_at"].endswith(("-05:00", "-04:00"))  # the business's offset


def test_filters_and_paging(client: TestClient, biz: Business,
                            factory: sessionmaker[Session]) -> None:
    ana = customer(factory, biz, "+12125550101", "Ana")
    ids = {
        "phone_en": conversation(factory, biz, customer_id=ana,
                                 started=NOW - timedelta(days=10)),
        "sms_es": conversation(factory, biz, customer_id=None, channel="sms", language="es",
                               outcome="info", started=NOW - timedelta(days=5)),
        "chat_live": conversation(factory, biz, customer_id=None, channel="chat",
                                  outcome=None, minutes=None, started=NOW - timedelta(days=1)),
    }

    def found(**params: object) -> set[str]:
        return {r["id"] for r in _list(client, biz, **params)}

    assert found(channel="sms") == {str(ids["sms_es"])}
    assert found(language="es") == {str(ids["sms_es"])}
    assert found(outcome="booked") == {str(ids["phone_en"])}
    assert found(customer_id=str(ana)) == {str(ids["phone_en"])}
    assert found(live="true") == {str(ids["chat_live"])}
    assert found(live="false") == {str(ids["phone_en"]), str(ids["sms_es"])}
    since = (NOW - timedelta(days=6)).isoformat()
    until = (NOW - timedelta(days=2)).isoformat()
    assert found(since=since, until=until) == {str(ids["sms_es"])}
    pages = [r["id"] for r in _list(client, biz, limit=2)] + [
        r["id"] for r in _list(client, biz, limit=2, offset=2)]
    assert pages == [str(ids["chat_live"]), str(ids["sms_es"]), str(ids["phone_en"])]
    assert client.get("/api/v1/conversations", headers=auth(biz),
                      params={"since": "yesterday"}).status_code == 422


def test_another_business_sees_none_of_them(
        client: TestClient, make_business: Callable[..., Business],
        factory: sessionmaker[Session]) -> None:
    owner, other = make_business("owner"), make_business("other")
    ana = customer(factory, owner, "+12125550101", "Ana")
    conversation(factory, owner, customer_id=ana, started=NOW)
    assert _list(client, other) == []
    assert _list(client, other, customer_id=str(ana)) == []


def test_filters_by_analysed_result_and_staff_rating(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    from tests.services.analysis_chats import book_and_leave, send

    booked, _ = book_and_leave(client, biz)
    gave_up = send(client, biz, "Hi, I'd like to book a haircut")
    client.app.state.agent.end(  # type: ignore[attr-defined]
        biz.tenant, uuid.UUID(gave_up["conversation_id"]))
    live = send(client, biz, "What are your opening hours?")
    rated = client.post(f"/api/v1/conversations/{gave_up['conversation_id']}/feedback",
                        headers=auth(biz), json={"rating": "bad", "reason": "gave up"})
    assert rated.status_code == 201, rated.text
    ids = {k: c["conversation_id"] for k, c in
           (("booked", booked), ("gave_up", gave_up), ("live", live))}
    assert {r["id"] for r in _list(client, biz, result="succeeded")} == {ids["booked"]}
    assert {r["id"] for r in _list(client, biz, result="failed")} == {ids["gave_up"]}
    assert {r["id"] for r in _list(client, biz, result="not_analysed")} == {ids["live"]}
    assert {r["id"] for r in _list(client, biz, rated="bad")} == {ids["gave_up"]}
    assert _list(client, biz, rated="good") == []
    wrong = client.get("/api/v1/conversations", headers=auth(biz), params={"result": "great"})
    assert wrong.status_code == 422
