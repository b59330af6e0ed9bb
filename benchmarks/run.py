"""Run every benchmark on SQLite and (when configured) PostgreSQL; print one JSON document.

    python -m benchmarks.run [--quick] [--postgres-url URL] [--output FILE]

PostgreSQL: ``--postgres-url`` or else ``FRONTDESK_TEST_POSTGRES_URL`` (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). The benchmark creates its own
scratch database on that server and drops it at the end; the database in the URL is only
used to connect. Without a URL the PostgreSQL part is reported as skipped.

Progress goes to stderr; stdout is only the JSON document. These are measurements, not
tests: nothing here fails on a slow figure. Compare figures within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

from benchmarks import booking_throughput, slot_search
from benchmarks.common import log, machine_info
from benchmarks.dataset import (
    TIMEZONE,
    Dataset,
    Params,
    postgres_dataset,
    postgres_server_version,
    sqlite_dataset,
)

POSTGRES_ENV = "FRONTDESK_TEST_POSTGRES_URL"


def _backend(
    open_dataset: Callable[[], AbstractContextManager[Dataset]],
    quick: bool,
) -> dict[str, Any]:
    started = perf_counter()
    with open_dataset() as ds:
        result: dict[str, Any] = {
            "info": ds.info,
            "build_seconds": ds.build_seconds,
            "data_set": {
                "appointments": len(ds.plan.appointments),
                "working_half_days": ds.plan.working_half_days,
                "free_slots": ds.plan.free_slots,
                "time_off_exceptions": sum(len(e) for e in ds.plan.exceptions),
            },
        }
        # Slot search first: booking adds appointments to the data set.
        result["slot_search"] = slot_search.run(ds, quick=quick)
        result["booking"] = booking_throughput.run(ds, quick=quick)
    result["seconds"] = round(perf_counter() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="frontdesk benchmarks (JSON on stdout)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (~30 s)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(POSTGRES_ENV),
        help=f"PostgreSQL server URL (default: ${POSTGRES_ENV}; unset = skip PostgreSQL)",
    )
    parser.add_argument("--output", help="also write the JSON document to this file")
    args = parser.parse_args(argv)

    started = perf_counter()
    params = Params()
    machine = machine_info()
    doc: dict[str, Any] = {
        "benchmark": "frontdesk",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "machine": machine,
        "parameters": {
            **{k: str(v) if not isinstance(v, int) else v for k, v in asdict(params).items()},
            "timezone": TIMEZONE,
            "slot_interval_minutes": 15,
            "service": "30 min + 5 min buffer after",
            "hours": "Mon-Sat 09:00-13:00, 14:00-18:00",
            "search_window_days": slot_search.WINDOW_DAYS,
            "booking_clients": booking_throughput.CLIENTS,
        },
        "results": {},
    }
    failed = False

    log("sqlite: building data set")
    try:
        doc["results"]["sqlite"] = _backend(lambda: sqlite_dataset(params), args.quick)
    except Exception as exc:
        failed = True
        doc["results"]["sqlite"] = {"error": repr(exc), "traceback": traceback.format_exc()}

    if not args.postgres_url:
        machine["postgres_server_version"] = None
        doc["results"]["postgresql"] = {
            "skipped": f"no PostgreSQL URL: pass --postgres-url or set {POSTGRES_ENV}"
        }
    else:
        url = args.postgres_url
        try:
            machine["postgres_server_version"] = postgres_server_version(url)
            log("postgresql: building data set")
            doc["results"]["postgresql"] = _backend(
                lambda: postgres_dataset(params, url), args.quick
            )
        except Exception as exc:
            failed = True
            doc["results"]["postgresql"] = {"error": repr(exc), "traceback": traceback.format_exc()}

    doc["total_seconds"] = round(perf_counter() - started, 1)
    text = json.dumps(doc, indent=2, default=str)
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    log(f"done in {doc['total_seconds']}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
