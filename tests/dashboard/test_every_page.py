"""Every dashboard page, enumerated from the routers the app mounts (not a hand list): none
is open to a visitor who has not signed in, and no form post is taken without its CSRF
token."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.dashboard import ROUTERS
from tests.conftest import Business
from tests.dashboard.conftest import Person, sign_in

# What a visitor may reach: signing in (with a password, or starting and finishing it at
# Google or Microsoft), and getting a new password by email.
OPEN = {("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("GET", "/forgot"),
        ("POST", "/forgot"), ("GET", "/reset"), ("POST", "/reset"),
        ("GET", "/login/{provider}"), ("GET", "/login/{provider}/callback")}
# Path parameters that are not ids.
SAMPLE = {"action": "pause", "outcome": "completed", "provider": "google"}


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The app, with room for one address to try every page within a minute (the per-address
    limit is tested in tests/api/test_rate_limits.py, and the pages outgrew its default)."""
    settings = Settings(environment="test", llm_base_url="", rate_limit_ip="100000/minute")
    with TestClient(create_app(settings, engine=engine)) as test_client:
        yield test_client


def _fill(path: str) -> str:
    """A concrete path for a route template: ids are random (nobody's)."""
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE.get(m.group(1), str(uuid.uuid4())), path)


def _pages(client: TestClient) -> list[tuple[str, str]]:
    found = []
    for route in (route for router in ROUTERS for route in router.routes):
        if isinstance(route, APIRoute):
            found += [(method, route.path) for method in sorted(route.methods)]
    assert len(found) >= 5, found
    return found


def test_no_page_is_open_to_a_visitor_who_has_not_signed_in(client: TestClient) -> None:
    for method, path in _pages(client):
        if (method, path) in OPEN:
            continue
        response = client.request(method, _fill(path), follow_redirects=False)
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"].startswith("/login"), (method, path)


def test_no_form_post_is_taken_without_its_token(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    for method, path in _pages(client):
        if method != "POST" or (method, path) in OPEN:
            continue
        response = client.post(_fill(path), data={}, follow_redirects=False)
        assert response.status_code == 403, (path, response.status_code)
        assert response.json()["code"] == "csrf_refused"
    assert client.get("/dashboard", follow_redirects=False).status_code == 200  # still in
