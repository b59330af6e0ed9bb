"""The demo's own server, in this process: ``serve --demo`` on a free port, its calls
placed through the simulated carrier.

Always a fresh embedded SQLite database (``cli_demo.claim_demo_database``), whatever
``FRONTDESK_DATABASE_URL`` says: the demo adds made-up people and calls them, which has
no place in a real database. Its background work (the outbox worker that places the
calls, the dialer) runs as in any embedded server.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn

from frontdesk.app import create_app, engine_for
from frontdesk.cli_demo import claim_demo_database
from frontdesk.cli_twilio import DEMO_TWILIO_TOKEN
from frontdesk.config import Settings
from frontdesk.services.demo import seed_demo
from frontdesk.store.db import make_session_factory

HOST = "127.0.0.1"
START_TIMEOUT_S = 60.0
# The dialer's pass, and its nap between passes: short, so twenty leads go in seconds.
DIALER_INTERVAL_S = 0.25


class DemoServerFailed(RuntimeError):
    """The in-process server did not start."""


@dataclass
class DemoServer:
    url: str
    database: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        """Stop serving; the app's lifespan stops the dialer, then the outbox worker."""
        self.server.should_exit = True
        self.thread.join(timeout=30)


def demo_settings(settings: Settings, *, url: str, database: str, carrier_url: str,
                  account_sid: str) -> Settings:
    """``settings`` made into the demo's: its database, calls through the simulator."""
    return settings.model_copy(update={
        "environment": "development", "database_url": f"sqlite:///{database}",
        "outbox_worker": True, "outbox_console": True, "dialer_interval_s": DIALER_INTERVAL_S,
        # The carrier is the simulator, whatever Twilio account the environment names:
        # the demo never dials a real phone.
        "twilio_account_sid": account_sid, "twilio_auth_token": DEMO_TWILIO_TOKEN,
        "twilio_api_base": carrier_url, "public_base_url": url,
        # Every request comes from this process on 127.0.0.1 (the carrier's webhooks, the
        # progress poll); the limits are for strangers, and this server has none.
        "rate_limit_api_key": "", "rate_limit_ip": "", "rate_limit_phone": "",
    })


def start_demo_server(settings: Settings, *, carrier_url: str, account_sid: str,
                      port: int = 0) -> DemoServer:
    """Start the server on ``port`` (0: any free one) and wait until it answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    port = int(sock.getsockname()[1])
    url = f"http://{HOST}:{port}"
    database = str(claim_demo_database(settings.data_dir, port))
    settings = demo_settings(settings, url=url, database=database, carrier_url=carrier_url,
                             account_sid=account_sid)
    engine = engine_for(settings)
    app = create_app(settings, engine=engine)
    seed_demo(make_session_factory(engine))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise DemoServerFailed(f"the demo server on {url} did not start")
        time.sleep(0.05)
    return DemoServer(url, database, server, thread)
