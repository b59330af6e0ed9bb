"""The demo businesses that ``frontdesk serve --demo`` starts with.

A salon in New York and a bilingual clinic in Madrid, with staff, weekly hours, time off,
customers and a few appointments booked through the real booking service (so the demo
data obeys every rule the API enforces).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import availability, booking
from frontdesk.services.catalog import (
    ExceptionFields,
    HoursRange,
    ResourceFields,
    ServiceFields,
    add_exception,
    save_resource,
    save_service,
)
from frontdesk.services.customers import CustomerFields, create_customer
from frontdesk.services.demo_facts import CLINIC_FAQ, CLINIC_INFO, SALON_FAQ, SALON_INFO
from frontdesk.services.tenants import TenantFields, create_api_key, create_tenant
from frontdesk.services.users import UserFields, create_user
from frontdesk.store.db import write_session
from frontdesk.store.models import Customer, Resource, Service, Tenant, UserRole

# Fixed keys so the README's curl lines work as written. Only ever created by --demo.
DEMO_KEYS = {"demo-salon": "fd_demo_salon_key", "demo-clinic": "fd_demo_clinic_key"}
# Each demo business's owner, to sign in to the dashboard (printed by `serve --demo`).
DEMO_OWNERS = {"demo-salon": "owner@salon.demo", "demo-clinic": "owner@clinic.demo"}
DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True, slots=True)
class DemoTenant:
    slug: str
    name: str
    api_key: str
    owner_email: str = ""
    owner_password: str = DEMO_PASSWORD


def _week(days: range, start: time, end: time) -> list[HoursRange]:
    return [HoursRange(d, start, end) for d in days]


def salon_catalog(
    session: Session,
    slug: str = "demo-salon",
    *,
    phone_numbers: tuple[str, ...] = ("+12125550100",),
) -> Tenant:
    """Bella Salon: tenant, services, staff and weekly hours (no customers or time off).

    ``frontdesk eval`` builds its businesses with this too, so the scenarios run against
    the same catalog the demo shows.
    """
    tenant = create_tenant(
        session,
        slug,
        TenantFields(
            name="Bella Salon",
            timezone="America/New_York",
            country="US",
            languages=["en", "es"],
            phone_numbers=list(phone_numbers),
            persona="salon",
            fallback_phone="+12125550110",
            min_notice_minutes=60,
            max_days_ahead=60,
            slot_interval_minutes=15,
            info=SALON_INFO,
            faq=SALON_FAQ,
        ),
    )
    cut = save_service(
        session,
        tenant,
        ServiceFields(
            name="Haircut",
            duration_minutes=30,
            buffer_after_minutes=10,
            price_cents=4500,
            spoken_names={"en": ["haircut", "cut", "trim"], "es": ["corte", "corte de pelo"]},
        ),
    )
    color = save_service(
        session,
        tenant,
        ServiceFields(
            name="Hair coloring",
            duration_minutes=90,
            buffer_before_minutes=10,
            buffer_after_minutes=15,
            price_cents=12000,
            spoken_names={
                "en": ["color", "coloring", "dye", "highlights"],
                "es": ["tinte", "color"],
            },
        ),
    )
    mani = save_service(
        session,
        tenant,
        ServiceFields(
            name="Manicure",
            duration_minutes=45,
            price_cents=3500,
            spoken_names={"en": ["manicure", "nails"], "es": ["manicura", "uñas"]},
        ),
    )
    weekdays = range(1, 6)  # Tuesday to Saturday
    save_resource(
        session,
        tenant,
        ResourceFields(
            name="Ana", service_ids=[cut.id, color.id], hours=_week(weekdays, time(9), time(17))
        ),
    )
    save_resource(
        session,
        tenant,
        ResourceFields(
            name="Marco",
            service_ids=[cut.id],
            hours=_week(weekdays, time(11), time(19)) + [HoursRange(6, time(10), time(14))],
        ),
    )
    save_resource(
        session,
        tenant,
        ResourceFields(
            name="Lucia", service_ids=[mani.id], hours=_week(range(0, 5), time(10), time(18))
        ),
    )
    return tenant


def _seed_salon(session: Session) -> Tenant:
    tenant = salon_catalog(session)
    marco = session.scalars(
        select(Resource).where(Resource.tenant_id == tenant.id, Resource.name == "Marco")
    ).one()
    today = date.today()
    add_exception(
        session,
        tenant,
        marco,
        ExceptionFields(
            kind="off",
            start_date=today + timedelta(days=10),
            end_date=today + timedelta(days=12),
            reason="Vacation",
        ),
    )
    for phone, name, lang in [
        ("+12125550123", "Jordan Lee", "en"),
        ("+12125550188", "María García", "es"),
        ("+13475550142", "Sam Patel", "en"),
    ]:
        create_customer(
            session, tenant, CustomerFields(phone=phone, name=name, language=lang, sms_consent=True)
        )
    return tenant


def clinic_catalog(
    session: Session,
    slug: str = "demo-clinic",
    *,
    phone_numbers: tuple[str, ...] = ("+34910000100",),
) -> Tenant:
    """Clínica Sol: tenant, services, doctors and weekly hours (no customers)."""
    tenant = create_tenant(
        session,
        slug,
        TenantFields(
            name="Clínica Sol",
            timezone="Europe/Madrid",
            country="ES",
            languages=["es", "en"],
            phone_numbers=list(phone_numbers),
            persona="medical",
            fallback_phone="+34910000110",
            min_notice_minutes=120,
            max_days_ahead=90,
            slot_interval_minutes=20,
            max_per_day=12,
            info=CLINIC_INFO,
            faq=CLINIC_FAQ,
        ),
    )
    consult = save_service(
        session,
        tenant,
        ServiceFields(
            name="General consultation",
            duration_minutes=20,
            buffer_after_minutes=5,
            price_cents=6000,
            spoken_names={
                "en": ["consultation", "checkup", "check-up", "doctor", "GP", "appointment"],
                "es": [
                    "consulta",
                    "consulta general",
                    "revisión",
                    "médico",
                    "médico de cabecera",
                    "doctor",
                    "doctora",
                ],
            },
        ),
    )
    physio = save_service(
        session,
        tenant,
        ServiceFields(
            name="Physiotherapy",
            duration_minutes=45,
            buffer_before_minutes=5,
            buffer_after_minutes=10,
            price_cents=4500,
            spoken_names={"en": ["physio", "physiotherapy"], "es": ["fisio", "fisioterapia"]},
        ),
    )
    save_resource(
        session,
        tenant,
        ResourceFields(
            name="Dra. Ruiz",
            service_ids=[consult.id],
            hours=_week(range(0, 5), time(9), time(14)) + _week(range(0, 4), time(16), time(19)),
        ),
    )
    save_resource(
        session,
        tenant,
        ResourceFields(
            name="Dr. Navarro",
            service_ids=[consult.id, physio.id],
            hours=_week(range(0, 5), time(8), time(15)),
        ),
    )
    return tenant


def _seed_clinic(session: Session) -> Tenant:
    tenant = clinic_catalog(session)
    for phone, name, lang in [
        ("+34612345678", "Lucía Fernández", "es"),
        ("+34622334455", "Tom Baker", "en"),
    ]:
        create_customer(
            session, tenant, CustomerFields(phone=phone, name=name, language=lang, sms_consent=True)
        )
    return tenant


def _book_some(factory: sessionmaker[Session], tenant: Tenant, count: int) -> None:
    """Book ``count`` appointments on real free slots over the next days."""
    with factory() as session:
        services = list(tenant_services(session, tenant))
        customers = list(session.scalars(select(Customer).where(Customer.tenant_id == tenant.id)))
    now = datetime.now(UTC)
    for i in range(count):
        service = services[i % len(services)]
        with factory() as session:
            slots = availability.find_slots(
                session,
                tenant,
                service.id,
                now + timedelta(days=1 + i),
                now + timedelta(days=4 + i),
            )
        if not slots:
            continue
        slot = slots[(i * 7) % len(slots)]
        booking.book(
            factory,
            tenant,
            booking.BookingRequest(
                service_id=service.id,
                start=slot.start,
                resource_id=slot.resource_id,  # type: ignore[arg-type]
                customer_id=customers[i % len(customers)].id,
                source="dashboard",
            ),
        )


def tenant_services(session: Session, tenant: Tenant) -> list[Service]:
    return list(session.scalars(select(Service).where(Service.tenant_id == tenant.id)))


def seed_demo(factory: sessionmaker[Session]) -> list[DemoTenant]:
    """Create the demo businesses unless they exist; return their names and API keys."""
    with factory() as session:
        existing = {
            t.slug for t in session.scalars(select(Tenant).where(Tenant.slug.in_(DEMO_KEYS)))
        }
    if not existing:
        for seed in (_seed_salon, _seed_clinic):
            with write_session(factory) as session:
                tenant = seed(session)
                create_api_key(session, tenant, "demo", key=DEMO_KEYS[tenant.slug])
                create_user(session, tenant, UserFields(
                    email=DEMO_OWNERS[tenant.slug], password=DEMO_PASSWORD,
                    role=UserRole.OWNER, name="Demo owner"))
            _book_some(factory, tenant, 5)
    with factory() as session:
        tenants = session.scalars(
            select(Tenant).where(Tenant.slug.in_(DEMO_KEYS)).order_by(Tenant.slug)
        )
        return [DemoTenant(t.slug, t.name, DEMO_KEYS[t.slug], DEMO_OWNERS[t.slug])
                for t in tenants]
