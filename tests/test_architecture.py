"""The layers drawn in DESIGN.md hold: import-linter checks the contracts in pyproject.

Layers (composition > doors > web > brain | delivery > services > adapters > store >
core), no cycles between packages, doors and the brain never importing the store,
services never importing upward, and the scheduling core and NLU doing no I/O.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert command, "import-linter is part of the test extra: pip install -e '.[test]'"
    # --no-cache: a cached graph from before a move would judge the old code.
    run = subprocess.run([command, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout and "5 kept" in run.stdout, run.stdout[-2000:]


def test_doors_and_the_brain_name_no_store_module() -> None:
    """The same rule read off the source, so it fails with the file name at hand."""
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("api", "channels", "conversation")
        for path in (ROOT / "src" / "frontdesk" / package).rglob("*.py")
        if "frontdesk.store" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
