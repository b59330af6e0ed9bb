"""Signing in to the dashboard with Google or Microsoft, against local OpenID Connect
providers over real HTTP (tests/standins/oidc_provider.py): who gets in, who does not,
every ID token the dashboard must refuse, and linking accounts (ADR 0043)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import RSAKey
from limits import parse_many
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.config_check import missing_settings
from frontdesk.services.users import UserFields, create_user
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant, User, UserIdentity
from tests.conftest import Business, serving, with_settings
from tests.dashboard.conftest import Person as DashboardUser
from tests.dashboard.conftest import form_token, sign_in
from tests.standins.oidc_provider import MSA_TENANT, OidcState, Person, oidc_app

CONTOSO = "3c2a1f9e-7b64-4d1e-9a55-0d6a2c1b8e42"
FABRIKAM = "5e8b0c7d-1a2f-4b3c-8d9e-6f7a8b9c0d1e"


@dataclass
class Providers:
    google: OidcState
    microsoft: OidcState
    google_base: str
    microsoft_base: str


@pytest.fixture
def providers(client: TestClient) -> Iterator[Providers]:
    """Google and Microsoft stand-ins on real ports, and the app configured for both."""
    google, microsoft = OidcState("google"), OidcState("microsoft")
    with serving(oidc_app(google)) as google_base, serving(oidc_app(microsoft)) as ms_base:
        with_settings(
            client.app,  # type: ignore[arg-type]
            signin_google_client_id=google.client_id,
            signin_google_client_secret=google.client_secret,
            signin_google_discovery_url=google.discovery_url(google_base),
            signin_microsoft_client_id=microsoft.client_id,
            signin_microsoft_client_secret=microsoft.client_secret,
            signin_microsoft_discovery_url=microsoft.discovery_url(ms_base),
        )
        # Many sign-ins per test: the limit itself has its own test.
        client.app.state.rate_limits.per_login = parse_many("1000/minute")  # type: ignore[attr-defined]
        yield Providers(google, microsoft, google_base, ms_base)


def through_provider(client: TestClient, provider: str, next_path: str = "/dashboard",
                     *, callback: Callable[[str], str] = lambda url: url) -> httpx.Response:
    """What a browser does: open the start link, sign in at the provider (real HTTP), and
    follow it back to the callback (``callback`` may tamper with that URL)."""
    start = client.get(f"/login/{provider}", params={"next": next_path},
                       follow_redirects=False)
    assert start.status_code == 303, start.text[:300]
    return _at_provider(client, start.headers["location"], callback)


def _at_provider(client: TestClient, authorize_url: str,
                 callback: Callable[[str], str] = lambda url: url) -> httpx.Response:
    at_provider = httpx.get(authorize_url, follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text[:300]
    return client.get(callback(at_provider.headers["location"]), follow_redirects=False)


def signed_in_as(client: TestClient) -> str | None:
    """The email on the dashboard's header, or None when signed out."""
    home = client.get("/dashboard", follow_redirects=False)
    if home.status_code != 200:
        return None
    start = home.text.index('href="/dashboard/sign-in-methods"')
    return home.text[start:].split(">", 1)[1].split("<", 1)[0]


def identities(factory: sessionmaker[Session]) -> set[tuple[str, str, str, str]]:
    with factory() as session:
        rows = session.query(UserIdentity, User).join(User, User.id == UserIdentity.user_id)
        return {(i.provider, i.issuer, i.subject, u.email) for i, u in rows}


