"""A business's webhook endpoints: register, change, rotate the secret, remove.

The URL is any API key's choice, and frontdesk then sends requests to it from inside the
operator's network, so it is held to the rules calendar URLs are (ADR 0012, ADR 0064):
public hosts only, every address a name resolves to checked, unless the operator sets
FRONTDESK_WEBHOOK_ALLOW_PRIVATE_HOSTS. Checked here when the URL is given, and again at
every delivery, on the connection itself (``frontdesk.delivery.webhook_sender``).

The signing secret is a Standard Webhooks secret (``whsec_`` + base64 of 32 random
bytes), stored encrypted with the deployment's key and shown once: in the answer that
created it (registration, rotation).
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from frontdesk.calendars.address_guard import AddressNotAllowed, AddressPolicy
from frontdesk.config import Settings
from frontdesk.errors import InvalidInput
from frontdesk.security import decrypt, encrypt
from frontdesk.services.lookup import get_scoped
from frontdesk.services.notices.webhook_events import ALL, CHANNEL, EVENT_TYPES, unknown_types
from frontdesk.store.models import (
    OutboxMessage,
    OutboxStatus,
    Tenant,
    WebhookEndpoint,
)

SECRET_PREFIX = "whsec_"
# How long the old secret still signs after a rotation (Svix keeps it 24 hours too).
PREVIOUS_SECRET_KEPT = timedelta(hours=24)
ALLOW_SETTING = "FRONTDESK_WEBHOOK_ALLOW_PRIVATE_HOSTS=1"
MAX_ENDPOINTS = 20  # per business: each event is one outbox row per endpoint


@dataclass(frozen=True, slots=True)
class EndpointFields:
    url: str
    description: str | None = None
    event_types: tuple[str, ...] = ()  # empty: every type


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def address_policy(settings: Settings) -> AddressPolicy:
    """Where webhook deliveries may connect under ``settings``."""
    return AddressPolicy(allow_private=settings.webhook_allow_private_hosts)


def check_url(url: str, policy: AddressPolicy) -> str:
    """``url`` stripped, if frontdesk may deliver to it; else a 422 naming why."""
    url = url.strip()
    try:
        policy.check_url(url)
    except AddressNotAllowed as exc:
        where = f"{exc.host} is" if str(exc.address) == exc.host.strip("[]") else (
            f"{exc.host} resolves to {exc.address}, which is")
        raise InvalidInput(
            f"The webhook URL's host {where} {exc.kind}: frontdesk delivers only to public "
            f"addresses (unless the operator sets {ALLOW_SETTING}).", field="url",
        ) from exc
    except ValueError as exc:
        raise InvalidInput(f"{url!r} is not an http:// or https:// URL with a host.",
                           field="url") from exc
    except OSError as exc:
        raise InvalidInput(f"The webhook URL's host does not resolve ({exc}).",
                           field="url") from exc
    return url


def check_event_types(types: tuple[str, ...] | list[str]) -> list[str]:
    """The types as stored (duplicates dropped); a 422 listing the known ones for others."""
    unknown = unknown_types(types)
    if unknown:
        known = sorted(EVENT_TYPES)
        raise InvalidInput(
            f"Unknown event type(s): {', '.join(unknown)}. Known: {', '.join(known)} "
            f"(or {ALL!r} for all).", field="events", known=known)
    return list(dict.fromkeys(types))


def create_endpoint(session: Session, tenant: Tenant, fields: EndpointFields,
                    settings: Settings) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (shown this once)."""
    url = check_url(fields.url, address_policy(settings))
    types = check_event_types(fields.event_types)
    if len(list_endpoints(session, tenant)) >= MAX_ENDPOINTS:
        raise InvalidInput(f"A business may have at most {MAX_ENDPOINTS} webhook endpoints.",
                           field="url")
    secret = new_secret()
    endpoint = WebhookEndpoint(tenant_id=tenant.id, url=url, description=fields.description,
                               event_types=types, secret=encrypt(secret, settings),
                               enabled=True, failure_streak=0)
    session.add(endpoint)
    session.flush()
    return endpoint, secret


