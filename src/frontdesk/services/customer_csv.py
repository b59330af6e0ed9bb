"""The customer list as a CSV file: what the API's export and the dashboard's "Download
CSV" button both send (one writer, so the two can never disagree on a column)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from frontdesk.services.customer_overview import CustomerOverview, CustomerQuery, list_overviews
from frontdesk.store.models import Tenant

EXPORT_MAX_ROWS = 50_000
_PAGE = 1000

CSV_COLUMNS = ("id", "name", "phone", "email", "language", "timezone", "sms_consent",
               "call_consent", "do_not_call", "on_do_not_call_list", "last_contact_at",
               "last_outcome", "next_appointment_at", "conversations", "tags", "created_at")


def export_csv(session: Session, tenant: Tenant, where: CustomerQuery) -> str:
    """Every customer the filters select (up to ``EXPORT_MAX_ROWS``), in the list's order,
    read a page at a time."""
    rows: list[CustomerOverview] = []
    now = datetime.now(UTC)
    while len(rows) < EXPORT_MAX_ROWS:
        page = list_overviews(session, tenant, where, now=now, limit=_PAGE, offset=len(rows))
        rows += page
        if len(page) < _PAGE:
            break
    return overviews_csv(rows, ZoneInfo(tenant.timezone))


def overviews_csv(rows: Iterable[CustomerOverview], tz: ZoneInfo) -> str:
    """A header row, then one row per customer; times in the business's zone, booleans as
    yes/no, tags joined by ';' (as the import reads them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        c = r.customer
        writer.writerow([
            c.id, c.name or "", c.phone_e164 or "", c.email or "", c.language or "",
            c.timezone or "", *(_yes(v) for v in (c.sms_consent, c.call_consent,
                                                  c.do_not_call, r.on_do_not_call_list)),
            r.last_contact_at.astimezone(tz).isoformat() if r.last_contact_at else "",
            r.last_outcome or "",
            r.next_appointment_at.astimezone(tz).isoformat() if r.next_appointment_at else "",
            sum(r.conversations_by_channel.values()), ";".join(r.tags),
            c.created_at.isoformat(),
        ])
    return out.getvalue()


def _yes(value: bool) -> str:
    return "yes" if value else "no"
