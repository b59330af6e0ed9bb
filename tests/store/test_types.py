from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, select

from frontdesk.store.types import UTCDateTime


def test_utc_datetime_round_trip_and_order_on_sqlite() -> None:
    engine = create_engine("sqlite://")
    meta = MetaData()
    table = Table("t", meta, Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    meta.create_all(engine)
    madrid_summer = timezone(timedelta(hours=2))
    values = [
        datetime(2026, 3, 29, 3, 30, tzinfo=madrid_summer),
        datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
    ]
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"at": v} for v in values])
        back = list(conn.scalars(select(table.c.at).order_by(table.c.at)))
        later = list(conn.scalars(select(table.c.at).where(table.c.at > values[1])))
    assert back == sorted(values)
    assert all(v.tzinfo is UTC for v in back)
    # The stored text compares in time order: 01:30 UTC is after 00:59:59.999999 UTC.
    assert sorted(later) == [values[0], values[2]]


def test_naive_datetime_is_refused() -> None:
    engine = create_engine("sqlite://")
    meta = MetaData()
    table = Table("t", meta, Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    meta.create_all(engine)
    with pytest.raises(Exception, match="naive"), engine.begin() as conn:
        conn.execute(table.insert(), [{"at": datetime(2026, 1, 1)}])
