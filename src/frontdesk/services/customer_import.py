"""Customers from a CSV upload: the lead import's reader, without a campaign.

The file is read by ``lead_import.read_rows`` (the same columns, the same checks, the
same row-level report), so a file that imports as leads imports as customers too. A
phone already among the business's customers is linked, not copied: its empty name or
email is filled in, nothing is overwritten. ``consent date`` sets call consent and
``sms opt in`` text consent on new customers; an existing customer's consent is theirs to
change, not a file's. Tags belong to campaign leads; here they are ignored (a warning
says so).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from frontdesk.services.customers import CustomerFields, create_customer, find_by_phone
from frontdesk.services.lead_import import ImportReport, RowProblem, read_rows
from frontdesk.store.models import Tenant


def import_customers(session: Session, tenant: Tenant, text: str, *,
                     today: date | None = None) -> ImportReport:
    report = ImportReport()
    for row in read_rows(tenant, text, report, today or datetime.now(UTC).date()):
        if row.tags:
            report.warnings.append(RowProblem(row.line, "tags are kept on campaign leads, "
                                                        "not customers: ignored"))
        existing = find_by_phone(session, tenant, row.phone)
        if existing is not None:
            existing.name = existing.name or row.name
            existing.email = existing.email or row.email
            report.linked_customers += 1
            continue
        create_customer(session, tenant, CustomerFields(
            phone=row.phone, name=row.name, email=row.email, language=row.language,
            timezone=row.timezone, call_consent=row.consent is not None,
            sms_consent=row.sms_opt_in))
        report.imported += 1
    session.flush()
    return report
