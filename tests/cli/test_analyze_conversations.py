"""``frontdesk analyze-conversations``: run as an operator runs it, on a database whose
ended conversations have no analysis yet."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from frontdesk.store.db import make_engine, make_session_factory, write_session
from frontdesk.store.models import Conversation, Tenant
from tests.cli.test_cli import _run


def test_old_conversations_get_their_analysis_stored(tmp_path: Path) -> None:
    assert _run(tmp_path, "tenant", "create", "--slug", "bella", "--name", "Bella",
                "--timezone", "Europe/Madrid").returncode == 0
    factory = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'frontdesk.db'}"))
    with write_session(factory) as session:
        tenant = session.scalars(select(Tenant)).one()
        for i, outcome in enumerate(("info", "abandoned")):
            session.add(Conversation(tenant_id=tenant.id, channel="phone", external_id=f"c{i}",
                                     outcome=outcome, state={}, turn_count=1,
                                     ended_at=tenant.created_at))
        session.add(Conversation(tenant_id=tenant.id, channel="chat", external_id="live",
                                 state={}))
    done = _run(tmp_path, "analyze-conversations", "--batch", "1")
    assert done.returncode == 0, done.stderr
    assert "analysed 2 conversations" in done.stdout
    with factory() as session:
        stored = {c.external_id: c.analysis for c in session.scalars(select(Conversation))}
    assert stored["live"] is None
    assert stored["c0"] is not None and stored["c0"]["success"] is True
    assert stored["c1"] is not None and stored["c1"]["success_basis"] == "abandoned"
    assert "analysed 0 conversations" in _run(tmp_path, "analyze-conversations").stdout
