"""What the access log keeps of a URL: ids, dates and routes stay; credentials and
personal data go."""

from __future__ import annotations

import pytest

from frontdesk.web.access_log import redact_target

UUID = "0b3c0c5e-3f0e-4c7e-9b7e-2d6f5a9e1c11"
TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/v1/retell/fd_abc123/llm-websocket/call_1", "/v1/retell/***/llm-websocket/call_1"),
        ("/webhooks/twilio/stream/gAAAAABrFbqh-_Xx==", "/webhooks/twilio/stream/***"),
        ("/webhooks/telnyx/stream/gAAAAABrFbqh-_Xx==", "/webhooks/telnyx/stream/***"),
        ("/v1/retell/anything/llm-websocket/c", "/v1/retell/***/llm-websocket/c"),
        ("/v1/retell/llm-websocket/call_1?key=k1", "/v1/retell/llm-websocket/call_1?key=***"),
        (f"/calendars/{TOKEN}.ics", "/calendars/***"),
        (f"/some/{TOKEN}", "/some/***"),
        ("/api/v1/messages?to=%2B15551234567&limit=3", "/api/v1/messages?to=***&limit=3"),
        ("/api/v1/messages?to=+15551234567", "/api/v1/messages?to=***"),
        ("/api/v1/messages?to=ana%40example.com", "/api/v1/messages?to=***"),
        ("/api/v1/customers?phone=(212)%20555-0100", "/api/v1/customers?phone=***"),
        ("/api/v1/customers?q=call%20%2B15551234567%20now", "/api/v1/customers?q=call%20***%20now"),
        ("/x/%2B15551234567/y", "/x/***/y"),
        ("/x?api_key=fd_secret&n=1", "/x?api_key=***&n=1"),
        ("/oauth/callback/google?code=4/abc&state=gAAAA",
         "/oauth/callback/google?code=***&state=***"),
        # Kept: ids, dates, times with an offset, small numbers.
        (f"/api/v1/appointments/{UUID}", f"/api/v1/appointments/{UUID}"),
        (f"/api/v1/availability?service={UUID}&from=2024-01-15&to=2024-01-20T10:00:00%2B01:00",
         f"/api/v1/availability?service={UUID}&from=2024-01-15&to=2024-01-20T10:00:00%2B01:00"),
        ("/webhooks/twilio/voice/gather?turn=3&silence=1",
         "/webhooks/twilio/voice/gather?turn=3&silence=1"),
    ],
)
def test_masks_what_must_not_be_logged(target: str, logged: str) -> None:
    assert redact_target(target) == logged
