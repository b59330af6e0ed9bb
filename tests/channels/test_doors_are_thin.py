"""Doors translate wire formats; they reach the data only through services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import frontdesk

SRC = Path(frontdesk.__file__).parent
DOORS = sorted((SRC / "channels").glob("*.py"))
# What the doors handed over to the conversation layer (doors and brain never touch the
# store, see DESIGN.md).
MOVED_UP = [SRC / "conversation" / name
            for name in ("sms_keywords.py", "phone_calls.py", "call_lines.py")]


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", DOORS + MOVED_UP, ids=lambda p: p.name)
def test_no_door_imports_the_store(path: Path) -> None:
    store = sorted(n for n in imported(path) if n.split(".")[:2] == ["frontdesk", "store"])
    assert not store, f"{path.name} imports {store}: go through frontdesk.services"


@pytest.mark.parametrize("path", DOORS, ids=lambda p: p.name)
def test_no_door_builds_sql(path: Path) -> None:
    sql = sorted(n for n in imported(path)
                 if n == "sqlalchemy" or (n.startswith("sqlalchemy.") and n != "sqlalchemy.orm"
                                          and n != "sqlalchemy.exc"))
    assert not sql, f"{path.name} imports {sql}: queries belong in frontdesk.services"
