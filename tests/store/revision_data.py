"""Representative rows written into a database at an OLD schema revision (for the
upgrade tests): a business with its API key, a service, a staff member with hours, a
customer, a booked appointment, an SMS conversation with its turns and the
confirmation text. Each table present at that revision gets its row, with only the
columns that revision has; a required column the data below does not name (one added
later with no server default) is filled from its type."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, column, inspect, select, table
from sqlalchemy.sql.expression import TableClause

from frontdesk.store.models import Base

API_KEY = "fd_upgrade_test_key_0123456789abcdef"
TENANT, SERVICE, RESOURCE, CUSTOMER = (uuid.UUID(int=n) for n in (1, 2, 3, 4))
APPOINTMENT, CONVERSATION, MESSAGE, KEY = (uuid.UUID(int=n) for n in (5, 6, 7, 8))
CREATED = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
# A Wednesday afternoon well ahead (the API lists it whatever today is).
START = datetime(2031, 3, 12, 18, 0, tzinfo=UTC)
PHONE = "+12125550101"
SAID = ("I'd like a haircut on Wednesday at 2", "Booked: haircut with Ana, Wednesday 2:00 PM.")


def rows() -> dict[str, list[dict[str, Any]]]:
    """Table -> rows, parents before children."""
    end = START + timedelta(minutes=30)
    return {
        "tenants": [dict(
            id=TENANT, slug="old", name="Old Salon", timezone="America/New_York",
            languages=["en"], country="US", persona="salon", min_notice_minutes=0,
            max_days_ahead=3650, slot_interval_minutes=15, created_at=CREATED)],
        "api_keys": [dict(
            id=KEY, tenant_id=TENANT, name="ops", prefix=API_KEY[:10], scope="admin",
            key_hash=hashlib.sha256(API_KEY.encode()).hexdigest(), created_at=CREATED)],
        "services": [dict(
            id=SERVICE, tenant_id=TENANT, name="Haircut", duration_minutes=30,
            buffer_before_minutes=0, buffer_after_minutes=0,
            spoken_names={"en": ["haircut"]}, active=True)],
        "resources": [dict(
            id=RESOURCE, tenant_id=TENANT, name="Ana", kind="staff", active=True,
            calendar_version=1)],
        "resource_services": [dict(resource_id=RESOURCE, service_id=SERVICE)],
        "working_hours": [dict(id=uuid.UUID(int=100 + d), resource_id=RESOURCE, weekday=d,
                               start_time=time(9), end_time=time(17)) for d in range(5)],
        "customers": [dict(
            id=CUSTOMER, tenant_id=TENANT, phone_e164=PHONE, name="Carla Old",
            language="en", sms_consent=True, call_consent=False, do_not_call=False,
            created_at=CREATED, updated_at=CREATED)],
        "appointments": [dict(
            id=APPOINTMENT, tenant_id=TENANT, service_id=SERVICE, resource_id=RESOURCE,
            customer_id=CUSTOMER, start_at=START, end_at=end, blocked_start=START,
            blocked_end=end, status="booked", source="sms", created_at=CREATED,
            updated_at=CREATED)],
        "conversations": [dict(
            id=CONVERSATION, tenant_id=TENANT, channel="sms",
            external_id=f"{PHONE}|+12125550100", language="en", caller_phone=PHONE,
            customer_id=CUSTOMER, appointment_id=APPOINTMENT, outcome="booked", state={},
            turn_count=2, started_at=CREATED, updated_at=CREATED, ended_at=CREATED)],
        "conversation_turns": [dict(
            id=uuid.UUID(int=200 + seq), conversation_id=CONVERSATION, seq=seq, role=role,
            text=said, language="en", created_at=CREATED)
            for seq, (role, said) in enumerate(zip(("user", "assistant"), SAID, strict=True))],
        "outbox_messages": [dict(
            id=MESSAGE, tenant_id=TENANT, channel="sms", purpose="confirmation",
            recipient=PHONE, payload={"body": "Your haircut is booked."},
            appointment_id=APPOINTMENT, customer_id=CUSTOMER, dedupe_key="confirmation:1",
            status="sent", attempts=1, max_attempts=8, next_attempt_at=CREATED,
            created_at=CREATED, sent_at=CREATED)],
    }


def as_of(conn: Connection, name: str) -> TableClause | None:
    """The table as this revision has it, typed like the models (so values bind the
    same way); None when the table does not exist yet."""
    inspector = inspect(conn)
    if not inspector.has_table(name):
        return None
    model = Base.metadata.tables[name]
    present = [c["name"] for c in inspector.get_columns(name)]
    return table(name, *(column(n, model.c[n].type) for n in present))


def write_old_rows(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Insert the rows into whatever tables this revision has; what was written."""
    written: dict[str, list[dict[str, Any]]] = {}
    inspector = inspect(conn)
    for name, table_rows in rows().items():
        old = as_of(conn, name)
        if old is None:
            continue
        required = {c["name"]: c for c in inspector.get_columns(name)
                    if not c["nullable"] and c.get("default") is None}
        kept = []
        for row in table_rows:
            values = {k: v for k, v in row.items() if k in old.c}
            for missing in required.keys() - values.keys():
                values[missing] = _filler(Base.metadata.tables[name].c[missing].type)
            kept.append(values)
        conn.execute(old.insert(), kept)
        written[name] = kept
    return written


def read_back(conn: Connection, written: dict[str, list[dict[str, Any]]]) -> dict[
        str, list[dict[str, Any]]]:
    """The same columns of the same rows, read from the (upgraded) database."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, table_rows in written.items():
        current = as_of(conn, name)
        assert current is not None, f"{name} is gone"
        columns = list(table_rows[0])
        got = conn.execute(select(*(current.c[c] for c in columns))).mappings().all()
        found[name] = sorted((dict(r) for r in got), key=repr)
    return found


def _filler(type_: Any) -> Any:
    python = type_.python_type
    return {int: 0, str: "x", bool: False, dict: {}, list: [], float: 0.0,
            datetime: CREATED}[python]
