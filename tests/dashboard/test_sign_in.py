"""Signing in to the dashboard: who gets in, what the session cookie is, what a page
shows, and the refusals (wrong password, no CSRF token, too many tries, another site)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from limits import parse_many

from frontdesk.store.models import UserRole
from tests.conftest import Business
from tests.dashboard.conftest import Person, form_token, sign_in


def test_a_visitor_is_sent_to_sign_in_and_back_where_they_were_going(
    client: TestClient,
) -> None:
    root = client.get("/", follow_redirects=False)
    assert (root.status_code, root.headers["location"]) == (303, "/dashboard")
    page = client.get("/dashboard", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login?next=/dashboard")
    form = client.get("/login")
    assert form.status_code == 200 and "<form" in form.text
    assert form.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in form.headers["content-security-policy"]


def test_the_owner_signs_in_and_sees_only_their_business(
    client: TestClient, make_business: Callable[..., Business],
    add_user: Callable[..., Person],
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    add_user(salon, "Owner@Salon.example")
    status, location = sign_in(client, "owner@salon.example")
    assert (status, location) == (303, "/dashboard")
    cookie = next(c for c in client.cookies.jar if c.name == "fd_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite", "").lower() == "lax"
    home = client.get("/dashboard")
    assert home.status_code == 200
    assert "Salon" in home.text and "Clinic" not in home.text
    assert home.headers["cache-control"] == "no-store"
    assert clinic.tenant.name not in home.text


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    wrong = client.post("/login", data={"email": "owner@salon.example", "password": "nope",
                                        "csrf": form_token(client.get("/login").text)})
    unknown = client.post("/login", data={"email": "who@nowhere.example", "password": "nope",
                                          "csrf": form_token(client.get("/login").text)})
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match an account" in wrong.text and "do not match an account" in unknown.text
    assert "fd_session" not in client.cookies


def test_a_sign_in_without_the_forms_token_is_refused(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    client.get("/login")
    refused = client.post("/login", data={"email": "owner@salon.example",
                                          "password": "correct horse battery"},
                          follow_redirects=False)
    assert refused.status_code == 403 and "fd_session" not in client.cookies
    other_site = client.post("/login", headers={"Origin": "https://evil.example"}, data={
        "email": "owner@salon.example", "password": "correct horse battery",
        "csrf": form_token(client.get("/login").text)}, follow_redirects=False)
    assert other_site.status_code == 403 and "fd_session" not in client.cookies


def test_signing_out_needs_the_sessions_token_and_ends_the_session(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    home = client.get("/dashboard")
    forged = client.post("/logout", data={"csrf": "guessed"}, follow_redirects=False)
    assert forged.status_code == 403
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    out = client.post("/logout", data={"csrf": form_token(home.text)}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_a_tampered_cookie_is_no_session(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    token = client.cookies["fd_session"]
    middle = len(token) // 2
    tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]
    client.cookies.clear()
    client.cookies.set("fd_session", tampered)
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_after_sign_in_only_a_path_on_this_site_is_followed(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        assert sign_in(client, "owner@salon.example", next_path=target) == (303, "/dashboard")


def test_sign_in_attempts_are_limited(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    # The app's limiter, as `FRONTDESK_RATE_LIMIT_LOGIN=3/minute` would build it.
    client.app.state.rate_limits.per_login = parse_many("3/minute")  # type: ignore[attr-defined]
    statuses = [sign_in(client, "owner@salon.example", password="wrong")[0] for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    # Locked out even with the right password, until the window passes.
    assert sign_in(client, "owner@salon.example")[0] == 429


def test_staff_see_their_own_calendar_and_no_campaigns(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "ana@salon.example", role=UserRole.STAFF, resource_id=biz.ana.id)
    sign_in(client, "ana@salon.example")
    home = client.get("/dashboard")
    assert home.status_code == 200
    assert "Your calendar" in home.text and "Campaigns" not in home.text


def test_pages_speak_the_browsers_language(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    page = client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    assert 'lang="es"' in page.text and "Iniciar sesión" in page.text
    add_user(biz, "owner@salon.example", language="es")
    sign_in(client, "owner@salon.example")
    assert "Próximos 7 días" in client.get("/dashboard").text
