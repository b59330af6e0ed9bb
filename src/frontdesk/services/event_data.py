"""The ``data`` of webhook events: plain JSON of the business's own records.

Times are given twice: in UTC (``...Z``) and in the business's zone (``..._local``, with
its offset), beside the zone's name. The customer's name and phone go out: it is the
business's own data going to its own systems (docs/SECURITY.md, "Webhooks").
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.store.models import Appointment, Conversation, Customer, Tenant


def utc(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z") if at else None


def local(at: datetime | None, tz: ZoneInfo) -> str | None:
    return at.astimezone(tz).isoformat() if at else None


def customer_data(customer: Customer | None) -> dict[str, Any] | None:
    if customer is None:
        return None
    return {"id": str(customer.id), "name": customer.name, "phone": customer.phone_e164,
            "email": customer.email}


def appointment_data(tenant: Tenant, appointment: Appointment) -> dict[str, Any]:
    """An appointment as the ``appointment.*`` events carry it."""
    tz = ZoneInfo(tenant.timezone)
    service, resource = appointment.service, appointment.resource
    return {
        "appointment": {
            "id": str(appointment.id),
            "status": appointment.status,
            "start": utc(appointment.start_at),
            "end": utc(appointment.end_at),
            "start_local": local(appointment.start_at, tz),
            "end_local": local(appointment.end_at, tz),
            "timezone": tenant.timezone,
            "source": appointment.source,
            "notes": appointment.notes,
            "service": {"id": str(service.id), "name": service.name},
            "resource": {"id": str(resource.id), "name": resource.name},
            "cancelled_at": utc(appointment.cancelled_at),
        },
        "customer": customer_data(appointment.customer),
    }


def call_data(tenant: Tenant, conversation: Conversation, status: str,
              detail: dict[str, Any] | None) -> dict[str, Any]:
    """A phone call that ended, as ``call.ended`` carries it."""
    tz = ZoneInfo(tenant.timezone)
    detail = detail or {}
    return {
        "call": {
            "id": conversation.external_id,
            "conversation_id": str(conversation.id),
            "status": status,
            "duration_s": detail.get("duration"),
            "caller_phone": conversation.caller_phone,
            "started_at": utc(conversation.started_at),
            "started_at_local": local(conversation.started_at, tz),
            "ended_at": utc(conversation.ended_at or datetime.now(UTC)),
            "timezone": tenant.timezone,
            "outcome": conversation.outcome,
            "customer_id": str(conversation.customer_id) if conversation.customer_id else None,
        },
    }


def conversation_data(tenant: Tenant, conversation: Conversation) -> dict[str, Any]:
    """A finished conversation with its final analysis, as ``conversation.ended`` carries
    it: the summary, the structured data and the success flag (ADR 0065)."""
    tz = ZoneInfo(tenant.timezone)
    return {
        "conversation": {
            "id": str(conversation.id),
            "channel": conversation.channel,
            "external_id": conversation.external_id,
            "language": conversation.language,
            "outcome": conversation.outcome,
            "caller_phone": conversation.caller_phone,
            "customer_id": str(conversation.customer_id) if conversation.customer_id else None,
            "appointment_id": (str(conversation.appointment_id)
                               if conversation.appointment_id else None),
            "turns": conversation.turn_count,
            "started_at": utc(conversation.started_at),
            "ended_at": utc(conversation.ended_at),
            "started_at_local": local(conversation.started_at, tz),
            "timezone": tenant.timezone,
        },
        "analysis": conversation.analysis,
    }
