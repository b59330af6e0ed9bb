"""``frontdesk backup PATH`` and ``frontdesk restore PATH``: the database in one file.

SQLite is copied with its online backup API (safe while the server runs); PostgreSQL
with ``pg_dump --format=custom`` and restored with ``pg_restore`` (the PostgreSQL client
tools must be installed). A restore replaces the database named by
FRONTDESK_DATABASE_URL, refuses one that holds rows unless --force, refuses a backup
from a newer frontdesk, and migrates an older one up. Stop the server before restoring.
Details: docs/decisions/0057-backup-and-restore.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from frontdesk.config import get_settings
from frontdesk.errors import InvalidInput


def cmd_backup(args: argparse.Namespace) -> int:
    from frontdesk.store.backup import BackupError, backup

    url = get_settings().resolved_database_url()
    try:
        info = backup(url, Path(args.path), pg_bin=args.pg_bin)
    except BackupError as exc:
        raise InvalidInput(str(exc)) from exc
    print(f"backed up the {info.kind} database at schema revision {info.revision} "
          f"to {info.path}")
    print("keep the secret key (FRONTDESK_SECRET_KEY, or secret.key in the data directory) "
          "with it: stored calendar credentials need it")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from frontdesk.store.backup import BackupError, restore

    url = get_settings().resolved_database_url()
    try:
        info = restore(url, Path(args.path), force=args.force, pg_bin=args.pg_bin)
    except BackupError as exc:
        raise InvalidInput(str(exc)) from exc
    migrated = (f", then migrated from {info.backup_revision} to {info.revision}"
                if info.migrated else "")
    print(f"restored the {info.kind} backup at schema revision {info.backup_revision}"
          f"{migrated}")
    return 0


def register(sub: Any) -> None:
    backup = sub.add_parser(
        "backup", help="copy the database into one file (safe while the server runs)",
        description=__doc__)
    backup.add_argument("path", help="the file to write (replaced if it exists)")
    backup.add_argument("--pg-bin", metavar="DIR", default=None,
                        help="where pg_dump is (default: the server's version under "
                             "/usr/lib/postgresql, else PATH)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser(
        "restore", help="replace the database with a backup (stop the server first)",
        description=__doc__)
    restore.add_argument("path", help="a file `frontdesk backup` wrote")
    restore.add_argument("--force", action="store_true",
                         help="replace a database that holds rows")
    restore.add_argument("--pg-bin", metavar="DIR", default=None,
                         help="where pg_restore is (default: the server's version under "
                              "/usr/lib/postgresql, else PATH)")
    restore.set_defaults(func=cmd_restore)
