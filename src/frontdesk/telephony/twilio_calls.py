"""Outbound calls through Twilio's Programmable Voice, with the official ``twilio`` SDK.

``TwilioCallPlacer.place`` asks Twilio to dial a customer from one of the business's
numbers, with answering-machine detection (``DetectMessageEnd``: Twilio waits for a
machine's greeting to end, so a voicemail we leave starts after the beep). When the call
is answered Twilio requests ``/webhooks/twilio/voice?direction=outbound`` with
``AnsweredBy``; the voice door (``channels.twilio_voice``) talks to a person or leaves a
voicemail.

Only the wire call lives here: who may be called is decided before, by
``services.outbound_calls``. The SDK's own retries are off and its base URL is
configurable, as for SMS (``senders.sms_twilio``), so tests point it at a stand-in.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import requests
from twilio.base.exceptions import TwilioRestException  # type: ignore[import-untyped]
from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

from frontdesk.config import Settings
from frontdesk.telephony.base import CallProviderDown, CallRefused, CallsNotConfigured

DEFAULT_API_BASE = "https://api.twilio.com"
DEFAULT_TIMEOUT_S = 10.0
VOICE_URL_PATH = "/webhooks/twilio/voice?direction=outbound"
STATUS_URL_PATH = "/webhooks/twilio/voice/status"
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
MACHINE_DETECTION = "DetectMessageEnd"


class TwilioNotConfigured(CallsNotConfigured):
    code = "twilio_not_configured"


class CallRejected(CallRefused):
    """Twilio refused the call request (e.g. 21211 invalid 'To', 21215 geo permissions)."""

    title = "Twilio refused the call"


class CallProviderUnavailable(CallProviderDown):
    title = "Twilio did not accept the call request"


class TwilioCallPlacer:
    """Places calls for the account in settings.

    Its configuration is checked when a call is placed, not when it is made: the
    service's consent rule answers first, so a customer who may not be called is refused
    as such even on a server not set up for calls yet.
    """

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        public_base_url: str,
        api_base: str = DEFAULT_API_BASE,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.public_base_url = public_base_url.rstrip("/")
        self.api_base = api_base.rstrip("/")
        self.timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioCallPlacer:
        return cls(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            public_base_url=settings.public_base_url,
            api_base=settings.twilio_api_base or DEFAULT_API_BASE,
        )

    def _client(self) -> Client:
        missing = [name for name, value in (
            ("FRONTDESK_TWILIO_ACCOUNT_SID", self.account_sid),
            ("FRONTDESK_TWILIO_AUTH_TOKEN", self.auth_token)) if not value]
        if missing:
            raise TwilioNotConfigured(f"Outbound calls need {' and '.join(missing)}.",
                                      missing=missing)
        client = Client(self.account_sid, self.auth_token,
                        http_client=TwilioHttpClient(timeout=self.timeout_s))
        # Voice calls, like messages, go through the "api" domain: its base URL is the one
        # knob the SDK offers for a different host (a stand-in in tests).
        client.api.base_url = self.api_base
        return client

    def place(self, to: str, from_: str, *, reference: str | None = None) -> str:
        """Ask Twilio to call ``to``; returns the Call SID. ``reference`` rides on the
        webhook URLs (``ref=``), which Twilio signs, so it cannot be forged."""
        base = self.public_base_url
        if not base:
            raise TwilioNotConfigured("Outbound calls need FRONTDESK_PUBLIC_BASE_URL: the "
                                      "address Twilio calls back when the customer answers.",
                                      missing=["FRONTDESK_PUBLIC_BASE_URL"])
        client = self._client()
        try:
            ref = f"ref={quote(reference)}" if reference else ""
            call = client.calls.create(
                to=to, from_=from_, url=base + VOICE_URL_PATH + (f"&{ref}" if ref else ""),
                status_callback=base + STATUS_URL_PATH + (f"?{ref}" if ref else ""),
                status_callback_event=STATUS_EVENTS, machine_detection=MACHINE_DETECTION)
        except TwilioRestException as exc:
            detail = f"twilio {exc.status} (code {exc.code}): {exc.msg}"
            if exc.status == 429:
                raise CallProviderUnavailable(detail) from exc
            if int(exc.status) >= 500:  # it may have created the call before failing
                raise CallProviderUnavailable(detail, maybe_placed=True) from exc
            raise CallRejected(detail, twilio_code=exc.code) from exc
        except requests.Timeout as exc:  # the request went out: it may have dialled
            raise CallProviderUnavailable(f"twilio timed out: {exc}",
                                          maybe_placed=True) from exc
        except requests.RequestException as exc:  # refused connections, DNS
            raise CallProviderUnavailable(f"twilio unreachable: {exc}") from exc
        return str(call.sid)

    def find_placed(self, to: str, from_: str, since: datetime) -> str | None:
        """A call Twilio created to ``to`` from ``from_`` at or after ``since`` (the
        Calls list, filtered by To and From, newest first; DateCreated is whole seconds)."""
        client = self._client()
        floor = since.replace(microsecond=0)
        try:
            found = client.calls.list(to=to, from_=from_, limit=20)
        except TwilioRestException as exc:
            raise CallProviderUnavailable(f"twilio {exc.status}: {exc.msg}",
                                          maybe_placed=True) from exc
        except requests.RequestException as exc:
            raise CallProviderUnavailable(f"twilio unreachable: {exc}",
                                          maybe_placed=True) from exc
        for call in found:
            created = call.date_created
            if created is not None and created >= floor:
                return str(call.sid)
        return None
