"""Migration 0018 (what a business tells its callers): a business that existed before it
tells callers nothing it did not write, its appointments keep no intake, and it goes back
down cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from frontdesk.store import migrate
from frontdesk.store.db import make_engine


def test_existing_businesses_have_no_facts_and_it_downgrades(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrate.upgrade(engine, "0017")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO tenants (id, slug, name, timezone, languages, country, persona, "
                "min_notice_minutes, max_days_ahead, slot_interval_minutes, created_at) "
                "VALUES ('0123456789abcdef0123456789abcdef', 'old', 'Old', 'UTC', '[\"en\"]', "
                "'US', 'default', 0, 30, 15, '2026-01-01 00:00:00')"))
        migrate.upgrade(engine)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT info, faq, required_fields FROM tenants")).one()
        assert tuple(row) == ("{}", "[]", "[]")
        assert "intake" in {c["name"] for c in inspect(engine).get_columns("appointments")}
        command.downgrade(migrate.alembic_config(engine), "0017")
        columns = {c["name"] for c in inspect(engine).get_columns("tenants")}
        assert not columns & {"info", "faq", "required_fields"}
        assert "intake" not in {c["name"] for c in inspect(engine).get_columns("appointments")}
        assert migrate.current_revision(engine) == "0017"
    finally:
        engine.dispose()
