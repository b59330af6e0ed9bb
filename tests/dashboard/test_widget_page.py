"""The chat widget page: an owner's widget keys, the exact line to paste into a website,
and a live preview on this server (ADR 0040); owners only, their own business's keys."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.api_keys import create_api_key
from frontdesk.store.db import write_session
from frontdesk.store.models import ApiKey, UserRole
from tests.conftest import Business, with_settings
from tests.dashboard.conftest import Person, form_token, sign_in

SITE = "https://www.salon.example"
SNIPPET = re.compile(r'<code class="snippet">(.+?)</code>')


def _make_key(client: TestClient, name: str = "Website chat", origins: str = SITE) -> None:
    page = client.get("/dashboard/widget")
    made = client.post("/dashboard/widget", data={
        "csrf": form_token(page.text), "name": name, "origins": origins},
        follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/dashboard/widget"


def _snippets(client: TestClient) -> list[str]:
    return [html.unescape(s) for s in SNIPPET.findall(client.get("/dashboard/widget").text)]


def _key_in(snippet: str) -> str:
    found = re.search(r'data-key="(fd_pub_[\w-]+)"', snippet)
    assert found, snippet
    return found.group(1)


def _random_widget_key(factory: sessionmaker[Session], biz: Business) -> uuid.UUID:
    """A widget key made as before ADR 0040 (random, no settings): its text is not kept."""
    with write_session(factory) as session:
        record, _ = create_api_key(session, session.merge(biz.tenant), "Old site",
                                   scope="widget", allowed_origins=[SITE])
        return record.id


def test_no_key_yet_tells_the_owner_how_to_make_one(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    page = client.get("/dashboard/widget")
    assert page.status_code == 200
    assert "No chat widget key yet" in page.text
    assert 'href="/dashboard/keys"' in page.text and 'action="/dashboard/widget"' in page.text
    assert 'class="snippet"' not in page.text and "<iframe" not in page.text


def test_an_owner_makes_a_key_and_gets_the_line_to_paste_and_a_preview(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    _make_key(client, origins=f"{SITE}\nhttps://book.salon.example:8443")
    page = client.get("/dashboard/widget")
    assert f"{SITE}, https://book.salon.example:8443" in page.text
    [line] = _snippets(client)
    key = _key_in(line)
    assert line == f'<script src="http://testserver/widget.js" data-key="{key}" async></script>'
    assert _snippets(client) == [line]  # shown again, the same, on every visit
    # The key answers chat from its sites, and from this server's own pages (the
    # preview); any other site is refused.
    chat = {"Authorization": f"Bearer {key}"}
    for origin, status in ((SITE, 200), ("http://testserver", 200),
                           ("https://evil.example", 403)):
        answer = client.post("/api/v1/chat", json={"message": "hello"},
                             headers={**chat, "Origin": origin})
        assert answer.status_code == status, (origin, answer.text)
    [key_id] = re.findall(r'src="/dashboard/widget/preview/([0-9a-f-]+)"', page.text)
    assert 'title="Live preview: Website chat"' in page.text
    preview = client.get(f"/dashboard/widget/preview/{key_id}")
    assert preview.status_code == 200
    assert f'<script src="/widget.js" data-key="{key}" async></script>' in preview.text
    # Only the preview may be framed, and only by this site; the dashboard never.
    assert "frame-ancestors 'self'" in preview.headers["content-security-policy"]
    assert preview.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_the_line_uses_the_public_address_and_the_preview_only_its_origin(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")  # over http: the cookie is not Secure-only
    with_settings(client.app, public_base_url="https://desk.example/")  # type: ignore[arg-type]
    _make_key(client)
    [line] = _snippets(client)
    assert line.startswith('<script src="https://desk.example/widget.js" data-key="fd_pub_')
    chat = {"Authorization": f"Bearer {_key_in(line)}"}
    for origin, status in (("https://desk.example", 200), ("http://testserver", 403)):
        answer = client.post("/api/v1/chat", json={"message": "hello"},
                             headers={**chat, "Origin": origin})
        assert answer.status_code == status, (origin, answer.text)


def test_a_widget_key_made_on_the_keys_page_or_by_the_api_shows_here_too(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    keys = client.get("/dashboard/keys")
    made = client.post("/dashboard/keys", data={
        "csrf": form_token(keys.text), "name": "Shop", "scope": "widget", "origins": SITE})
    shown_once = re.search(r'<code class="secret">(fd_pub_[^<]+)</code>', made.text)
    assert shown_once is not None
    by_api = client.post("/api/v1/api-keys", headers={"Authorization": f"Bearer {biz.api_key}"},
                         json={"name": "App", "scope": "widget", "allowed_origins": [SITE]})
    assert by_api.status_code == 201, by_api.text
    assert [_key_in(s) for s in _snippets(client)] == [shown_once.group(1),
                                                        by_api.json()["key"]]


def test_a_key_whose_text_is_not_kept_says_so_and_has_no_preview(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session],
) -> None:
    key_id = _random_widget_key(factory, biz)
    add_user(biz, "owner@salon.example", language="es")
    sign_in(client, "owner@salon.example")
    page = client.get("/dashboard/widget")
    assert "Old site" in page.text and "se mostró una sola vez" in page.text
    assert 'class="snippet"' not in page.text and "<iframe" not in page.text
    preview = client.get(f"/dashboard/widget/preview/{key_id}")
    assert preview.status_code == 200 and "/widget.js" not in preview.text


def test_only_owners_see_the_widget_page(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session],
) -> None:
    key_id = _random_widget_key(factory, biz)
    add_user(biz, "admin@salon.example", role=UserRole.ADMIN)
    add_user(biz, "staff@salon.example", role=UserRole.STAFF)
    for email in ("admin@salon.example", "staff@salon.example"):
        client.cookies.clear()
        sign_in(client, email)
        home = client.get("/dashboard")
        assert 'href="/dashboard/widget"' not in home.text  # no link to what is refused
        assert client.get("/dashboard/widget").status_code == 403
        assert client.get(f"/dashboard/widget/preview/{key_id}").status_code == 403
        refused = client.post("/dashboard/widget", data={
            "csrf": form_token(home.text), "name": "x", "origins": SITE})
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert _widget_key_count(factory, biz) == 1


def _widget_key_count(factory: sessionmaker[Session], biz: Business) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(ApiKey).where(
            ApiKey.tenant_id == biz.tenant.id, ApiKey.scope == "widget")) or 0


def test_another_business_key_and_keys_that_are_no_widget_are_not_found(
    client: TestClient, biz: Business, make_business: Callable[..., Business],
    add_user: Callable[..., Person], factory: sessionmaker[Session],
) -> None:
    theirs = _random_widget_key(factory, make_business("barber"))
    with factory() as session:
        admin_key = session.scalars(select(ApiKey.id).where(
            ApiKey.tenant_id == biz.tenant.id, ApiKey.scope == "admin")).one()
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    _make_key(client)
    mine = re.findall(r'src="/dashboard/widget/preview/([0-9a-f-]+)"',
                      client.get("/dashboard/widget").text)[0]
    for key_id in (theirs, admin_key, uuid.uuid4()):
        assert client.get(f"/dashboard/widget/preview/{key_id}").status_code == 404
    listing = client.get("/dashboard/keys")
    client.post(f"/dashboard/keys/{mine}/revoke", data={"csrf": form_token(listing.text)})
    assert client.get(f"/dashboard/widget/preview/{mine}").status_code == 404
    assert "No chat widget key yet" in client.get("/dashboard/widget").text


def test_a_bad_site_address_is_refused_and_nothing_is_stored(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    page = client.get("/dashboard/widget")
    for name, origins in (("Site", "javascript:alert(1)"), ("Site", "http://shop.example"),
                          ("Site", ""), ("   ", SITE)):
        bad = client.post("/dashboard/widget", data={
            "csrf": form_token(page.text), "name": name, "origins": origins})
        assert bad.status_code == 422, (name, origins, bad.status_code)
    assert _widget_key_count(factory, biz) == 0
