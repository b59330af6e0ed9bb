"""OpenID Connect sign-in (authorization code + PKCE) against Google, Microsoft or any
provider that speaks OpenID Connect Core and Discovery.

``metadata`` reads the provider's discovery document (kept an hour), ``authorization_url``
sends the browser to the provider's sign-in page, ``exchange_code`` trades the callback's
code for tokens with the client secret and the PKCE verifier (Authlib's httpx client, as
the calendar connect flows), and ``verify_id_token`` checks the ID token before a single
claim is believed: the signature against the provider's published keys (RS256 only: no
``none``, no HMAC keyed with something public), the issuer, the audience (and ``azp``),
expiry and issue time, and the nonce this browser's flow was started with.

Microsoft's multi-tenant endpoints ("common", "organizations") publish their issuer as
``https://login.microsoftonline.com/{tenantid}/v2.0``: a token's issuer must be exactly
that with the token's own ``tid`` in it, and a client limited to some tenants refuses
every other tenant's tokens.
"""

from __future__ import annotations

import hmac
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

# Authlib's httpx integration runs on ``httpx2`` when that is installed (the OpenAI SDK
# brings it), else on ``httpx``: its transport errors come from either family.
try:
    import httpx2
except ImportError:  # pragma: no cover - Authlib then runs on httpx
    _HTTP_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError,)
else:
    _HTTP_ERRORS = (httpx.HTTPError, httpx2.HTTPError)

ALGORITHMS = ["RS256"]  # what Google and Microsoft sign ID tokens with
LEEWAY_S = 60  # clock difference tolerated between us and the provider
CACHE_S = 3600.0  # discovery documents and keys are re-read at most this often...
REFETCH_KEYS_S = 60.0  # ...or sooner for a key id we do not know (keys rotate)
TENANT_PLACEHOLDER = "{tenantid}"
GOOGLE_ISSUER = "https://accounts.google.com"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class OidcClient:
    """One provider's OAuth client registered for signing in (not the calendar one)."""

    provider: str  # "google" or "microsoft"
    client_id: str
    client_secret: str
    discovery_url: str
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    extra_authorize_params: tuple[tuple[str, str], ...] = ()
    # Microsoft: the Entra tenant ids whose accounts may sign in (empty: any).
    tenants: frozenset[str] = frozenset()

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret and self.discovery_url)


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """The parts of a discovery document the flow uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """An ID token whose signature and claims checked out."""

    issuer: str  # as the discovery document names it (Google's short form made long)
    subject: str
    claims: Mapping[str, Any]


class OidcError(Exception):
    """The sign-in could not be completed. ``reason``: "unavailable" (the provider could
    not be reached or answered nonsense), "refused" (its token endpoint said no),
    "invalid_token" (the ID token failed a check) or "tenant_not_allowed"."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


_lock = threading.Lock()
_cache: dict[str, tuple[float, Any]] = {}


def _get_json(url: str, max_age_s: float, *, refresh: bool = False) -> Any:
    """The JSON at ``url``, from this process's cache when younger than ``max_age_s``."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(url)
    if cached is not None and (now - cached[0] < max_age_s) and not refresh:
        return cached[1]
    if cached is not None and refresh and now - cached[0] < REFETCH_KEYS_S:
        return cached[1]  # a forged key id must not make us hammer the provider
    try:
        response = httpx.get(url, timeout=_TIMEOUT_S, headers={"Accept": "application/json"})
        response.raise_for_status()
        body = response.json()
    except httpx.HTTPError as exc:
        raise OidcError("unavailable", f"could not read {url}: {exc}") from exc
    except ValueError as exc:
        raise OidcError("unavailable", f"{url} did not answer with JSON") from exc
    with _lock:
        _cache[url] = (now, body)
    return body


def _checked_url(url: object, what: str) -> str:
    """A provider endpoint: https, or http on this machine (a local stand-in)."""
    if not isinstance(url, str) or not url:
        raise OidcError("unavailable", f"the discovery document has no {what}")
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise OidcError("unavailable", f"the provider's {what} is not an https URL: {url}")
    return url


def metadata(client: OidcClient) -> ProviderMetadata:
    """The provider's endpoints and issuer, from its discovery document."""
    _checked_url(client.discovery_url, "discovery URL")
    doc = _get_json(client.discovery_url, CACHE_S)
    if not isinstance(doc, dict):
        raise OidcError("unavailable", "the discovery document is not a JSON object")
    issuer = _checked_url(doc.get("issuer"), "issuer")
    # OpenID Connect Discovery §4.3: the document is the issuer's own (Microsoft's
    # multi-tenant documents name a template instead, checked per token).
    own = issuer.rstrip("/") + "/.well-known/openid-configuration"
    if TENANT_PLACEHOLDER not in issuer and own != client.discovery_url:
        raise OidcError("unavailable", f"the discovery document's issuer {issuer} does not "
                        f"match where it was read from ({client.discovery_url})")
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=_checked_url(doc.get("authorization_endpoint"),
                                            "authorization_endpoint"),
        token_endpoint=_checked_url(doc.get("token_endpoint"), "token_endpoint"),
        jwks_uri=_checked_url(doc.get("jwks_uri"), "jwks_uri"),
    )


