"""An OpenID Connect provider that plays Google or Microsoft sign-in, in their wire formats.

One OAuth client (``client_id``/``client_secret``) and one person at the keyboard
(``OidcState.person``: who signs in when the browser reaches the sign-in page). Served by
``oidc_app(state)``; tests run it on a real port with ``serving(app)`` and point the
dashboard's discovery URL setting at ``state.discovery_url(base)``::

    state = OidcState("google", person=Person("1071", "ana@salon.example"))
    with serving(oidc_app(state)) as base:
        settings = ... signin_google_discovery_url=state.discovery_url(base) ...

Flavours:

- ``google``: discovery at ``/.well-known/openid-configuration``, issuer the base URL,
  ID tokens with ``email_verified`` and ``azp``.
- ``microsoft``: the multi-tenant ("common") endpoint: discovery at
  ``/common/v2.0/.well-known/openid-configuration`` whose issuer is the template
  ``{base}/{tenantid}/v2.0``; a token's ``iss`` has the person's ``tid`` in it, and
  ``xms_edov`` is present when the person's tenant verified the email's domain.

Endpoints: ``GET`` authorize (a ``302`` back to ``redirect_uri`` with ``code`` and
``state``, or ``error=access_denied`` when ``deny`` is set; an unknown client or a
missing PKCE S256 challenge gets an error page, as the real ones do), ``POST`` token
(``authorization_code`` only: the client secret, the code — single use — its
``redirect_uri`` and the PKCE verifier are checked; the answer carries an RS256-signed
``id_token`` with the nonce from the authorize request), and ``GET`` JWKS (the public
signing key).

Scripted misbehaviour, for the tests of what the dashboard refuses: ``tamper`` (claims
to overwrite in the next ID tokens; ``None`` removes one), ``forge_with`` (sign with this
other key under the published key id), ``sign_hs256`` (sign with HMAC keyed by the
client secret, the classic algorithm confusion).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

MSA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"  # Microsoft's personal accounts


@dataclass
class Person:
    """Who signs in at the provider: their account's claims."""

    subject: str
    email: str | None
    email_verified: bool | None = True  # Google's claim (None: left out)
    tenant: str = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # Microsoft's tid
    domain_verified: bool | None = None  # Microsoft's xms_edov (None: left out)
    name: str = "Ana"


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    person: Person
    used: bool = False


_KEY: list[RSAKey] = []


def signing_key() -> RSAKey:
    """One signing key for every stand-in in this process: a stand-in started on a port
    an earlier one used serves the same key set the app may still hold in its cache (as a
    real provider keeps its keys from one sign-in to the next)."""
    if not _KEY:
        _KEY.append(RSAKey.generate_key(
            2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}))
    return _KEY[0]


