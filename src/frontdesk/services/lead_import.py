"""Leads from a CSV upload: every row checked on its own, good rows kept, bad rows told.

Columns (header row required, names case-insensitive, order free): ``phone`` (required),
``name``, ``email``, ``timezone``, ``language``, ``consent date`` (also ``consent_date``
or ``consent_at``; YYYY-MM-DD, not in the future) and ``tags`` (separated by ``;`` or
``|``), ``sms opt in`` (also ``sms_opt_in``; yes/no, true/false, 1/0; empty is no: only
these get a text after a missed campaign call). Other columns are ignored and named in
the report's warnings.

- Phones are normalised to E.164, read in the business's country when they carry no
  country code.
- A person already in the business's customers is linked, not copied: the lead points
  at that customer, whose empty name or email the row fills in (it never overwrites).
- Without a ``timezone`` the number tells it (``phonenumbers``' time zone data). When a
  number spans several zones (a mobile range of a country with several), the business's
  own zone is used if it is one of them; otherwise the first, with a warning naming the
  line, since the calling window is judged in that zone.
- A phone twice in one file, or already in the campaign, is reported and not added again.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import phonenumbers
from phonenumbers import timezone as phone_zones
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.errors import InvalidInput
from frontdesk.services.customers import CustomerFields, create_customer, normalize_phone
from frontdesk.services.zones import check_timezone
from frontdesk.store.models import Campaign, CampaignLead, Customer, Tenant

if TYPE_CHECKING:  # the reader's type exists for type checkers only on Python 3.11
    import _csv

MAX_ROWS = 10_000
_ALIASES = {
    "phone": "phone", "phone_number": "phone", "name": "name", "email": "email",
    "timezone": "timezone", "time_zone": "timezone", "language": "language",
    "consent date": "consent", "consent_date": "consent", "consent_at": "consent",
    "tags": "tags", "sms opt in": "sms", "sms_opt_in": "sms", "sms opt-in": "sms",
}
_YES = {"yes", "y", "true", "1", "si", "sí"}
_NO = {"no", "n", "false", "0", ""}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGES = {"en", "es"}


@dataclass(slots=True)
class RowProblem:
    line: int
    reason: str


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    linked_customers: int = 0
    skipped: list[RowProblem] = field(default_factory=list)  # duplicates: nothing wrong
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LeadRow:
    line: int
    phone: str
    name: str | None
    email: str | None
    timezone: str
    language: str | None
    consent: date | None
    tags: list[str]
    sms_opt_in: bool = False


def import_leads(
    session: Session, tenant: Tenant, campaign: Campaign, text: str, *, today: date | None = None
) -> ImportReport:
    """Add the file's good rows to ``campaign``; the report tells every row that was not."""
    report = ImportReport()
    rows = read_rows(tenant, text, report, today or datetime.now(UTC).date())
    present = set(session.scalars(
        select(CampaignLead.phone_e164).where(CampaignLead.campaign_id == campaign.id)))
    for row in rows:
        if row.phone in present:
            report.skipped.append(RowProblem(row.line, f"{row.phone} is already in this "
                                                       "campaign"))
            continue
        customer = session.scalars(select(Customer).where(
            Customer.tenant_id == tenant.id, Customer.phone_e164 == row.phone)).first()
        if customer is None:
            customer = create_customer(session, tenant, CustomerFields(
                phone=row.phone, name=row.name, email=row.email, language=row.language,
                timezone=row.timezone, call_consent=row.consent is not None,
                sms_consent=row.sms_opt_in))
        else:
            report.linked_customers += 1
            customer.name = customer.name or row.name
            customer.email = customer.email or row.email
        session.add(CampaignLead(
            tenant_id=tenant.id, campaign_id=campaign.id, customer_id=customer.id,
            phone_e164=row.phone, timezone=row.timezone, language=row.language,
            consent_at=row.consent, tags=row.tags, status="pending", attempts=0,
            sms_opt_in=row.sms_opt_in))
        present.add(row.phone)
        report.imported += 1
    session.flush()
    return report