def test_a_known_user_signs_in_with_google_and_lands_where_they_were_going(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser], factory: sessionmaker[Session],
) -> None:
    add_user(biz, "ana@salon.example")
    providers.google.person = Person("108512345", "Ana@Salon.example", email_verified=True)
    start = client.get("/login/google", params={"next": "/dashboard/customers"},
                       follow_redirects=False)
    asked = parse_qs(urlsplit(start.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["response_type"] == ["code"]
    assert {"openid", "email"} <= set(asked["scope"][0].split())
    assert asked["nonce"][0] and asked["state"][0]
    assert asked["redirect_uri"] == ["http://testserver/login/google/callback"]
    flow = next(c for c in client.cookies.jar if c.name == "fd_oidc")
    assert flow.has_nonstandard_attr("HttpOnly") and asked["state"][0] not in flow.value

    back = _at_provider(client, start.headers["location"])
    assert (back.status_code, back.headers["location"]) == (303, "/dashboard/customers")
    assert "fd_oidc" not in client.cookies  # the flow is used up
    assert signed_in_as(client) == "ana@salon.example"
    assert identities(factory) == {
        ("google", providers.google_base, "108512345", "ana@salon.example")}


def test_the_sign_in_page_offers_only_the_configured_providers(
    client: TestClient, biz: Business,
) -> None:
    plain = client.get("/login")
    assert "/login/google" not in plain.text and "/login/microsoft" not in plain.text
    with_settings(client.app, signin_google_client_id="id",  # type: ignore[arg-type]
                  signin_google_client_secret="secret")
    page = client.get("/login?next=/dashboard/appointments",
                      headers={"Accept-Language": "es"})
    assert 'href="/login/google?next=/dashboard/appointments"' in page.text
    assert "Iniciar sesión con Google" in page.text and "/login/microsoft" not in page.text
    assert client.get("/login/microsoft", follow_redirects=False).status_code == 404


@pytest.mark.parametrize("person", [
    Person("1", "nobody@salon.example", email_verified=True),  # no such user
    Person("2", "ana@salon.example", email_verified=False),  # Google has not verified it
    Person("3", "ana@salon.example", email_verified=None),
    Person("4", None),
], ids=["unknown-email", "unverified-email", "no-verified-claim", "no-email"])
def test_no_account_is_made_or_matched_without_a_verified_known_email(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser], factory: sessionmaker[Session], person: Person,
) -> None:
    add_user(biz, "ana@salon.example")
    providers.google.person = person
    refused = through_provider(client, "google")
    assert refused.status_code == 403 and "not linked to anyone here" in refused.text
    assert "fd_session" not in client.cookies and signed_in_as(client) is None
    assert identities(factory) == set()
    with factory() as session:
        assert session.query(User).count() == 1  # nobody was signed up


@pytest.mark.parametrize("tamper", [
    {"nonce": "another-sign-in"},
    {"nonce": None},
    {"aud": "someone-elses-client"},
    {"aud": ["frontdesk-signin.apps.example", "other"], "azp": "other"},
    {"iss": "https://accounts.evil.example"},
    {"exp": int(time.time()) - 600, "iat": int(time.time()) - 4200},
    {"iat": int(time.time()) + 3600, "exp": int(time.time()) + 7200},
    {"sub": None},
], ids=["wrong-nonce", "no-nonce", "wrong-audience", "other-authorized-party",
        "wrong-issuer", "expired", "issued-in-the-future", "no-subject"])
def test_an_id_token_that_fails_a_check_signs_nobody_in(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser], factory: sessionmaker[Session],
    tamper: dict[str, Any],
) -> None:
    add_user(biz, "ana@salon.example")
    providers.google.person = Person("1085", "ana@salon.example")
    providers.google.tamper = tamper
    refused = through_provider(client, "google")
    assert refused.status_code == 400 and "could not be verified" in refused.text
    assert "fd_session" not in client.cookies and identities(factory) == set()


@pytest.mark.parametrize("forgery", ["other-key", "hs256-with-client-secret"])
def test_a_badly_signed_id_token_signs_nobody_in(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser], forgery: str,
) -> None:
    add_user(biz, "ana@salon.example")
    providers.google.person = Person("1085", "ana@salon.example")
    if forgery == "other-key":  # the published key id, someone else's private key
        providers.google.forge_with = RSAKey.generate_key(
            2048, parameters={"kid": providers.google.key.kid})
    else:
        providers.google.sign_hs256 = True
    refused = through_provider(client, "google")
    assert refused.status_code == 400 and "could not be verified" in refused.text
    assert signed_in_as(client) is None


