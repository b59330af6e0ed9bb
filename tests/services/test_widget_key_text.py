"""A widget key derived from the server's secret key can be given again, and only with
that secret (ADR 0040); other keys never can."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.services.api_keys import authenticate_key, create_api_key, widget_key_text
from frontdesk.store.db import write_session
from tests.conftest import Business


def test_only_the_secret_that_derived_a_widget_key_gives_it_again(
    factory: sessionmaker[Session], biz: Business, tmp_path: Path,
) -> None:
    ours = Settings(environment="test", secret_key=Fernet.generate_key().decode())
    other = Settings(environment="test", secret_key=Fernet.generate_key().decode())
    with write_session(factory) as session:
        tenant = session.merge(biz.tenant)
        widget, text = create_api_key(session, tenant, "site", scope="widget",
                                      allowed_origins=["https://salon.example"], settings=ours)
        admin, _ = create_api_key(session, tenant, "server", settings=ours)
        at_random, _ = create_api_key(session, tenant, "old", scope="widget",
                                   allowed_origins=["https://salon.example"])
        assert text.startswith("fd_pub_") and widget.prefix == text[:14]
        assert authenticate_key(session, text).key_id == widget.id
        assert widget_key_text(ours, widget) == text
        assert widget_key_text(other, widget) is None
        assert widget_key_text(ours, admin) is None and widget_key_text(ours, at_random) is None
        again, second = create_api_key(session, tenant, "site 2", scope="widget",
                                       allowed_origins=["https://salon.example"], settings=ours)
        assert second != text and again.prefix != widget.prefix
