"""API keys and what each may do: its scope, and for a widget key the sites it serves.

A key is shown once, when created; only its SHA-256 is stored. Three scopes (ADR 0038):

- ``admin``: everything of its business (every key made before scopes existed).
- ``read``: reads only (``GET`` under ``/api/v1/``).
- ``widget``: publishable, written into a website's HTML: it may only talk to the agent
  through the chat door, from one of its ``allowed_origins``, and a phone number it
  passes on is always a claim.

Which routes a scope reaches is decided in one place, ``frontdesk.web.scopes``.

A widget key made with the server's settings is *derived* (ADR 0040): its listed prefix
is random, the rest an HMAC of the prefix with a key derived from the server's secret,
so the dashboard can show the whole key again (it is public by design) while the
database still holds only its hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from frontdesk.config import Settings
from frontdesk.errors import InvalidInput, Unauthorized
from frontdesk.security import subkey
from frontdesk.services.lookup import get_scoped
from frontdesk.store.models import ApiKey as ApiKey  # the type the doors name
from frontdesk.store.models import Tenant

ADMIN, READ, WIDGET = "admin", "read", "widget"
SCOPES = (ADMIN, READ, WIDGET)
KEY_PREFIX = "fd_"
WIDGET_KEY_PREFIX = "fd_pub_"  # says "publishable" to whoever finds it in a page's HTML
PREFIX_CHARS = 7  # random characters after ``fd_``/``fd_pub_`` kept as the listed prefix
MAX_ORIGINS = 20
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
_LOOPBACK = ("localhost", "127.0.0.1")
_DEFAULT_PORTS = {"https": 443, "http": 80}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who an API request comes from: the key's business and what the key may do."""

    tenant: Tenant
    key_id: uuid.UUID
    scope: str
    allowed_origins: tuple[str, ...]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def check_origin(value: str) -> str:
    """``value`` as a browser sends it in ``Origin`` (lowercase, no default port), or
    InvalidInput: ``https://host[:port]``, or ``http://`` on localhost only."""
    problem = f"{value!r} is not an origin: give https://host[:port] (http:// only for localhost)."
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise InvalidInput(problem, field="allowed_origins") from None
    host = (parts.hostname or "").lower()
    scheme = parts.scheme.lower()
    clean = (parts.path in ("", "/") and not parts.query and not parts.fragment
             and parts.username is None and parts.password is None and "@" not in parts.netloc)
    secure = scheme == "https" or (scheme == "http" and host in _LOOPBACK)
    if not clean or not _HOST.match(host) or not secure:
        raise InvalidInput(problem, field="allowed_origins")
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def check_scope(scope: str, allowed_origins: list[str] | None) -> tuple[str, list[str] | None]:
    """A scope and its origins as stored: a widget key needs origins, others take none."""
    if scope not in SCOPES:
        raise InvalidInput(f"scope must be one of {list(SCOPES)}; got {scope!r}.", field="scope")
    if scope != WIDGET:
        if allowed_origins:
            raise InvalidInput("Only a widget key has allowed origins.", field="allowed_origins")
        return scope, None
    if not allowed_origins or len(allowed_origins) > MAX_ORIGINS:
        raise InvalidInput(
            f"A widget key needs 1 to {MAX_ORIGINS} allowed origins: the sites it is put on "
            "(e.g. https://www.example.com).", field="allowed_origins",
        )
    return scope, list(dict.fromkeys(check_origin(o) for o in allowed_origins))


def _widget_mac_key(settings: Settings) -> bytes:
    return subkey(settings, "publishable widget keys")


def _derived_widget_key(settings: Settings, tenant_id: uuid.UUID, prefix: str) -> str:
    mac = hmac.new(_widget_mac_key(settings), f"{tenant_id}:{prefix}".encode(),
                   hashlib.sha256).digest()
    return prefix + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def widget_key_text(settings: Settings, record: ApiKey) -> str | None:
    """A widget key's whole text again, if it was derived with this server's secret key;
    None for a key made otherwise (at random, or before the secret key changed)."""
    if record.scope != WIDGET:
        return None
    text = _derived_widget_key(settings, record.tenant_id, record.prefix)
    return text if hmac.compare_digest(hash_key(text), record.key_hash) else None


def create_api_key(
    session: Session, tenant: Tenant, name: str = "default", *, scope: str = ADMIN,
    allowed_origins: list[str] | None = None, key: str | None = None,
    settings: Settings | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; the plaintext is returned once and only its hash is stored. With
    ``settings``, a widget key is derived from the server's secret key, so that
    ``widget_key_text`` can give it again; any other key is random."""
    scope, origins = check_scope(scope, allowed_origins)
    start = WIDGET_KEY_PREFIX if scope == WIDGET else KEY_PREFIX
    if key is None and scope == WIDGET and settings is not None:
        nonce = secrets.token_urlsafe(PREFIX_CHARS)[:PREFIX_CHARS]
        key = _derived_widget_key(settings, tenant.id, start + nonce)
    plaintext = key or start + secrets.token_urlsafe(32)
    record = ApiKey(
        tenant_id=tenant.id, name=name, prefix=plaintext[: len(start) + PREFIX_CHARS],
        key_hash=hash_key(plaintext), scope=scope, allowed_origins=origins,
    )
    session.add(record)
    session.flush()
    return record, plaintext


def authenticate_key(session: Session, key: str) -> Caller:
    """The caller an API key stands for. Lookup by hash: constant work, no key comparison.

    One query, run on every API request: the key, its tenant and the tenant's numbers
    (which the tenant always carries, see ``Tenant.phone_numbers``) in one join."""
    row = session.execute(
        select(ApiKey, Tenant)
        .join(Tenant, ApiKey.tenant_id == Tenant.id)
        .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
        .options(joinedload(Tenant.phone_numbers))
    ).unique().first()
    if row is None:
        raise Unauthorized(
            "The API key is unknown or revoked. Create one with `frontdesk api-key create`."
        )
    record, tenant = row
    return Caller(tenant, record.id, record.scope or ADMIN, tuple(record.allowed_origins or ()))


def revoke_api_key(session: Session, tenant: Tenant, key_id: uuid.UUID) -> ApiKey:
    """Revoke one of the business's keys (again is no change): from now on it gets 401."""
    record = get_scoped(session, ApiKey, tenant.id, key_id)
    if record.revoked_at is None:
        record.revoked_at = datetime.now(UTC)
        session.flush()
    return record


def list_api_keys(session: Session, tenant: Tenant) -> list[ApiKey]:
    """The business's keys, oldest first, revoked ones included."""
    return list(session.scalars(
        select(ApiKey).where(ApiKey.tenant_id == tenant.id)
        .order_by(ApiKey.created_at, ApiKey.name)
    ))