def list_endpoints(session: Session, tenant: Tenant) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.tenant_id == tenant.id).order_by(WebhookEndpoint.created_at)))


def get_endpoint(session: Session, tenant: Tenant, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    return get_scoped(session, WebhookEndpoint, tenant.id, endpoint_id)


def update_endpoint(
    session: Session, tenant: Tenant, endpoint_id: uuid.UUID, settings: Settings, *,
    url: str | None = None, description: str | None = None,
    event_types: list[str] | None = None, enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given (None: unchanged). Enabling starts a clean failure record;
    disabling withdraws the events waiting for it."""
    endpoint = get_endpoint(session, tenant, endpoint_id)
    if url is not None:
        endpoint.url = check_url(url, address_policy(settings))
    if description is not None:
        endpoint.description = description
    if event_types is not None:
        endpoint.event_types = check_event_types(event_types)
    if enabled is True and not endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = True, None, None
        endpoint.failure_streak, endpoint.first_failure_at = 0, None
    elif enabled is False and endpoint.enabled:
        disable(session, endpoint, "disabled by the business")
    session.flush()
    return endpoint


def delete_endpoint(session: Session, tenant: Tenant, endpoint_id: uuid.UUID) -> None:
    endpoint = get_endpoint(session, tenant, endpoint_id)
    cancel_pending(session, endpoint, "endpoint deleted")
    session.delete(endpoint)
    session.flush()


def rotate_secret(session: Session, tenant: Tenant, endpoint_id: uuid.UUID,
                  settings: Settings, *, keep_previous: timedelta = PREVIOUS_SECRET_KEPT,
                  now: datetime | None = None) -> tuple[WebhookEndpoint, str]:
    """A new signing secret, used from the next attempt on (shown this once). For
    ``keep_previous`` every delivery is signed with both, as Standard Webhooks allows
    (space-separated signatures): a receiver still on the old secret accepts them while
    its configuration changes. ``timedelta(0)``: the old one stops at once (a leak)."""
    endpoint = get_endpoint(session, tenant, endpoint_id)
    now = now or datetime.now(UTC)
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret if keep_previous > timedelta(0) else None
    endpoint.previous_secret_until = now + keep_previous if keep_previous > timedelta(0) else None
    endpoint.secret = encrypt(secret, settings)
    endpoint.updated_at = now
    session.flush()
    return endpoint, secret


def signing_secret(endpoint: WebhookEndpoint, settings: Settings) -> str:
    """The endpoint's ``whsec_`` secret in clear (ValueError: the key does not match)."""
    return decrypt(endpoint.secret, settings)


def signing_secrets(endpoint: WebhookEndpoint, settings: Settings,
                    now: datetime | None = None) -> tuple[str, ...]:
    """Every secret a delivery is signed with now: the current one, and the previous
    one while its overlap after a rotation lasts."""
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and (now or datetime.now(UTC)) < until:
        return (signing_secret(endpoint, settings), decrypt(endpoint.previous_secret, settings))
    return (signing_secret(endpoint, settings),)


def disable(session: Session, endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop delivering to ``endpoint``; its waiting events are withdrawn with ``reason``."""
    endpoint.enabled, endpoint.disabled_reason = False, reason
    endpoint.disabled_at = datetime.now(UTC)
    cancel_pending(session, endpoint, f"endpoint disabled: {reason}")


def cancel_pending(session: Session, endpoint: WebhookEndpoint, reason: str) -> int:
    result = session.execute(
        update(OutboxMessage).where(
            OutboxMessage.tenant_id == endpoint.tenant_id, OutboxMessage.channel == CHANNEL,
            OutboxMessage.recipient == str(endpoint.id),
            OutboxMessage.status == OutboxStatus.PENDING.value,
        ).values(status=OutboxStatus.CANCELLED.value, last_error=reason)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