@dataclass
class OidcState:
    flavour: str  # "google" or "microsoft"
    person: Person | None = None
    client_id: str = "frontdesk-signin.apps.example"
    client_secret: str = "signin-secret-0123456789"
    deny: bool = False
    tamper: dict[str, Any] = field(default_factory=dict)
    forge_with: RSAKey | None = None
    sign_hs256: bool = False
    key: RSAKey = field(default_factory=lambda: signing_key())
    codes: dict[str, Code] = field(default_factory=dict)
    token_requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def _root(self) -> str:
        return "/common" if self.flavour == "microsoft" else ""

    def discovery_url(self, base: str) -> str:
        suffix = "/v2.0" if self.flavour == "microsoft" else ""
        return f"{base}{self._root}{suffix}/.well-known/openid-configuration"

    def issuer(self, base: str, tenant: str | None = None) -> str:
        if self.flavour == "microsoft":
            return f"{base}/{tenant or '{tenantid}'}/v2.0"
        return base

    def claims(self, base: str, code: Code) -> dict[str, Any]:
        person, now = code.person, int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer(base, person.tenant), "aud": self.client_id, "sub": person.subject,
            "iat": now, "exp": now + 3600, "name": person.name,
        }
        if code.nonce is not None:
            claims["nonce"] = code.nonce
        if person.email is not None:
            claims["email"] = person.email
        if self.flavour == "google":
            claims["azp"] = self.client_id
            if person.email_verified is not None:
                claims["email_verified"] = person.email_verified
        else:
            claims.update(tid=person.tenant, oid=secrets.token_hex(8), nbf=now,
                          preferred_username=person.email or "", ver="2.0")
            if person.domain_verified is not None:
                claims["xms_edov"] = person.domain_verified
        for name, value in self.tamper.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def id_token(self, claims: dict[str, Any]) -> str:
        if self.sign_hs256:
            return jwt.encode({"alg": "HS256", "kid": self.key.kid}, claims,
                              OctKey.import_key(self.client_secret.encode()),
                              algorithms=["HS256"])
        return jwt.encode({"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}, claims,
                          self.forge_with or self.key)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.startswith("Basic "):
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return unquote_plus(user), unquote_plus(password)
    return form.get("client_id", ""), form.get("client_secret", "")


def oidc_app(state: OidcState) -> FastAPI:
    app = FastAPI()
    root = state._root
    authorize_path = f"{root}/oauth2/v2.0/authorize" if root else "/o/oauth2/v2/auth"
    token_path = f"{root}/oauth2/v2.0/token" if root else "/token"
    jwks_path = f"{root}/discovery/v2.0/keys" if root else "/oauth2/v3/certs"

    def base_of(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    @app.get(state.discovery_url(""))
    async def discovery(request: Request) -> JSONResponse:
        base = base_of(request)
        return JSONResponse({
            "issuer": state.issuer(base),
            "authorization_endpoint": base + authorize_path,
            "token_endpoint": base + token_path,
            "jwks_uri": base + jwks_path,
            "response_types_supported": ["code", "id_token", "code id_token"],
            "subject_types_supported": ["public" if not root else "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "code_challenge_methods_supported": ["plain", "S256"],
        })

    @app.get(authorize_path, response_model=None)
    async def authorize(request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != state.client_id:
            return HTMLResponse("<h1>invalid_client</h1>", status_code=401)
        redirect_uri = q.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")):
            return HTMLResponse("<h1>redirect_uri_mismatch</h1>", status_code=400)
        if "openid" not in (q.get("scope") or "").split():
            return HTMLResponse("<h1>invalid_scope: openid is required</h1>", status_code=400)
        if not q.get("code_challenge") or q.get("code_challenge_method") != "S256":
            return HTMLResponse("<h1>invalid_request: PKCE S256 required</h1>",
                                status_code=400)

        def back(**params: str) -> RedirectResponse:
            if q.get("state") is not None:
                params["state"] = q["state"]
            return RedirectResponse(redirect_uri + "?" + urlencode(params), 302)

        if q.get("response_type") != "code":
            return back(error="unsupported_response_type")
        if state.deny or state.person is None:
            return back(error="access_denied", error_description="The user said no.")
        code = _b64url(secrets.token_bytes(32))
        with state._lock:
            state.codes[code] = Code(state.client_id, redirect_uri, q["code_challenge"],
                                     q.get("nonce"), state.person)
        return back(code=code)

    @app.post(token_path)
    async def token(request: Request) -> JSONResponse:
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode(),
                                              keep_blank_values=True).items()}
        with state._lock:
            state.token_requests += 1
            client_id, client_secret = _client_credentials(request, form)
            if client_id != state.client_id or client_secret != state.client_secret:
                return _oauth_error(401, "invalid_client", "Client authentication failed.")
            if form.get("grant_type") != "authorization_code":
                return _oauth_error(400, "unsupported_grant_type", "Only authorization_code.")
            code = state.codes.get(form.get("code", ""))
            if code is None or code.used:
                return _oauth_error(400, "invalid_grant", "The code is unknown or used.")
            if form.get("redirect_uri") != code.redirect_uri:
                return _oauth_error(400, "invalid_grant", "redirect_uri does not match.")
            verifier = form.get("code_verifier") or ""
            if _b64url(hashlib.sha256(verifier.encode()).digest()) != code.challenge:
                return _oauth_error(400, "invalid_grant", "The code verifier does not match.")
            code.used = True
            id_token = state.id_token(state.claims(base_of(request), code))
        return JSONResponse({"access_token": _b64url(secrets.token_bytes(24)),
                             "token_type": "Bearer", "expires_in": 3599,
                             "scope": "openid email profile", "id_token": id_token})

    @app.get(jwks_path)
    async def jwks() -> JSONResponse:
        return JSONResponse({"keys": [state.key.as_dict(private=False)]})

    return app
