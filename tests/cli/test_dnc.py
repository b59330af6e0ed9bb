"""``frontdesk dnc``: the operator's do-not-call list, run as an operator runs it."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import _run


def test_numbers_are_added_listed_and_removed_in_e164(tmp_path: Path) -> None:
    added = _run(tmp_path, "dnc", "add", "(212) 555-0177", "+34 911 234 567",
                 "--reason", "registry 2026-12")
    assert added.returncode == 0, added.stderr
    assert "+12125550177: added" in added.stdout and "+34911234567: added" in added.stdout
    again = _run(tmp_path, "dnc", "add", "212-555-0177")
    assert "+12125550177: already on the list" in again.stdout
    listed = _run(tmp_path, "dnc", "list").stdout
    assert "+12125550177" in listed and "registry 2026-12" in listed
    removed = _run(tmp_path, "dnc", "remove", "2125550177")
    assert removed.returncode == 0 and "removed" in removed.stdout
    missing = _run(tmp_path, "dnc", "remove", "2125550177")
    assert missing.returncode == 1 and "was not on the list" in missing.stdout
    bad = _run(tmp_path, "dnc", "add", "12")
    assert bad.returncode != 0 and "not a" in (bad.stderr + bad.stdout)
    assert "+12125550177" not in _run(tmp_path, "dnc", "list").stdout
