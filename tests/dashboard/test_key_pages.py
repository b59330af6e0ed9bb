"""API keys in the dashboard: an owner creates a publishable widget key (the secret and
the snippet shown once), the key reaches only the chat door, and revoking it ends it."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from frontdesk.store.models import UserRole
from tests.conftest import Business
from tests.dashboard.conftest import Person, form_token, sign_in


def test_an_owner_creates_a_widget_key_that_reaches_only_the_chat_then_revokes_it(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    page = client.get("/dashboard/keys")
    assert page.status_code == 200
    made = client.post("/dashboard/keys", data={
        "csrf": form_token(page.text), "name": "Website chat", "scope": "widget",
        "origins": "https://www.salon.example"})
    assert made.status_code == 200
    secret = re.search(r'<code class="secret">(fd_pub_[^<]+)</code>', made.text)
    assert secret is not None
    assert f'data-key="{secret.group(1)}"' in made.text and "/widget.js" in made.text
    key = {"Authorization": f"Bearer {secret.group(1)}", "Origin": "https://www.salon.example"}
    assert client.get("/api/v1/customers", headers=key).status_code == 403
    chat = client.post("/api/v1/chat", headers=key, json={"message": "hello"})
    assert chat.status_code == 200, chat.text
    listing = client.get("/dashboard/keys")
    assert secret.group(1) not in listing.text  # never shown again
    revocable = re.findall(r'action="/dashboard/keys/([0-9a-f-]+)/revoke"', listing.text)
    assert len(revocable) == 2  # the business's first key, and the new one (listed last)
    target = revocable[-1]
    done = client.post(f"/dashboard/keys/{target}/revoke",
                       data={"csrf": form_token(listing.text)}, follow_redirects=False)
    assert done.status_code == 303
    assert client.post("/api/v1/chat", headers=key, json={"message": "hi"}).status_code == 401


def test_only_owners_manage_keys_and_a_bad_origin_is_refused(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "admin@salon.example", role=UserRole.ADMIN)
    sign_in(client, "admin@salon.example")
    assert client.get("/dashboard/keys").status_code == 403
    client.cookies.clear()
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    page = client.get("/dashboard/keys")
    bad = client.post("/dashboard/keys", data={
        "csrf": form_token(page.text), "name": "x", "scope": "widget",
        "origins": "javascript:alert(1)"})
    assert bad.status_code == 422
