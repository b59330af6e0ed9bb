"""Webhook events: ``emit`` one from anywhere a service changes something the business's
own systems care about (ADR 0063). The catalogue is ``EVENT_TYPES``.

``emit(session, tenant_id, "appointment.booked", data, key=str(appointment.id))`` writes
one outbox row per enabled endpoint subscribed to the type, in the caller's transaction;
the outbox worker signs and delivers them (``frontdesk.delivery.webhook_sender``).
Payload builders for the common subjects are in ``frontdesk.services.event_data``.
"""

from __future__ import annotations

from frontdesk.services.notices.webhook_events import (
    ALL,
    CHANNEL,
    EVENT_TYPES,
    Data,
    drafts_for,
    emit,
    event_id,
    subscribers,
    unknown_types,
    wants,
)

__all__ = ["ALL", "CHANNEL", "EVENT_TYPES", "Data", "drafts_for", "emit", "event_id",
           "subscribers", "unknown_types", "wants"]
