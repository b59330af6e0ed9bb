"""The one Twilio verifier (and the Telnyx one), offline."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from frontdesk.channels import signatures

TOKEN = "test-twilio-token"
PARAMS = {"CallSid": "CA1", "To": "+12125550100", "Body": "hi"}


@pytest.mark.parametrize(("signed", "ours"), [
    ("https://desk.example.com/hook", "https://desk.example.com/hook"),
    ("https://desk.example.com:443/hook", "https://desk.example.com/hook"),
    ("https://desk.example.com/hook", "https://desk.example.com:443/hook"),
    ("http://desk.example.com:80/hook?x=1", "http://desk.example.com/hook?x=1"),
    ("http://desk.example.com/hook", "http://desk.example.com:80/hook"),
])
def test_twilio_signs_with_or_without_the_default_port(signed: str, ours: str) -> None:
    signature = RequestValidator(TOKEN).compute_signature(signed, PARAMS)
    assert signatures.twilio_valid(TOKEN, ours, PARAMS, signature)


@pytest.mark.parametrize(("signed", "ours"), [
    ("https://desk.example.com:8443/hook", "https://desk.example.com/hook"),
    ("https://desk.example.com/hook", "https://desk.example.com:8443/hook"),
    ("http://desk.example.com:443/hook", "http://desk.example.com/hook"),
    ("https://evil.example.com/hook", "https://desk.example.com/hook"),
])
def test_another_port_or_host_is_another_url(signed: str, ours: str) -> None:
    signature = RequestValidator(TOKEN).compute_signature(signed, PARAMS)
    assert not signatures.twilio_valid(TOKEN, ours, PARAMS, signature)


def test_repeated_names_are_signed_as_twilio_signs_them() -> None:
    url = "https://desk.example.com/hook"
    params = {"MediaUrl": ["https://a.example/1", "https://a.example/2"], "To": "+1212"}
    signature = signatures.twilio_signature(TOKEN, url, params)
    assert signatures.twilio_valid(TOKEN, url, params, signature)
    assert not signatures.twilio_valid(TOKEN, url, {**params, "MediaUrl": ["x"]}, signature)


@pytest.mark.parametrize(("token", "signature"), [("", "c2ln"), (TOKEN, ""), (TOKEN, None)])
def test_no_token_or_no_signature_is_never_valid(token: str, signature: str | None) -> None:
    assert not signatures.twilio_valid(token, "https://desk.example.com/hook", PARAMS,
                                       signature)


def test_a_stale_or_unparsable_telnyx_signature_is_refused() -> None:
    assert not signatures.telnyx_valid("not base64", b"{}", "c2ln", "1700000000")
    assert not signatures.telnyx_valid("", b"{}", "c2ln", "1700000000")
    assert not signatures.telnyx_valid("AAAA", b"{}", "c2ln", "yesterday")
