"""Several processes starting at once on an empty PostgreSQL database (``serve --workers
N``, replicas, ``frontdesk migrate`` beside a server) all come up on the full schema."""

from __future__ import annotations

import multiprocessing
import os
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from frontdesk.store import migrate
from frontdesk.store.db import make_engine
from tests.conftest import POSTGRES_ENV, POSTGRES_SKIP

STARTERS = 4


@pytest.fixture
def empty_database() -> Iterator[str]:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(POSTGRES_SKIP)
    name = f"frontdesk_migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _migrate(url: str, start_at: float) -> None:
    engine = make_engine(url)
    time.sleep(max(0.0, start_at - time.time()))  # all start together
    migrate.upgrade(engine)
    engine.dispose()


@pytest.mark.postgres
def test_processes_migrating_one_empty_database_at_once_all_succeed(empty_database: str) -> None:
    # Real processes: Alembic keeps its migration context in module globals, so threads
    # of one process would trip over each other, not over the database.
    spawn = multiprocessing.get_context("spawn")
    start_at = time.time() + 5  # after every interpreter has imported what it needs
    procs = [spawn.Process(target=_migrate, args=(empty_database, start_at))
             for _ in range(STARTERS)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        if proc.is_alive():
            proc.kill()
    assert [proc.exitcode for proc in procs] == [0] * STARTERS
    engine = make_engine(empty_database)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()
