"""Twilio's Messages API: ``POST /2010-04-01/Accounts/{sid}/Messages.json``.

Form-encoded To/From/Body with HTTP basic auth (account SID, auth token); answers 201
with Twilio's JSON message resource, or Twilio's error JSON (``code``, ``message``,
``more_info``, ``status``): 20003 bad credentials, 21211 invalid 'To' number.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.standins.base import Recorder

INVALID_NUMBERS = frozenset({"+15005550001"})  # Twilio's magic "invalid number" test value


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
         "status": status},
        status_code=status,
    )


def twilio_app(account_sid: str, auth_token: str, recorder: Recorder) -> FastAPI:
    app = FastAPI()

    @app.post("/2010-04-01/Accounts/{sid}/Messages.json")
    async def create_message(sid: str, request: Request) -> JSONResponse:
        expected = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        if request.headers.get("authorization") != expected or sid != account_sid:
            return _error(401, 20003, "Authenticate")
        if recorder.arrive():
            return _error(recorder.fail_status, 20500, "Internal Server Error")
        # The SDK form-encodes (application/x-www-form-urlencoded), as Twilio expects.
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode(),
                                              keep_blank_values=True).items()}
        to, from_, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not to.startswith("+") or to in INVALID_NUMBERS:
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        message_sid = "SM" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC), usegmt=True)
        resource: dict[str, Any] = {
            "account_sid": account_sid, "api_version": "2010-04-01", "body": body,
            "date_created": now, "date_sent": None, "date_updated": now,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": from_, "messaging_service_sid": None,
            "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD",
            "sid": message_sid, "status": "queued", "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}/Media.json"},
            "to": to, "uri": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json",
        }
        recorder.keep({"sid": message_sid, "to": to, "from": from_, "body": body})
        return JSONResponse(resource, status_code=201)

    return app
