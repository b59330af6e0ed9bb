"""``frontdesk worker``: the background work without the HTTP server.

Runs the outbox worker (texts, emails, calendar writes, calls) and the campaign dialer
until SIGTERM or Ctrl-C, then stops cleanly: no call is queued after the signal, the
sends under way finish (within FRONTDESK_SHUTDOWN_GRACE_S), claims not started are
handed back. Run as many as wanted, on
as many machines, against one PostgreSQL database: they share the work through row
claims (docs/decisions/0030-workers-without-a-job-queue.md). On SQLite, run the
background work in the server instead (``frontdesk serve`` does by default).
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any


def cmd_worker(args: argparse.Namespace) -> int:
    from frontdesk.app import engine_for, tracing_for
    from frontdesk.config import get_settings
    from frontdesk.delivery.background import BackgroundWork
    from frontdesk.delivery.heartbeat import Heartbeat
    from frontdesk.errors import InvalidInput
    from frontdesk.store import migrate
    from frontdesk.store.db import make_session_factory

    settings = get_settings()
    say = _say(settings)
    if args.interval is not None:
        settings = settings.model_copy(update={"dialer_interval_s": args.interval})
    url = settings.resolved_database_url()
    if not url.startswith("postgresql"):
        raise InvalidInput("frontdesk worker shares work through PostgreSQL; on SQLite the "
                           "server runs it (frontdesk serve). Set FRONTDESK_DATABASE_URL.")
    traced = tracing_for(settings)  # the sends' spans, when an OTLP endpoint is set
    engine = engine_for(settings)
    migrate.upgrade(engine)  # safe alongside servers: migrations take an advisory lock
    factory = make_session_factory(engine)
    work = BackgroundWork(settings, factory)
    heartbeat = Heartbeat(factory, settings.worker_heartbeat_s)
    stopping = threading.Event()

    def stop(_signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    work.start()
    heartbeat.start()
    say("frontdesk worker: delivering the outbox and dialing campaigns "
        "(Ctrl-C or SIGTERM stops)")
    stopping.wait()
    # The sends under way finish, within the grace; past it the process exits anyway (its
    # threads are daemons) and the rows still claimed fall due again after their lease.
    stopper = threading.Thread(target=work.stop, name="worker-stop", daemon=True)
    stopper.start()
    stopper.join(settings.shutdown_grace_s)
    heartbeat.stop()  # last: no server thinks the work is covered while it winds down
    if traced is not None:
        traced.stop()  # the spans still batched are sent
    if stopper.is_alive():
        say(f"frontdesk worker: sends still under way after {settings.shutdown_grace_s:.0f}"
            " s; exiting (their claims are retried after the lease)")
        return 1
    say("frontdesk worker: stopped")
    return 0


def _say(settings: Any) -> Any:
    """The worker's own lines, through the log (JSON when asked) like everything else."""
    import logging.config

    from frontdesk.web.log_format import log_config

    logging.config.dictConfig(log_config(settings.log_level, settings.log_format))
    logging.captureWarnings(True)
    log = logging.getLogger("frontdesk.worker")
    if settings.log_format == "json":
        return log.info
    return lambda text: print(text, flush=True)


def register(sub: Any) -> None:
    worker = sub.add_parser(
        "worker", help="run the outbox and the campaign dialer without the HTTP server",
        description=__doc__)
    worker.add_argument("--interval", type=float, default=None, metavar="SECONDS",
                        help="how often the dialer looks for due leads (default 1)")
    worker.set_defaults(func=cmd_worker)
