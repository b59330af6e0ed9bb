"""Webhook deliveries: what the sender needs to send one, the log of every attempt, the
auto-disable policy (ADR 0064), and sending an event again (replay, test ping).

Each attempt is recorded in its own short transaction, after the endpoint answered (or
did not), together with the endpoint's failure streak: a delivered event clears it; a
run of failures that has lasted long enough (days and count, from settings) disables the
endpoint, withdraws its waiting events and emails the business's owner.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.errors import Conflict, NotFound
from frontdesk.observability.metrics import WEBHOOK_ENDPOINTS_DISABLED
from frontdesk.services.notices import outbox, webhook_events
from frontdesk.services.webhook_endpoints import disable, get_endpoint, signing_secrets
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    OutboxMessage,
    Tenant,
    User,
    UserRole,
    WebhookDelivery,
    WebhookEndpoint,
)

EXCERPT_BYTES = 1024
DISABLED_PURPOSE = "webhook_disabled"


@dataclass(frozen=True, slots=True)
class Target:
    """Where one event goes, and the secret it is signed with (in clear, in memory only)."""

    endpoint_id: uuid.UUID
    tenant_id: uuid.UUID
    url: str
    secrets: tuple[str, ...]  # the current secret first; the previous one while it overlaps
    enabled: bool


@dataclass(frozen=True, slots=True)
class Attempt:
    """How one attempt went. ``status_code`` None: no answer (``error`` says why).
    ``attempt`` 0: numbered when logged (the row's earlier attempts, plus one)."""

    endpoint_id: uuid.UUID
    tenant_id: uuid.UUID
    outbox_id: uuid.UUID | None
    event_id: str
    event_type: str
    attempt: int
    duration_ms: int
    status_code: int | None = None
    error: str | None = None
    response_excerpt: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class DisablePolicy:
    after: timedelta
    failures: int

    @classmethod
    def from_settings(cls, settings: Settings) -> DisablePolicy:
        return cls(timedelta(days=settings.webhook_disable_after_days),
                   settings.webhook_disable_after_failures)


def excerpt(body: bytes) -> str:
    """The first KB of a response body, as text (for the log; never more)."""
    return body[:EXCERPT_BYTES].decode("utf-8", errors="replace")


def target_for(factory: sessionmaker[Session], endpoint_id: uuid.UUID,
               settings: Settings) -> Target | None:
    with factory() as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None:
            return None
        return Target(endpoint.id, endpoint.tenant_id, endpoint.url,
                      signing_secrets(endpoint, settings), endpoint.enabled)


def record_attempt(factory: sessionmaker[Session], attempt: Attempt, policy: DisablePolicy,
                   *, gone: bool = False, now: datetime | None = None) -> str | None:
    """Log ``attempt`` and update the endpoint's failure streak; returns why the endpoint
    was disabled by this attempt (410 Gone, or the policy), or None."""
    now = now or datetime.now(UTC)
    with write_session(factory) as session:
        # The endpoint's row first: the log row's foreign key share-locks it, and two
        # attempts each holding that and waiting for this lock would deadlock.
        endpoint = session.scalars(select(WebhookEndpoint).where(
            WebhookEndpoint.id == attempt.endpoint_id).with_for_update()).first()
        if endpoint is None:
            return None
        number = attempt.attempt or 1 + (session.scalar(
            select(func.count()).select_from(WebhookDelivery).where(
                WebhookDelivery.outbox_id == attempt.outbox_id)) or 0)
        session.add(WebhookDelivery(
            tenant_id=attempt.tenant_id, endpoint_id=attempt.endpoint_id,
            outbox_id=attempt.outbox_id, event_id=attempt.event_id[:64],
            event_type=attempt.event_type[:64], attempt=number,
            status_code=attempt.status_code, error=attempt.error,
            duration_ms=attempt.duration_ms, response_excerpt=attempt.response_excerpt, at=now))
        if attempt.delivered:
            endpoint.failure_streak, endpoint.first_failure_at = 0, None
            endpoint.last_success_at = now
            return None
        endpoint.failure_streak += 1
        endpoint.first_failure_at = endpoint.first_failure_at or now
        reason = None
        if gone:
            reason = "the endpoint answered 410 Gone"
        elif (endpoint.failure_streak >= policy.failures
              and now - endpoint.first_failure_at >= policy.after):
            reason = (f"every delivery failed since {endpoint.first_failure_at:%Y-%m-%d %H:%M} "
                      f"UTC ({endpoint.failure_streak} attempts in a row)")
        if reason is None or not endpoint.enabled:
            return None
        disable(session, endpoint, reason)
        _tell_owner(session, endpoint, reason)
    # Counted once committed: a disabling rolled back did not happen.
    WEBHOOK_ENDPOINTS_DISABLED.labels("gone" if gone else "failures").inc()
    return reason


def owner_email(session: Session, tenant: Tenant) -> str | None:
    """Where the business hears about its webhooks: its notification address, else its
    (first) owner's."""
    if tenant.notify_email:
        return tenant.notify_email
    return session.scalars(select(User.email).where(
        User.tenant_id == tenant.id, User.role == UserRole.OWNER.value,
        User.disabled_at.is_(None)).order_by(User.created_at)).first()


def _tell_owner(session: Session, endpoint: WebhookEndpoint, reason: str) -> None:
    tenant = session.get_one(Tenant, endpoint.tenant_id)
    to = owner_email(session, tenant)
    if to is None:
        return
    stamp = (endpoint.disabled_at or datetime.now(UTC)).isoformat()
    body = (f"frontdesk stopped sending events to your webhook endpoint\n\n  {endpoint.url}\n\n"
            f"because {reason}.\n\nEvents for it are no longer queued. When the endpoint "
            "works again, enable it (PATCH /api/v1/webhook-endpoints/"
            f"{endpoint.id} with {{\"enabled\": true}}); its delivery log shows every "
            "attempt (GET .../deliveries).\n")
    outbox.write(session, [outbox.Draft(
        tenant_id=tenant.id, channel="email", purpose=DISABLED_PURPOSE, recipient=to,
        payload={"subject": f"Webhook endpoint disabled: {endpoint.url}"[:200], "body": body,
                 "from_name": "frontdesk"},
        dedupe_key=f"webhook-disabled:{endpoint.id}:{stamp}")])


def list_deliveries(session: Session, tenant: Tenant, endpoint_id: uuid.UUID, *,
                    limit: int = 50, offset: int = 0) -> list[WebhookDelivery]:
    """The endpoint's delivery log, newest first."""
    get_endpoint(session, tenant, endpoint_id)
    return list(session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.tenant_id == tenant.id, WebhookDelivery.endpoint_id == endpoint_id,
    ).order_by(WebhookDelivery.at.desc(), WebhookDelivery.attempt.desc())
        .limit(limit).offset(offset)))


