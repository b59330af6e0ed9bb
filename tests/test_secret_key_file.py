"""The development secret key file: every process that starts at once gets the same key."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from frontdesk.security import KEY_FILE

_READ_KEY = (
    "import sys; from pathlib import Path; from frontdesk.security import _key_from_file;"
    "print(_key_from_file(Path(sys.argv[1])).decode())"
)


def test_processes_starting_together_share_one_whole_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"  # not there yet: each process creates it
    procs = [
        subprocess.Popen([sys.executable, "-c", _READ_KEY, str(data_dir)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in results]
    keys = {out.strip() for out, _ in results}
    assert len(keys) == 1
    key = keys.pop()
    Fernet(key.encode())  # a whole, valid key, not a half-written one
    path = data_dir / KEY_FILE
    assert path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in data_dir.iterdir()] == [KEY_FILE]  # no drafts left behind
