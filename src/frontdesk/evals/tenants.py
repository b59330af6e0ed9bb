"""The two eval businesses, built like the demo (``services/demo.py``) but deterministic.

Same services, durations, buffers, spoken names, staff, weekly hours and booking policy
as ``frontdesk serve --demo``, with the persona set (salon / medical). Unlike the demo
they start empty: no customers, no appointments, no time off (the demo's are placed
relative to the real today, which would make runs differ from day to day). Each
scenario adds what it needs in ``setup``.

Staff hours (local time; 0 = Monday) that scenario authors pick days from:

    salon  (America/New_York, 60 min notice, 15 min grid)
      Ana    haircut, hair coloring   Tue-Sat 09:00-17:00
      Marco  haircut                  Tue-Sat 11:00-19:00, Sun 10:00-14:00
      Lucia  manicure                 Mon-Fri 10:00-18:00
    clinic (Europe/Madrid, 120 min notice, 20 min grid)
      Dra. Ruiz    general consultation            Mon-Fri 09:00-14:00, Mon-Thu 16:00-19:00
      Dr. Navarro  consultation, physiotherapy     Mon-Fri 08:00-15:00
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.catalog import (
    HoursRange,
    ResourceFields,
    ServiceFields,
    save_resource,
    save_service,
)
from frontdesk.services.tenants import (
    TenantFields,
    authenticate,
    create_api_key,
    create_tenant,
)
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant

FALLBACK_PHONES = {"salon": "+12125550100", "clinic": "+34910000100"}
PERSONAS = {"salon": "salon", "clinic": "medical"}


@dataclass(frozen=True, slots=True)
class BuiltTenant:
    tenant: Tenant
    api_key: str


def _week(days: range, start: int, end: int) -> list[HoursRange]:
    return [HoursRange(d, time(start), time(end)) for d in days]


def _salon(session: Session, slug: str) -> Tenant:
    tenant = create_tenant(session, slug, TenantFields(
        name="Bella Salon", timezone="America/New_York", country="US", languages=["en", "es"],
        min_notice_minutes=60, max_days_ahead=60, slot_interval_minutes=15))
    cut = save_service(session, tenant, ServiceFields(
        name="Haircut", duration_minutes=30, buffer_after_minutes=10, price_cents=4500,
        spoken_names={"en": ["haircut", "cut", "trim"], "es": ["corte", "corte de pelo"]}))
    color = save_service(session, tenant, ServiceFields(
        name="Hair coloring", duration_minutes=90, buffer_before_minutes=10,
        buffer_after_minutes=15, price_cents=12000,
        spoken_names={"en": ["color", "coloring", "dye", "highlights"], "es": ["tinte", "color"]}))
    mani = save_service(session, tenant, ServiceFields(
        name="Manicure", duration_minutes=45, price_cents=3500,
        spoken_names={"en": ["manicure", "nails"], "es": ["manicura", "uñas"]}))
    tue_sat = range(1, 6)
    save_resource(session, tenant, ResourceFields(
        name="Ana", service_ids=[cut.id, color.id], hours=_week(tue_sat, 9, 17)))
    save_resource(session, tenant, ResourceFields(
        name="Marco", service_ids=[cut.id],
        hours=_week(tue_sat, 11, 19) + [HoursRange(6, time(10), time(14))]))
    save_resource(session, tenant, ResourceFields(
        name="Lucia", service_ids=[mani.id], hours=_week(range(0, 5), 10, 18)))
    return tenant


def _clinic(session: Session, slug: str) -> Tenant:
    tenant = create_tenant(session, slug, TenantFields(
        name="Clínica Sol", timezone="Europe/Madrid", country="ES", languages=["es", "en"],
        min_notice_minutes=120, max_days_ahead=90, slot_interval_minutes=20, max_per_day=12))
    consult = save_service(session, tenant, ServiceFields(
        name="General consultation", duration_minutes=20, buffer_after_minutes=5,
        spoken_names={"en": ["consultation", "checkup", "doctor"],
                      "es": ["consulta", "consulta general", "revisión"]}))
    physio = save_service(session, tenant, ServiceFields(
        name="Physiotherapy", duration_minutes=45, buffer_before_minutes=5,
        buffer_after_minutes=10,
        spoken_names={"en": ["physio", "physiotherapy"], "es": ["fisio", "fisioterapia"]}))
    save_resource(session, tenant, ResourceFields(
        name="Dra. Ruiz", service_ids=[consult.id],
        hours=_week(range(0, 5), 9, 14) + _week(range(0, 4), 16, 19)))
    save_resource(session, tenant, ResourceFields(
        name="Dr. Navarro", service_ids=[consult.id, physio.id], hours=_week(range(0, 5), 8, 15)))
    return tenant


def build_tenant(factory: sessionmaker[Session], kind: str, slug: str) -> BuiltTenant:
    """Create the ``salon`` or ``clinic`` business under ``slug``, with an API key."""
    build = {"salon": _salon, "clinic": _clinic}[kind]
    with write_session(factory) as session:
        tenant = build(session, slug)
        tenant.persona = PERSONAS[kind]
        tenant.fallback_phone = FALLBACK_PHONES[kind]
        _, key = create_api_key(session, tenant, "eval")
    with factory() as session:  # loaded the way the API's dependency loads it
        return BuiltTenant(authenticate(session, key), key)