def _carrier(session: Session, tenant: Tenant, endpoint: WebhookEndpoint,
             ref: uuid.UUID) -> OutboxMessage:
    """The outbox row of a delivery (by the delivery's id) or the row itself (its id)."""
    delivery = session.get(WebhookDelivery, ref)
    row_id = ref
    if delivery is not None and delivery.tenant_id == tenant.id and (
            delivery.endpoint_id == endpoint.id) and delivery.outbox_id is not None:
        row_id = delivery.outbox_id
    row = session.get(OutboxMessage, row_id)
    if row is None or row.tenant_id != tenant.id or row.channel != webhook_events.CHANNEL or (
            row.recipient != str(endpoint.id)):
        raise NotFound(f"No delivery or message with id {ref} for this endpoint.",
                       delivery_id=str(ref))
    return row


def _require_enabled(endpoint: WebhookEndpoint) -> None:
    if not endpoint.enabled:
        raise Conflict(f"The endpoint is disabled ({endpoint.disabled_reason}); enable it "
                       "first.", endpoint_id=str(endpoint.id))


def replay(session: Session, tenant: Tenant, endpoint_id: uuid.UUID,
           ref: uuid.UUID) -> OutboxMessage:
    """Send an event again, now, as a new outbox row with the same event id (the receiver
    deduplicates on ``webhook-id``)."""
    endpoint = get_endpoint(session, tenant, endpoint_id)
    row = _carrier(session, tenant, endpoint, ref)
    _require_enabled(endpoint)
    payload = dict(row.payload)
    if "id" not in payload or "type" not in payload:  # erased or expired since
        raise Conflict("This event's content is no longer kept (retention or erasure).",
                       message_id=str(row.id))
    return _send(session, tenant, endpoint, payload, row.customer_id,
                 f":replay:{secrets.token_hex(8)}")


def send_test(session: Session, tenant: Tenant, endpoint_id: uuid.UUID) -> OutboxMessage:
    """Queue a ``webhook.test`` ping for the endpoint."""
    endpoint = get_endpoint(session, tenant, endpoint_id)
    _require_enabled(endpoint)
    event = webhook_events.event_id(tenant.id, "webhook.test", secrets.token_hex(16))
    payload = webhook_events.envelope(event, "webhook.test", {
        "endpoint_id": str(endpoint.id), "business": tenant.name,
        "message": "A test event from frontdesk."})
    return _send(session, tenant, endpoint, payload, None, "")


def _send(session: Session, tenant: Tenant, endpoint: WebhookEndpoint,
          payload: dict[str, object], customer_id: uuid.UUID | None,
          suffix: str) -> OutboxMessage:
    draft = webhook_events.draft(endpoint.id, tenant.id, dict(payload),
                                 customer_id=customer_id, dedupe_suffix=suffix)
    outbox.write(session, [draft])
    return session.get_one(OutboxMessage, draft.id)
