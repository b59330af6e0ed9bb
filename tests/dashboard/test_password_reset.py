"""A forgotten password: a link by email through the outbox, used once, within the hour;
asking says the same whether or not the email has an account."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.models import OutboxMessage
from tests.conftest import Business
from tests.dashboard.conftest import PASSWORD, Person, form_token, sign_in

NEW = "a brand new passphrase"


def _ask(client: TestClient, email: str) -> str:
    form = client.get("/forgot")
    answer = client.post("/forgot", data={"email": email, "csrf": form_token(form.text)})
    assert answer.status_code == 200, answer.text
    return answer.text


def _emails(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == "password_reset")))


def _set(client: TestClient, token: str, password: str) -> int:
    form = client.get(f"/reset?token={token}")
    return client.post("/reset", data={"token": token, "password": password,
                                       "csrf": form_token(form.text)},
                       follow_redirects=False).status_code


def test_a_reset_link_sets_a_new_password_once(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
    add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    unknown = _ask(client, "nobody@nowhere.example")
    known = _ask(client, "Owner@Salon.example")
    said = re.compile(r'<p role="status">([^<]+)</p>')
    assert said.findall(unknown) == said.findall(known) != []  # the same words either way
    [email] = _emails(factory)
    assert email.recipient == "owner@salon.example" and email.channel == "email"
    token = re.search(r"/reset\?token=(\S+)", email.payload["body"])
    assert token is not None
    assert _set(client, token.group(1), "short") == 422  # refused; nothing changed
    assert sign_in(client, "owner@salon.example")[0] == 303
    client.cookies.clear()
    assert _set(client, token.group(1), NEW) == 303
    assert sign_in(client, "owner@salon.example", password=PASSWORD)[0] == 401
    assert sign_in(client, "owner@salon.example", password=NEW)[0] == 303
    client.cookies.clear()
    assert _set(client, token.group(1), "yet another passphrase") == 400  # used already
    garbled = token.group(1)[:-6] + "AAAAAA"
    assert _set(client, garbled, "yet another passphrase") == 400
    assert sign_in(client, "owner@salon.example", password=NEW)[0] == 303
