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
    from frontdesk.conversation.llm_analysis import analyst_from_settings
    from frontdesk.delivery.background import BackgroundWork
    from frontdesk.delivery.heartbeat import Heartbeat
    from frontdesk.errors import InvalidInput
    from frontdesk.store import migrate
    from frontdesk.store.db import make_session_factory

    settings = get_settings()
    if args.check:
        return check_worker(settings, any_host=args.any_host)
    say = _say(settings)
    if args.metrics_port is not None:
        settings = settings.model_copy(update={"worker_metrics_port": args.metrics_port})
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
    work = BackgroundWork(settings, factory, analyst_from_settings(settings))
    heartbeat = Heartbeat(factory, settings.worker_heartbeat_s)
    metrics = _serve_metrics(settings, heartbeat, say)  # before any work: a taken port fails
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
    if metrics is not None:
        metrics.close()
    if traced is not None:
        traced.stop()  # the spans still batched are sent
    if stopper.is_alive():
        say(f"frontdesk worker: sends still under way after {settings.shutdown_grace_s:.0f}"
            " s; exiting (their claims are retried after the lease)")
        return 1
    say("frontdesk worker: stopped")
    return 0


def _serve_metrics(settings: Any, heartbeat: Any, say: Any) -> Any:
    """This worker's Prometheus text on FRONTDESK_WORKER_METRICS_PORT (None when 0):
    its deliveries and failures, its circuit breakers, its heartbeat's age."""
    if not settings.worker_metrics_port:
        return None
    from functools import partial

    from frontdesk.circuit import breaker_states
    from frontdesk.observability.metrics import exposition
    from frontdesk.observability.process_gauges import CircuitGauges, HeartbeatGauge
    from frontdesk.observability.scrape_server import MetricsServer

    render = partial(exposition, settings.metrics_multiproc_dir,
                     CircuitGauges(breaker_states), HeartbeatGauge(heartbeat.age_s))
    host = settings.worker_metrics_host
    server = MetricsServer(host, settings.worker_metrics_port, render,
                           token=settings.metrics_token)
    say(f"frontdesk worker: metrics on http://{host}:{server.port}/metrics")
    if not settings.metrics_token and host not in ("127.0.0.1", "localhost", "::1"):
        say("frontdesk worker: the metrics port is open to the network with no "
            "FRONTDESK_METRICS_TOKEN: keep it on a private network")
    return server


def check_worker(settings: Any, *, any_host: bool = False) -> int:
    """The worker's health check (compose's ``healthcheck``): 0 when a worker of this
    host (of any host, with ``any_host``) wrote its heartbeat within
    FRONTDESK_WORKER_STALE_S, else 1 with the reason on stdout. It reads one row and
    changes nothing (no migration)."""
    import socket

    from frontdesk.app import engine_for
    from frontdesk.services.operations import newest_beat_age_s
    from frontdesk.store.db import failure_reason, make_session_factory
    from frontdesk.web.database import UNAVAILABLE

    host = None if any_host else socket.gethostname()
    where = "on any host" if host is None else f"on {host}"
    engine = engine_for(settings)
    try:
        age = newest_beat_age_s(make_session_factory(engine), host=host)
    except UNAVAILABLE as exc:
        print(f"unhealthy: database_unavailable ({failure_reason(exc)})", flush=True)
        return 1
    finally:
        engine.dispose()
    if age is None:
        print(f"unhealthy: no_worker: no frontdesk worker heartbeat {where}", flush=True)
        return 1
    if age > settings.worker_stale_s:
        print(f"unhealthy: worker_stale: the newest heartbeat {where} is {age:.0f} s old "
              f"(over FRONTDESK_WORKER_STALE_S={settings.worker_stale_s:.0f})", flush=True)
        return 1
    print(f"healthy: a worker heartbeat {where} {age:.0f} s ago", flush=True)
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


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port (0 to 65535)")
    return port


def register(sub: Any) -> None:
    worker = sub.add_parser(
        "worker", help="run the outbox and the campaign dialer without the HTTP server",
        description=__doc__)
    worker.add_argument("--interval", type=float, default=None, metavar="SECONDS",
                        help="how often the dialer looks for due leads (default 1)")
    worker.add_argument("--metrics-port", type=_port, default=None, metavar="PORT",
                        help="serve this worker's Prometheus metrics on PORT (0: off; "
                        "default FRONTDESK_WORKER_METRICS_PORT) at "
                        "FRONTDESK_WORKER_METRICS_HOST (127.0.0.1)")
    worker.add_argument("--check", action="store_true",
                        help="do not run: exit 0 when a worker on this host wrote its "
                        "heartbeat within FRONTDESK_WORKER_STALE_S, else 1 (a health check)")
    worker.add_argument("--any-host", action="store_true",
                        help="with --check: a worker on any host will do")
    worker.set_defaults(func=cmd_worker)
