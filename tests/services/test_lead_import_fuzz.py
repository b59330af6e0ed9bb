"""Any text as a lead file: nothing crashes, every line is accounted for once, and what is
imported is exactly the valid, first-seen rows."""

from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.errors import InvalidInput
from frontdesk.services.lead_import import ImportReport, read_rows
from frontdesk.store.models import Tenant

TENANT = Tenant(slug="fuzz", name="Fuzz", timezone="America/New_York", country="US")
PHONES = ["+1 212 555 0142", "(310) 555-0100", "12", "", "+34 911 234 567", "not a phone",
          "212-555-0142"]
CELLS = st.one_of(st.sampled_from(["", "es", "en", "fr", "2026-01-02", "2999-01-01",
                                   "Europe/Madrid", "Mars/Olympus", "a@b.co", "x@",
                                   "vip;spring", "ñandú"]),
                  st.text(max_size=12))


@st.composite
def lead_files(draw: st.DrawFn) -> tuple[str, int]:
    header = ["name", "phone", "email", "timezone", "language", "consent date", "tags"]
    rows = draw(st.lists(st.tuples(CELLS, st.sampled_from(PHONES), CELLS, CELLS, CELLS,
                                   CELLS, CELLS), max_size=12))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    non_blank = sum(1 for row in rows if any(cell.strip() for cell in row))
    return out.getvalue(), non_blank


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(lead_files())
def test_every_row_is_imported_refused_or_skipped_exactly_once(drawn: tuple[str, int]) -> None:
    text, non_blank = drawn
    report = ImportReport()
    rows = read_rows(TENANT, text, report, date(2026, 12, 6))
    lines = [r.line for r in rows] + [p.line for p in report.errors + report.skipped]
    assert len(lines) == len(set(lines)) == non_blank  # each line told once
    phones = [r.phone for r in rows]
    assert len(phones) == len(set(phones))  # a phone is imported once
    assert all(p.startswith("+") and p[1:].isdigit() for p in phones)
    assert all(r.language in (None, "en", "es") for r in rows)
    assert all(r.consent is None or r.consent <= date(2026, 12, 6) for r in rows)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_report_or_a_clear_refusal(text: str) -> None:
    report = ImportReport()
    try:
        read_rows(TENANT, text, report, date(2026, 12, 6))
    except InvalidInput as refused:
        assert refused.detail  # a reason a person can act on
