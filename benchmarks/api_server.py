"""The API server a benchmark talks to: ``frontdesk serve`` plus a statement counter.

    FRONTDESK_DATABASE_URL=... python -m benchmarks.api_server --port 8123

Builds the app exactly as ``frontdesk serve`` does (settings from the environment,
``create_app(settings, engine=...)``, uvicorn with our access log and its redaction
filter), and adds one route, ``GET /bench/statements``: how many SQL statements this
process has sent so far (a ``before_cursor_execute`` listener on the app's engine) and
the CPU time it has used. The
benchmark reads it before and after a scenario to report statements per booking.

It imports ``frontdesk`` from whatever ``PYTHONPATH`` names first, so the same launcher
serves this checkout or another one (``booking_api --baseline-src``), side by side.
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Any

import uvicorn
from sqlalchemy import event

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.store.db import make_engine
from frontdesk.web.access_log import uvicorn_log_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = Settings(host="127.0.0.1", port=args.port)
    engine = make_engine(settings.resolved_database_url())
    counter = itertools.count()
    sent = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        sent[0] = next(counter) + 1

    app = create_app(settings, engine=engine)

    def statements() -> dict[str, float]:
        # CPU seconds of this process too: on a busy machine, a steadier measure of what
        # a request costs than its wall time.
        return {"statements": sent[0], "cpu_s": time.process_time()}

    app.add_api_route("/bench/statements", statements, methods=["GET"])
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level=settings.log_level,
                access_log=False, log_config=uvicorn_log_config(settings.log_level))


if __name__ == "__main__":
    main()
