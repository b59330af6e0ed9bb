"""Writing an outbox row wakes the workers when (and only when) its transaction commits."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.notices import wakeup
from frontdesk.services.notices.outbox import enqueue
from frontdesk.store.db import write_session
from tests.conftest import Business


@pytest.fixture
def wakes() -> Iterator[list[int]]:
    seen: list[int] = []
    unsubscribe = wakeup.subscribe(lambda: seen.append(1))
    yield seen
    unsubscribe()


def _add(session: Session, biz: Business, key: str) -> None:
    enqueue(session, tenant_id=biz.tenant.id, channel="sms", purpose="test",
            recipient="+12125550123", payload={"body": key}, dedupe_key=key)


def test_a_commit_wakes_once_however_many_rows_it_wrote(
    factory: sessionmaker[Session], biz: Business, wakes: list[int]
) -> None:
    with write_session(factory) as session:
        _add(session, biz, "a")
        _add(session, biz, "b")
        assert wakes == []  # not before the commit: a worker would not see the rows
    assert wakes == [1]


def test_a_rollback_wakes_nobody_and_leaves_no_mark_on_the_session(
    factory: sessionmaker[Session], biz: Business, wakes: list[int]
) -> None:
    with factory() as session:
        _add(session, biz, "a")
        session.rollback()
        session.commit()  # a later transaction of the same session wrote nothing
    assert wakes == []


def test_a_commit_without_outbox_rows_wakes_nobody(
    factory: sessionmaker[Session], biz: Business, wakes: list[int]
) -> None:
    with write_session(factory) as session:
        biz_row = session.merge(biz.tenant)
        biz_row.name = "Renamed"
    assert wakes == []


def test_postgresql_listeners_hear_a_commit_from_this_process(
    engine: Engine, factory: sessionmaker[Session], biz: Business
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's")
    heard, stop = threading.Event(), threading.Event()
    listening = threading.Thread(target=wakeup.listen_for_writes,
                                 args=(engine, heard.set, stop), daemon=True)
    listening.start()
    try:
        assert heard.wait(10)  # it calls once when it starts listening
        heard.clear()
        with write_session(factory) as session:
            _add(session, biz, "a")
        assert heard.wait(10)
    finally:
        stop.set()
        listening.join(10)
