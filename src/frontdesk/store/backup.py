"""Back up a frontdesk database to one file, and restore one into a database.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent
snapshot page by page while the server keeps writing (WAL: the copy never blocks the
writer). PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` in one transaction,
so a restore that fails leaves the target as it was. ADR 0057 says why these and not
our own dump format.

A backup carries its schema revision (the ``alembic_version`` row inside it). A restore
refuses a backup from a newer frontdesk (this code cannot know its schema), takes an
older one and migrates it up, and never overwrites a database that holds rows unless
told to (``force``).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL, make_url

from frontdesk.store import migrate
from frontdesk.store.db import create_private_file, make_engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: str  # "sqlite" | "postgresql"
    revision: str | None


@dataclass(frozen=True)
class RestoreInfo:
    kind: str
    backup_revision: str | None
    revision: str | None  # the database's after the restore (head)
    migrated: bool


# --- backing up ------------------------------------------------------------------------


def backup(url: str, dest: Path, *, pg_bin: str | None = None) -> BackupInfo:
    """Write a backup of the database at ``url`` to ``dest`` (replaced if it exists).

    The file is written beside ``dest`` under another name and renamed at the end, so a
    backup cut short never looks like a complete one; it is readable by its owner only
    (it holds customers' names and numbers)."""
    parsed = make_url(url)
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    create_private_file(partial)
    try:
        if parsed.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_path(parsed), partial)
            kind = "sqlite"
        elif parsed.get_backend_name() == "postgresql":
            _run(pg_tool("pg_dump", parsed, pg_bin),
                 ["--format=custom", "--no-owner", "--no-privileges",
                  f"--file={partial}", f"--dbname={_conninfo(parsed)}"], parsed)
            kind = "postgresql"
        else:
            raise BackupError(f"cannot back up a {parsed.get_backend_name()} database")
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(dest, kind, backup_revision(dest, pg_bin=pg_bin))


def _sqlite_backup(source: Path, dest: Path) -> None:
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    # Read-only: a backup must never create or change the database it copies.
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(dest)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


# --- what a backup holds ---------------------------------------------------------------


def backup_kind(path: Path) -> str:
    """"sqlite" or "postgresql", from the file's first bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"there is no backup at {path}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a frontdesk backup (neither a SQLite database nor a "
                      "pg_dump custom-format archive)")


def backup_revision(path: Path, *, pg_bin: str | None = None) -> str | None:
    """The schema revision inside a backup (None: a database never migrated)."""
    if backup_kind(path) == "sqlite":
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return _one_revision(conn.execute("SELECT version_num FROM alembic_version"))
        except sqlite3.OperationalError:  # no alembic_version table
            return None
        finally:
            conn.close()
    # The archive's alembic_version data, as the SQL pg_restore would run for it.
    listing = _run(pg_tool("pg_restore", None, pg_bin),
                   ["--data-only", "--table=alembic_version", "--file=-", str(path)], None)
    match = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(.*?)\n\\\.$",
                      listing, re.MULTILINE | re.DOTALL)
    return match.group(1).strip() or None if match else None


def _one_revision(rows: sqlite3.Cursor) -> str | None:
    found = [r[0] for r in rows]
    return found[0] if found else None


# --- restoring -------------------------------------------------------------------------


def restore(url: str, source: Path, *, force: bool = False,
            pg_bin: str | None = None) -> RestoreInfo:
    """Replace the database at ``url`` with the backup at ``source``, then migrate it to
    this code's schema. Nothing else may use the database meanwhile (stop the server)."""
    parsed = make_url(url)
    kind = backup_kind(source)
    target = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql"
    if kind != target:
        raise BackupError(f"{source} is a {kind} backup; it restores only into a {kind} "
                          f"database, not {target} (FRONTDESK_DATABASE_URL)")
    revision = backup_revision(source, pg_bin=pg_bin)
    _check_revision(revision)
    engine = make_engine(url)
    try:
        rows = tables_with_rows(engine)
        if rows and not force:
            raise BackupError(
                f"the database at {parsed.render_as_string()} is not empty (rows in "
                f"{', '.join(rows[:5])}{', ...' if len(rows) > 5 else ''}): restoring would "
                "replace them all. Use --force if that is what you want")
        if kind == "sqlite":
            engine.dispose()
            _sqlite_restore(source, _sqlite_path(parsed))
        else:
            _drop_all_tables(engine)
            engine.dispose()
            _run(pg_tool("pg_restore", parsed, pg_bin),
                 ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
                  "--no-comments", f"--dbname={_conninfo(parsed)}", str(source)], parsed)
        migrate.upgrade(engine)
        now = migrate.current_revision(engine)
    finally:
        engine.dispose()
    return RestoreInfo(kind, revision, now, migrated=now != revision)


