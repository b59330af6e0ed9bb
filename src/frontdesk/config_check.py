"""Say at start what a configured provider still lacks, one line each.

Half a provider's settings start fine and fail later, at the first call or text (a
Telnyx public key without its API key verifies webhooks it then cannot answer). Only
what can be told from the settings alone is checked: nothing here calls a provider.
"""

from __future__ import annotations

import logging

from frontdesk.config import Settings

log = logging.getLogger("frontdesk.config")


def _pair(settings: Settings, have: str, need: str, what: str) -> str | None:
    if getattr(settings, have) and not getattr(settings, need):
        return (f"FRONTDESK_{have.upper()} is set but FRONTDESK_{need.upper()} is not: "
                f"{what}")
    return None


def missing_settings(settings: Settings) -> list[str]:
    """One sentence per provider that is configured only in part."""
    found = [
        _pair(settings, "telnyx_public_key", "telnyx_api_key",
              "Telnyx webhooks are accepted, but replies cannot be texted and calls "
              "cannot be answered."),
        _pair(settings, "telnyx_api_key", "telnyx_public_key",
              "Telnyx webhooks will be refused (403) until the portal's public key is set."),
        _pair(settings, "twilio_account_sid", "twilio_auth_token",
              "texts cannot be sent through Twilio and its webhooks will be refused (403)."),
        _pair(settings, "google_client_id", "google_client_secret",
              "Google Calendar cannot be connected."),
        _pair(settings, "google_client_secret", "google_client_id",
              "Google Calendar cannot be connected."),
        _pair(settings, "microsoft_client_id", "microsoft_client_secret",
              "Microsoft calendars cannot be connected."),
        _pair(settings, "microsoft_client_secret", "microsoft_client_id",
              "Microsoft calendars cannot be connected."),
        _pair(settings, "signin_google_client_id", "signin_google_client_secret",
              "the sign-in page offers no Google sign-in."),
        _pair(settings, "signin_google_client_secret", "signin_google_client_id",
              "the sign-in page offers no Google sign-in."),
        _pair(settings, "signin_microsoft_client_id", "signin_microsoft_client_secret",
              "the sign-in page offers no Microsoft sign-in."),
        _pair(settings, "signin_microsoft_client_secret", "signin_microsoft_client_id",
              "the sign-in page offers no Microsoft sign-in."),
        _pair(settings, "sendgrid_api_key", "email_from",
              "emails have no From address and cannot be sent."),
        _pair(settings, "smtp_host", "email_from",
              "emails have no From address and cannot be sent."),
    ]
    return [line for line in found if line]


def warn_incomplete(settings: Settings) -> None:
    for line in missing_settings(settings):
        log.warning("%s", line)
