"""Staff rate a conversation and each reply of the agent from its page (plain forms, the
session's CSRF token), see who rated what, withdraw only their own; and the conversations
list finds conversations by what the analysis said and how staff rated them."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import conversation_feedback
from frontdesk.services.conversation_feedback import ConversationFeedback
from frontdesk.store.models import ConversationTurn, Tenant, User, UserRole
from tests.api.conftest import auth
from tests.conftest import Business
from tests.dashboard.conftest import Person, form_token, sign_in
from tests.services.analysis_chats import book_and_leave, send

HTML = {"accept": "text/html,application/xhtml+xml"}


def _ratings(factory: sessionmaker[Session], biz: Business,
             cid: str) -> list[ConversationFeedback]:
    with factory() as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        rows = conversation_feedback.feedback_for(session, tenant, uuid.UUID(cid))
        session.expunge_all()
        return rows


def _seq(factory: sessionmaker[Session], cid: str, role: str) -> int:
    """The first turn of ``role`` in the conversation."""
    with factory() as session:
        return session.scalars(select(ConversationTurn.seq).where(
            ConversationTurn.conversation_id == uuid.UUID(cid), ConversationTurn.role == role)
            .order_by(ConversationTurn.seq)).first() or 0


def _author(factory: sessionmaker[Session], email: str) -> str:
    with factory() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        return f"user:{user.id}"


def test_an_owner_rates_a_reply_and_the_conversation_then_withdraws(
        client: TestClient, biz: Business, add_user: Callable[..., Person],
        factory: sessionmaker[Session]) -> None:
    out, _ = book_and_leave(client, biz)
    cid = out["conversation_id"]
    reply = _seq(factory, cid, "assistant")
    add_user(biz, "owner@salon.example", name="Sam Owner")
    sign_in(client, "owner@salon.example")
    shown = client.get(f"/dashboard/conversations/{cid}")
    assert shown.status_code == 200 and f'id="turn-{reply}"' in shown.text
    assert "Rate this reply" in shown.text and "No ratings yet." in shown.text
    token = form_token(shown.text)
    sent = client.post(f"/dashboard/conversations/{cid}/feedback", follow_redirects=False,
                       data={"csrf": token, "rating": "bad", "turn": str(reply),
                             "reason": "  Offered a time we were closed ",
                             "category": "wrong_time"})
    assert sent.status_code == 303
    back = f"/dashboard/conversations/{cid}?done=rated#turn-{reply}"
    assert sent.headers["location"] == back
    client.post(f"/dashboard/conversations/{cid}/feedback",
                data={"csrf": token, "rating": "good", "turn": ""})
    [whole, one] = sorted(_ratings(factory, biz, cid), key=lambda r: r.turn_seq or 0)
    me = _author(factory, "owner@salon.example")
    assert (one.rating, one.turn_seq, one.reason, one.category, one.author) == (
        "bad", reply, "Offered a time we were closed", "wrong_time", me)
    assert (whole.rating, whole.turn_seq, whole.author) == ("good", None, me)
    page = client.get(sent.headers["location"])
    text = html.unescape(page.text)
    assert "Rating saved." in text and "1 good · 1 bad (1 on single replies)" in text
    assert f"Sam Owner · reply #{reply}" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))
    assert "Offered a time we were closed" in text and "Wrong time" in text
    assert page.text.count("/withdraw") == 3  # listed in the card twice, once under the reply
    # Rating the same reply again replaces the rating: still one on it.
    client.post(f"/dashboard/conversations/{cid}/feedback",
                data={"csrf": token, "rating": "good", "turn": str(reply)})
    assert sorted(r.rating for r in _ratings(factory, biz, cid)) == ["good", "good"]
    gone = client.post(f"/dashboard/conversations/{cid}/feedback/{whole.id}/withdraw",
                       data={"csrf": token}, follow_redirects=False)
    assert gone.status_code == 303 and "done=withdrawn" in gone.headers["location"]
    assert [r.turn_seq for r in _ratings(factory, biz, cid)] == [reply]
    assert "Rating withdrawn." in client.get(gone.headers["location"]).text


def test_bad_input_answers_with_an_error_page_and_stores_nothing(
        client: TestClient, biz: Business, add_user: Callable[..., Person],
        factory: sessionmaker[Session]) -> None:
    out, _ = book_and_leave(client, biz)
    cid = out["conversation_id"]
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    token = form_token(client.get(f"/dashboard/conversations/{cid}").text)
    caller_turn = _seq(factory, cid, "user")
    for form, status, says in (
            ({"rating": "bad", "turn": str(caller_turn)}, 422, "not a reply of the agent"),
            ({"rating": "bad", "turn": "99999"}, 422, "has no turn 99999"),
            ({"rating": "bad", "turn": "second"}, 422, "not one of the agent"),
            ({"rating": "bad", "reason": "x" * 501}, 422, "at most 500 characters"),
            ({"rating": "bad", "category": "boring"}, 422, "not one of the choices"),
            ({"rating": "meh"}, 422, "rating")):
        refused = client.post(f"/dashboard/conversations/{cid}/feedback", headers=HTML,
                              data={"csrf": token, **form}, follow_redirects=False)
        assert refused.status_code == status, (form, refused.status_code)
        assert "text/html" in refused.headers["content-type"], form
        assert 'role="alert"' in refused.text and says in html.unescape(refused.text), form
    assert _ratings(factory, biz, cid) == []
    forged = client.post(f"/dashboard/conversations/{cid}/feedback",
                         data={"csrf": "not-the-token", "rating": "bad"})
    assert forged.status_code == 403 and _ratings(factory, biz, cid) == []


def test_another_business_conversation_is_not_found(
        client: TestClient, make_business: Callable[..., Business],
        add_user: Callable[..., Person], factory: sessionmaker[Session]) -> None:
    theirs, mine = make_business("theirs"), make_business("mine")
    cid = send(client, theirs, "Hello")["conversation_id"]
    rated = client.post(f"/api/v1/conversations/{cid}/feedback", headers=auth(theirs),
                        json={"rating": "good"}).json()
    add_user(mine, "owner@mine.example")
    sign_in(client, "owner@mine.example")
    token = form_token(client.get("/dashboard/conversations").text)
    assert client.post(f"/dashboard/conversations/{cid}/feedback", headers=HTML,
                       data={"csrf": token, "rating": "bad"}).status_code == 404
    assert client.post(f"/dashboard/conversations/{cid}/feedback/{rated['id']}/withdraw",
                       headers=HTML, data={"csrf": token}).status_code == 404
    assert [r.rating for r in _ratings(factory, theirs, cid)] == ["good"]


def test_only_the_author_withdraws_and_staff_rate_what_they_see(
        client: TestClient, biz: Business, add_user: Callable[..., Person],
        factory: sessionmaker[Session]) -> None:
    out, _ = book_and_leave(client, biz)  # booked on Ana's calendar
    cid = out["conversation_id"]
    hidden = send(client, biz, "Hello")["conversation_id"]  # no customer: not Ana's
    add_user(biz, "owner@salon.example")
    add_user(biz, "ana@salon.example", role=UserRole.STAFF, resource_id=biz.ana.id,
             language="es")
    sign_in(client, "owner@salon.example")
    token = form_token(client.get(f"/dashboard/conversations/{cid}").text)
    client.post(f"/dashboard/conversations/{cid}/feedback",
                data={"csrf": token, "rating": "good", "reason": "Quick booking"})
    [owners] = _ratings(factory, biz, cid)
    client.post("/logout", data={"csrf": token})
    sign_in(client, "ana@salon.example")
    page = client.get(f"/dashboard/conversations/{cid}")
    assert "Valore esta respuesta" in html.unescape(page.text)  # in Spanish for Ana
    assert "/withdraw" not in page.text  # not hers: no button
    token = form_token(page.text)
    refused = client.post(f"/dashboard/conversations/{cid}/feedback/{owners.id}/withdraw",
                          headers=HTML, data={"csrf": token})
    assert refused.status_code == 403 and "someone else" in refused.text
    assert [r.id for r in _ratings(factory, biz, cid)] == [owners.id]
    mine = client.post(f"/dashboard/conversations/{cid}/feedback", follow_redirects=False,
                       data={"csrf": token, "rating": "bad", "category": "too_slow"})
    assert mine.status_code == 303  # staff may rate
    ana = _author(factory, "ana@salon.example")
    assert {(r.author, r.rating) for r in _ratings(factory, biz, cid)} == {
        (owners.author, "good"), (ana, "bad")}
    assert client.post(f"/dashboard/conversations/{hidden}/feedback", headers=HTML,
                       data={"csrf": token, "rating": "bad"}).status_code == 404
    assert _ratings(factory, biz, hidden) == []


def _listed(client: TestClient, query: str) -> set[str]:
    page = client.get(f"/dashboard/conversations?{query}")
    assert page.status_code == 200, page.text[:300]
    return set(re.findall(r'<td><a href="/dashboard/conversations/([0-9a-f-]{36})"', page.text))


def test_the_list_filters_by_result_and_rating(
        client: TestClient, biz: Business, add_user: Callable[..., Person]) -> None:
    booked = book_and_leave(client, biz)[0]["conversation_id"]
    failed = send(client, biz, "I want a haircut")["conversation_id"]
    client.app.state.agent.end(biz.tenant, uuid.UUID(failed))  # type: ignore[attr-defined]
    live = send(client, biz, "Hello")["conversation_id"]
    client.post(f"/api/v1/conversations/{failed}/feedback", headers=auth(biz),
                json={"rating": "bad", "reason": "Gave up"})
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    assert _listed(client, "") == {booked, failed, live}
    assert _listed(client, "result=succeeded") == {booked}
    assert _listed(client, "result=failed") == {failed}
    assert _listed(client, "result=not_analysed") == {live}
    assert _listed(client, "rated=bad") == {failed}
    assert _listed(client, "rated=good") == set()
    assert _listed(client, "result=failed&rated=bad&channel=chat") == {failed}
    assert _listed(client, "result=failed&channel=sms") == set()
    page = client.get("/dashboard/conversations?result=succeeded")
    summary = client.get(f"/api/v1/conversations/{booked}", headers=auth(biz)).json()[
        "analysis"]["summary"]
    assert summary in html.unescape(page.text) and 'data-success="true"' in page.text
    assert '<option value="succeeded" selected>' in page.text
    assert client.get("/dashboard/conversations?result=maybe").status_code == 422
