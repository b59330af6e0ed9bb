"""``frontdesk tenant list``, ``api-key list`` and ``api-key revoke``, run as an operator
runs them (a real process on a temporary SQLite database), and what a revoked key gets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.cli.test_cli import _run


def _ok(tmp_path: Path, *args: str) -> str:
    done = _run(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _create(tmp_path: Path, slug: str) -> str:
    out = _ok(tmp_path, "tenant", "create", "--slug", slug, "--name", slug.title(),
              "--timezone", "Europe/Madrid")
    found = re.search(r"API key \(shown once\): (fd_\S+)", out)
    assert found, out
    return found.group(1)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    """The server on the database the commands wrote (their FRONTDESK_DATA_DIR)."""
    settings = Settings(environment="test", llm_base_url="", data_dir=tmp_path, database_url="")
    with TestClient(create_app(settings)) as client:
        yield client


def _status(api: TestClient, key: str) -> int:
    return api.get("/api/v1/tenant", headers={"Authorization": f"Bearer {key}"}).status_code


def test_tenant_list(tmp_path: Path) -> None:
    assert "no businesses yet" in _ok(tmp_path, "tenant", "list")
    _create(tmp_path, "bella")
    _create(tmp_path, "alma")
    _ok(tmp_path, "api-key", "create", "--tenant", "bella", "--name", "ops")
    lines = _ok(tmp_path, "tenant", "list").splitlines()
    assert lines[0].split() == ["SLUG", "NAME", "TIMEZONE", "KEYS", "CREATED"]
    assert [line.split()[:4] for line in lines[1:]] == [
        ["alma", "Alma", "Europe/Madrid", "1"],
        ["bella", "Bella", "Europe/Madrid", "2"],
    ]


def test_api_keys_are_listed_without_secrets_and_revoked_keys_get_401(
    tmp_path: Path, api: TestClient
) -> None:
    first = _create(tmp_path, "bella")
    ops = _ok(tmp_path, "api-key", "create", "--tenant", "bella", "--name", "ops").strip()
    other = _create(tmp_path, "alma")
    listed = _ok(tmp_path, "api-key", "list", "--tenant", "bella")
    assert first not in listed and ops not in listed and other[:10] not in listed
    header, *rows = listed.splitlines()
    assert header.split() == ["ID", "PREFIX", "NAME", "SCOPE", "ORIGINS", "CREATED", "REVOKED"]
    by_name = {row.split()[2]: row.split() for row in rows}
    assert set(by_name) == {"default", "ops"}
    assert by_name["ops"][1] == ops[:10] and by_name["ops"][-1] == "-"  # not revoked
    assert by_name["ops"][3:5] == ["admin", "-"]  # keys are admin keys unless told
    assert _status(api, ops) == 200

    # By name: from now on the key is refused; the business's other keys still work.
    revoked = _ok(tmp_path, "api-key", "revoke", "--tenant", "bella", "ops")
    assert "revoked" in revoked and by_name["ops"][0] in revoked
    assert _status(api, ops) == 401
    assert _status(api, first) == 200 and _status(api, other) == 200
    row = next(r for r in _ok(tmp_path, "api-key", "list", "--tenant", "bella").splitlines()
               if " ops " in r)
    assert row.split()[-1] == "UTC"  # a revocation time is shown
    again = _ok(tmp_path, "api-key", "revoke", "--tenant", "bella", "ops")
    assert "already revoked" in again

    # By id, and by prefix.
    _ok(tmp_path, "api-key", "revoke", "--tenant", "bella", by_name["default"][0])
    assert _status(api, first) == 401
    _ok(tmp_path, "api-key", "revoke", "--tenant", "alma", other[:10])
    assert _status(api, other) == 401
    assert "KEYS" in _ok(tmp_path, "tenant", "list")
    assert all(line.split()[3] == "0" for line in
               _ok(tmp_path, "tenant", "list").splitlines()[1:])


def test_revoke_refuses_what_it_cannot_tell_apart(tmp_path: Path, api: TestClient) -> None:
    _create(tmp_path, "bella")
    alma = _create(tmp_path, "alma")
    one = _ok(tmp_path, "api-key", "create", "--tenant", "bella", "--name", "kiosk").strip()
    two = _ok(tmp_path, "api-key", "create", "--tenant", "bella", "--name", "kiosk").strip()
    ambiguous = _run(tmp_path, "api-key", "revoke", "--tenant", "bella", "kiosk")
    assert ambiguous.returncode == 2 and "give one's id" in ambiguous.stderr
    assert _status(api, one) == 200 and _status(api, two) == 200  # neither revoked

    unknown = _run(tmp_path, "api-key", "revoke", "--tenant", "bella", "nope")
    assert unknown.returncode == 2 and "no API key" in unknown.stderr
    # Another business's key cannot be revoked through this one, even by its prefix.
    across = _run(tmp_path, "api-key", "revoke", "--tenant", "bella", alma[:10])
    assert across.returncode == 2
    assert _status(api, alma) == 200
    missing = _run(tmp_path, "api-key", "list", "--tenant", "nobody")
    assert missing.returncode == 2 and "No business" in missing.stderr


def test_a_widget_key_from_the_command_line_only_chats(tmp_path: Path, api: TestClient) -> None:
    _create(tmp_path, "bella")
    refused = _run(tmp_path, "api-key", "create", "--tenant", "bella", "--scope", "widget")
    assert refused.returncode != 0 and "allowed origins" in refused.stderr + refused.stdout
    key = _ok(tmp_path, "api-key", "create", "--tenant", "bella", "--name", "site",
              "--scope", "widget", "--origin", "https://Bella.example:443").strip()
    assert key.startswith("fd_pub_")
    row = next(r for r in _ok(tmp_path, "api-key", "list", "--tenant", "bella").splitlines()
               if " site " in r)
    assert row.split()[3:5] == ["widget", "https://bella.example"]
    assert _status(api, key) == 403
    chat = api.post("/api/v1/chat", json={"message": "hola"}, headers={
        "Authorization": f"Bearer {key}", "Origin": "https://bella.example"})
    assert chat.status_code == 200, chat.text
