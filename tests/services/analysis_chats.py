"""Conversations driven through the real chat door and Agent, for the analysis tests."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, Tenant
from tests.channels.conftest import answer_for, opening
from tests.conftest import Business, auth, next_weekday


def send(client: TestClient, biz: Business, message: str,
         session_id: str | None = None) -> dict[str, Any]:
    response = client.post("/api/v1/chat", headers=auth(biz),
                           json={"message": message, "session_id": session_id})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def book_and_leave(client: TestClient, biz: Business, lang: str = "en") -> tuple[dict[str, Any],
                                                                                   date]:
    """A customer books a haircut at 10:00 on a weekday, then says that is all."""
    day = next_weekday(biz.tz, 2)
    out, text, said = None, opening(day, lang), []
    for _ in range(12):
        out = send(client, biz, text, out["session_id"] if out else None)
        said.append(out["reply"])
        if out["end"]:
            return out, day
        text = answer_for(out["state"], day, lang)
    raise AssertionError(f"the chat never ended: {said}")


def row(factory: sessionmaker[Session], conversation_id: str | uuid.UUID) -> Conversation:
    with factory() as session:
        found = session.get_one(Conversation, uuid.UUID(str(conversation_id)))
        session.expunge(found)
        return found


def speak_spanish_first(factory: sessionmaker[Session], biz: Business) -> None:
    """The business's first language is Spanish (its staff read summaries in it)."""
    with write_session(factory) as session:
        session.get_one(Tenant, biz.tenant.id).languages = ["es", "en"]
    biz.tenant.languages = ["es", "en"]
