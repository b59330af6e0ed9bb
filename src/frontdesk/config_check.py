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
    return [line for line in found if line] + _speech_problems(settings)


def _speech_problems(settings: Settings) -> list[str]:
    """A cloud speech provider chosen without its key, a Spanish voice that is not
    Spanish, Spanish sent to a recognizer that hears only English. (Spanish left on the
    default local recognizer is said once, at its first call: most desks never stream.)"""
    chosen = {settings.speech_stt, settings.speech_tts, settings.speech_stt_es,
              settings.speech_tts_es}
    found = []
    if "deepgram" in chosen and not settings.speech_deepgram_api_key:
        found.append("Deepgram is chosen for speech but FRONTDESK_SPEECH_DEEPGRAM_API_KEY is "
                     "not set: those calls will go turn by turn.")
    if ("openai" in chosen and not settings.speech_openai_api_key
            and "api.openai.com" in settings.speech_openai_base_url):
        found.append("OpenAI is chosen for speech but FRONTDESK_SPEECH_OPENAI_API_KEY is not "
                     "set: every request will be refused (401).")
    voice_es = settings.speech_deepgram_voice_es
    if "deepgram" in chosen and voice_es and not voice_es.endswith("-es"):
        found.append(f"FRONTDESK_SPEECH_DEEPGRAM_VOICE_ES={voice_es} is not a Spanish voice "
                     "(Deepgram's end in -es, e.g. aura-2-celeste-es).")
    if settings.speech_stt_es == "local" and not settings.speech_whisper_model:
        found.append("FRONTDESK_SPEECH_STT_ES is local but the bundled Whisper model is "
                     "English only: Spanish calls go turn by turn (choose openai or "
                     "deepgram, or set FRONTDESK_SPEECH_WHISPER_MODEL).")
    return found


def warn_incomplete(settings: Settings) -> None:
    for line in missing_settings(settings):
        log.warning("%s", line)
