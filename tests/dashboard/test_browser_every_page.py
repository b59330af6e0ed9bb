"""Every page of the dashboard in a real browser, read from the routers the app mounts
(not a hand list): each opens for an owner with data in the business, and axe-core finds
no serious or critical accessibility problem on it. A screenshot of each is saved
(``FRONTDESK_SCREENSHOTS``, else the test's temporary directory)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.dashboard import ROUTERS
from tests.api.test_tenant_isolation_routes import _owner_data
from tests.conftest import Business
from tests.dashboard.conftest import Person
from tests.dashboard.test_browser import (
    CHROMIUM,
    _shots,
    _sign_in,
    browser_page,
    serious_violations,
    site,
)
from tests.dashboard.test_customer_pages import people

__all__ = ["browser_page", "site"]  # fixtures, used by name below
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's Chromium (apt-get install chromium)")

# Pages that are not a page to look at: files, and the hand-over to a sign-in provider.
NOT_PAGES = re.compile(r"\.csv$|^/login/\{provider\}|/callback$|^/$|^/logout$")
SIGNED_OUT = {"/login", "/forgot", "/reset"}


def _pages() -> list[str]:
    return sorted({route.path for router in ROUTERS for route in router.routes
                   if isinstance(route, APIRoute) and "GET" in route.methods
                   and not NOT_PAGES.search(route.path)})


def test_every_page_opens_and_passes_axe(
    site: str, browser_page: object, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session], tmp_path: Path,
) -> None:
    page = browser_page
    people(factory, biz)
    with httpx.Client(base_url=site) as api:
        ids = _owner_data(api, biz)  # type: ignore[arg-type]
        made = api.post("/api/v1/api-keys", headers={"Authorization": f"Bearer {biz.api_key}"},
                        json={"name": "Site", "scope": "widget",
                              "allowed_origins": ["https://salon.example"]})
        assert made.status_code == 201, made.text
        told = api.patch("/api/v1/tenant", headers={"Authorization": f"Bearer {biz.api_key}"},
                         json={"info": {"parking": {"en": "Free parking behind us."}},
                               "faq": [{"question": {"en": "Do you sell gift cards?"},
                                        "answer": {"en": "Yes, at the desk."}}],
                               "required_fields": ["insurance"]})
        assert told.status_code == 200, told.text
    ids |= {"key_id": made.json()["id"], "outcome": "completed", "action": "pause"}
    shots = _shots(tmp_path) / "every-page"
    shots.mkdir(parents=True, exist_ok=True)
    for path in sorted(SIGNED_OUT):
        response = page.goto(site + path)  # type: ignore[attr-defined]
        assert response.status < 400, path
        assert serious_violations(page) == [], path
    add_user(biz, "owner@salon.example", name="Sam Owner")
    _sign_in(page, site, "/dashboard")
    seen = []
    for template in _pages():
        if template in SIGNED_OUT:
            continue
        names = re.findall(r"\{(\w+)\}", template)
        assert all(name in ids for name in names), f"no sample id for {template}"
        path = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)
        response = page.goto(site + path)  # type: ignore[attr-defined]
        assert response.status < 400, (template, response.status)
        assert serious_violations(page) == [], template
        name = template.strip("/").replace("/", "-").replace("{", "").replace("}", "")
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
        seen.append(template)
    assert len(seen) >= 20, seen
