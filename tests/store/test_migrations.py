"""Migrations: the schema Alembic builds is the schema the models describe, and a
database at any earlier revision, with data in it, upgrades to it and keeps its data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import make_url

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.store import migrate
from frontdesk.store.db import make_engine
from frontdesk.store.models import Base
from tests.store import revision_data


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_at_head(engine: Engine) -> None:
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"tenants", "services", "resources", "customers", "appointments", "api_keys"} <= tables


# --- upgrading a database from every earlier revision, with data in it ------------------

EARLIER = migrate.known_revisions()[:-1]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database never migrated: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    server = request.getfixturevalue("postgres_server_url")
    name = f"fd_upgrade_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.mark.parametrize("revision", EARLIER)
def test_a_database_at_an_earlier_revision_upgrades_with_its_data(
        revision: str, empty_url: str) -> None:
    """Built at ``revision``, filled the way that revision's code would have, upgraded to
    head: every row is still there as written, and the app serves it."""
    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine, revision)
        with engine.begin() as conn:
            written = revision_data.write_old_rows(conn)
        assert {"tenants", "services", "customers", "appointments"} <= written.keys()
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as conn:
            assert revision_data.read_back(conn, written) == {
                name: sorted(table_rows, key=repr) for name, table_rows in written.items()}

        app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
        headers = {"Authorization": f"Bearer {revision_data.API_KEY}"}
        with TestClient(app) as client:
            listed = client.get("/api/v1/appointments", headers=headers)
            assert listed.status_code == 200, listed.text
            [booked] = listed.json()
            assert booked["id"] == str(revision_data.APPOINTMENT)
            assert booked["service_name"] == "Haircut" and booked["status"] == "booked"
            if "conversations" in written:
                talk = client.get(f"/api/v1/conversations/{revision_data.CONVERSATION}",
                                  headers=headers)
                assert talk.status_code == 200, talk.text
                assert [t["text"] for t in talk.json()["turns"]] == list(revision_data.SAID)
    finally:
        engine.dispose()
