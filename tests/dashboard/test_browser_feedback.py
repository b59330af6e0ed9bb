"""Rating a reply of the agent in a real browser (Debian's Chromium, as in
test_browser.py): open the reply's form, give a reason, click "Bad", and the rating is
listed with who gave it, on which reply, and why."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.models import ConversationTurn
from tests.conftest import Business
from tests.dashboard.conftest import Person
from tests.dashboard.test_browser import (
    CHROMIUM,
    _shots,
    _sign_in,
    browser_page,
    serious_violations,
    site,
)
from tests.services.analysis_chats import book_and_leave

__all__ = ["browser_page", "site"]  # fixtures, used by name below
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's Chromium (apt-get install chromium)")


def test_rate_a_reply_bad_and_see_it_listed(
    site: str, browser_page: object, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session], tmp_path: Path,
) -> None:
    page = browser_page
    with httpx.Client(base_url=site) as api:
        cid = book_and_leave(api, biz)[0]["conversation_id"]  # type: ignore[arg-type]
    with factory() as session:
        reply = session.scalars(select(ConversationTurn.seq).where(
            ConversationTurn.conversation_id == uuid.UUID(cid),
            ConversationTurn.role == "assistant").order_by(ConversationTurn.seq)).first()
    add_user(biz, "owner@salon.example", name="Sam Owner")
    _sign_in(page, site, f"/dashboard/conversations/{cid}")
    turn = page.locator(f"#turn-{reply}")  # type: ignore[attr-defined]
    turn.locator("summary").click()
    turn.get_by_label("Reason (optional)").fill("Sounded unsure")
    turn.get_by_label("Category (optional)").select_option("not_understood")
    turn.get_by_role("button", name="Bad").click()
    page.wait_for_url(f"**/dashboard/conversations/{cid}?done=rated#turn-{reply}")  # type: ignore[attr-defined]
    ratings = page.get_by_role("region", name="Staff ratings")  # type: ignore[attr-defined]
    listed = " ".join(ratings.locator("li[data-rating='bad']").inner_text().split())
    assert f"bad · Sam Owner · reply #{reply} · Did not understand: Sounded unsure" in listed
    assert page.get_by_role("status").inner_text() == "Rating saved."  # type: ignore[attr-defined]
    page.screenshot(path=str(_shots(tmp_path) / "conversation-rated.png"), full_page=True)  # type: ignore[attr-defined]
    assert serious_violations(page) == []
