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
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
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
