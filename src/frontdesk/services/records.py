"""The stored records a door may hold, and the transaction a door's change runs in.

Doors and the brain never import the store (an import-linter contract in pyproject says
so). They name the records they render through here, and when a handler changes several
things at once it opens the write transaction here: where a transaction begins (and, on
SQLite, that it takes the write lock first) is the service layer's decision.
"""

from __future__ import annotations

from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    CalendarConnection,
    Campaign,
    Customer,
    MeetingParticipant,
    MeetingRequest,
    OutboxMessage,
    Resource,
    ResourceException,
    Service,
    Tenant,
    WebhookDelivery,
    WebhookEndpoint,
    WorkingHours,
)

__all__ = [
    "Appointment",
    "AppointmentStatus",
    "CalendarConnection",
    "Campaign",
    "Customer",
    "MeetingParticipant",
    "MeetingRequest",
    "OutboxMessage",
    "Resource",
    "ResourceException",
    "Service",
    "Tenant",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkingHours",
    "write_session",
]
