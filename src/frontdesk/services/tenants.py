"""Tenants (businesses). Their API keys live in ``services/api_keys.py``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.errors import Conflict, InvalidInput, NotFound
from frontdesk.services.api_keys import authenticate_key
from frontdesk.services.api_keys import create_api_key as create_api_key  # its old home
from frontdesk.services.api_keys import hash_key as hash_key
from frontdesk.services.business_info import check_faq, check_info, check_required_fields
from frontdesk.services.customers import normalize_phone
from frontdesk.services.tenant_wording import (
    check_greeting,
    check_instructions,
    check_persona,
    check_reminders,
    check_templates,
    check_voice_mode,
)
from frontdesk.services.zones import check_timezone
from frontdesk.store.models import Tenant as Tenant  # the type doors and the brain name
from frontdesk.store.models import TenantPhoneNumber

SUPPORTED_LANGUAGES = ("en", "es")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def check_languages(languages: list[str]) -> list[str]:
    unknown = [lang for lang in languages if lang not in SUPPORTED_LANGUAGES]
    if unknown or not languages:
        raise InvalidInput(
            f"Languages must be a non-empty list from {list(SUPPORTED_LANGUAGES)}; "
            f"got {languages}.",
            field="languages",
        )
    return languages


@dataclass(frozen=True, slots=True)
class TenantFields:
    name: str | None = None
    timezone: str | None = None
    languages: list[str] | None = None
    country: str | None = None
    phone_numbers: list[str] | None = None
    persona: str | None = None
    fallback_phone: str | None = None
    notify_email: str | None = None
    reminder_minutes: list[int] | None = None
    min_notice_minutes: int | None = None
    max_days_ahead: int | None = None
    slot_interval_minutes: int | None = None
    max_per_day: int | None = None
    clear_max_per_day: bool = False
    greeting: dict[str, str] | None = None  # replaces every language's (empty: none)
    instructions: str | None = None  # "" clears them
    message_templates: dict[str, dict[str, str]] | None = None  # replaces them all
    # What callers are told (services/business_info.py); each replaces the stored one.
    info: dict[str, dict[str, str]] | None = None
    faq: list[dict[str, dict[str, str]]] | None = None
    required_fields: list[str] | None = None
    voice_mode: str | None = None  # "turns" | "stream" | "realtime" (VOICE_MODES)
    # Days its conversations and messages are kept, if shorter than the deployment's
    # (services/retention.py); 0 clears it (the deployment's period applies).
    retention_days: int | None = None


def apply_tenant_fields(session: Session, tenant: Tenant, fields: TenantFields) -> None:
    if fields.name is not None:
        tenant.name = fields.name
    if fields.timezone is not None:
        tenant.timezone = check_timezone(fields.timezone)
    if fields.languages is not None:
        tenant.languages = check_languages(fields.languages)
    if fields.country is not None:
        tenant.country = fields.country.upper()
    if fields.persona is not None:
        tenant.persona = check_persona(fields.persona)
    if fields.notify_email is not None:
        tenant.notify_email = fields.notify_email
    if fields.reminder_minutes is not None:
        tenant.reminder_minutes = check_reminders(fields.reminder_minutes)
    if fields.greeting is not None:
        tenant.greeting = check_greeting(fields.greeting)
    if fields.instructions is not None:
        tenant.instructions = check_instructions(fields.instructions)
    if fields.message_templates is not None:
        tenant.message_templates = check_templates(fields.message_templates)
    if fields.info is not None:
        tenant.info = check_info(fields.info)
    if fields.faq is not None:
        tenant.faq = check_faq(fields.faq)
    if fields.required_fields is not None:
        tenant.required_fields = check_required_fields(fields.required_fields)
    if fields.voice_mode is not None:
        tenant.voice_mode = check_voice_mode(fields.voice_mode)
    if fields.fallback_phone is not None:
        tenant.fallback_phone = normalize_phone(fields.fallback_phone, tenant.country or "US")
    for attr in ("min_notice_minutes", "max_days_ahead", "slot_interval_minutes", "max_per_day"):
        value = getattr(fields, attr)
        if value is not None:
            setattr(tenant, attr, value)
    if fields.clear_max_per_day:
        tenant.max_per_day = None
    if fields.retention_days is not None:
        tenant.retention_days = fields.retention_days or None
    if fields.phone_numbers is not None:
        _set_numbers(session, tenant, fields.phone_numbers)


def _set_numbers(session: Session, tenant: Tenant, numbers: list[str]) -> None:
    wanted = [normalize_phone(n, tenant.country or "US") for n in numbers]
    for number in wanted:
        owner = session.scalars(
            select(TenantPhoneNumber).where(TenantPhoneNumber.number_e164 == number)
        ).first()
        if owner is not None and owner.tenant_id != tenant.id:
            raise Conflict(f"{number} already belongs to another business.", phone=number)
    keep = [p for p in tenant.phone_numbers if p.number_e164 in wanted]
    have = {p.number_e164 for p in keep}
    tenant.phone_numbers = keep + [
        TenantPhoneNumber(number_e164=n) for n in dict.fromkeys(wanted) if n not in have
    ]


def create_tenant(session: Session, slug: str, fields: TenantFields) -> Tenant:
    if not _SLUG.match(slug):
        raise InvalidInput(
            f"'{slug}' is not a valid slug: use 2-63 lowercase letters, digits and dashes.",
            field="slug",
        )
    if session.scalars(select(Tenant).where(Tenant.slug == slug)).first() is not None:
        raise Conflict(f"A business with slug '{slug}' already exists.", slug=slug)
    if not fields.name or not fields.timezone:
        raise InvalidInput("A business needs a name and a time zone.")
    tenant = Tenant(slug=slug, name=fields.name, timezone=check_timezone(fields.timezone))
    tenant.country = (fields.country or "US").upper()
    tenant.languages = ["en"]
    session.add(tenant)
    apply_tenant_fields(session, tenant, fields)
    session.flush()
    return tenant


def get_tenant_by_slug(session: Session, slug: str) -> Tenant:
    tenant = session.scalars(select(Tenant).where(Tenant.slug == slug)).first()
    if tenant is None:
        raise NotFound(f"No business with slug '{slug}'.", slug=slug)
    return tenant


def authenticate(session: Session, key: str) -> Tenant:
    """The tenant an API key belongs to, whatever the key's scope (see
    ``api_keys.authenticate_key`` for what the key may do)."""
    return authenticate_key(session, key).tenant