def test_a_callback_not_started_in_this_browser_is_refused(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser],
) -> None:
    add_user(biz, "ana@salon.example")
    providers.google.person = Person("1085", "ana@salon.example")

    def other_state(url: str) -> str:
        return url.replace("state=", "state=x")

    wrong_state = through_provider(client, "google", callback=other_state)
    assert wrong_state.status_code == 400 and "another window" in wrong_state.text
    # An attacker's own finished sign-in, handed to someone else's browser (login CSRF):
    # that browser has no flow cookie for it.
    start = client.get("/login/google", follow_redirects=False)
    callback = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    client.cookies.clear()
    forged = client.get(callback, follow_redirects=False)
    assert forged.status_code == 400 and "fd_session" not in client.cookies
    # A provider's refusal, and a callback for the other provider's flow.
    providers.google.deny = True
    denied = through_provider(client, "google")
    assert denied.status_code == 400 and "cancelled" in denied.text
    providers.google.deny = False

    def to_microsoft(url: str) -> str:
        return url.replace("/login/google/", "/login/microsoft/")

    mixed = through_provider(client, "google", callback=to_microsoft)
    assert mixed.status_code == 400 and signed_in_as(client) is None


def test_a_disabled_user_cannot_sign_in_with_google(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser], factory: sessionmaker[Session],
) -> None:
    add_user(biz, "ana@salon.example")
    providers.google.person = Person("1085", "ana@salon.example")
    assert through_provider(client, "google").status_code == 303  # linked now
    client.cookies.clear()
    with write_session(factory) as session:
        session.query(User).update({"disabled_at": User.created_at})
    refused = through_provider(client, "google")
    assert refused.status_code == 403 and signed_in_as(client) is None


def test_once_linked_the_account_signs_in_its_user_whatever_email_it_claims(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser],
) -> None:
    add_user(biz, "ana@salon.example")
    add_user(biz, "bob@salon.example")
    ana = providers.google.person = Person("1085", "ana@salon.example")
    assert through_provider(client, "google").status_code == 303
    client.cookies.clear()
    ana.email = "ana.new@elsewhere.example"  # she changed it at Google
    assert through_provider(client, "google").status_code == 303
    assert signed_in_as(client) == "ana@salon.example"
    client.cookies.clear()
    ana.email = "bob@salon.example"  # now claims Bob's: still only Ana
    assert through_provider(client, "google").status_code == 303
    assert signed_in_as(client) == "ana@salon.example"
    # Another Google account with Ana's email adds no second way into her user once she
    # has one linked.
    client.cookies.clear()
    providers.google.person = Person("2222", "ana@salon.example")
    assert through_provider(client, "google").status_code == 403


def test_microsoft_email_is_believed_only_with_a_verified_domain(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser], factory: sessionmaker[Session],
) -> None:
    """nOAuth: any tenant's administrator can set a user's email to anything."""
    add_user(biz, "ana@salon.example")
    for person in (Person("ms-1", "ana@salon.example", tenant=CONTOSO),
                   Person("ms-2", "ana@salon.example", tenant=CONTOSO, domain_verified=False),
                   Person("ms-3", "ana@salon.example", tenant=MSA_TENANT)):
        providers.microsoft.person = person
        assert through_provider(client, "microsoft").status_code == 403
    providers.microsoft.person = Person("ms-4", "ana@salon.example", tenant=CONTOSO,
                                        domain_verified=True)
    assert through_provider(client, "microsoft").status_code == 303
    assert signed_in_as(client) == "ana@salon.example"
    issuer = f"{providers.microsoft_base}/{CONTOSO}/v2.0"
    assert identities(factory) == {("microsoft", issuer, "ms-4", "ana@salon.example")}


def test_a_microsoft_token_from_another_tenant_or_a_disallowed_one_is_refused(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser],
) -> None:
    add_user(biz, "ana@salon.example")
    providers.microsoft.person = Person("ms-4", "ana@salon.example", tenant=CONTOSO,
                                        domain_verified=True)
    # The issuer must carry the token's own tenant.
    providers.microsoft.tamper = {"iss": f"{providers.microsoft_base}/{FABRIKAM}/v2.0"}
    assert through_provider(client, "microsoft").status_code == 400
    providers.microsoft.tamper = {"tid": None}
    assert through_provider(client, "microsoft").status_code == 400
    providers.microsoft.tamper = {}
    with_settings(client.app, signin_microsoft_tenants=FABRIKAM)  # type: ignore[arg-type]
    assert through_provider(client, "microsoft").status_code == 403
    with_settings(client.app, signin_microsoft_tenants=f"{FABRIKAM}, {CONTOSO}")  # type: ignore[arg-type]
    assert through_provider(client, "microsoft").status_code == 303


