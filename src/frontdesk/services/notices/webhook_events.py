"""Events for the business's webhook endpoints, written to the outbox in the caller's
transaction (ADR 0063). ``frontdesk.services.events`` is the public face of this module;
it lives beside the outbox so the outbox's own bookkeeping (``claims``: a text that
failed for good) can emit too without a cycle between the two packages.

One outbox row per subscribed endpoint (channel "webhook", recipient the endpoint's id);
the row's payload is the event exactly as the endpoint receives it. The event id is
derived from (business, type, key), and each row's dedupe key from (endpoint, event id),
so a caller that runs again (a retried request, a repeated provider callback) emits
nothing new.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.services.notices.outbox import Draft, write
from frontdesk.store.models import WebhookEndpoint

CHANNEL = "webhook"
PURPOSE = "webhook"
ALL = "*"
# Retries with the outbox's backoff (5 s doubling, capped at an hour): 40 attempts span
# about 30 hours, close to Svix's schedule (ADR 0064).
MAX_ATTEMPTS = 40

# The event catalogue: every type an endpoint can subscribe to, and what it means. The
# API's validation, docs/WEBHOOKS.md and the tests all read this one mapping.
EVENT_TYPES: dict[str, str] = {
    "appointment.booked": "An appointment was booked (any channel: phone, chat, SMS, API).",
    "appointment.rescheduled": "An appointment moved to another time or person.",
    "appointment.cancelled": "An appointment was cancelled.",
    "appointment.completed": "An appointment was marked completed (the customer came).",
    "appointment.no_show": "An appointment was marked no-show.",
    "message.failed": "A text or email to a customer failed for good (after its retries).",
    "call.ended": "A phone call ended (answered, busy, no answer, failed or hung up).",
    "conversation.ended": "A conversation ended, with its outcome and summary.",
    "campaign.progress": "A campaign call attempt ended; the lead's new state.",
    "campaign.finished": "A campaign has no lead left to call.",
    "customer.opted_out": "A customer asked never to be called or texted again.",
    "webhook.test": "A test ping (POST /api/v1/webhook-endpoints/{id}/test).",
}

Data = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def unknown_types(types: Iterable[str]) -> list[str]:
    """The names in ``types`` that are neither a catalogued event nor ``*``."""
    return [t for t in types if t != ALL and t not in EVENT_TYPES]


def wants(subscribed: list[str] | None, event_type: str) -> bool:
    """Whether an endpoint subscribed to ``subscribed`` receives ``event_type``."""
    return not subscribed or ALL in subscribed or event_type in subscribed


def event_id(tenant_id: uuid.UUID, event_type: str, key: str) -> str:
    """``msg_`` + 26 characters, the same for the same (business, type, key)."""
    digest = hashlib.sha256(f"{tenant_id}|{event_type}|{key}".encode()).digest()[:16]
    return "msg_" + base64.b32encode(digest).decode().rstrip("=").lower()


def envelope(event_id_: str, event_type: str, data: Mapping[str, Any],
             at: datetime | None = None) -> dict[str, Any]:
    """The event as an endpoint receives it (the Standard Webhooks payload shape)."""
    stamp = (at or datetime.now(UTC)).astimezone(UTC)
    return {"id": event_id_, "type": event_type,
            "timestamp": stamp.isoformat().replace("+00:00", "Z"), "data": dict(data)}


def draft(endpoint_id: uuid.UUID, tenant_id: uuid.UUID, payload: dict[str, Any], *,
          customer_id: uuid.UUID | None = None, dedupe_suffix: str = "") -> Draft:
    """The outbox row carrying ``payload`` to one endpoint. The customer's id on the row
    lets an erasure request withdraw and blank it like the customer's own messages."""
    return Draft(
        tenant_id=tenant_id, channel=CHANNEL, purpose=PURPOSE, recipient=str(endpoint_id),
        payload=payload, dedupe_key=f"webhook:{endpoint_id}:{payload['id']}{dedupe_suffix}",
        customer_id=customer_id, max_attempts=MAX_ATTEMPTS,
    )


def subscribers(session: Session, tenant_id: uuid.UUID, event_type: str) -> list[uuid.UUID]:
    """The business's enabled endpoints that want ``event_type`` (one indexed query)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not in the event catalogue")
    endpoints = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
            WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.enabled.is_(True))
    ).all()
    return [endpoint_id for endpoint_id, types in endpoints if wants(types, event_type)]


def drafts_for(targets: list[uuid.UUID], tenant_id: uuid.UUID, event_type: str, data: Data,
               *, key: str, customer_id: uuid.UUID | None = None) -> list[Draft]:
    """The outbox rows of one event for ``targets`` (from :func:`subscribers`), for a
    caller that writes them with its own rows in one statement (a booking)."""
    if not targets:
        return []
    body = envelope(event_id(tenant_id, event_type, key), event_type,
                    data() if callable(data) else data)
    return [draft(t, tenant_id, body, customer_id=customer_id) for t in targets]


def emit(session: Session, tenant_id: uuid.UUID, event_type: str, data: Data, *, key: str,
         customer_id: uuid.UUID | None = None) -> None:
    """Queue ``event_type`` for every enabled endpoint of the business that wants it, in
    ``session``'s transaction: it is sent if and only if the caller commits.

    One indexed query when the business has no endpoint; ``data`` may be a function,
    called only when some endpoint wants the event (its reads cost nothing otherwise).
    ``key`` names the occurrence (e.g. the appointment's id): the same key emits once."""
    targets = subscribers(session, tenant_id, event_type)
    write(session, drafts_for(targets, tenant_id, event_type, data, key=key,
                              customer_id=customer_id))
