"""The deployment files say what the code does: .env.example lists every setting, and
compose.yaml wires the services as docs/DEPLOY.md describes (checked without docker)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from frontdesk.config import Settings

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE = ROOT / "compose.yaml"
# A setting's line, set or left commented at its default: "FRONTDESK_PORT=" or "# FRONTDESK_PORT=".
SETTING_LINE = re.compile(r"^(#\s*)?FRONTDESK_([A-Z0-9_]+)=(.*)$")


def documented() -> dict[str, tuple[bool, str, str]]:
    """FRONTDESK_* name -> (set, value, the comment line above it)."""
    found: dict[str, tuple[bool, str, str]] = {}
    previous = ""
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = SETTING_LINE.match(line)
        if match:
            found[match.group(2)] = (match.group(1) is None, match.group(3), previous)
        previous = line
    return found


def setting_names() -> set[str]:
    """The settings read from FRONTDESK_* variables (not those under another's name)."""
    return {name.upper() for name, field in Settings.model_fields.items()
            if not isinstance(field.validation_alias, str)}


def test_settings_under_other_names_are_documented() -> None:
    """A setting read from another tool's variable (PROMETHEUS_MULTIPROC_DIR) is listed
    under that name, with a comment."""
    lines = ENV_EXAMPLE.read_text().splitlines()
    for field in Settings.model_fields.values():
        if isinstance(field.validation_alias, str):
            at = [i for i, line in enumerate(lines)
                  if re.match(rf"^(#\s*)?{field.validation_alias}=", line)]
            assert at, f"{field.validation_alias} is missing from .env.example"
            assert lines[at[0] - 1].startswith("# "), field.validation_alias


def test_every_setting_is_in_env_example() -> None:
    missing = sorted(f"FRONTDESK_{name}" for name in setting_names() - documented().keys())
    assert not missing, (
        "settings missing from .env.example (add each with a one-line comment above it, "
        "commented out at its default, secrets blank): " + ", ".join(missing))


def test_env_example_names_only_real_settings() -> None:
    stale = sorted(f"FRONTDESK_{name}" for name in documented().keys() - setting_names())
    assert not stale, "in .env.example but not in Settings: " + ", ".join(stale)


def test_each_setting_has_a_comment_and_secrets_are_blank() -> None:
    for name, (_, value, above) in documented().items():
        assert above.startswith("# ") and not SETTING_LINE.match(above), (
            f"FRONTDESK_{name} has no comment line right above it")
        if name.endswith(("SECRET", "PASSWORD", "_TOKEN", "API_KEY")) \
                and not name.startswith("RATE_LIMIT_"):
            assert value == "", f"FRONTDESK_{name} must be blank in .env.example"


def test_env_example_values_are_valid_and_defaults_match() -> None:
    """What is set parses as its setting, and a commented default is the code's own (one
    that drifted would mislead whoever reads it)."""
    fields = Settings.model_fields
    for name, (is_set, value, _) in documented().items():
        if not value or name == "DATA_DIR":  # blank, or a default that depends on $HOME
            continue
        parsed = getattr(Settings.model_validate({name.lower(): value}), name.lower())
        if not is_set:
            assert parsed == fields[name.lower()].default, (
                f"FRONTDESK_{name}: .env.example says {value!r}, the code "
                f"{fields[name.lower()].default!r}")


def test_compose_wires_the_services() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "server", "worker"}
    assert services["server"]["command"] == ["serve"]
    assert services["worker"]["command"] == ["worker"]
    for name in ("postgres", "redis", "server", "worker"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("server", "worker"):
        service = services[name]
        assert service["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                         "redis": {"condition": "service_healthy"}}
        assert service["env_file"][0]["path"] == ".env"
        environment = service["environment"]
        assert environment["FRONTDESK_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert environment["FRONTDESK_REDIS_URL"] == "redis://redis:6379/0"
        # The process manager waits longer than the drain may take.
        grace = float(service["stop_grace_period"].rstrip("s"))
        assert grace > Settings.model_fields["shutdown_grace_s"].default
    # The worker's own check: its heartbeat, read from the database (frontdesk worker
    # --check), given longer than the database's connect timeout to answer.
    worker_check = services["worker"]["healthcheck"]
    assert worker_check["test"] == ["CMD", "frontdesk", "worker", "--check"]
    assert not worker_check.get("disable")
    assert float(worker_check["timeout"].rstrip("s")) > 10
    # Never healthy on a heartbeat older than the stale limit: checked at least that often.
    assert float(worker_check["interval"].rstrip("s")) <= Settings().worker_stale_s
    # One process delivers: the worker, not the server.
    assert services["server"]["environment"]["FRONTDESK_OUTBOX_WORKER"] == "false"
    named = set(compose["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            assert volume.split(":", 1)[0] in named, volume


def test_compose_config_is_valid(tmp_path: Path) -> None:
    """`docker compose config` with the example env file: where the compose plugin exists."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client here")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("the docker client has no compose plugin (`docker compose version` "
                    "fails): compose.yaml is checked by test_compose_wires_the_services only")
    env = tmp_path / ".env"
    env.write_text(ENV_EXAMPLE.read_text().replace("POSTGRES_PASSWORD=\n",
                                                   "POSTGRES_PASSWORD=example\n"))
    shutil.copy(COMPOSE, tmp_path / "compose.yaml")
    result = subprocess.run([docker, "compose", "-f", str(tmp_path / "compose.yaml"),
                             "--project-directory", str(tmp_path), "config", "-q"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
