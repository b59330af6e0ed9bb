"""Google and Microsoft sign-in in a real browser (Debian's Chromium): the sign-in page's
button, and linking from the sign-in methods page, whose form is answered with a redirect
to the provider — which the page's Content-Security-Policy (form-action) must allow."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.conftest import Business, serving
from tests.dashboard.conftest import PASSWORD
from tests.dashboard.conftest import Person as DashboardUser
from tests.dashboard.test_browser import (  # noqa: F401 - fixtures
    CHROMIUM,
    _shots,
    browser_page,
    serious_violations,
)
from tests.standins.oidc_provider import OidcState, Person, oidc_app

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's Chromium (apt-get install chromium)")
CONTOSO = "3c2a1f9e-7b64-4d1e-9a55-0d6a2c1b8e42"


@dataclass
class Site:
    url: str
    google: OidcState
    microsoft: OidcState


@pytest.fixture
def site(engine: Engine) -> Iterator[Site]:
    google, microsoft = OidcState("google"), OidcState("microsoft")
    with serving(oidc_app(google)) as google_base, serving(oidc_app(microsoft)) as ms_base:
        app = create_app(Settings(
            environment="test", llm_base_url="",
            signin_google_client_id=google.client_id,
            signin_google_client_secret=google.client_secret,
            signin_google_discovery_url=google.discovery_url(google_base),
            signin_microsoft_client_id=microsoft.client_id,
            signin_microsoft_client_secret=microsoft.client_secret,
            signin_microsoft_discovery_url=microsoft.discovery_url(ms_base),
        ), engine=engine)
        with serving(app) as url:
            yield Site(url, google, microsoft)


def test_sign_in_with_google_then_link_microsoft(
    site: Site, browser_page: object, biz: Business,  # noqa: F811 - the imported fixture
    add_user: Callable[..., DashboardUser],
    tmp_path: Path,
) -> None:
    page = browser_page
    add_user(biz, "owner@salon.example", name="Sam Owner")
    site.google.person = Person("g-sam", "owner@salon.example")
    page.goto(site.url + "/login?next=/dashboard/appointments")  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    page.screenshot(path=str(_shots(tmp_path) / "sign-in-providers.png"))  # type: ignore[attr-defined]
    page.get_by_role("link", name="Sign in with Google").click()  # type: ignore[attr-defined]
    page.wait_for_url(site.url + "/dashboard/appointments**")  # type: ignore[attr-defined]

    page.get_by_role("link", name="Sam Owner").click()  # type: ignore[attr-defined]
    page.wait_for_url(site.url + "/dashboard/sign-in-methods")  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    site.microsoft.person = Person("ms-sam", "sam@contoso.example", tenant=CONTOSO)
    page.get_by_role("button", name="Link Microsoft").click()  # type: ignore[attr-defined]
    page.wait_for_url("**done=oauth_linked")  # type: ignore[attr-defined]
    status = page.get_by_role("status")  # type: ignore[attr-defined]
    assert "Linked" in status.inner_text()
    assert page.get_by_text("sam@contoso.example").is_visible()  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.screenshot(path=str(_shots(tmp_path) / "sign-in-methods.png"), full_page=True)  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
    assert serious_violations(page) == []
    # The password still works beside them.
    page.get_by_role("button", name="Sign out").click()  # type: ignore[attr-defined]
    page.get_by_label("Email").fill("owner@salon.example")  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_url(site.url + "/dashboard")  # type: ignore[attr-defined]
