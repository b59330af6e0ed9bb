"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` (``.ci/run``
installs it from Debian's packages); without it these tests skip and say why. Each test
saves a screenshot of the page it checks (``FRONTDESK_SCREENSHOTS``, else the test's
temporary directory).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.channels.conftest import answer_for, appointments, opening, stored_state
from tests.channels.test_widget import _site as plain_site
from tests.conftest import Business, next_weekday, serving
from tests.dashboard.conftest import PASSWORD, Person
from tests.dashboard.test_campaigns_page import make_campaign
from tests.dashboard.test_customer_pages import people

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's Chromium (apt-get install chromium)")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def site(engine: Engine) -> Iterator[str]:
    app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
    with serving(app) as url:
        yield url


@pytest.fixture
def browser_page() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800},
                                          locale="en-US")
            yield context.new_page()
        finally:
            browser.close()


def serious_violations(page: object) -> list[str]:
    """axe-core's serious and critical findings on the page (its script comes from the
    installed package, evaluated over the DevTools protocol: no CDN, no CSP exception)."""
    axe_js = Path(pytest.importorskip("axe_playwright_python").__file__).parent / "axe.min.js"
    page.evaluate(axe_js.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    found = page.evaluate(  # type: ignore[attr-defined]
        "async () => (await axe.run()).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.help)")
    return list(found)


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FRONTDESK_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_owner_signs_in_and_reads_the_overview(
    site: str, browser_page: object, biz: Business, add_user: Callable[..., Person],
    tmp_path: Path,
) -> None:
    page = browser_page
    add_user(biz, "owner@salon.example", name="Sam Owner")
    page.goto(site + "/")  # type: ignore[attr-defined]
    assert page.url.startswith(site + "/login")  # type: ignore[attr-defined]
    page.get_by_label("Email").fill("owner@salon.example")  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.screenshot(path=str(_shots(tmp_path) / "sign-in.png"))  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.wait_for_url(site + "/dashboard")  # type: ignore[attr-defined]
    heading = page.get_by_role("heading", level=1)  # type: ignore[attr-defined]
    assert heading.inner_text() == biz.tenant.name
    assert page.get_by_text("Signed in as Sam Owner").is_visible()  # type: ignore[attr-defined]
    page.screenshot(path=str(_shots(tmp_path) / "overview.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    # On a phone's screen the page still reads: nothing wider than the viewport.
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 390
    page.get_by_role("button", name="Sign out").click()  # type: ignore[attr-defined]
    page.wait_for_url(site + "/login")  # type: ignore[attr-defined]


def test_campaign_progress_after_simulated_calls(
    site: str, browser_page: object, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session], tmp_path: Path,
) -> None:
    page = browser_page
    make_campaign(factory, biz)
    add_user(biz, "owner@salon.example")
    _sign_in(page, site, "/dashboard/campaigns")
    card = page.get_by_role("region", name="Spring")  # type: ignore[attr-defined]
    assert "Spring check-ups" in card.inner_text()
    page.screenshot(path=str(_shots(tmp_path) / "campaigns.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    card.get_by_role("button", name="Pause").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.get_by_role("region", name="Spring").get_by_role(  # type: ignore[attr-defined]
        "button", name="Resume").is_visible()


def _sign_in(page: object, site: str, next_path: str) -> None:
    page.goto(f"{site}/login?next={next_path}")  # type: ignore[attr-defined]
    page.get_by_label("Email").fill("owner@salon.example")  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.wait_for_url(site + next_path.split("?")[0] + "**")  # type: ignore[attr-defined]


def test_filter_customers_contact_these_and_read_a_transcript(
    site: str, browser_page: object, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session], tmp_path: Path,
) -> None:
    page = browser_page
    people(factory, biz)
    add_user(biz, "owner@salon.example")
    _sign_in(page, site, "/dashboard/customers")
    page.get_by_label("Search name, phone or email").fill("stone")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Filter").click()  # type: ignore[attr-defined]
    page.wait_for_url("**q=stone**")  # type: ignore[attr-defined]
    table = page.get_by_role("region", name="Customers (2)")  # type: ignore[attr-defined]
    assert "Ada Stone" in table.inner_text() and "Cy Vale" not in table.inner_text()
    page.screenshot(path=str(_shots(tmp_path) / "customers.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    page.get_by_label("Campaign name").fill("Stones")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Contact these").click()  # type: ignore[attr-defined]
    page.wait_for_url(site + "/dashboard/campaigns")  # type: ignore[attr-defined]
    card = page.get_by_role("region", name="Stones")  # type: ignore[attr-defined]
    assert "draft" in card.inner_text()
    page.goto(site + "/dashboard/customers?q=ada")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Ada Stone").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Ada Stone").wait_for()  # type: ignore[attr-defined]
    page.screenshot(path=str(_shots(tmp_path) / "customer.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []



def test_mark_a_no_show_on_the_week_view(
    site: str, browser_page: object, biz: Business, add_user: Callable[..., Person],
    tmp_path: Path,
) -> None:
    page = browser_page
    day = next_weekday(biz.tz, 1)
    booked = httpx.post(f"{site}/api/v1/appointments", headers={
        "Authorization": f"Bearer {biz.api_key}"}, json={
        "service_id": str(biz.haircut.id), "resource_id": str(biz.ana.id),
        "start": biz.at(day, 10).isoformat(),
        "customer": {"phone": "+12125550191", "name": "Noor Diaz"}})
    assert booked.status_code == 201, booked.text
    add_user(biz, "owner@salon.example")
    _sign_in(page, site, f"/dashboard/appointments?day={day.isoformat()}")
    page.get_by_role("button", name=re.compile("Mark no-show: 10:00 Noor Diaz")).click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    row = page.get_by_role("row", name=re.compile("Noor Diaz"))  # type: ignore[attr-defined]
    assert "no-show" in row.inner_text()
    page.screenshot(path=str(_shots(tmp_path) / "appointments.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []


def _book_haircut(site: str, biz: Business, day: date, hour: int, name: str,
                  phone: str) -> None:
    booked = httpx.post(f"{site}/api/v1/appointments", headers={
        "Authorization": f"Bearer {biz.api_key}"}, json={
        "service_id": str(biz.haircut.id), "resource_id": str(biz.ana.id),
        "start": biz.at(day, hour).isoformat(), "customer": {"phone": phone, "name": name}})
    assert booked.status_code == 201, booked.text


def test_move_an_appointment(
    site: str, browser_page: object, biz: Business, add_user: Callable[..., Person],
    tmp_path: Path,
) -> None:
    page = browser_page
    day = next_weekday(biz.tz, 1)
    _book_haircut(site, biz, day, 10, "Iris Moll", "+12125550192")
    _book_haircut(site, biz, day, 14, "Kai Ruiz", "+12125550193")
    add_user(biz, "owner@salon.example")
    _sign_in(page, site, f"/dashboard/appointments?day={day.isoformat()}&view=week")
    page.get_by_role("link", name=re.compile("Move: 10:00 Iris Moll")).click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Move an appointment").wait_for()  # type: ignore[attr-defined]
    page.screenshot(path=str(_shots(tmp_path) / "appointment-move.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    # Onto Kai's time: refused, and the page says why and what is free nearby.
    page.get_by_label("Time").fill("14:00")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Move", exact=True).click()  # type: ignore[attr-defined]
    alert = page.get_by_role("alert")  # type: ignore[attr-defined]
    assert "That time is already taken." in alert.inner_text()
    page.screenshot(path=str(_shots(tmp_path) / "appointment-conflict.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    page.get_by_label("Time").fill("15:30")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Move", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_url("**done=moved**")  # type: ignore[attr-defined]
    row = page.get_by_role("row", name=re.compile("Iris Moll"))  # type: ignore[attr-defined]
    assert "15:30–16:00" in row.inner_text()
    assert page.get_by_role("status").inner_text().startswith("Moved.")  # type: ignore[attr-defined]
    page.screenshot(path=str(_shots(tmp_path) / "appointment-moved.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []


def test_create_and_revoke_a_key(
    site: str, browser_page: object, biz: Business, add_user: Callable[..., Person],
    tmp_path: Path,
) -> None:
    page = browser_page
    add_user(biz, "owner@salon.example")
    _sign_in(page, site, "/dashboard/keys")
    page.get_by_label("Name").fill("Reports")  # type: ignore[attr-defined]
    page.get_by_label("Access").select_option("read")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Create a key").click()  # type: ignore[attr-defined]
    status = page.get_by_role("status")  # type: ignore[attr-defined]
    secret = status.locator("code.secret").inner_text()
    assert secret.startswith("fd_")
    assert httpx.get(f"{site}/api/v1/services",
                     headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    page.screenshot(path=str(_shots(tmp_path) / "keys.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    page.get_by_role("button", name="Revoke Reports").click()  # type: ignore[attr-defined]
    page.wait_for_url(site + "/dashboard/keys")  # type: ignore[attr-defined]
    assert httpx.get(f"{site}/api/v1/services",
                     headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_insights_page(
    site: str, browser_page: object, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session], tmp_path: Path,
) -> None:
    from datetime import datetime

    from tests.services.insights_data import seed

    page = browser_page
    seed(factory, biz, datetime.now(biz.tz).date())
    add_user(biz, "owner@salon.example")
    refused: list[str] = []  # what the CSP blocked, if anything
    page.on("console", lambda m: refused.append(m.text)  # type: ignore[attr-defined]
            if "Content Security Policy" in m.text else None)
    _sign_in(page, site, "/dashboard/insights?days=7")
    chart = page.get_by_role("img", name="Bookings per day")  # type: ignore[attr-defined]
    assert chart.is_visible() and chart.bounding_box()["height"] > 100
    for name in ("Booking rate by channel", "Calls handled and transferred, per day",
                 "Average handle time by channel", "Top reasons for transfer"):
        assert page.get_by_role("img", name=name).is_visible(), name  # type: ignore[attr-defined]
    rates = page.get_by_role("region", name="Booking rate by channel")  # type: ignore[attr-defined]
    rates.get_by_text("Show the numbers").click()
    assert rates.get_by_role("row", name="phone 6 1 17%").is_visible()
    page.screenshot(path=str(_shots(tmp_path) / "insights.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    page.get_by_label("Period").select_option("90")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Show").click()  # type: ignore[attr-defined]
    page.wait_for_url("**days=90")  # type: ignore[attr-defined]
    assert page.get_by_label("Period").input_value() == "90"  # type: ignore[attr-defined]
    # On a phone the charts shrink with the page; only the tables scroll, in their box.
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    width = page.evaluate("document.querySelector('main').scrollWidth")  # type: ignore[attr-defined]
    assert width <= 390
    page.screenshot(path=str(_shots(tmp_path) / "insights-phone.png"), full_page=True)  # type: ignore[attr-defined]
    assert refused == []


def test_the_widget_books_from_a_plain_html_page(
    site: str, browser_page: object, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session], tmp_path: Path,
) -> None:
    """The owner makes a widget key on the widget page, pastes its line into a plain page
    of another site, and a visitor books there; the same page elsewhere gets nothing."""
    expect = pytest.importorskip("playwright.sync_api").expect
    page: Any = browser_page
    day = next_weekday(biz.tz, 2)
    html: dict[str, str] = {}
    with plain_site(html) as port:
        listed, unlisted = f"http://localhost:{port}", f"http://127.0.0.1:{port}"
        add_user(biz, "owner@salon.example")
        _sign_in(page, site, "/dashboard/widget")
        expect(page.get_by_text("No chat widget key yet")).to_be_visible()
        page.get_by_label("Your website's addresses").fill(listed)
        page.get_by_role("button", name="Create a widget key").click()
        card = page.get_by_role("region", name=re.compile("Website chat"))
        line = card.locator("code.snippet").inner_text()
        assert line.startswith(f'<script src="{site}/widget.js" data-key="fd_pub_')
        preview = page.locator("iframe.widget-preview")
        preview.scroll_into_view_if_needed()
        expect(page.frame_locator("iframe.widget-preview").get_by_role(
            "button", name="Chat with us")).to_be_visible()
        page.screenshot(path=str(_shots(tmp_path) / "widget.png"), full_page=True)
        _axe_in_frames(page)
        assert serious_violations(page) == []

        html["/"] = ('<!doctype html><html lang="en"><head><title>Salon</title></head>'
                     f"<body><h1>Salon</h1>{line}</body></html>")
        page.goto(listed + "/")
        replies = _chat_until_booked(page, expect, factory, biz, day)
        booked = appointments(factory, biz)
        assert len(booked) == 1 and booked[0].start_at.astimezone(biz.tz) == biz.at(day, 10)
        assert booked[0].tenant_id == biz.tenant.id
        assert "could not be sent" not in replies.last.inner_text()
        page.screenshot(path=str(_shots(tmp_path) / "widget-booked.png"), full_page=True)

        # The live preview talks to the agent with the same key, from this server.
        page.goto(site + "/dashboard/widget")
        frame = page.frame_locator("iframe.widget-preview")
        page.locator("iframe.widget-preview").scroll_into_view_if_needed()
        frame.get_by_role("button", name="Chat with us").click()
        _say(frame, expect, "Hello", 1)
        assert "could not be sent" not in frame.locator(".msg.desk").last.inner_text()
        page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.set_viewport_size({"width": 1280, "height": 800})

        # The same page on an origin the key does not list cannot talk to the agent.
        page.goto(unlisted + "/")
        page.get_by_role("button", name="Chat with us").click()
        _say(page, expect, opening(day + timedelta(days=7), "en"), 1)
        expect(page.locator("[data-frontdesk-widget] .msg.desk")).to_contain_text(
            "could not be sent")
        assert len(appointments(factory, biz)) == 1


def _say(where: Any, expect: Any, text: str, replies_after: int) -> Any:
    box = where.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")
    replies = where.locator("[data-frontdesk-widget] .msg.desk")
    expect(replies).to_have_count(replies_after)
    return replies


def _chat_until_booked(page: Any, expect: Any, factory: sessionmaker[Session],
                       biz: Business, day: date) -> Any:
    """The rules engine's English dialogue (no LLM), turn by turn, until it books."""
    page.get_by_role("button", name="Chat with us").click()
    text = opening(day, "en")
    for turn in range(10):
        replies = _say(page, expect, text, turn + 1)
        assert "could not be sent" not in replies.last.inner_text()
        if appointments(factory, biz):
            return replies
        text = answer_for(stored_state(factory, biz, channel="chat"), day, "en")
    pytest.fail("the widget's conversation booked nothing in ten turns")


def _axe_in_frames(page: Any) -> None:
    """axe-core in each framed page too (the live preview), so its run covers them."""
    axe_js = Path(pytest.importorskip("axe_playwright_python").__file__).parent / "axe.min.js"
    for frame in page.frames[1:]:
        frame.evaluate(axe_js.read_text(encoding="utf-8"))


def test_settings_greeting_preview(
    site: str, browser_page: object, biz: Business, add_user: Callable[..., Person],
    tmp_path: Path,
) -> None:
    page = browser_page
    add_user(biz, "owner@salon.example")
    _sign_in(page, site, "/dashboard/settings/voice")
    page.get_by_label("Persona").select_option("salon")  # type: ignore[attr-defined]
    page.get_by_label("First words in English").fill(  # type: ignore[attr-defined]
        "Welcome to {business}, the friendliest chairs in town!")
    page.get_by_role("button", name="Preview").click()  # type: ignore[attr-defined]
    preview = page.get_by_role("status")  # type: ignore[attr-defined]
    assert "Welcome to Salon, the friendliest chairs in town!" in preview.inner_text()
    assert "¡Hola, gracias por llamar a Salon!" in preview.inner_text()
    assert "Not saved yet" in preview.inner_text()
    page.screenshot(path=str(_shots(tmp_path) / "settings-voice.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    page.get_by_role("button", name="Save").click()  # type: ignore[attr-defined]
    page.wait_for_url(site + "/dashboard/settings/voice?saved=1")  # type: ignore[attr-defined]
    assert page.get_by_text("Saved.").is_visible()  # type: ignore[attr-defined]
    got = httpx.get(f"{site}/api/v1/tenant", headers={"Authorization": f"Bearer {biz.api_key}"})
    assert got.json()["greeting"] == {
        "en": "Welcome to {business}, the friendliest chairs in town!"}
    # On a phone's screen the settings page still reads: nothing wider than the viewport.
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
    page.goto(site + "/dashboard/settings/hours")  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
    assert serious_violations(page) == []
