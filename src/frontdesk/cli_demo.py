"""The database a ``serve --demo`` server starts afresh: one per port, held while it runs.

Each demo gets ``data_dir/demo-{port}.db``, so a second demo on another port leaves the
first one's data alone. A lock next to it (``flock``, which the system releases when the
process ends, however it ends) makes a second demo on the same port refuse to start
before it deletes anything.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from frontdesk.errors import FrontdeskError

# Open lock files, kept for the life of the process (closing one would release it).
_HELD: list[int] = []


class DemoBusy(FrontdeskError):
    code = "demo_busy"
    status = 409
    title = "Another demo holds this database"


def claim_demo_database(data_dir: Path, port: int) -> Path:
    """Lock, then empty, this port's demo database; its path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / f"demo-{port}.db"
    _lock(database.with_name(database.name + ".lock"), port, database)
    for suffix in ("", "-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    return database


def _lock(path: Path, port: int, database: Path) -> None:
    if sys.platform == "win32":  # no flock there; each port still has its own file
        return
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DemoBusy(
            f"another `frontdesk serve --demo` on port {port} is running on {database}; "
            "stop it first or pick another --port"
        ) from None
    _HELD.append(fd)