def _check_revision(revision: str | None) -> None:
    known = migrate.known_revisions()
    if revision is None:
        raise BackupError("the backup holds no schema revision (no alembic_version row): "
                          "it is not a frontdesk database, or one never migrated")
    if revision not in known:
        raise BackupError(
            f"the backup is at schema revision {revision}, which this frontdesk does not "
            f"know (it goes up to {migrate.head_revision()}): it was made by a newer "
            "version. Restore it with that version (or a newer one), not this one")


def tables_with_rows(engine: Engine) -> list[str]:
    """The tables holding at least one row (alembic's own bookkeeping aside)."""
    names = [n for n in inspect(engine).get_table_names() if n != "alembic_version"]
    found = []
    with engine.connect() as conn:
        for name in sorted(names):
            quoted = engine.dialect.identifier_preparer.quote(name)
            if conn.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1")).first() is not None:
                found.append(name)
    return found


def _sqlite_restore(source: Path, dest: Path) -> None:
    """Copy the backup over the database through SQLite itself (its backup API into the
    open target), so its -wal and -shm files stay consistent with the new content."""
    create_private_file(dest)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _drop_all_tables(engine: Engine) -> None:
    """Empty the target's schema of tables (a forced restore of an older backup must
    not find the newer tables there), keeping extensions and the schema itself."""
    names = inspect(engine).get_table_names()
    if not names:
        return
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {', '.join(quote(n) for n in names)} CASCADE"))


# --- PostgreSQL's own tools ------------------------------------------------------------


def pg_tool(name: str, url: URL | None, pg_bin: str | None) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: in ``pg_bin`` when given; else the one
    of the server's major version under /usr/lib/postgresql (Debian and Ubuntu install
    several side by side, and pg_dump refuses a server newer than itself); else PATH."""
    if pg_bin:
        candidate = Path(pg_bin) / name
        if candidate.exists():
            return str(candidate)
        raise BackupError(f"there is no {name} in {pg_bin}")
    major = _server_major(url) if url is not None else None
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                      key=lambda p: _int(p.parent.parent.name), reverse=True)
    matching = [p for p in versions if major is not None and _int(p.parent.parent.name) == major]
    for candidate in matching or versions:
        return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        f"{name} is not installed: backing up and restoring PostgreSQL uses its own tools. "
        "Install the PostgreSQL client (Debian/Ubuntu: apt install postgresql-client; "
        f"the same major version as the server or newer), or give --pg-bin DIR")


def _int(value: str) -> int:
    return int(value) if value.isdigit() else -1


def _server_major(url: URL) -> int | None:
    engine = make_engine(url.render_as_string(hide_password=False), pool_size=1,
                         max_overflow=0)
    try:
        with engine.connect() as conn:
            number = conn.execute(text("SHOW server_version_num")).scalar_one()
        return int(number) // 10000
    except Exception:  # noqa: BLE001 - only a hint for choosing a binary; pg_dump says why
        return None
    finally:
        engine.dispose()


def _conninfo(url: URL) -> str:
    """A libpq URL for the tools: no driver name, and no password (that goes in
    PGPASSWORD, so it never shows in the process list)."""
    bare = url.set(drivername="postgresql", password=None)
    return bare.render_as_string(hide_password=False)


def _run(tool: str, args: list[str], url: URL | None) -> str:
    env: Mapping[str, str] = dict(os.environ)
    if url is not None and url.password:
        env = {**env, "PGPASSWORD": str(url.password)}
    done = subprocess.run([tool, *args], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(tool).name} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore")
    return Path(url.database)
