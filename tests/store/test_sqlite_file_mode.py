"""The SQLite database holds customers' names and numbers: owner-only, like the key file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdesk.store import migrate
from frontdesk.store.db import make_engine


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The common default (022), under which a plain create is world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("permissive_umask")
def test_a_new_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "frontdesk.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:  # open: the -wal and -shm files exist meanwhile
            conn.exec_driver_sql("SELECT count(*) FROM tenants")
            files = [path.with_name(path.name + s) for s in ("", "-wal", "-shm")]
            assert all(f.exists() for f in files)
            assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert _mode(path.parent) == 0o700
    finally:
        engine.dispose()
