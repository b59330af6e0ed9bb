"""OAuth 2.0 for calendar providers (Google, Microsoft): connect, refresh, revoke.

The authorization-code flow with PKCE (RFC 7636) through Authlib's httpx client:
``authorization_url`` sends the owner to the provider's consent page, ``exchange_code``
turns the code from the callback into tokens, ``refresh`` renews an access token and
``revoke`` (RFC 7009) withdraws a refresh token on disconnect. Endpoints come from
``OAuthClientConfig`` so a deployment (or a test) can point them anywhere that speaks
the same wire format.

Token failures are typed as calendar errors: a refresh that the provider answers with
``invalid_grant`` (revoked, expired or password changed) is a ``CalendarAuthError`` (the
connection is broken until the owner connects again); a provider that cannot be reached
is ``CalendarUnavailable``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client

from frontdesk.calendars.base import CalendarAuthError, CalendarError, CalendarUnavailable

# Authlib's httpx integration uses the ``httpx2`` package when it is installed (the OpenAI
# SDK brings it) and ``httpx`` otherwise; its transport errors come from whichever it
# uses, so both families are caught.
try:
    import httpx2
except ImportError:  # pragma: no cover - Authlib then runs on httpx
    _HTTP_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError,)
    _STATUS_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPStatusError,)
else:
    _HTTP_ERRORS = (httpx.HTTPError, httpx2.HTTPError)
    _STATUS_ERRORS = (httpx.HTTPStatusError, httpx2.HTTPStatusError)
# RFC 6749 §5.2 and §4.1.2.1 errors that say "try again later", not "this grant is bad".
_TRANSIENT_OAUTH_ERRORS = frozenset({"server_error", "temporarily_unavailable",
                                     "internal_failure"})

# Refresh this long before the provider's stated expiry, so a token never dies mid-request.
EXPIRY_MARGIN = timedelta(seconds=60)

GOOGLE_SCOPES = (
    "openid",
    "email",
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.readonly",
)
MICROSOFT_SCOPES = ("openid", "email", "offline_access", "Calendars.ReadWrite", "User.Read")


@dataclass(frozen=True, slots=True)
class OAuthClientConfig:
    """One provider's OAuth client (the app registered with Google or Microsoft)."""

    provider: str  # "google" or "microsoft"
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    revoke_url: str = ""
    scopes: tuple[str, ...] = ()
    # The provider's REST API root (Google Calendar v3 or Microsoft Graph v1.0).
    api_base: str = ""
    # Extra query parameters on the consent URL (Google needs access_type=offline and
    # prompt=consent to hand out a refresh token every time).
    extra_authorize_params: dict[str, str] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)


def google_config(
    client_id: str,
    client_secret: str,
    *,
    auth_base: str = "https://accounts.google.com",
    token_url: str = "https://oauth2.googleapis.com/token",
    revoke_url: str = "https://oauth2.googleapis.com/revoke",
    api_base: str = "https://www.googleapis.com/",
) -> OAuthClientConfig:
    return OAuthClientConfig(
        provider="google",
        client_id=client_id,
        client_secret=client_secret,
        authorize_url=f"{auth_base.rstrip('/')}/o/oauth2/v2/auth",
        token_url=token_url,
        revoke_url=revoke_url,
        scopes=GOOGLE_SCOPES,
        api_base=api_base,
        extra_authorize_params={"access_type": "offline", "prompt": "consent"},
    )


def microsoft_config(
    client_id: str,
    client_secret: str,
    *,
    authority: str = "https://login.microsoftonline.com/common",
    api_base: str = "https://graph.microsoft.com/v1.0",
) -> OAuthClientConfig:
    # Microsoft identity platform v2.0 has no revocation endpoint for a single refresh
    # token; disconnecting forgets the tokens (the owner can revoke the app's consent).
    root = authority.rstrip("/")
    return OAuthClientConfig(
        provider="microsoft",
        client_id=client_id,
        client_secret=client_secret,
        authorize_url=f"{root}/oauth2/v2.0/authorize",
        token_url=f"{root}/oauth2/v2.0/token",
        revoke_url="",
        scopes=MICROSOFT_SCOPES,
        api_base=api_base,
        extra_authorize_params={"prompt": "select_account"},
    )


@dataclass(frozen=True, slots=True)
class OAuthTokens:
    """What the token endpoint gave us. ``expires_at`` is UTC-aware (None: unknown)."""

    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    scope: str = ""
    # From the id_token, when one came back: who connected (shown to the owner).
    account: str = ""

    def expired(self, now: datetime | None = None) -> bool:
        if self.expires_at is None:
            return False
        return (now or datetime.now(UTC)) >= self.expires_at - EXPIRY_MARGIN

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
                "scope": self.scope,
                "account": self.account,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> OAuthTokens:
        data = json.loads(text)
        expires = data.get("expires_at")
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=datetime.fromisoformat(expires) if expires else None,
            scope=data.get("scope") or "",
            account=data.get("account") or "",
        )


# Called with new tokens whenever a provider refreshes them, so they are stored (Microsoft
# rotates refresh tokens: an unsaved one is lost for good).
TokenSaver = Callable[[OAuthTokens], None]


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """Where to send the owner, and what to keep until the callback."""

    url: str
    state: str
    code_verifier: str