def read_rows(tenant: Tenant, text: str, report: ImportReport, today: date) -> list[LeadRow]:
    """The file's valid rows; every invalid or repeated one goes into ``report``."""
    # newline="": the csv module's own reading of line ends (a lone CR included), as its
    # documentation asks; anything it still cannot read is refused, not a crash.
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _read(tenant, reader, report, today)
    except csv.Error as exc:
        raise InvalidInput(f"The file is not CSV we can read (line {reader.line_num}: {exc}).",
                           field="body") from exc


def _read(tenant: Tenant, reader: _csv.Reader, report: ImportReport,
          today: date) -> list[LeadRow]:
    header = next(reader, None)
    if header is None:
        raise InvalidInput("The file is empty: it needs a header row with a 'phone' column.",
                           field="body")
    columns = [_ALIASES.get(h.strip().lower()) for h in header]
    if "phone" not in columns:
        raise InvalidInput("The header row has no 'phone' column.", field="body")
    ignored = [h for h, c in zip(header, columns, strict=True) if c is None and h.strip()]
    if ignored:
        report.warnings.append(RowProblem(1, "ignored columns: " + ", ".join(ignored)))
    seen: dict[str, int] = {}
    rows: list[LeadRow] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(rows) + len(report.errors) + len(report.skipped) >= MAX_ROWS:
            raise InvalidInput(f"At most {MAX_ROWS} rows per upload; split the file.",
                               field="body")
        cells = {c: v.strip() for c, v in zip(columns, values, strict=False) if c is not None}
        try:
            row = _row(tenant, line, cells, today, report)
        except InvalidInput as exc:
            report.errors.append(RowProblem(line, exc.detail))
            continue
        if row.phone in seen:
            report.skipped.append(RowProblem(line, f"{row.phone} is also on line "
                                                   f"{seen[row.phone]}"))
            continue
        seen[row.phone] = line
        rows.append(row)
    return rows


def _row(tenant: Tenant, line: int, cells: dict[str, str], today: date,
         report: ImportReport) -> LeadRow:
    raw_phone = cells.get("phone", "")
    if not raw_phone:
        raise InvalidInput("no phone number")
    phone = normalize_phone(raw_phone, tenant.country)
    email = cells.get("email") or None
    if email is not None and (len(email) > 320 or not _EMAIL.match(email)):
        raise InvalidInput(f"'{email[:60]}' is not an email address")
    language = (cells.get("language") or "").lower() or None
    if language is not None and language not in _LANGUAGES:
        raise InvalidInput(f"language '{language[:20]}' is not one we speak (en, es)")
    consent = _consent(cells.get("consent") or None, today)
    zone = cells.get("timezone") or None
    timezone = check_timezone(zone) if zone else zone_of(phone, tenant, line, report)
    name = (cells.get("name") or None)
    if name is not None and len(name) > 200:
        raise InvalidInput("the name is longer than 200 characters")
    tags = [t.strip() for t in re.split(r"[;|]", cells.get("tags", "")) if t.strip()]
    if any(len(t) > 50 for t in tags) or len(tags) > 20:
        raise InvalidInput("at most 20 tags of at most 50 characters each")
    sms = (cells.get("sms") or "").strip().lower()
    if sms not in _YES | _NO:
        raise InvalidInput(f"sms opt in '{sms[:20]}' is not yes or no")
    return LeadRow(line, phone, name, email, timezone, language, consent, tags, sms in _YES)


def _consent(value: str | None, today: date) -> date | None:
    if value is None:
        return None
    try:
        when = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"consent date '{value[:30]}' is not YYYY-MM-DD") from exc
    if when > today or when.year < 1900:
        raise InvalidInput(f"consent date {when} is in the future or not a real date")
    return when


def zone_of(phone: str, tenant: Tenant, line: int, report: ImportReport) -> str:
    """The zone a number is in (see the module's note on numbers spanning several)."""
    zones = [z for z in phone_zones.time_zones_for_number(phonenumbers.parse(phone))
             if z != "Etc/Unknown"]
    if not zones:
        report.warnings.append(RowProblem(line, f"no time zone known for {phone}; the "
                                                "business's zone is used"))
        return tenant.timezone
    if len(zones) == 1 or tenant.timezone in zones:
        return zones[0] if len(zones) == 1 else tenant.timezone
    report.warnings.append(RowProblem(line, f"{phone} may be in {', '.join(zones[:4])}; "
                                            f"{zones[0]} is used (give a timezone column)"))
    return zones[0]

