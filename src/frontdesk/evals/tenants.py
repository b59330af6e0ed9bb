"""The two eval businesses: the demo's catalogs (``services/demo.py``), deterministic.

The very services, durations, buffers, spoken names, staff, weekly hours and booking
policy of ``frontdesk serve --demo``, with the persona set (salon / medical). Unlike the
demo they start empty: no customers, no appointments, no time off (the demo's are placed
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

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.demo import clinic_catalog, salon_catalog
from frontdesk.services.tenants import authenticate, create_api_key
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant


@dataclass(frozen=True, slots=True)
class BuiltTenant:
    tenant: Tenant
    api_key: str


def build_tenant(factory: sessionmaker[Session], kind: str, slug: str) -> BuiltTenant:
    """Create the ``salon`` or ``clinic`` business under ``slug``, with an API key."""
    build = {"salon": salon_catalog, "clinic": clinic_catalog}[kind]
    with write_session(factory) as session:
        # No phone numbers: a number belongs to one business, and each scenario has its own.
        tenant = build(session, slug, phone_numbers=())
        _, key = create_api_key(session, tenant, "eval")
    with factory() as session:  # loaded the way the API's dependency loads it
        return BuiltTenant(authenticate(session, key), key)
