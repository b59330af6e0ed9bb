"""Playing one simulated call: the person's side of it, as Twilio reports it.

After the create request Twilio dials: ``initiated``, ``ringing``; then the call is busy,
goes unanswered, or is picked up (``answered``, with ``AnsweredBy`` from machine
detection), the voice URL is fetched and its TwiML followed (``cli_call.PhoneCall``
says the person's lines), and the call ends: ``completed``. Each status goes to the
``StatusCallback`` when its event was asked for; the final one always does. Every post
is signed as Twilio signs (``X-Twilio-Signature``).
"""

from __future__ import annotations

import io
import logging
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from frontdesk.carrier_sim.call_record import CallBook, SimCall
from frontdesk.cli_call import PhoneCall
from frontdesk.cli_twilio import WebhookFailed

log = logging.getLogger(__name__)

# Before the first status: a real carrier takes a second or more to start dialling (and
# the placer has usually recorded the call it was given by then, as with Twilio).
DIAL_DELAY_S = 1.0


def _origin_and_path(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{parts.scheme}://{parts.netloc}", path + (f"?{parts.query}" if parts.query else "")


def _line(call: SimCall, token: str, url: str, started: float,
          heard: io.StringIO | None = None) -> PhoneCall:
    """A ``PhoneCall`` posting on ``url``'s host: the person's lines in, what was said out."""
    origin, path = _origin_and_path(url)
    return PhoneCall(origin, origin, token, caller=call.from_, called=call.to,
                     lines_in=io.StringIO("".join(f"{said}\n" for said in call.person.lines)),
                     out=heard if heard is not None else io.StringIO(), call_sid=call.sid,
                     account_sid=call.account_sid, started=started, direction="outbound-api",
                     status_path=path)


class _Statuses:
    """The status callbacks of one call: only the events asked for, the final always."""

    def __init__(self, call: SimCall, token: str, started: float) -> None:
        self.wanted = set(call.events)
        self.line = (_line(call, token, call.status_callback, started)
                     if call.status_callback else None)

    def send(self, event: str, status: str, **extra: str) -> None:
        if self.line is None or (event != "completed" and event not in self.wanted):
            return
        self.line.status(status, CallbackSource="call-progress-events", **extra)


def play(carrier: CallBook, sid: str, token: str) -> None:
    """Play call ``sid`` to its end; failures are kept on the call, never raised (this
    runs on its own thread)."""
    call = carrier.get(sid)
    person = call.person
    started = time.monotonic()
    statuses = _Statuses(call, token, started)
    heard = io.StringIO()
    talk = _line(call, token, call.url, started, heard)
    try:
        time.sleep(DIAL_DELAY_S)
        carrier.update(sid, status="initiated")
        statuses.send("initiated", "initiated")
        if person.final_status == "busy":
            time.sleep(person.ring_s)  # the far end answers "busy" after a moment
            _end(carrier, sid, statuses, "busy", CallDuration="0")
            return
        carrier.update(sid, status="ringing")
        statuses.send("ringing", "ringing")
        time.sleep(person.ring_s)
        if not person.answers:
            _end(carrier, sid, statuses, person.final_status, CallDuration="0")
            return
        carrier.update(sid, status="in-progress", answered_by=person.answered_by,
                       started=datetime.now(UTC))
        statuses.send("answered", "in-progress", AnsweredBy=person.answered_by)
        try:
            talk.answer(_origin_and_path(call.url)[1], person.answered_by)
        except WebhookFailed as exc:  # Twilio would say "an application error occurred"
            carrier.update(sid, error=str(exc))
        _end(carrier, sid, statuses, "completed", AnsweredBy=person.answered_by)
    except WebhookFailed as exc:
        carrier.update(sid, error=str(exc), status="failed", ended=datetime.now(UTC))
        log.warning("simulated call %s: %s", sid, exc)
    finally:
        carrier.update(sid, transcript=heard.getvalue())


def _end(carrier: CallBook, sid: str, statuses: _Statuses, status: str,
         **extra: str) -> None:
    carrier.update(sid, status=status, ended=datetime.now(UTC))
    statuses.send("completed", status, **extra)
