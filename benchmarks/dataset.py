"""The benchmark data set: one busy business, built the same way in SQLite and PostgreSQL.

- One tenant in America/New_York: 15-minute slot grid, no minimum notice, bookable 365
  days ahead, no per-day limit.
- One service, "Haircut": 30 minutes plus a 5-minute buffer after (35 minutes blocked).
- 20 staff offering it, each working Monday to Saturday 09:00-13:00 and 14:00-18:00, with
  dated time off: two whole days off (one of them a two-day range) and two afternoons off
  (14:00-18:00) per person, on working days drawn at random.
- 90 days of appointments starting on a fixed Monday (2030-01-07, so the window crosses
  the 2030-03-10 DST change), 20,000 of them, status "booked", bulk-inserted with one
  SQLAlchemy Core executemany.

20,000 appointments in 90 days for 20 people is about 13 a working day each: close to the
most that fits (two half-days of 4 hours, 7 appointments of 35 minutes each). A grid of
15-minute starts cannot hold that many 35-minute blocks (it fits 10 a day), so the
appointments are packed back to back at a 35-minute pitch, starting on 5-minute
boundaries (09:00, 09:35, 10:10, ...), which staff are allowed to book. Every working
half-day is split into seven 35-minute cells; a half-day holds 6 or 7 appointments, and
its empty cell, when it has one, is one that starts on the slot grid (09:00/10:45/12:30,
14:00/15:45/17:30). So each empty cell is exactly one bookable slot, the slots are
pairwise non-overlapping, and the data set knows how many slots a search must find.

All randomness comes from one seeded ``random.Random``: the same parameters give the
same data set, on both databases.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.common import log
from frontdesk.services.catalog import (
    ExceptionFields,
    HoursRange,
    ResourceFields,
    ServiceFields,
    add_exception,
    save_resource,
    save_service,
)
from frontdesk.services.tenants import TenantFields, create_tenant
from frontdesk.store import migrate
from frontdesk.store.db import make_engine, make_session_factory, write_session
from frontdesk.store.models import Appointment, AppointmentStatus, Tenant

TIMEZONE = "America/New_York"
FIRST_DAY = date(2030, 1, 7)  # A Monday.
SLOT_INTERVAL_MINUTES = 15
DURATION_MINUTES = 30
BUFFER_AFTER_MINUTES = 5
PITCH = timedelta(minutes=DURATION_MINUTES + BUFFER_AFTER_MINUTES)  # one "cell"
CELLS_PER_HALF_DAY = 7
# Cells whose start lies on the 15-minute grid anchored at the half-day's start
# (35 * i is a multiple of 15 for i = 0, 3, 6): an empty one of these is a bookable slot.
GRID_CELLS = (0, 3, 6)
HALF_DAYS = ((time(9), time(13)), (time(14), time(18)))
WORKDAYS = range(6)  # Monday..Saturday


@dataclass(frozen=True, slots=True)
class Params:
    staff: int = 20
    days: int = 90
    appointments: int = 20_000
    first_day: date = FIRST_DAY
    seed: int = 20300107
    full_days_off_per_staff: int = 2  # one single day and one two-day range
    afternoons_off_per_staff: int = 2


@dataclass(slots=True)
class Plan:
    """What will be stored, computed before touching a database."""

    exceptions: list[list[ExceptionFields]]  # per staff index
    appointments: list[tuple[int, datetime]]  # (staff index, start in UTC)
    free_slots: int  # empty grid cells = bookable slots in the 90 days
    working_half_days: int


@dataclass(slots=True)
class Dataset:
    backend: str
    url: str
    engine: Engine
    factory: sessionmaker[Session]
    tenant: Tenant
    service_id: uuid.UUID
    resource_ids: list[uuid.UUID]  # in name order, as the engine lists them
    params: Params
    plan: Plan
    build_seconds: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(TIMEZONE)

    @property
    def now(self) -> datetime:
        """The fixed "now" every search and booking uses: the Sunday before day 0, noon."""
        return datetime.combine(self.params.first_day - timedelta(days=1), time(12), tzinfo=self.tz)

    def day_start(self, offset: int) -> datetime:
        """Local midnight ``offset`` days after the first day (an aware datetime)."""
        day = self.params.first_day + timedelta(days=offset)
        return datetime.combine(day, time(0), tzinfo=self.tz)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def make_plan(params: Params) -> Plan:
    rng = random.Random(params.seed)
    tz = ZoneInfo(TIMEZONE)
    days = [params.first_day + timedelta(days=i) for i in range(params.days)]
    workdays = [d for d in days if d.weekday() in WORKDAYS]

    exceptions: list[list[ExceptionFields]] = []
    half_days: list[tuple[int, date, time]] = []  # (staff, day, half-day start)
    for staff in range(params.staff):
        # Whole days off: the first is a two-day range when the next working day is the
        # next calendar day, the others single days; a draw that overlaps one is dropped.
        chosen = sorted(rng.sample(range(len(workdays) - 1), params.full_days_off_per_staff))
        off_days: set[date] = set()
        staff_exceptions: list[ExceptionFields] = []
        for n, index in enumerate(chosen):
            first = last = workdays[index]
            if n == 0 and workdays[index + 1] == first + timedelta(days=1):
                last = workdays[index + 1]
            if first in off_days or last in off_days:
                continue
            off_days.update({first, last})
            staff_exceptions.append(ExceptionFields("off", first, last, reason="vacation"))
        candidates = [d for d in workdays if d not in off_days]
        afternoons = set(rng.sample(candidates, params.afternoons_off_per_staff))
        for day in sorted(afternoons):
            staff_exceptions.append(
                ExceptionFields("off", day, day, time(14), time(18), reason="appointment")
            )
        exceptions.append(staff_exceptions)
        for day in workdays:
            if day in off_days:
                continue
            for begin, _ in HALF_DAYS:
                if day in afternoons and begin == HALF_DAYS[1][0]:
                    continue
                half_days.append((staff, day, begin))

    base, extra = divmod(params.appointments, len(half_days))
    if base + (1 if extra else 0) > CELLS_PER_HALF_DAY or base < CELLS_PER_HALF_DAY - len(
        GRID_CELLS
    ):
        raise ValueError(
            f"{params.appointments} appointments do not fit the 6-or-7-per-half-day layout "
            f"of {len(half_days)} working half-days"
        )
    fuller = set(rng.sample(range(len(half_days)), extra))
    appointments: list[tuple[int, datetime]] = []
    free = 0
    for index, (staff, day, begin) in enumerate(half_days):
        count = base + (1 if index in fuller else 0)
        empty = set(rng.sample(GRID_CELLS, CELLS_PER_HALF_DAY - count))
        free += len(empty)
        start = _local(day, begin, tz)
        for cell in range(CELLS_PER_HALF_DAY):
            if cell not in empty:
                appointments.append((staff, start + cell * PITCH))
    return Plan(exceptions, appointments, free, len(half_days))


def _insert_appointments(
    engine: Engine,
    tenant_id: uuid.UUID,
    service_id: uuid.UUID,
    resources: list[uuid.UUID],
    plan: Plan,
) -> None:
    """Bulk insert with Core executemany; times placed exactly as ``booking._place`` does."""
    duration = timedelta(minutes=DURATION_MINUTES)
    before = timedelta(0)
    after = timedelta(minutes=BUFFER_AFTER_MINUTES)
    created = datetime(2029, 12, 1, tzinfo=UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "service_id": service_id,
            "resource_id": resources[staff],
            "customer_id": None,
            "start_at": start,
            "end_at": start + duration,
            "blocked_start": start - before,
            "blocked_end": start + duration + after,
            "status": AppointmentStatus.BOOKED.value,
            "source": "import",
            "idempotency_key": None,
            "request_hash": None,
            "notes": None,
            "created_at": created,
            "updated_at": created,
            "cancelled_at": None,
        }
        for staff, start in plan.appointments
    ]
    table = Appointment.__table__
    with engine.begin() as conn:
        for chunk in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[chunk : chunk + 5000])


def populate(engine: Engine, params: Params, backend: str, url: str) -> Dataset:
    """Migrate an empty database and fill it; returns handles for the benchmarks."""
    started = perf_counter()
    plan = make_plan(params)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with write_session(factory) as session:
        tenant = create_tenant(
            session,
            "bench-salon",
            TenantFields(
                name="Bench Salon",
                timezone=TIMEZONE,
                min_notice_minutes=0,
                max_days_ahead=365,
                slot_interval_minutes=SLOT_INTERVAL_MINUTES,
            ),
        )
        service = save_service(
            session,
            tenant,
            ServiceFields(
                name="Haircut",
                duration_minutes=DURATION_MINUTES,
                buffer_after_minutes=BUFFER_AFTER_MINUTES,
            ),
        )
        hours = [HoursRange(d, begin, end) for d in WORKDAYS for begin, end in HALF_DAYS]
        resource_ids: list[uuid.UUID] = []
        for staff in range(params.staff):
            resource = save_resource(
                session,
                tenant,
                ResourceFields(
                    name=f"Staff {staff + 1:02d}", service_ids=[service.id], hours=hours
                ),
            )
            for exception in plan.exceptions[staff]:
                add_exception(session, tenant, resource, exception)
            resource_ids.append(resource.id)
        service_id = service.id
    _insert_appointments(engine, tenant.id, service_id, resource_ids, plan)
    with engine.begin() as conn:
        # PostgreSQL's autovacuum would analyze the new rows within a minute; do it now so
        # plans are stable. On SQLite ANALYZE is left out: the app never runs it either.
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elapsed = perf_counter() - started
    log(
        f"{backend}: built {len(plan.appointments)} appointments, {params.staff} staff, "
        f"{plan.free_slots} free slots in {elapsed:.1f}s"
    )
    return Dataset(
        backend=backend,
        url=url,
        engine=engine,
        factory=factory,
        tenant=tenant,
        service_id=service_id,
        resource_ids=resource_ids,
        params=params,
        plan=plan,
        build_seconds=round(elapsed, 2),
    )


@contextmanager
def sqlite_dataset(params: Params) -> Iterator[Dataset]:
    """A fresh SQLite file (WAL, as ``make_engine`` sets it up) in a temporary folder."""
    with TemporaryDirectory(prefix="frontdesk-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        try:
            dataset = populate(engine, params, "sqlite", url)
            with engine.connect() as conn:
                mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            dataset.info = {"journal_mode": mode, "file": "temporary"}
            yield dataset
        finally:
            engine.dispose()


def postgres_server_version(server_url: str) -> str:
    admin = create_engine(server_url)
    try:
        with admin.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar())
    finally:
        admin.dispose()


@contextmanager
def postgres_dataset(params: Params, server_url: str) -> Iterator[Dataset]:
    """A scratch database on the server, created here and dropped afterwards."""
    base = make_url(server_url)
    name = f"frontdesk_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    log(f"postgresql: created scratch database {name}")
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        dataset = populate(engine, params, "postgresql", url)
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        dataset.info = {"server_version": version, "database": "scratch (dropped after)"}
        yield dataset
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
        log(f"postgresql: dropped {name}")
