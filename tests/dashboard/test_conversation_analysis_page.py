"""A conversation's page shows what it came to: the summary, whether the caller got what
they came for, the facts behind it and how staff rated it (also for a conversation that
ended before analyses were kept: computed for the page)."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation
from tests.api.conftest import auth
from tests.conftest import Business
from tests.dashboard.conftest import Person, sign_in
from tests.services.analysis_chats import book_and_leave, send


def test_the_page_shows_the_summary_success_and_ratings(
        client: TestClient, biz: Business, add_user: Callable[..., Person],
        factory: sessionmaker[Session]) -> None:
    out, _ = book_and_leave(client, biz)
    cid = out["conversation_id"]
    summary = client.get(f"/api/v1/conversations/{cid}", headers=auth(biz)).json()[
        "analysis"]["summary"]
    client.post(f"/api/v1/conversations/{cid}/feedback", headers=auth(biz),
                json={"rating": "bad", "reason": "Too chatty"})
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    shown = client.get(f"/dashboard/conversations/{cid}")
    assert shown.status_code == 200
    text = html.unescape(shown.text)
    assert summary in text and 'data-success="true"' in shown.text
    assert "Caller got what they came for" in text and "to book" in text
    assert "Haircut" in text and "0 good · 1 bad" in text
    # Ended before analyses were kept: the page computes it (and stores nothing).
    with write_session(factory) as session:
        session.get_one(Conversation, uuid.UUID(cid)).analysis = None
    again = client.get(f"/dashboard/conversations/{cid}")
    assert summary in html.unescape(again.text)
    with factory() as session:
        assert session.get_one(Conversation, uuid.UUID(cid)).analysis is None


def test_a_failed_conversation_reads_as_one_in_spanish(
        client: TestClient, biz: Business, add_user: Callable[..., Person]) -> None:
    out = send(client, biz, "Quiero un corte de pelo")
    client.app.state.agent.end(biz.tenant, uuid.UUID(out["conversation_id"]))  # type: ignore[attr-defined]
    add_user(biz, "owner@salon.example", language="es")
    sign_in(client, "owner@salon.example")
    shown = client.get(f"/dashboard/conversations/{out['conversation_id']}")
    text = html.unescape(shown.text)
    assert 'data-success="false"' in shown.text
    assert "El cliente no obtuvo lo que buscaba" in text and "reservar" in text
    live = send(client, biz, "Hello")
    page = client.get(f"/dashboard/conversations/{live['conversation_id']}")
    assert page.status_code == 200 and "data-success" not in page.text  # still going on
