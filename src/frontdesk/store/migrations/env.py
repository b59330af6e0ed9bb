"""Alembic environment: the engine is handed in by frontdesk.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from frontdesk.store.models import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - misuse guard
    raise RuntimeError("run migrations through frontdesk.store.migrate.upgrade(engine)")


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """SQLite alters a table by copying it, dropping the old one and renaming the copy.
    With foreign keys enforced, that DROP deletes the rows' dependants (ON DELETE
    CASCADE: a tenant's customers, bookings...) or fails (appointments' resources), so a
    database with data in it could not be upgraded, or lost data doing it. Enforcement
    is off while migrating, the way SQLite documents for schema changes, and every
    reference is checked before it is turned back on. The PRAGMA is a no-op inside a
    transaction, so it goes to the driver before SQLAlchemy begins one."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:  # rolls the whole migration back
                    raise RuntimeError(f"migrating left broken references: {broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)
