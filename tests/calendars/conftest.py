"""A real Radicale CalDAV server for the calendar adapter tests.

Each test session starts ``python -m radicale`` on 127.0.0.1 and a free port, with its
own storage folder and an htpasswd file (bcrypt when the ``bcrypt`` package is present,
plain otherwise), configured through a config file written here. Each test gets a fresh
calendar in that server, so tests never see each other's events.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from caldav.collection import Calendar
from caldav.davclient import DAVClient
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.calendars.address_guard import AddressPolicy
from frontdesk.config import Settings
from frontdesk.services import calendar_providers
from frontdesk.services.external_busy import DEFAULT_EXTERNAL

OWNER = "owner"
OWNER_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class RadicaleServer:
    url: str
    username: str
    password: str
    process: subprocess.Popen[bytes]

    def client(self, password: str | None = None) -> DAVClient:
        return DAVClient(
            url=self.url, username=self.username,
            password=self.password if password is None else password,
            enable_rfc6764=False, timeout=10,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _htpasswd_line(username: str, password: str) -> tuple[str, str]:
    """One htpasswd line and the Radicale encryption name that reads it."""
    try:
        import bcrypt
    except ImportError:
        return f"{username}:{password}\n", "plain"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    return f"{username}:{hashed}\n", "bcrypt"


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"radicale exited early:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"radicale did not start listening:\n{log.read_text()}")


def start_radicale(root: Path) -> RadicaleServer:
    port = _free_port()
    line, encryption = _htpasswd_line(OWNER, OWNER_PASSWORD)
    users = root / "users"
    users.write_text(line)
    config = root / "config"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {users}\n"
        f"htpasswd_encryption = {encryption}\n"
        # A wrong password is answered at once, not after Radicale's anti-guessing delay.
        "delay = 0\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {root / 'collections'}\n"
        "[logging]\n"
        "level = warning\n"
    )
    log = root / "radicale.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=sink, stderr=subprocess.STDOUT,
        )
    _wait_until_listening(process, port, log)
    return RadicaleServer(f"http://127.0.0.1:{port}/", OWNER, OWNER_PASSWORD, process)


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    server = start_radicale(tmp_path_factory.mktemp("radicale"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def owner_calendar(radicale: RadicaleServer) -> Calendar:
    """A fresh calendar, made as the business owner's calendar app would make it."""
    principal = radicale.client().principal()
    return principal.make_calendar(name=f"Salon {uuid.uuid4().hex[:8]}")


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh encryption key (in the environment, so every app built from it here gets
    it) and empty calendar caches for every calendar test."""
    monkeypatch.setenv("FRONTDESK_SECRET_KEY", Fernet.generate_key().decode())
    DEFAULT_EXTERNAL.clear()
    calendar_providers.configure(Settings(environment="test", llm_base_url=""))
    yield
    DEFAULT_EXTERNAL.clear()
    calendar_providers.use_address_policy(AddressPolicy())  # what an app defaults to
    calendar_providers.clear_pool()


@pytest.fixture
def calendar_settings(secret_key: None) -> Settings:
    """The app's settings here. The CalDAV servers are local (Radicale on 127.0.0.1), so
    the app lets calendars use private hosts."""
    return Settings(environment="test", llm_base_url="", calendar_allow_private_hosts=True)


@pytest.fixture
def app_client(engine: Engine, calendar_settings: Settings) -> Iterator[TestClient]:
    """The app (calendar routes included) on the test database."""
    with TestClient(create_app(calendar_settings, engine=engine)) as client:
        yield client
