"""The OpenID Connect adapter's own rules: whose discovery document it believes, and
Google's two spellings of its issuer."""

from __future__ import annotations

import pytest

from frontdesk.identity import oidc
from tests.conftest import serving
from tests.standins.oidc_provider import OidcState, oidc_app


def _client(discovery_url: str) -> oidc.OidcClient:
    return oidc.OidcClient("google", "id", "secret", discovery_url)


def test_a_discovery_document_must_be_its_issuers_own() -> None:
    state = OidcState("google")
    with serving(oidc_app(state)) as base:
        meta = oidc.metadata(_client(state.discovery_url(base)))
        assert meta.issuer == base and meta.jwks_uri.startswith(base)
        # Read from another address, the document names an issuer that is not there.
        with pytest.raises(oidc.OidcError, match="does not match") as refused:
            oidc.metadata(_client(state.discovery_url(base) + "?tenant=other"))
        assert refused.value.reason == "unavailable"
    with pytest.raises(oidc.OidcError, match="not an https URL"):
        oidc.metadata(_client("http://accounts.example/.well-known/openid-configuration"))


def test_googles_short_issuer_is_googles_and_no_one_elses() -> None:
    google = oidc.ProviderMetadata(oidc.GOOGLE_ISSUER, "", "", "")
    client = _client(oidc.GOOGLE_ISSUER + "/.well-known/openid-configuration")
    assert oidc._issuer(client, google, {"iss": "accounts.google.com"}) == oidc.GOOGLE_ISSUER
    other = oidc.ProviderMetadata("https://id.example", "", "", "")
    with pytest.raises(oidc.OidcError):
        oidc._issuer(client, other, {"iss": "id.example"})
