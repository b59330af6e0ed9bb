"""The demo's twenty leads: made-up people with fictional US numbers (555-01xx), in time
zones where calling them is allowed at the moment the demo runs.

The calling window (08:00-21:00 in the lead's own time, no public holidays of the
number's country) is the product's law and the demo does not bend it: it asks the same
rule (``frontdesk.outreach.check_contact_at``) which US zones are open now and puts its
leads there. In the few hours when no US zone is (about 07:00-12:00 UTC), the leads are
Americans abroad, in zones that are open; on a US public holiday in every zone, nobody
may be called and the demo says so (docs/decisions/0035-campaign-demo.md).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from frontdesk.outreach import ContactPolicy, Lead, check_contact_at

# US zones, each with area codes of places in it (the demo salon's own 212 left out).
US_ZONES: dict[str, tuple[str, ...]] = {
    "America/New_York": ("718", "617", "305"),
    "America/Chicago": ("312", "512", "214"),
    "America/Denver": ("303", "720"),
    "America/Phoenix": ("602", "480"),
    "America/Los_Angeles": ("415", "206", "702"),
    "America/Anchorage": ("907",),
    "Pacific/Honolulu": ("808",),
    "America/Puerto_Rico": ("787",),
    "Pacific/Guam": ("671",),
}
# Where Americans abroad might live, for the hours no US zone is open.
ABROAD_ZONES = ("Europe/London", "Europe/Madrid", "Asia/Dubai", "Asia/Kolkata",
                "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland", "Pacific/Kiritimati",
                "America/Sao_Paulo")
_ABROAD_AREAS = ("415", "312", "718")

# (given name, family name, language): realistic, made up.
PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("Olivia", "Bennett", "en"), ("Marcus", "Hale", "en"), ("Priya", "Raman", "en"),
    ("Daniel", "Okafor", "en"), ("Hannah", "Schultz", "en"), ("Ethan", "Brooks", "en"),
    ("Grace", "Nakamura", "en"), ("Tyler", "Morrison", "en"), ("Chloe", "Dubois", "en"),
    ("Jamal", "Washington", "en"), ("Emily", "Carter", "en"), ("Noah", "Fitzgerald", "en"),
    ("Ava", "Lindqvist", "en"), ("Samuel", "Adeyemi", "en"), ("Lily", "Chen", "en"),
    ("Ryan", "O'Connell", "en"), ("Camila", "Reyes", "es"), ("Javier", "Morales", "es"),
    ("Lucía", "Herrera", "es"), ("Diego", "Castillo", "es"),
)
CSV_COLUMNS = ("name", "phone", "email", "timezone", "language", "consent date", "tags")


@dataclass(frozen=True, slots=True)
class DemoLead:
    name: str
    phone: str  # E.164
    written: str  # as the CSV writes it: national format, the import normalises it
    email: str
    timezone: str
    language: str
    consent: date


def _may_call(zone: str, at: datetime, margin: timedelta) -> bool:
    """Whether the product's rule lets a consenting US number in ``zone`` be called now
    and still ``margin`` from now (the demo takes a little while to dial everyone)."""
    lead = Lead(phone="+13125550100", timezone=ZoneInfo(zone), country="US",
                consent_at=at - timedelta(days=30))
    policy = ContactPolicy()
    return all(check_contact_at(lead, policy, t, frozenset()) is None
               for t in (at, at + margin))


def open_zones(at: datetime, margin: timedelta = timedelta(minutes=5)
               ) -> tuple[list[str], bool]:
    """The zones the demo's leads live in (and whether they are abroad): the US zones
    open now, else the open zones abroad; empty when calling is allowed nowhere."""
    home = [zone for zone in US_ZONES if _may_call(zone, at, margin)]
    if home:
        return home, False
    return [zone for zone in ABROAD_ZONES if _may_call(zone, at, margin)], True


def make_leads(at: datetime, seed: int, count: int = 20) -> tuple[list[DemoLead], bool]:
    """``count`` leads (at most twenty names) in the zones open at ``at``; [] when none is."""
    zones, abroad = open_zones(at)
    if not zones:
        return [], abroad
    rng = random.Random(seed)
    people = list(PEOPLE)
    rng.shuffle(people)
    leads: list[DemoLead] = []
    for i, (given, family, lang) in enumerate(people[:count]):
        zone = zones[i % len(zones)]
        areas = _ABROAD_AREAS if abroad else US_ZONES[zone]
        area = areas[(i // len(zones)) % len(areas)]
        line = f"01{10 + i:02d}"  # 555-0110 ... 555-0129: the fiction range
        email = f"{given}.{family}".lower().replace("'", "").replace("í", "i")
        leads.append(DemoLead(
            name=f"{given} {family}", phone=f"+1{area}555{line}",
            written=f"({area}) 555-{line}", email=f"{email}@example.com", timezone=zone,
            language=lang, consent=at.date() - timedelta(days=rng.randint(3, 400))))
    return leads, abroad


def leads_csv(leads: list[DemoLead]) -> str:
    """The upload: the columns ``services.lead_import`` reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for lead in leads:
        writer.writerow((lead.name, lead.written, lead.email, lead.timezone, lead.language,
                         lead.consent.isoformat(), "demo;spring"))
    return out.getvalue()