def _oauth_client(client: OidcClient, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(
        client_id=client.client_id,
        client_secret=client.client_secret,
        scope=" ".join(client.scopes),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
        timeout=_TIMEOUT_S,
    )


def new_code_verifier() -> str:
    """A PKCE code verifier (RFC 7636 §4.1: 43-128 unreserved characters)."""
    return str(generate_token(64))


def authorization_url(client: OidcClient, meta: ProviderMetadata, redirect_uri: str, *,
                      state: str, nonce: str, code_verifier: str) -> str:
    """Where the browser signs in at the provider (it comes back with a code)."""
    with _oauth_client(client, redirect_uri) as oauth:
        url, _ = oauth.create_authorization_url(
            meta.authorization_endpoint, state=state, code_verifier=code_verifier,
            nonce=nonce, **dict(client.extra_authorize_params),
        )
    return str(url)


def exchange_code(client: OidcClient, meta: ProviderMetadata, redirect_uri: str, code: str,
                  code_verifier: str) -> str:
    """The ID token the provider gives for the callback's ``code`` (not yet verified)."""
    try:
        with _oauth_client(client, redirect_uri) as oauth:
            token = oauth.fetch_token(meta.token_endpoint, grant_type="authorization_code",
                                      code=code, code_verifier=code_verifier)
    except OAuthError as exc:
        raise OidcError("refused", f"the token endpoint refused the code: {exc.error}") from exc
    except _HTTP_ERRORS as exc:
        raise OidcError("unavailable", f"could not reach the token endpoint: {exc}") from exc
    id_token = dict(token).get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise OidcError("invalid_token", "the token endpoint answered without an id_token")
    return id_token


def _key_set(jwks_uri: str, *, refresh: bool = False) -> KeySet:
    body = _get_json(jwks_uri, CACHE_S, refresh=refresh)
    keys = body.get("keys") if isinstance(body, dict) else None
    if not isinstance(keys, list):
        raise OidcError("unavailable", f"{jwks_uri} is not a JSON Web Key Set")
    # Only signing RSA keys: an encryption key or an unknown key type is not ours to use.
    usable = [k for k in keys if isinstance(k, dict) and k.get("kty") == "RSA"
              and k.get("use", "sig") == "sig"]
    try:
        return KeySet.import_key_set({"keys": usable})
    except (JoseError, ValueError, TypeError) as exc:
        raise OidcError("unavailable", f"{jwks_uri} has keys we cannot read: {exc}") from exc


def _decode(id_token: str, jwks_uri: str) -> jwt.Token:
    try:
        try:
            return jwt.decode(id_token, _key_set(jwks_uri), algorithms=ALGORITHMS)
        except InvalidKeyIdError:
            return jwt.decode(id_token, _key_set(jwks_uri, refresh=True), algorithms=ALGORITHMS)
    except (JoseError, ValueError, TypeError) as exc:
        raise OidcError("invalid_token", f"the ID token's signature does not verify: {exc}") \
            from exc


def _issuer(client: OidcClient, meta: ProviderMetadata, claims: Mapping[str, Any]) -> str:
    expected = meta.issuer
    tid = claims.get("tid")
    if TENANT_PLACEHOLDER in expected:
        if not isinstance(tid, str) or not _GUID.match(tid):
            raise OidcError("invalid_token", "the ID token names no tenant (tid)")
        expected = expected.replace(TENANT_PLACEHOLDER, tid)
    issued_by = claims.get("iss")
    # Google's documented short form of its own issuer.
    if expected == GOOGLE_ISSUER and issued_by == "accounts.google.com":
        issued_by = GOOGLE_ISSUER
    if issued_by != expected:
        raise OidcError("invalid_token", f"the ID token's issuer {issued_by!r} is not {expected}")
    if client.tenants and tid not in client.tenants:
        raise OidcError("tenant_not_allowed", f"tenant {tid!r} may not sign in here")
    return expected


def _check_audience(client: OidcClient, claims: Mapping[str, Any]) -> None:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client.client_id not in audiences:
        raise OidcError("invalid_token", "the ID token was issued to another client (aud)")
    azp = claims.get("azp")
    # OpenID Connect Core §3.1.3.7: with several audiences, we must be the authorized party.
    if (len(audiences) > 1 or azp is not None) and azp != client.client_id:
        raise OidcError("invalid_token", "the ID token's authorized party (azp) is not us")


def _check_times(claims: Mapping[str, Any], now: float) -> None:
    exp, iat = claims.get("exp"), claims.get("iat")
    if isinstance(exp, bool) or not isinstance(exp, int | float) or \
            isinstance(iat, bool) or not isinstance(iat, int | float):
        raise OidcError("invalid_token", "the ID token has no exp or iat")
    if now > exp + LEEWAY_S:
        raise OidcError("invalid_token", "the ID token has expired")
    if iat > now + LEEWAY_S:
        raise OidcError("invalid_token", "the ID token was issued in the future")


def verify_id_token(client: OidcClient, meta: ProviderMetadata, id_token: str, nonce: str,
                    *, now: float | None = None) -> VerifiedToken:
    """The ID token's issuer, subject and claims, once every check has passed."""
    claims = dict(_decode(id_token, meta.jwks_uri).claims)
    issuer = _issuer(client, meta, claims)
    _check_audience(client, claims)
    _check_times(claims, time.time() if now is None else now)
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
        raise OidcError("invalid_token", "the ID token's nonce is not this sign-in's")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= 255:
        raise OidcError("invalid_token", "the ID token has no usable subject (sub)")
    return VerifiedToken(issuer=issuer, subject=subject, claims=claims)
