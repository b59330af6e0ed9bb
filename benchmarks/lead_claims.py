"""Choosing the next leads to call: claim 100 due leads from a 100,000-lead campaign.

    python -m benchmarks.lead_claims [--quick] [--postgres-url URL]

A scratch PostgreSQL database (from ``--postgres-url`` or FRONTDESK_TEST_POSTGRES_URL;
dropped at the end) holds one business, one meeting request and one campaign with
100,000 leads (10,000 with ``--quick``), bulk-inserted with their first allowed instant
already planned (``next_attempt_at`` spread over the next 24 hours, a fifth of them due
now; some leads refused). Each sample is one transaction of
``services.dialer_plan.claim_due(session, campaign, now, limit=100)``: the indexed
"pending and due, soonest first" query with ``FOR UPDATE SKIP LOCKED``, the batch checks
against the do-not-call lists, the core's final check per lead, and marking the 100
leads ``calling`` — then rolled back, so every sample faces the same campaign. In-run
baseline: the same query without its index (``ix_campaign_leads_due`` dropped), which
is what a dialer pays without it. Prints one JSON document; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from time import perf_counter
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from benchmarks.common import log, machine_info, summarize
from frontdesk.services import dialer_plan
from frontdesk.services.tenants import TenantFields, create_tenant
from frontdesk.store import migrate
from frontdesk.store.db import make_engine, make_session_factory, write_session
from frontdesk.store.models import (
    Campaign,
    CampaignLead,
    Customer,
    MeetingRequest,
)

NOW = datetime(2027, 3, 3, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York


def _populate(url: str, leads: int) -> uuid.UUID:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    rng = random.Random(7)
    with write_session(factory) as session:
        tenant = create_tenant(session, "bench", TenantFields(
            name="Bench", timezone="America/New_York", country="US", languages=["en"]))
        request = MeetingRequest(tenant_id=tenant.id, title="Intro", duration_minutes=30,
                                 timezone=tenant.timezone, hard_constraints={},
                                 soft_constraints={}, bookings_wanted=1, status="open")
        session.add(request)
        session.flush()
        campaign = Campaign(tenant_id=tenant.id, meeting_request_id=request.id, name="Big",
                            status="running", max_attempts=3, max_concurrent_calls=10,
                            calls_per_minute=100, require_consent=True)
        session.add(campaign)
        session.flush()
        tenant_id, campaign_id = tenant.id, campaign.id
    customers, rows = [], []
    for n in range(leads):
        phone = f"+1212{2000000 + n:07d}"
        customer_id = uuid.uuid4()
        customers.append({"id": customer_id, "tenant_id": tenant_id, "phone_e164": phone,
                          "sms_consent": False, "call_consent": True, "do_not_call": False,
                          "created_at": NOW, "updated_at": NOW})
        refused = rng.random() < 0.05
        due = NOW + timedelta(minutes=rng.randint(-240, 24 * 60 - 240))
        rows.append({"id": uuid.uuid4(), "tenant_id": tenant_id, "campaign_id": campaign_id,
                     "customer_id": customer_id, "phone_e164": phone,
                     "timezone": "America/New_York", "language": None,
                     "consent_at": date(2027, 1, 2), "tags": [],
                     "status": "no_consent" if refused else "pending", "attempts": 0,
                     "next_attempt_at": None if refused else due, "last_outcome": None,
                     "created_at": NOW, "updated_at": NOW})
    with engine.begin() as conn:
        for start in range(0, leads, 5000):
            conn.execute(insert(Customer), customers[start:start + 5000])
            conn.execute(insert(CampaignLead), rows[start:start + 5000])
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return campaign_id


def _measure(url: str, campaign_id: uuid.UUID, samples: int) -> dict[str, Any]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    times: list[float] = []
    claimed = 0
    for _ in range(samples):
        with factory() as session:
            campaign = session.get_one(Campaign, campaign_id)
            started = perf_counter()
            got = dialer_plan.claim_due(session, campaign, NOW, limit=100)
            times.append(perf_counter() - started)
            claimed = len(got)
            session.rollback()
    engine.dispose()
    return {**summarize(times), "claimed_per_sample": claimed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 leads, fewer samples")
    parser.add_argument("--postgres-url", default=os.environ.get("FRONTDESK_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.postgres_url:
        print(json.dumps({"skipped": "no PostgreSQL URL (--postgres-url or "
                                     "FRONTDESK_TEST_POSTGRES_URL)"}))
        return 0
    leads, samples = (10_000, 30) if args.quick else (100_000, 100)
    base = make_url(args.postgres_url)
    name = f"frontdesk_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        started = perf_counter()
        campaign_id = _populate(url, leads)
        log(f"{leads} leads in {perf_counter() - started:.1f} s")
        indexed = _measure(url, campaign_id, samples)
        log(f"indexed: p50 {indexed['p50_ms']} ms, p99 {indexed['p99_ms']} ms")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP INDEX ix_campaign_leads_due"))
            conn.exec_driver_sql("ANALYZE campaign_leads")
        engine.dispose()
        unindexed = _measure(url, campaign_id, max(5, samples // 5))
        log(f"without the index: p50 {unindexed['p50_ms']} ms")
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    print(json.dumps({
        "benchmark": "lead_claims", "machine": machine_info(),
        "parameters": {"leads": leads, "limit": 100, "samples": samples},
        "claim_100": {"indexed": indexed, "without_index": unindexed,
                      "speedup_p50": round(unindexed["p50_ms"] / indexed["p50_ms"], 1)},
    }, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
