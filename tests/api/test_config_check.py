"""At start, one warning line per provider configured only in part."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.config_check import missing_settings


def test_a_telnyx_public_key_without_its_api_key_is_named_at_start(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    create_app(Settings(environment="test", telnyx_public_key="cHVibGlj"), engine=sqlite_engine)
    lines = [r.getMessage() for r in caplog.records if r.name == "frontdesk.config"]
    assert lines == [
        "FRONTDESK_TELNYX_PUBLIC_KEY is set but FRONTDESK_TELNYX_API_KEY is not: Telnyx "
        "webhooks are accepted, but replies cannot be texted and calls cannot be answered."
    ]


def test_each_half_configured_provider_is_named_once() -> None:
    settings = Settings(environment="test", twilio_account_sid="AC1", google_client_id="id",
                        smtp_host="smtp.example.com", telnyx_api_key="KEY")
    named = [line.split(" is set", 1)[0] for line in missing_settings(settings)]
    assert named == ["FRONTDESK_TELNYX_API_KEY", "FRONTDESK_TWILIO_ACCOUNT_SID",
                     "FRONTDESK_GOOGLE_CLIENT_ID", "FRONTDESK_SMTP_HOST"]
    complete = Settings(environment="test", telnyx_api_key="K", telnyx_public_key="P",
                        twilio_account_sid="AC1", twilio_auth_token="T")
    assert missing_settings(complete) == []
