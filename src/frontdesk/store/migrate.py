"""Run Alembic migrations programmatically (at start-up and from ``frontdesk migrate``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


# pg_advisory_xact_lock key held while migrating: any 64-bit number no one else uses.
MIGRATION_LOCK = 0x66726F6E74646B  # "frontdk"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision``; a no-op when it is already there.

    On PostgreSQL, processes starting together (``serve --workers N``, replicas, a
    ``frontdesk migrate`` beside a server) take turns: each waits on an advisory lock
    held on a connection of its own, so one migrates and the others then find the
    schema at head. Without it two would create the same tables at once and one fail."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as holder:
        # A transaction-level lock: it goes when this connection's transaction ends
        # (closing it rolls back), or with the connection if the process dies.
        holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision the code ships."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def known_revisions() -> list[str]:
    """Every revision the code ships, oldest first."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    walked = ScriptDirectory.from_config(config).walk_revisions()  # newest first
    return [script.revision for script in reversed(list(walked))]