def _link(client: TestClient, provider: str) -> httpx.Response:
    methods = client.get("/dashboard/sign-in-methods")
    assert methods.status_code == 200
    start = client.post(f"/dashboard/sign-in-methods/{provider}/link",
                        data={"csrf": form_token(methods.text)}, follow_redirects=False)
    assert start.status_code == 303, start.text[:300]
    return _at_provider(client, start.headers["location"])


def test_a_signed_in_user_links_microsoft_and_then_signs_in_with_it(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser], factory: sessionmaker[Session],
) -> None:
    add_user(biz, "ana@salon.example")
    page = client.get("/dashboard/sign-in-methods", follow_redirects=False)
    assert page.status_code == 303  # signed out: to the sign-in page
    sign_in(client, "ana@salon.example")
    methods = client.get("/dashboard/sign-in-methods")
    policy = methods.headers["content-security-policy"]
    assert f"form-action 'self' {providers.google_base}" in policy
    assert "Not linked" in methods.text
    # Her work account's email is not even hers: linking proves it is her account.
    providers.microsoft.person = Person("ms-ana", "a.garcia@contoso.example", tenant=CONTOSO)
    linked = _link(client, "microsoft")
    assert (linked.status_code, linked.headers["location"]) == (
        303, "/dashboard/sign-in-methods?done=oauth_linked")
    shown = client.get(linked.headers["location"])
    assert "Linked. You can now sign in" in shown.text and "a.garcia@contoso.example" in shown.text
    client.cookies.clear()
    assert through_provider(client, "microsoft").status_code == 303
    assert signed_in_as(client) == "ana@salon.example"
    assert {i[2] for i in identities(factory)} == {"ms-ana"}


def test_an_account_linked_to_one_user_cannot_be_linked_to_another(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser], factory: sessionmaker[Session],
) -> None:
    add_user(biz, "ana@salon.example")
    add_user(biz, "bob@salon.example")
    providers.microsoft.person = Person("ms-ana", "ana@contoso.example", tenant=CONTOSO)
    sign_in(client, "ana@salon.example")
    assert _link(client, "microsoft").headers["location"].endswith("done=oauth_linked")
    client.cookies.clear()
    sign_in(client, "bob@salon.example")
    refused = _link(client, "microsoft")
    assert refused.headers["location"].endswith("done=oauth_linked_elsewhere")
    assert "already linked to another user" in client.get(refused.headers["location"]).text
    assert {(i[2], i[3]) for i in identities(factory)} == {("ms-ana", "ana@salon.example")}


def test_linking_finishes_only_for_the_user_who_started_it(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser], factory: sessionmaker[Session],
) -> None:
    add_user(biz, "ana@salon.example")
    add_user(biz, "bob@salon.example")
    providers.microsoft.person = Person("ms-ana", "ana@contoso.example", tenant=CONTOSO)
    sign_in(client, "ana@salon.example")
    methods = client.get("/dashboard/sign-in-methods")
    start = client.post("/dashboard/sign-in-methods/microsoft/link",
                        data={"csrf": form_token(methods.text)}, follow_redirects=False)
    flow = client.cookies["fd_oidc"]
    client.cookies.clear()
    sign_in(client, "bob@salon.example")  # another tab: now Bob is signed in
    client.cookies.set("fd_oidc", flow)
    refused = _at_provider(client, start.headers["location"])
    assert refused.status_code == 400 and identities(factory) == set()


def test_unlinking_keeps_a_way_in(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser], factory: sessionmaker[Session],
) -> None:
    add_user(biz, "ana@salon.example")
    with write_session(factory) as session:  # invited without a password
        create_user(session, session.get_one(Tenant, biz.tenant.id),
                    UserFields(email="cleo@salon.example", password=None))
    providers.google.person = Person("g-cleo", "cleo@salon.example")
    assert through_provider(client, "google").status_code == 303
    methods = client.get("/dashboard/sign-in-methods")
    kept = client.post("/dashboard/sign-in-methods/google/unlink",
                       data={"csrf": form_token(methods.text)}, follow_redirects=False)
    assert kept.headers["location"].endswith("done=oauth_last_method")
    assert len(identities(factory)) == 1
    client.cookies.clear()
    sign_in(client, "ana@salon.example")
    providers.microsoft.person = Person("ms-ana", "ana@contoso.example", tenant=CONTOSO)
    _link(client, "microsoft")
    methods = client.get("/dashboard/sign-in-methods")
    gone = client.post("/dashboard/sign-in-methods/microsoft/unlink",
                       data={"csrf": form_token(methods.text)}, follow_redirects=False)
    assert gone.headers["location"].endswith("done=oauth_unlinked")
    client.cookies.clear()
    assert through_provider(client, "microsoft").status_code == 403
    assert {i[3] for i in identities(factory)} == {"cleo@salon.example"}


