"""The ``frontdesk`` command: one sub-command per task (``frontdesk --help`` lists them)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from frontdesk.config import Settings, get_settings
from frontdesk.errors import FrontdeskError

# The Twilio auth token a `serve --demo` server checks, so `frontdesk call` works out of the box.
DEMO_TWILIO_TOKEN = "demo-twilio-token"


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from frontdesk.store.db import make_engine

    return make_engine(settings.resolved_database_url())


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from frontdesk.app import create_app, engine_for
    from frontdesk.cli_demo import claim_demo_database
    from frontdesk.services.demo import seed_demo
    from frontdesk.store.db import make_session_factory
    from frontdesk.web.log_format import log_config

    settings = get_settings()
    workers: int = args.workers or settings.workers
    if workers > 1:
        return _serve_processes(settings, args, workers)
    config = log_config(settings.log_level, settings.log_format)
    say = _say(settings, config)
    port: int = args.port or settings.port
    updates: dict[str, object] = {"host": args.host or settings.host, "port": port,
                                  "workers": 1}  # all the connections are this process's
    if args.demo and not settings.database_url:
        # A fresh demo database every start (the demo is for looking, not for keeping),
        # one per port, so a second demo never wipes a running one's data.
        demo_db = claim_demo_database(settings.data_dir, port)
        updates["database_url"] = f"sqlite:///{demo_db}"
    if args.demo:
        updates["outbox_console"] = True  # show the texts customers would get, in the log
        # `frontdesk call` / `frontdesk sms` sign their webhooks as Twilio would, with
        # this demo token, against this address (both only when not configured).
        if not settings.twilio_auth_token:
            updates["twilio_auth_token"] = DEMO_TWILIO_TOKEN
        if not settings.public_base_url:
            updates["public_base_url"] = f"http://{updates['host']}:{updates['port']}"
    settings = settings.model_copy(update=updates)
    engine = engine_for(settings)
    app = create_app(settings, engine=engine)
    base = f"http://{settings.host}:{settings.port}"
    if args.demo:
        for demo in seed_demo(make_session_factory(engine)):
            say(f"demo business {demo.name!r:22} API key: {demo.api_key}   dashboard: "
                f"{demo.owner_email} / {demo.owner_password}")
        say(f"dashboard: {base}/dashboard  (sign in with an owner above)")
        say(f"try:  curl -H 'Authorization: Bearer fd_demo_salon_key' {base}/api/v1/services")
    say(f"frontdesk on {base}  (API docs: {base}/docs, database: "
        f"{engine.url.render_as_string()})")
    # Our access log masks keys, tokens and phone numbers in URLs; uvicorn's would not.
    # WebSocket messages (Retell) are held to the same limit as request bodies; uvicorn's
    # own default would take 16 MiB. No per-message compression: a media stream's frames
    # are base64 audio (deflate gains little), sent 50 times a second per call.
    # SIGTERM drains first (web/drain.py); uvicorn's own shutdown then gets what is left
    # of the grace (this bound holds when a second signal skips the drain).
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                access_log=False, log_config=config,
                ws_max_size=settings.max_body_bytes, ws_per_message_deflate=False,
                timeout_graceful_shutdown=round(settings.shutdown_grace_s))
    return 0


def _say(settings: Settings, config: dict[str, Any]) -> Any:
    """Log as configured from now on (not only once uvicorn starts), and say the start
    lines through it in JSON (every line a log line), or print them for people."""
    import logging
    import logging.config

    logging.config.dictConfig(config)
    if settings.log_format != "json":
        return lambda text: print(text, flush=True)
    logging.captureWarnings(True)  # Python's warnings as JSON lines too
    return logging.getLogger("frontdesk.serve").info


class WorkersNeedPostgres(FrontdeskError):
    code = "workers_need_postgres"
    status = 409
    title = "Several server processes need PostgreSQL"


def _serve_processes(settings: Settings, args: argparse.Namespace, workers: int) -> int:
    """``serve --workers N``: uvicorn's supervisor starts N processes sharing the
    listening socket; each builds its own app, engine and caches from the environment
    (``app_from_environment``). See docs/decisions/0024-several-server-processes.md."""
    import os

    import uvicorn
    from sqlalchemy.engine import make_url

    from frontdesk.security import cipher_for
    from frontdesk.web.log_format import log_config

    config = log_config(settings.log_level, settings.log_format, show_process=True)
    say = _say(settings, config)
    url = make_url(settings.resolved_database_url())
    if args.demo or url.get_backend_name() != "postgresql":
        # SQLite writers take turns on one file (more processes add no throughput), and
        # the lock that keeps a retried chat turn from running twice lives in one process.
        raise WorkersNeedPostgres(
            f"--workers {workers} needs PostgreSQL (FRONTDESK_DATABASE_URL="
            "postgresql+psycopg://...); on SQLite"
            + (" and with --demo" if args.demo else "")
            + " run one process (--workers 1)."
        )
    # The children read their settings from the environment; this tells each one how
    # many share the database's connections (``app.pool_share``).
    os.environ["FRONTDESK_WORKERS"] = str(workers)
    # A development key file is generated on first use: make it now, once, not in N
    # processes at the same moment (production without a key stops here, with its error).
    cipher_for(settings)
    limited = settings.rate_limit_api_key or settings.rate_limit_ip or settings.rate_limit_phone
    if limited and not settings.redis_url:
        logging.getLogger("frontdesk.serve").warning(
            "rate limits are counted in each of the %d processes, so a client may get up "
            "to %d times each limit; set FRONTDESK_REDIS_URL to share the counts",
            workers, workers)
    host: str = args.host or settings.host
    port: int = args.port or settings.port
    say(f"frontdesk on http://{host}:{port}  ({workers} processes, database: "
        f"{url.render_as_string()})")
    with _metrics_dir(settings):
        uvicorn.run("frontdesk.app:app_from_environment", factory=True, workers=workers,
                    host=host, port=port, log_level=settings.log_level, access_log=False,
                    log_config=config, ws_max_size=settings.max_body_bytes,
                    ws_per_message_deflate=False,
                    timeout_graceful_shutdown=round(settings.shutdown_grace_s))
    return 0


@contextmanager
def _metrics_dir(settings: Settings) -> Iterator[None]:
    """prometheus_client's multiprocess mode for the processes: each writes its counts
    to files in one directory, which any process's /metrics adds up. A directory of the
    operator's (PROMETHEUS_MULTIPROC_DIR) is emptied and kept; else a fresh one is made
    and removed afterwards. The children read it at import, so it is set before they start."""
    import os
    import shutil
    import tempfile

    from frontdesk.observability.metrics import prepare_multiprocess_dir

    if settings.metrics_multiproc_dir:
        prepare_multiprocess_dir(Path(settings.metrics_multiproc_dir))
        yield
        return
    made = tempfile.mkdtemp(prefix="frontdesk-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    try:
        yield
    finally:
        shutil.rmtree(made, ignore_errors=True)


def cmd_migrate(_: argparse.Namespace) -> int:
    from frontdesk.store import migrate

    engine = _engine(get_settings())
    migrate.upgrade(engine)
    print(f"database at revision {migrate.current_revision(engine)}")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


class _HelpFormatter(argparse.HelpFormatter):
    """Shows each option's default after its help (unless the help already speaks of
    it, or there is none to show)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            default in (None, False, argparse.SUPPRESS)
            or (isinstance(default, list | tuple) and not default)
            or action.required
            or "default" in text.lower()
            or (not action.option_strings and action.nargs not in ("?", "*"))
        ):
            return text
        return text + " (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """Every ``frontdesk`` parser, sub-commands' included (argparse builds those with the
    parent's class), shows defaults in its help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="frontdesk",
        description="A self-hostable AI front desk: the server, and tools to run it and try it.",
        epilog="`frontdesk COMMAND --help` explains a command.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve", help="run the HTTP server",
        description="Run the HTTP server (API, webhooks, the outbox worker).",
    )
    serve.add_argument("--demo", action="store_true",
                       help="seed two demo businesses in a fresh SQLite database")
    serve.add_argument("--host", default=None,
                       help="address to listen on (default: FRONTDESK_HOST, else 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None,
                       help="port to listen on (default: FRONTDESK_PORT, else 8000)")
    serve.add_argument("--workers", type=_positive, default=None, metavar="N",
                       help="server processes, PostgreSQL only (default: FRONTDESK_WORKERS, "
                            "else 1); see README, 'Running several processes'")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser(
        "migrate", help="bring the database schema up to date",
        description="Bring the database schema up to date (every start does it too).",
    ).set_defaults(func=cmd_migrate)

    from frontdesk.cli_tenants import register as register_tenants

    register_tenants(sub)
    from frontdesk.evals.cli import register as register_eval

    register_eval(sub)
    from frontdesk.cli_export import register as register_export

    register_export(sub)
    from frontdesk.nlu.cli import register as register_nlu

    register_nlu(sub)
    from frontdesk.cli_call import register as register_call

    register_call(sub)
    from frontdesk.cli_sms import register as register_sms

    register_sms(sub)
    from frontdesk.cli_calendar import register as register_calendar

    register_calendar(sub)
    from frontdesk.cli_webhook import register as register_webhook

    register_webhook(sub)
    from frontdesk.cli_dnc import register as register_dnc

    register_dnc(sub)
    from frontdesk.cli_campaign import register as register_campaign

    register_campaign(sub)
    from frontdesk.cli_worker import register as register_worker

    register_worker(sub)
    from frontdesk.cli_users import register as register_users

    register_users(sub)
    from frontdesk.cli_backup import register as register_backup

    register_backup(sub)
    from frontdesk.cli_analysis import register as register_analysis

    register_analysis(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from frontdesk.observability.tracing import TracingUnavailable
    from frontdesk.security import SecretKeyMissing

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except FrontdeskError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    except (SecretKeyMissing, TracingUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
