"""Backup and restore (store/backup.py, ``frontdesk backup|restore``): a database full of
real use, backed up and restored into a fresh database, has every row of every table
back; a restore never overwrites rows unless forced, refuses a newer schema and
migrates an older one up."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.services.demo import seed_demo
from frontdesk.store import migrate
from frontdesk.store.backup import BackupError, backup, backup_revision, restore
from frontdesk.store.db import make_engine, make_session_factory
from tests.channels.test_chat import _send, chat_until_booked
from tests.cli.test_cli import _env
from tests.conftest import Business, auth


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def every_row(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows, in a stable order, as the database gives them back."""
    rows = {}
    with engine.connect() as conn:
        for name in sorted(inspect(engine).get_table_names()):
            quoted = engine.dialect.identifier_preparer.quote(name)
            found = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {quoted}"))]
            rows[name] = sorted(found, key=repr)
    return rows


def fill(client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    """The demo businesses and their bookings, a booking made by chatting (with its
    confirmation in the outbox) and a conversation left half-way, in Spanish."""
    seed_demo(factory)
    chat_until_booked(client, biz, "en")
    _send(client, biz, "Hola, quiero un corte de pelo")


@pytest.fixture
def fresh_url(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as ``engine``, never migrated."""
    if engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"fd_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url_of(engine)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_restoring_a_backup_into_a_fresh_database_gives_back_every_row(
        engine: Engine, client: TestClient, biz: Business, factory: sessionmaker[Session],
        fresh_url: str, tmp_path: Path) -> None:
    fill(client, biz, factory)
    before = every_row(engine)
    assert len(before["appointments"]) >= 6 and len(before["conversation_turns"]) >= 4
    assert before["outbox_messages"] and before["customers"] and before["users"]

    made = backup(url_of(engine), tmp_path / "frontdesk.backup")
    assert made.revision == migrate.head_revision()
    assert (tmp_path / "frontdesk.backup").stat().st_mode & 0o077 == 0  # owner only
    done = restore(fresh_url, made.path)
    assert (done.backup_revision, done.migrated) == (migrate.head_revision(), False)

    restored = make_engine(fresh_url)
    try:
        assert every_row(restored) == before
        # and the app serves it: the chat's booking is listed to the business's key
        app = create_app(Settings(environment="test", llm_base_url=""), engine=restored)
        with TestClient(app) as again:
            listed = again.get("/api/v1/appointments", headers=auth(biz)).json()
        assert [a["source"] for a in listed] == ["chat"]
    finally:
        restored.dispose()


def test_a_restore_refuses_a_database_with_rows_unless_forced(
        engine: Engine, client: TestClient, biz: Business, factory: sessionmaker[Session],
        tmp_path: Path) -> None:
    _send(client, biz, "I'd like a haircut")
    made = backup(url_of(engine), tmp_path / "one.backup")
    before = every_row(engine)
    seed_demo(factory)  # rows the backup does not have
    with pytest.raises(BackupError, match="not empty.*--force"):
        restore(url_of(engine), made.path)
    assert len(every_row(engine)["tenants"]) == 3  # nothing was touched
    engine.dispose()  # a restore wants the database to itself
    restore(url_of(engine), made.path, force=True)
    assert every_row(engine) == before


def test_a_backup_from_a_newer_frontdesk_is_refused(sqlite_engine: Engine,
                                                    tmp_path: Path) -> None:
    made = backup(url_of(sqlite_engine), tmp_path / "new.backup")
    with sqlite3.connect(made.path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    with pytest.raises(BackupError, match="9999_from_the_future.*newer version"):
        restore(f"sqlite:///{tmp_path / 'fresh.db'}", made.path)
    assert not (tmp_path / "fresh.db").exists() or \
        "alembic_version" not in inspect(create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
                                         ).get_table_names()


def test_an_older_backup_is_restored_and_migrated_up(tmp_path: Path) -> None:
    old = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(old, "0015")
    with old.begin() as conn:
        conn.execute(text(
            "INSERT INTO tenants (id, slug, name, timezone, languages, country, persona, "
            "min_notice_minutes, max_days_ahead, slot_interval_minutes, created_at) "
            "VALUES ('0123456789abcdef0123456789abcdef', 'old', 'Old', 'UTC', '[\"en\"]', "
            "'US', 'default', 0, 30, 15, '2026-01-01 00:00:00')"))
    made = backup(url_of(old), tmp_path / "old.backup")
    old.dispose()
    assert made.revision == backup_revision(made.path) == "0015"
    done = restore(f"sqlite:///{tmp_path / 'new.db'}", made.path)
    assert (done.backup_revision, done.revision, done.migrated) == (
        "0015", migrate.head_revision(), True)
    new = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        with new.connect() as conn:
            assert conn.execute(text("SELECT slug, greeting FROM tenants")).all() == [
                ("old", "{}")]
    finally:
        new.dispose()


def test_a_backup_taken_while_the_server_writes_is_whole(sqlite_engine: Engine,
                                                         tmp_path: Path) -> None:
    """The online backup API copies a consistent snapshot while another connection keeps
    committing: the copy passes SQLite's integrity check and holds whole transactions."""
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            with sqlite_engine.begin() as conn:  # two rows per transaction
                for suffix in ("a", "b"):
                    conn.execute(text("INSERT INTO do_not_call (phone_e164, created_at) "
                                      "VALUES (:p, '2026-01-01 00:00:00')"),
                                 {"p": f"+1{n:09d}{suffix}"})
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        made = backup(url_of(sqlite_engine), tmp_path / "live.backup")
    finally:
        stop.set()
        writer.join()
    with sqlite3.connect(made.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count = conn.execute("SELECT count(*) FROM do_not_call").fetchone()[0]
    assert count % 2 == 0


def test_a_sqlite_backup_does_not_restore_into_postgresql(
        sqlite_engine: Engine, postgres_engine: Engine, tmp_path: Path) -> None:
    made = backup(url_of(sqlite_engine), tmp_path / "lite.backup")
    with pytest.raises(BackupError, match="sqlite backup; it restores only into a sqlite"):
        restore(url_of(postgres_engine), made.path)


def test_the_commands_back_up_and_restore(tmp_path: Path) -> None:
    """``frontdesk backup`` and ``frontdesk restore`` as a user runs them."""
    source = f"sqlite:///{tmp_path / 'live.db'}"
    first = make_engine(source)
    migrate.upgrade(first)
    seed_demo(make_session_factory(first))
    before = every_row(first)
    first.dispose()

    def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "frontdesk", *args],
                              env=_env(tmp_path, FRONTDESK_DATABASE_URL=url),
                              capture_output=True, text=True, timeout=120)

    made = run(source, "backup", str(tmp_path / "b.backup"))
    assert made.returncode == 0, made.stderr
    assert f"schema revision {migrate.head_revision()}" in made.stdout
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    assert run(target, "restore", str(tmp_path / "b.backup")).returncode == 0
    refused = run(target, "restore", str(tmp_path / "b.backup"))
    assert refused.returncode == 2 and "--force" in refused.stderr
    restored = make_engine(target)
    try:
        assert every_row(restored) == before
    finally:
        restored.dispose()
