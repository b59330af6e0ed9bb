"""Signing in to the dashboard with Google or Microsoft (OpenID Connect), or linking one of
them to the signed-in user (docs/decisions/0043).

``begin`` makes a flow: a random ``state``, a ``nonce`` and a PKCE verifier, sealed with
the deployment's key (as the session cookie is) into a short-lived value the door keeps
in a cookie; nothing is stored on the server. ``verified_account`` checks that the
callback's state is the one this browser's flow was started with, trades the code for an
ID token, has ``identity.oidc`` verify it, and says who the person is: a
``ProviderAccount`` for ``services.user_identities``, with this module's per-provider
judgement of whether the asserted email can be believed.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from frontdesk.config import Settings
from frontdesk.errors import InvalidInput, NotFound
from frontdesk.identity import oidc
from frontdesk.security import seal, unseal
from frontdesk.services.user_identities import ProviderAccount
from frontdesk.services.users import normalize_email

log = logging.getLogger(__name__)

PROVIDERS = ("google", "microsoft")
PROVIDER_NAMES = {"google": "Google", "microsoft": "Microsoft"}
FLOW_MAX_AGE_S = 10 * 60


def client_for(provider: str, settings: Settings) -> oidc.OidcClient:
    """The sign-in client for ``provider`` from the settings (maybe not configured)."""
    if provider == "google":
        return oidc.OidcClient(
            provider="google", client_id=settings.signin_google_client_id,
            client_secret=settings.signin_google_client_secret,
            discovery_url=settings.signin_google_discovery_url,
            extra_authorize_params=(("prompt", "select_account"),),
        )
    if provider == "microsoft":
        tenants = frozenset(t.strip().lower() for t in settings.signin_microsoft_tenants.split(",")
                            if t.strip())
        return oidc.OidcClient(
            provider="microsoft", client_id=settings.signin_microsoft_client_id,
            client_secret=settings.signin_microsoft_client_secret,
            discovery_url=settings.signin_microsoft_discovery_url,
            extra_authorize_params=(("prompt", "select_account"),), tenants=tenants,
        )
    raise NotFound(f"No sign-in with {provider[:40]!r}: use google or microsoft.")


def configured(settings: Settings) -> tuple[str, ...]:
    """The providers this server offers sign-in with (their client id and secret are set)."""
    return tuple(p for p in PROVIDERS if client_for(p, settings).configured)


def _configured_client(provider: str, settings: Settings) -> oidc.OidcClient:
    client = client_for(provider, settings)
    if not client.configured:
        raise NotFound(f"Sign-in with {PROVIDER_NAMES[provider]} is not set up on this server.")
    return client


def authorize_origins(settings: Settings) -> tuple[str, ...]:
    """Where the configured providers' sign-in pages are (``scheme://host``): a page with
    a form that leads there must allow it in its Content-Security-Policy."""
    origins = []
    for provider in configured(settings):
        client = client_for(provider, settings)
        try:
            url = oidc.metadata(client).authorization_endpoint
        except oidc.OidcError:
            url = client.discovery_url  # the same host at Google and Microsoft
        parts = urlsplit(url)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(dict.fromkeys(origins))


class SignInFailed(Exception):
    """The flow did not end with a verified account. ``reason`` is the dashboard's word
    for it; ``status`` the page's HTTP status. Not a ``FrontdeskError``: the browser gets
    the sign-in page back, not a problem+json document."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


@dataclass(frozen=True, slots=True)
class Flow:
    """What ``begin`` sealed: the request the callback completes."""

    provider: str
    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    next_path: str
    link_user_id: uuid.UUID | None  # linking to this signed-in user, not signing in


def begin(provider: str, settings: Settings, *, redirect_uri: str, next_path: str,
          link_user_id: uuid.UUID | None = None) -> tuple[str, str]:
    """The provider's sign-in URL and the sealed flow to keep until the callback."""
    client = _configured_client(provider, settings)
    try:
        meta = oidc.metadata(client)
    except oidc.OidcError as exc:
        log.warning("sign-in with %s unavailable: %s", provider, exc.detail)
        raise SignInFailed("oauth_unavailable", 503) from exc
    flow = Flow(provider, secrets.token_urlsafe(24), secrets.token_urlsafe(24),
                oidc.new_code_verifier(), redirect_uri, next_path, link_user_id)
    url = oidc.authorization_url(client, meta, redirect_uri, state=flow.state,
                                 nonce=flow.nonce, code_verifier=flow.verifier)
    sealed = seal(json.dumps({
        "p": flow.provider, "s": flow.state, "n": flow.nonce, "v": flow.verifier,
        "r": flow.redirect_uri, "x": flow.next_path,
        "l": str(link_user_id) if link_user_id else "",
    }), settings)
    return url, sealed


def open_flow(sealed: str | None, provider: str, settings: Settings) -> Flow | None:
    """The flow ``sealed`` holds, if genuine, younger than ten minutes and for ``provider``."""
    if not sealed or len(sealed) > 4096:
        return None
    try:
        raw = json.loads(unseal(sealed, FLOW_MAX_AGE_S, settings))
        if raw["p"] != provider:
            return None
        return Flow(provider, str(raw["s"]), str(raw["n"]), str(raw["v"]), str(raw["r"]),
                    str(raw["x"]), uuid.UUID(raw["l"]) if raw["l"] else None)
    except (ValueError, KeyError, TypeError):
        return None


def _email(claims: dict[str, Any]) -> str | None:
    raw = claims.get("email")
    if not isinstance(raw, str):
        return None
    try:
        return normalize_email(raw)
    except InvalidInput:
        return None


def email_trusted(provider: str, claims: dict[str, Any]) -> bool:
    """Whether the provider vouches that the person owns the email it names.

    Google says so in ``email_verified``. Microsoft's ``email`` is a directory attribute any
    tenant's administrator can set to anything ("nOAuth"): it is believed only with
    ``xms_edov`` (the optional claim saying the tenant has verified the email's domain).
    """
    if provider == "google":
        return claims.get("email_verified") is True
    if provider == "microsoft":
        edov = claims.get("xms_edov")
        return edov is True or edov in ("true", "1")
    return False


def verified_account(flow: Flow, settings: Settings, *, state: str, code: str,
                     error: str = "") -> ProviderAccount:
    """Who the provider says signed in, once the callback and its ID token check out."""
    if not state or not hmac.compare_digest(state.encode(), flow.state.encode()):
        raise SignInFailed("oauth_expired")
    if error or not code:
        raise SignInFailed("oauth_cancelled")
    client = _configured_client(flow.provider, settings)
    try:
        meta = oidc.metadata(client)
        id_token = oidc.exchange_code(client, meta, flow.redirect_uri, code, flow.verifier)
        token = oidc.verify_id_token(client, meta, id_token, flow.nonce)
    except oidc.OidcError as exc:
        log.warning("sign-in with %s refused: %s", flow.provider, exc.detail)
        if exc.reason == "unavailable":
            raise SignInFailed("oauth_unavailable", 503) from exc
        if exc.reason == "tenant_not_allowed":
            raise SignInFailed("oauth_no_account", 403) from exc
        raise SignInFailed("oauth_failed") from exc
    claims = dict(token.claims)
    return ProviderAccount(provider=flow.provider, issuer=token.issuer, subject=token.subject,
                           email=_email(claims),
                           email_trusted=email_trusted(flow.provider, claims))