def test_the_same_subject_at_two_providers_is_two_different_people(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser], factory: sessionmaker[Session],
) -> None:
    add_user(biz, "ana@salon.example")
    add_user(biz, "bob@salon.example")
    providers.google.person = Person("4242", "ana@salon.example")
    assert through_provider(client, "google").status_code == 303
    client.cookies.clear()
    # Microsoft's 4242 (in any tenant) is not Google's 4242.
    providers.microsoft.person = Person("4242", "nobody@contoso.example", tenant=CONTOSO)
    assert through_provider(client, "microsoft").status_code == 403
    providers.microsoft.person = Person("4242", "bob@salon.example", tenant=CONTOSO,
                                        domain_verified=True)
    assert through_provider(client, "microsoft").status_code == 303
    assert signed_in_as(client) == "bob@salon.example"
    client.cookies.clear()
    providers.microsoft.person = Person("4242", "bob@salon.example", tenant=FABRIKAM)
    assert through_provider(client, "microsoft").status_code == 403  # another tenant's 4242
    assert {(i[0], i[2], i[3]) for i in identities(factory)} == {
        ("google", "4242", "ana@salon.example"), ("microsoft", "4242", "bob@salon.example")}


def test_only_a_path_on_this_site_is_followed_after_signing_in(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser],
) -> None:
    add_user(biz, "ana@salon.example")
    providers.google.person = Person("1085", "ana@salon.example")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        back = through_provider(client, "google", next_path=target)
        assert back.headers["location"] == "/dashboard", target


def test_callbacks_are_limited_like_password_sign_ins(
    client: TestClient, providers: Providers, biz: Business,
    add_user: Callable[..., DashboardUser],
) -> None:
    add_user(biz, "ana@salon.example")
    providers.google.person = Person("1085", "nobody@salon.example")
    client.app.state.rate_limits.per_login = parse_many("2/minute")  # type: ignore[attr-defined]
    statuses = [through_provider(client, "google").status_code for _ in range(3)]
    assert statuses == [403, 403, 429]
    providers.google.person = Person("1085", "ana@salon.example")
    assert through_provider(client, "google").status_code == 429  # even the right person
    assert providers.google.token_requests == 2  # refused before asking the provider


def test_an_unreachable_provider_is_said_so(
    client: TestClient, biz: Business,
) -> None:
    with_settings(client.app, signin_google_client_id="id",  # type: ignore[arg-type]
                  signin_google_client_secret="secret",
                  signin_google_discovery_url="http://127.0.0.1:9/.well-known/openid-configuration")
    page = client.get("/login/google", follow_redirects=False)
    assert page.status_code == 503 and "could not be reached" in page.text


def test_the_sign_in_methods_page_tells_a_newcomer_what_to_do(
    client: TestClient, biz: Business, add_user: Callable[..., DashboardUser],
) -> None:
    add_user(biz, "ana@salon.example", language="es")
    sign_in(client, "ana@salon.example")
    page = client.get("/dashboard/sign-in-methods")
    assert page.status_code == 200 and 'lang="es"' in page.text
    assert "no está configurado en este servidor" in page.text
    assert "form-action 'self';" in page.headers["content-security-policy"]


def test_half_a_sign_in_client_is_named_at_start_and_offers_no_button(
    client: TestClient,
) -> None:
    half = Settings(environment="test", signin_microsoft_client_id="id")
    assert missing_settings(half) == [
        "FRONTDESK_SIGNIN_MICROSOFT_CLIENT_ID is set but FRONTDESK_SIGNIN_MICROSOFT_CLIENT_SECRET"
        " is not: the sign-in page offers no Microsoft sign-in."]
    with_settings(client.app, signin_microsoft_client_id="id")  # type: ignore[arg-type]
    assert "/login/microsoft" not in client.get("/login").text