def _client(
    config: OAuthClientConfig, redirect_uri: str = "", timeout_s: float = 10.0
) -> OAuth2Client:
    return OAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=" ".join(config.scopes),
        redirect_uri=redirect_uri or None,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
        timeout=timeout_s,
    )


def new_code_verifier() -> str:
    """A PKCE code verifier (RFC 7636 §4.1: 43–128 unreserved characters)."""
    return str(generate_token(64))


def authorization_url(
    config: OAuthClientConfig,
    redirect_uri: str,
    *,
    state: str | None = None,
    code_verifier: str | None = None,
) -> AuthorizationRequest:
    """The consent URL for this client; ``state`` and the PKCE verifier are made when not given."""
    verifier = code_verifier or new_code_verifier()
    with _client(config, redirect_uri) as client:
        url, made_state = client.create_authorization_url(
            config.authorize_url,
            state=state,
            code_verifier=verifier,
            **config.extra_authorize_params,
        )
    return AuthorizationRequest(url=str(url), state=str(made_state), code_verifier=verifier)


def _account(token: dict[str, Any]) -> str:
    """The signed-in account's email or name, read from the id_token's claims.

    The id_token came straight from the token endpoint over TLS in exchange for our
    client secret (OpenID Connect Core §3.1.3.7), so its claims are read without
    verifying the signature; it is used only as a label for the owner.
    """
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return ""
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, json.JSONDecodeError):
        return ""
    for key in ("email", "preferred_username", "upn", "name"):
        value = claims.get(key)
        if isinstance(value, str) and value:
            return value[:320]
    return ""


def _tokens(
    token: dict[str, Any], previous_refresh: str | None = None, previous_account: str = ""
) -> OAuthTokens:
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise CalendarError("the token endpoint answered without an access_token")
    expires_at: datetime | None = None
    if token.get("expires_at") is not None:
        expires_at = datetime.fromtimestamp(float(token["expires_at"]), UTC)
    elif token.get("expires_in") is not None:
        expires_at = datetime.now(UTC) + timedelta(seconds=float(token["expires_in"]))
    refresh = token.get("refresh_token") or previous_refresh
    return OAuthTokens(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) else None,
        expires_at=expires_at,
        scope=str(token.get("scope") or ""),
        account=_account(token) or previous_account,
    )


def _mapped(exc: Exception, action: str, provider: str) -> CalendarError:
    if isinstance(exc, OAuthError):
        # The grant is gone, or the owner must sign in again (Microsoft asks for that
        # after a password change, MFA or a conditional-access policy): reconnect.
        if exc.error in {
            "invalid_grant", "invalid_client", "unauthorized_client",
            "interaction_required", "consent_required", "login_required",
        }:
            return CalendarAuthError(
                f"{provider} refused to {action}: {exc.error} {exc.description or ''}".strip(),
                provider=provider,
            )
        if exc.error in _TRANSIENT_OAUTH_ERRORS:
            return CalendarUnavailable(
                f"{provider}'s token endpoint failed to {action}: {exc.error}", provider=provider
            )
        return CalendarError(f"{provider} refused to {action}: {exc.error}", provider=provider)
    if isinstance(exc, _STATUS_ERRORS):
        status = int(exc.response.status_code)  # type: ignore[attr-defined]
        if status >= 500 or status == 429:
            return CalendarUnavailable(
                f"{provider}'s token endpoint failed to {action} (HTTP {status})",
                provider=provider, http_status=status,
            )
        return CalendarAuthError(
            f"{provider} refused to {action} (HTTP {status})", provider=provider, http_status=status
        )
    return CalendarUnavailable(
        f"could not reach {provider}'s token endpoint to {action}: {exc}", provider=provider
    )


def exchange_code(
    config: OAuthClientConfig, redirect_uri: str, code: str, code_verifier: str
) -> OAuthTokens:
    """Trade the callback's ``code`` for tokens (the verifier proves it is our request)."""
    try:
        with _client(config, redirect_uri) as client:
            token = client.fetch_token(
                config.token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
    except (OAuthError, *_HTTP_ERRORS) as exc:
        raise _mapped(exc, "exchange the authorization code", config.provider) from exc
    return _tokens(dict(token))


def refresh(config: OAuthClientConfig, refresh_token: str, account: str = "") -> OAuthTokens:
    """New tokens for a refresh token (keeping it when the provider does not rotate it)."""
    try:
        with _client(config) as client:
            token = client.refresh_token(config.token_url, refresh_token=refresh_token)
    except (OAuthError, *_HTTP_ERRORS) as exc:
        raise _mapped(exc, "refresh the access token", config.provider) from exc
    # A refresh answer may carry no id_token: the account stays what it was.
    return _tokens(dict(token), previous_refresh=refresh_token, previous_account=account)


def revoke(config: OAuthClientConfig, token: str) -> bool:
    """Withdraw a token at the provider (RFC 7009); False when the provider has no endpoint.

    A token the provider already forgot is not an error; an unreachable provider is."""
    if not config.revoke_url:
        return False
    try:
        with _client(config) as client:
            response = client.revoke_token(config.revoke_url, token=token)
    except (OAuthError, *_HTTP_ERRORS) as exc:
        raise _mapped(exc, "revoke the token", config.provider) from exc
    if response.status_code >= 500:
        raise CalendarUnavailable(
            f"{config.provider} failed to revoke the token (HTTP {response.status_code})",
            provider=config.provider, http_status=response.status_code,
        )
    return True
