"""The Dockerfile's build, run here: docker's engine does not run on this machine, so the
image cannot be built in the tests; instead its RUN steps that build and install the
wheels (deploy/build-wheels.sh, with the Dockerfile's own arguments) run into a temporary
directory and a fresh virtual environment, and the installed ``frontdesk`` must answer
``--help`` and migrate a new SQLite database. Slow (about 2 to 3 minutes on 2 busy cores:
pip builds and installs ~90 wheels, from the local index and cache), so marked ``slow``;
it still runs with the rest of the suite."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for word, rest in instructions():
        if word == "FROM":
            result.append([])
        if result:
            result[-1].append((word, rest))
    return result


def build_steps() -> list[list[str]]:
    """The RUN steps that call build-wheels.sh, as argument lists (mount flags dropped,
    build arguments at their defaults)."""
    args = {}
    steps = []
    for word, rest in instructions():
        if word == "ARG" and "=" in rest:
            name, _, value = rest.partition("=")
            args[name] = value
        if word == "RUN" and "build-wheels.sh" in rest:
            words = [w for w in shlex.split(rest) if not w.startswith("--mount=")]
            steps.append([re.sub(r"\$\{?(\w+)\}?", lambda m: args[m.group(1)], w)
                          for w in words])
    return steps


def test_final_stage_is_slim_and_unprivileged() -> None:
    builder, final = stages()
    assert "AS builder" in builder[0][1]
    final_text = " ".join(rest for _, rest in final)
    assert not re.search(r"build-essential|gcc|\bmake\b|-dev\b", final_text)
    assert "COPY" not in {w for w, rest in final if "src" in rest.split()}  # no source tree
    users = [rest for word, rest in final if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    health = [rest for word, rest in final if word == "HEALTHCHECK"]
    assert health and "/health" in health[0]
    assert ("CMD", '["serve"]') in final
    # The wheels come only from the builder, by --no-index (the script's --install step).
    installs = [rest for word, rest in final if word == "RUN" and "--install" in rest]
    assert len(installs) == 1 and "from=builder" in installs[0]


@pytest.mark.slow
def test_dockerfile_build_steps_give_a_working_install(tmp_path: Path) -> None:
    steps = build_steps()
    assert [step[1] for step in steps] == ["/src", "--install"], steps
    # COPY pyproject.toml README.md ./ and COPY src ./src, into the builder's /src.
    source = tmp_path / "src-tree"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    places = {"/src": str(source), "/wheels": str(tmp_path / "wheels"),
              "/opt/frontdesk": str(tmp_path / "venv")}
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FRONTDESK_", "PYTHON", "VIRTUAL_ENV"))}
    env["PYTHON"] = sys.executable  # the image's python3: the same 3.11
    for step in steps:
        command = [str(ROOT / "deploy" / "build-wheels.sh")] + [
            places.get(word, word) for word in step[1:]]
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    frontdesk = tmp_path / "venv" / "bin" / "frontdesk"
    helped = subprocess.run([str(frontdesk), "--help"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "serve" in helped.stdout and "worker" in helped.stdout
    database = tmp_path / "fresh.db"
    migrated = subprocess.run(
        [str(frontdesk), "migrate"], cwd=tmp_path, timeout=120, capture_output=True, text=True,
        env={**env, "FRONTDESK_DATABASE_URL": f"sqlite:///{database}",
             "FRONTDESK_DATA_DIR": str(tmp_path / "data")})
    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
    assert {"tenants", "appointments", "alembic_version"} <= tables
    # The installed package is the wheel's, not this checkout.
    where = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), "-c",
                            "import frontdesk; print(frontdesk.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert str(tmp_path / "venv") in where.stdout
