"""The dashboard's session: a sealed cookie (Fernet: encrypted and authenticated with the
server's secret key), holding who signed in, when, and the session's CSRF token.

HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site posts), Secure when
the server is reached over https, Path=/ and at most ``LIFETIME`` old: Fernet's own
timestamp is checked on every request, so an old cookie is refused even if a browser
kept it. Signing out clears it; a disabled user's cookie stops working at once (every
request loads the user).
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import InvalidToken
from starlette.responses import Response

from frontdesk.config import Settings
from frontdesk.security import cipher_for

COOKIE = "fd_session"
LOGIN_COOKIE = "fd_login"  # the sign-in form's CSRF token, before there is a session
LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class SessionData:
    user_id: uuid.UUID
    csrf: str


def seal(settings: Settings, user_id: uuid.UUID) -> tuple[str, SessionData]:
    data = SessionData(user_id, secrets.token_urlsafe(32))
    body = json.dumps({"u": str(user_id), "c": data.csrf}).encode()
    return cipher_for(settings).encrypt(body).decode(), data


def unseal(settings: Settings, token: str | None) -> SessionData | None:
    if not token or len(token) > 4096:
        return None
    try:
        body = cipher_for(settings).decrypt(token.encode(),
                                            ttl=int(LIFETIME.total_seconds()))
        raw = json.loads(body)
        return SessionData(uuid.UUID(raw["u"]), str(raw["c"]))
    except (InvalidToken, ValueError, KeyError, TypeError):
        return None


def secure(settings: Settings) -> bool:
    return settings.public_base_url.startswith("https://")


def set_cookie(response: Response, settings: Settings, name: str, value: str,
               max_age: timedelta = LIFETIME) -> None:
    response.set_cookie(name, value, max_age=int(max_age.total_seconds()), path="/",
                        httponly=True, samesite="lax", secure=secure(settings))


def clear_cookie(response: Response, settings: Settings, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax",
                           secure=secure(settings))
