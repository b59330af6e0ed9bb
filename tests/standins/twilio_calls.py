"""Twilio's Calls API: ``POST /2010-04-01/Accounts/{sid}/Calls.json``.

Form-encoded To/From/Url (plus StatusCallback, StatusCallbackEvent repeated, and
MachineDetection) with HTTP basic auth (account SID, auth token); answers 201 with
Twilio's JSON call resource (status ``queued``), or Twilio's error JSON: 20003 bad
credentials, 21205 invalid Url, 21211 invalid 'To' number. The whole form is recorded
(repeated fields as lists) so tests can check exactly what the SDK sent.

``GET .../Calls.json`` lists the calls created, newest first, filtered by ``To`` and
``From`` as Twilio does, in Twilio's page envelope (what ``client.calls.list`` reads).
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
from tests.standins.twilio_api import INVALID_NUMBERS, _error


def twilio_calls_app(account_sid: str, auth_token: str, recorder: Recorder) -> FastAPI:
    app = FastAPI()

    @app.post("/2010-04-01/Accounts/{sid}/Calls.json")
    async def create_call(sid: str, request: Request) -> JSONResponse:
        expected = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        if request.headers.get("authorization") != expected or sid != account_sid:
            return _error(401, 20003, "Authenticate")
        if recorder.arrive():
            return _error(recorder.fail_status, 20500, "Internal Server Error")
        fields = parse_qs((await request.body()).decode(), keep_blank_values=True)
        form: dict[str, Any] = {k: v if len(v) > 1 else v[-1] for k, v in fields.items()}
        to, from_, url = form.get("To", ""), form.get("From", ""), form.get("Url", "")
        if not isinstance(to, str) or not to.startswith("+") or to in INVALID_NUMBERS:
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return _error(400, 21205, "Url is not a valid URL.")
        call_sid = "CA" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC), usegmt=True)
        uri = f"/2010-04-01/Accounts/{sid}/Calls/{call_sid}.json"
        resource: dict[str, Any] = {
            "account_sid": account_sid, "annotation": None, "answered_by": None,
            "api_version": "2010-04-01", "caller_name": None, "date_created": now,
            "date_updated": now, "direction": "outbound-api", "duration": None,
            "end_time": None, "forwarded_from": None, "from": from_,
            "from_formatted": from_, "group_sid": None, "parent_call_sid": None,
            "phone_number_sid": None, "price": None, "price_unit": "USD", "queue_time": "0",
            "sid": call_sid, "start_time": None, "status": "queued",
            "subresource_uris": {"recordings": uri.replace(".json", "/Recordings.json")},
            "to": to, "to_formatted": to, "trunk_sid": None, "uri": uri,
        }
        recorder.keep({"sid": call_sid, "form": form, "resource": resource,
                       "authorization": request.headers.get("authorization")})
        return JSONResponse(resource, status_code=201)

    @app.get("/2010-04-01/Accounts/{sid}/Calls.json")
    async def list_calls(sid: str, request: Request) -> JSONResponse:
        expected = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        if request.headers.get("authorization") != expected or sid != account_sid:
            return _error(401, 20003, "Authenticate")
        to, from_ = request.query_params.get("To"), request.query_params.get("From")
        calls = [m["resource"] for m in reversed(recorder.sent)
                 if (to is None or m["form"].get("To") == to)
                 and (from_ is None or m["form"].get("From") == from_)]
        size = int(request.query_params.get("PageSize", "50"))
        uri = f"/2010-04-01/Accounts/{sid}/Calls.json"
        return JSONResponse({"calls": calls[:size], "end": min(size, len(calls)) - 1,
                             "first_page_uri": uri, "next_page_uri": None, "page": 0,
                             "page_size": size, "previous_page_uri": None, "start": 0,
                             "uri": uri})

    return app
