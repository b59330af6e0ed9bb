"""ORM rows -> response models. Times are shown in the tenant's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from frontdesk.api import schemas
from frontdesk.services.records import (
    Appointment,
    Customer,
    Resource,
    ResourceException,
    Service,
    Tenant,
)


def tenant_out(t: Tenant) -> schemas.TenantOut:
    return schemas.TenantOut(
        id=t.id,
        slug=t.slug,
        name=t.name,
        timezone=t.timezone,
        country=t.country,
        languages=list(t.languages),
        phone_numbers=[p.number_e164 for p in t.phone_numbers],
        persona=t.persona,
        fallback_phone=t.fallback_phone,
        notify_email=t.notify_email,
        reminder_minutes=list(t.reminder_minutes or []),
        booking_policy=schemas.BookingPolicyModel(
            min_notice_minutes=t.min_notice_minutes,
            max_days_ahead=t.max_days_ahead,
            slot_interval_minutes=t.slot_interval_minutes,
            max_per_day=t.max_per_day,
        ),
        greeting=dict(t.greeting or {}),
        instructions=t.instructions,
        message_templates={k: dict(v) for k, v in (t.message_templates or {}).items()},
        info={k: dict(v) for k, v in (t.info or {}).items()},
        faq=[schemas.FaqEntryModel(question=e["question"], answer=e["answer"])
             for e in (t.faq or [])],
        required_fields=list(t.required_fields or []),
        voice_mode=t.voice_mode or "turns",
        retention_days=t.retention_days,
    )


def service_out(s: Service) -> schemas.ServiceOut:
    return schemas.ServiceOut(
        id=s.id,
        name=s.name,
        duration_minutes=s.duration_minutes,
        buffer_before_minutes=s.buffer_before_minutes,
        buffer_after_minutes=s.buffer_after_minutes,
        spoken_names=dict(s.spoken_names),
        price_cents=s.price_cents,
        active=s.active,
        resource_ids=[r.id for r in s.resources],
    )


def exception_out(e: ResourceException) -> schemas.ExceptionOut:
    return schemas.ExceptionOut(
        id=e.id,
        kind=e.kind,
        start_date=e.start_date,
        end_date=e.end_date,
        start=e.start_time,
        end=e.end_time,
        reason=e.reason,
    )


def resource_out(r: Resource) -> schemas.ResourceOut:
    return schemas.ResourceOut(
        id=r.id,
        name=r.name,
        kind=r.kind,
        email=r.email,
        active=r.active,
        service_ids=[s.id for s in r.services],
        hours=[
            schemas.HoursModel(weekday=h.weekday, start=h.start_time, end=h.end_time)
            for h in r.hours
        ],
        exceptions=[exception_out(e) for e in r.exceptions],
        calendar=_calendar_summary(r),
    )


def _calendar_summary(r: Resource) -> schemas.CalendarSummary | None:
    connection = r.calendar_connection if r.has_calendar else None
    if connection is None:
        return None
    return schemas.CalendarSummary(
        provider=connection.provider, status=connection.status, last_error=connection.last_error
    )


def customer_out(c: Customer) -> schemas.CustomerOut:
    return schemas.CustomerOut(
        id=c.id,
        phone=c.phone_e164,
        name=c.name,
        email=c.email,
        language=c.language,
        timezone=c.timezone,
        sms_consent=c.sms_consent,
        call_consent=c.call_consent,
        do_not_call=c.do_not_call,
        notes=c.notes,
        erased_at=c.erased_at,
        created_at=c.created_at,
    )


def local(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz)


def appointment_out(a: Appointment, tenant: Tenant) -> schemas.AppointmentOut:
    tz = ZoneInfo(tenant.timezone)
    return schemas.AppointmentOut(
        id=a.id,
        service_id=a.service_id,
        service_name=a.service.name,
        resource_id=a.resource_id,
        resource_name=a.resource.name,
        customer_id=a.customer_id,
        customer_name=a.customer.name if a.customer else None,
        start=local(a.start_at, tz),
        end=local(a.end_at, tz),
        status=a.status,
        source=a.source,
        notes=a.notes,
        intake=dict(a.intake or {}),
        idempotency_key=a.idempotency_key,
        created_at=a.created_at,
        updated_at=a.updated_at,
        cancelled_at=a.cancelled_at,
        confirmed_at=a.confirmed_at,
    )
