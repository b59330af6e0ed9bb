"""Every dashboard page, enumerated from the routers the app mounts (not a hand list),
tried by people of the wrong business or the wrong role.

- An owner of business A asking for any object of business B by id gets 404 (never 403,
  which would confirm the id exists), by GET and by a form post with a valid token, and
  business B's data is unchanged.
- Staff reach only the pages listed in ``STAFF_MAY`` (a page is owners' and admins'
  unless it is listed here): every other page, with or without ids, answers 403.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.dashboard import ROUTERS
from frontdesk.store.db import write_session
from frontdesk.store.models import TenantPhoneNumber, UserRole
from tests.api.conftest import auth
from tests.api.test_tenant_isolation_routes import _owner_data
from tests.conftest import Business
from tests.dashboard.conftest import Person, form_token, sign_in

# Path parameters that are not ids: a value that gets past validation to the lookup.
WORDS = {"action": "pause", "outcome": "completed", "provider": "google"}
# A form each post accepts (beyond its token), so it gets past validation to the lookup;
# ids of the other business are filled in from ``{name}``.
FORMS: dict[str, dict[str, Any]] = {
    "/dashboard/customers/{customer_id}/notes": {"notes": "taken over"},
    "/dashboard/customers/{customer_id}/consent": {"do_not_call": "true"},
    "/dashboard/customers/{customer_id}/erase": {"confirm": "yes"},
    "/dashboard/settings/calendars/{resource_id}/connect": {"provider": "google"},
    "/dashboard/settings/calendars/{resource_id}/caldav": {
        "url": "https://8.8.8.8/dav/", "username": "u", "password": "p", "calendar": "work"},
    "/dashboard/customers/contact": {"name": "Taken over", "meeting_request_id": "{request_id}",
                                     "customer_id": "{customer_id}"},
    "/dashboard/conversations/{conversation_id}/feedback": {"rating": "bad"},
}
# Pages signed-in people reach whatever their role (or that act on no other's object).
EVERYONE = {"/", "/login", "/logout", "/forgot", "/reset", "/dashboard",
            # Signing in with Google or Microsoft, and linking them to one's own account.
            "/login/{provider}", "/login/{provider}/callback", "/dashboard/sign-in-methods",
            "/dashboard/sign-in-methods/{provider}/link",
            "/dashboard/sign-in-methods/{provider}/unlink"}
# Staff pages: their own calendar and the customers and conversations on it.
STAFF_MAY = EVERYONE | {
    "/dashboard/appointments", "/dashboard/appointments/{appointment_id}/{outcome}",
    "/dashboard/appointments/new", "/dashboard/appointments/{appointment_id}/move",
    "/dashboard/appointments/{appointment_id}/cancel",
    "/dashboard/customers", "/dashboard/customers.csv", "/dashboard/customers/{customer_id}",
    "/dashboard/customers/{customer_id}/notes", "/dashboard/conversations",
    "/dashboard/conversations/{conversation_id}",
    # Rating the conversations they see, and withdrawing their own ratings.
    "/dashboard/conversations/{conversation_id}/feedback",
    "/dashboard/conversations/{conversation_id}/feedback/{feedback_id}/withdraw",
}


def _routes() -> list[tuple[str, str]]:
    found = [(method, route.path) for router in ROUTERS for route in router.routes
             if isinstance(route, APIRoute) for method in sorted(route.methods)]
    assert len(found) >= 20, found
    return found


def _fill(template: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: WORDS.get(m.group(1)) or ids[m.group(1)], template)


def _form(template: str, ids: dict[str, str], token: str) -> dict[str, Any]:
    form = {name: _fill(value, ids) if isinstance(value, str) else value
            for name, value in FORMS.get(template, {}).items()}
    return {"csrf": token, **form}


def _ids(client: TestClient, business: Business,
         factory: sessionmaker[Session]) -> dict[str, str]:
    ids = _owner_data(client, business)
    ids["key_id"] = ids["api_key_id"]
    with write_session(factory) as session:
        number = TenantPhoneNumber(tenant_id=business.tenant.id, number_e164="+12125550111")
        session.add(number)
        session.flush()
        ids["number_id"] = str(number.id)
    return ids


def test_no_page_reaches_another_business_by_id(
    client: TestClient, make_business: Callable[..., Business],
    add_user: Callable[..., Person], factory: sessionmaker[Session],
) -> None:
    theirs, mine = make_business("theirs"), make_business("mine")
    ids = _ids(client, theirs, factory)
    snapshot = _read_back(client, theirs, ids)
    add_user(mine, "owner@mine.example")
    sign_in(client, "owner@mine.example")
    token = form_token(client.get("/dashboard/customers").text)
    tried = []
    for method, template in _routes():
        named = re.findall(r"\{(\w+)\}", template) + (re.findall(
            r"\{(\w+)\}", str(FORMS.get(template, ""))) if method == "POST" else [])
        if not any(name not in WORDS for name in named):
            continue  # names no object: nothing of another business to reach
        path = _fill(template, ids)
        if method == "GET":
            response = client.get(path, follow_redirects=False)
        else:
            response = client.post(path, data=_form(template, ids, token),
                                   follow_redirects=False)
        assert response.status_code == 404, (method, template, response.status_code,
                                             response.text[:300])
        tried.append(f"{method} {template}")
    assert len(tried) >= 8, tried
    assert _read_back(client, theirs, ids) == snapshot


def _read_back(client: TestClient, business: Business, ids: dict[str, str]) -> list[Any]:
    reads = [f"/api/v1/customers/{ids['customer_id']}",
             f"/api/v1/appointments/{ids['appointment_id']}",
             f"/api/v1/campaigns/{ids['campaign_id']}", "/api/v1/api-keys",
             "/api/v1/campaigns"]
    return [(path, client.get(path, headers=auth(business)).json()) for path in reads]


def test_staff_reach_only_their_own_pages(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session],
) -> None:
    ids = _ids(client, biz, factory)
    add_user(biz, "ana@salon.example", role=UserRole.STAFF, resource_id=biz.ana.id)
    sign_in(client, "ana@salon.example")
    token = form_token(client.get("/dashboard").text)
    refused = []
    for method, template in _routes():
        if template in STAFF_MAY:
            continue
        path = _fill(template, ids)
        if method == "GET":
            response = client.get(path, follow_redirects=False)
        else:  # only the token: refused as staff before the form is read
            response = client.post(path, data={"csrf": token}, follow_redirects=False)
        assert response.status_code == 403, (method, template, response.status_code,
                                             response.text[:300])
        refused.append(template)
    assert len(refused) >= 6, refused
    assert client.get("/dashboard", follow_redirects=False).status_code == 200  # still in
