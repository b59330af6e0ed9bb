"""The chat widget: ``GET /widget.js`` on a plain page of another site, in a real browser.

The browser is Debian's Chromium (``/usr/bin/chromium``), driven by Playwright; the test
is skipped where it is not installed. Playwright never downloads a browser here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.services.api_keys import create_api_key
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment
from tests.channels.conftest import answer_for, opening, stored_state
from tests.conftest import Business, next_weekday, serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_the_widget_is_small_plain_javascript(client: TestClient) -> None:
    answer = client.get("/widget.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert len(answer.content) < 8 * 1024
    assert "access-control-allow-origin" not in answer.headers
    script = answer.text
    assert "/api/v1/chat" in script and "sessionStorage" in script and "aria-live" in script
    assert "Chatea con nosotros" in script and "Chat with us" in script  # EN and ES
    assert "http://" not in script.replace("http://localhost", "")  # no third party


@contextmanager
def _site(html: dict[str, str]) -> Iterator[int]:
    """A plain website on another loopback port: path -> HTML."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = html.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _page(api: str, key: str, lang: str) -> str:
    return (f'<!doctype html><html lang="{lang}"><head><title>Salon</title></head><body>'
            f"<h1>Salon</h1><p>Welcome.</p>"
            f'<script src="{api}/widget.js" data-key="{key}" async></script></body></html>')


def _widget_key(factory: sessionmaker[Session], biz: Business, origin: str) -> str:
    with write_session(factory) as session:
        tenant = session.merge(biz.tenant)
        return create_api_key(session, tenant, "site", scope="widget",
                              allowed_origins=[origin])[1]


def _appointments(factory: sessionmaker[Session], biz: Business) -> list[Appointment]:
    with factory() as session:
        return list(session.scalars(
            select(Appointment).where(Appointment.tenant_id == biz.tenant.id)))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium "
                                                  "(apt-get install chromium)")
def test_a_visitor_books_an_appointment_through_the_widget(
    engine: Engine, factory: sessionmaker[Session], biz: Business
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip)")
    app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
    day = next_weekday(biz.tz, 2)
    with serving(app) as api, sync_api.sync_playwright() as pw:
        html: dict[str, str] = {}
        with _site(html) as port:  # the page needs the key, the key needs the port
            origin = f"http://localhost:{port}"
            key = _widget_key(factory, biz, origin)
            html["/"] = _page(api, key, "en")
            html["/es"] = _page(api, key, "es-MX")
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                _book(sync_api, page, origin, factory, biz, day)
                _spanish_labels(sync_api, page, origin)
            finally:
                browser.close()


def _book(sync_api: Any, page: Any, origin: str, factory: sessionmaker[Session],
          biz: Business, day: date) -> None:
    expect = sync_api.expect
    page.goto(origin + "/")
    bubble = page.get_by_role("button", name="Chat with us")
    expect(bubble).to_have_attribute("aria-expanded", "false")
    bubble.click()
    expect(bubble).to_have_attribute("aria-expanded", "true")
    box = page.get_by_label("Your message")
    expect(box).to_be_focused()  # opening the panel puts the visitor in the message box
    expect(page.locator("[data-frontdesk-widget] [aria-live=polite]")).to_have_count(1)
    replies = page.locator("[data-frontdesk-widget] .msg.desk")
    text = opening(day, "en")
    for turn in range(10):
        box.fill(text)
        box.press("Enter")
        expect(replies).to_have_count(turn + 1)
        assert "could not be sent" not in replies.last.inner_text()
        if _appointments(factory, biz):
            break
        text = answer_for(stored_state(factory, biz, channel="chat"), day, "en")
    booked = _appointments(factory, biz)
    assert len(booked) == 1 and booked[0].start_at.astimezone(biz.tz) == biz.at(day, 10)
    kept = page.evaluate("Object.values(sessionStorage).map(JSON.parse)")
    state = stored_state(factory, biz, channel="chat")
    assert state.get("appointment_id") == str(booked[0].id)
    assert kept[0]["conversation_id"] and kept[0]["session_id"]
    # The visitor moves to another page of the site: the same conversation goes on.
    page.reload()
    page.get_by_role("button", name="Chat with us").click()
    expect(replies).to_have_count(turn + 1)
    page.get_by_label("Your message").press("Escape")
    expect(page.get_by_role("button", name="Chat with us")).to_be_focused()


def _spanish_labels(sync_api: Any, page: Any, origin: str) -> None:
    page.goto(origin + "/es")
    bubble = page.get_by_role("button", name="Chatea con nosotros")
    bubble.click()
    sync_api.expect(page.get_by_label("Tu mensaje")).to_be_focused()
    sync_api.expect(page.get_by_role("button", name="Enviar")).to_be_visible()
