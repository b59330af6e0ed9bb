"""The outbox's write side: one statement for many rows, the first row of a dedupe key
kept, also when several transactions write the same key at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.notices import outbox
from frontdesk.store.db import write_session
from frontdesk.store.models import OutboxMessage
from tests.conftest import Business


def _draft(biz: Business, key: str, body: str) -> outbox.Draft:
    return outbox.Draft(biz.tenant.id, "sms", "reply", "+12125550100", {"body": body}, key)


def _rows(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with factory() as session:
        return sorted(
            (m.dedupe_key, m.payload["body"]) for m in session.scalars(select(OutboxMessage))
        )


def test_many_rows_one_statement_and_the_first_of_a_key_wins(
    engine: Engine, factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    with write_session(factory) as session:
        outbox.write(session, [_draft(biz, "a", "first a")])
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    with write_session(factory) as session:
        outbox.write(session, [
            _draft(biz, "a", "second a"),  # already in the table
            _draft(biz, "b", "first b"),
            _draft(biz, "b", "second b"),  # earlier in the same batch
            _draft(biz, "c", "first c"),
        ])
    assert len([s for s in sent if s.startswith("INSERT")]) == 1
    assert _rows(factory) == [("a", "first a"), ("b", "first b"), ("c", "first c")]


def test_concurrent_writers_of_one_key_leave_one_row_and_all_commit(
    factory: sessionmaker[Session], make_business: Callable[..., Business]
) -> None:
    """A read-then-insert would let two transactions both see no row, and the second
    would fail on the unique index; each write here commits and one row is kept."""
    biz = make_business()
    writers = 8
    barrier = threading.Barrier(writers)

    def writer(n: int) -> None:
        barrier.wait()
        with write_session(factory) as session:
            outbox.write(session, [_draft(biz, "shared", f"writer {n}"),
                                   _draft(biz, f"own-{n}", f"writer {n}")])
            enqueued = outbox.enqueue(
                session, tenant_id=biz.tenant.id, channel="sms", purpose="reply",
                recipient="+12125550100", payload={"body": f"enqueued {n}"},
                dedupe_key="enqueued",
            )
            assert enqueued.dedupe_key == "enqueued"

    with ThreadPoolExecutor(max_workers=writers) as pool:
        list(pool.map(writer, range(writers)))  # re-raises any writer's error
    rows = _rows(factory)
    keys = [key for key, _ in rows]
    assert sorted(keys) == sorted(["shared", "enqueued", *(f"own-{n}" for n in range(writers))])
