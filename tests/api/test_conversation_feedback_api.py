"""Staff rate a conversation or one reply over the API; the conversation's record shows
its analysis and how it was rated."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.api_keys import READ, create_api_key
from frontdesk.services.conversation_feedback import conversations_with_feedback
from frontdesk.store.db import write_session
from tests.api.conftest import auth
from tests.conftest import Business
from tests.services.analysis_chats import book_and_leave, send


def _feedback(conversation_id: str) -> str:
    return f"/api/v1/conversations/{conversation_id}/feedback"


def _turns(client: TestClient, biz: Business, conversation_id: str) -> list[dict[str, Any]]:
    record = client.get(f"/api/v1/conversations/{conversation_id}", headers=auth(biz))
    assert record.status_code == 200, record.text
    return record.json()["turns"]  # type: ignore[no-any-return]


def test_the_record_carries_the_analysis_and_the_list_its_success(
        client: TestClient, biz: Business) -> None:
    out, _ = book_and_leave(client, biz)
    record = client.get(f"/api/v1/conversations/{out['conversation_id']}", headers=auth(biz))
    analysis = record.json()["analysis"]
    assert analysis["success"] is True and analysis["intent"] == "book"
    assert analysis["engine"] == "rules" and "Haircut" in analysis["summary"]
    assert record.json()["feedback"] == {"good": 0, "bad": 0, "on_replies": 0}
    listed = client.get("/api/v1/conversations", headers=auth(biz)).json()
    assert listed[0]["success"] is True and listed[0]["summary"] == analysis["summary"]
    live = send(client, biz, "Hello")
    detail = client.get(f"/api/v1/conversations/{live['conversation_id']}", headers=auth(biz))
    assert detail.json()["analysis"] is None  # still going on


def test_rate_a_reply_replace_it_list_and_withdraw(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    out, _ = book_and_leave(client, biz)
    cid = out["conversation_id"]
    reply = next(t["seq"] for t in _turns(client, biz, cid) if t["role"] == "assistant")
    first = client.post(_feedback(cid), headers=auth(biz), json={
        "rating": "bad", "reason": "Offered a time we had closed", "category": "wrong_time",
        "turn": reply})
    assert first.status_code == 201, first.text
    assert first.json()["turn"] == reply and first.json()["author"].startswith("api_key:")
    whole = client.post(_feedback(cid), headers=auth(biz), json={"rating": "good"})
    assert whole.status_code == 201 and whole.json()["turn"] is None
    # Rating the same reply again replaces the earlier rating.
    again = client.post(_feedback(cid), headers=auth(biz), json={
        "rating": "good", "reason": "Fine after all", "turn": reply})
    assert again.status_code == 201
    listed = client.get(_feedback(cid), headers=auth(biz)).json()
    assert sorted((f["turn"], f["rating"]) for f in listed if f["turn"]) == [(reply, "good")]
    assert len(listed) == 2
    record = client.get(f"/api/v1/conversations/{cid}", headers=auth(biz)).json()
    assert record["feedback"] == {"good": 2, "bad": 0, "on_replies": 1}
    with factory() as session:
        assert [str(c.id) for c in conversations_with_feedback(session, biz.tenant.id,
                                                                "good")] == [cid]
        assert conversations_with_feedback(session, biz.tenant.id, "bad") == []
    gone = client.delete(f"{_feedback(cid)}/{again.json()['id']}", headers=auth(biz))
    assert gone.status_code == 204
    assert [f["id"] for f in client.get(_feedback(cid), headers=auth(biz)).json()] == [
        whole.json()["id"]]
    missing = client.delete(f"{_feedback(cid)}/{again.json()['id']}", headers=auth(biz))
    assert missing.status_code == 404


def test_only_the_agents_replies_can_be_rated(client: TestClient, biz: Business) -> None:
    out, _ = book_and_leave(client, biz)
    cid = out["conversation_id"]
    turns = _turns(client, biz, cid)
    said = next(t["seq"] for t in turns if t["role"] == "user")
    tool = next(t["seq"] for t in turns if t["role"] == "tool")
    for seq, words in ((said, "user turn"), (tool, "tool turn"), (999, "no turn 999")):
        refused = client.post(_feedback(cid), headers=auth(biz),
                              json={"rating": "bad", "turn": seq})
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "invalid_input" and words in refused.json()["detail"]
    bad = client.post(_feedback(cid), headers=auth(biz),
                      json={"rating": "meh", "reason": "x" * 501, "category": "nope"})
    assert bad.status_code == 422


def test_another_business_cannot_see_or_rate_it(
        client: TestClient, biz: Business, make_business: Callable[..., Business],
        factory: sessionmaker[Session]) -> None:
    out = send(client, biz, "Hello")
    cid = out["conversation_id"]
    mine = client.post(_feedback(cid), headers=auth(biz), json={"rating": "good"})
    other = make_business("elsewhere")
    assert client.post(_feedback(cid), headers=auth(other),
                       json={"rating": "bad"}).status_code == 404
    assert client.get(_feedback(cid), headers=auth(other)).status_code == 404
    assert client.delete(f"{_feedback(cid)}/{mine.json()['id']}",
                         headers=auth(other)).status_code == 404
    assert len(client.get(_feedback(cid), headers=auth(biz)).json()) == 1
    with write_session(factory) as session:
        _, read_key = create_api_key(session, biz.tenant, "reports", scope=READ)
    reader = {"Authorization": f"Bearer {read_key}"}
    assert client.get(_feedback(cid), headers=reader).status_code == 200
    assert client.post(_feedback(cid), headers=reader,
                       json={"rating": "bad"}).status_code == 403
