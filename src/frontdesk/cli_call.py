"""``frontdesk call``: phone the front desk from a terminal, through the Twilio webhooks.

It plays Twilio's part: posts the same signed form webhooks Twilio would (incoming call,
each answer, silences, the final status callback), follows the TwiML that comes back,
prints what the agent ``<Say>``s and reads the caller's lines from stdin. An empty line
is a silence; end of input hangs up. Scriptable: ``printf 'hi\\nyes\\n' | frontdesk call``.
"""

from __future__ import annotations

import argparse
import io
import secrets
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, TextIO

from frontdesk.channels.twilio_twiml import STATUS_PATH, VOICE_PATH
from frontdesk.cli_twilio import (
    DEMO_FROM,
    DEMO_KEY,
    DEMO_TO,
    DEMO_TWILIO_TOKEN,
    WebhookFailed,
    show_texts,
    signed_post,
)

MAX_WEBHOOKS = 500  # a runaway TwiML loop stops here


@dataclass
class PhoneCall:
    """One simulated Twilio call: signs, posts, follows TwiML.

    Inbound (``frontdesk call``): ``caller`` is the person, ``called`` the business.
    Outbound (a call the business placed, played by ``frontdesk.carrier_sim``): ``caller``
    is the business's number, ``called`` the person, ``direction`` ``outbound-api``, and
    ``answer`` starts it with the voice URL the business gave and Twilio's ``AnsweredBy``.
    """

    url: str  # where the server listens
    public_url: str  # the base URL the server verifies signatures against
    token: str
    caller: str
    called: str
    lines_in: TextIO = field(default_factory=lambda: sys.stdin)
    out: TextIO = field(default_factory=lambda: sys.stdout)
    call_sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))
    account_sid: str = field(default_factory=lambda: "AC" + secrets.token_hex(16))
    sequence: int = 0
    started: float = field(default_factory=time.monotonic)
    webhooks: int = 0
    direction: str = "inbound"
    status_path: str = STATUS_PATH

    def params(self, status: str = "in-progress", **extra: str) -> dict[str, str]:
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": self.call_sid,
            "CallStatus": status,
            "Direction": self.direction,
            "From": self.caller,
            "To": self.called,
            "Caller": self.caller,
            "Called": self.called,
            **extra,
        }

    def post(self, path: str, params: dict[str, str]) -> str:
        """POST a form the way Twilio does, X-Twilio-Signature included."""
        self.webhooks += 1
        if self.webhooks > MAX_WEBHOOKS:
            raise WebhookFailed("too many webhooks in one call; is the TwiML looping?")
        return signed_post(self.url, self.public_url, self.token, path, params)

    def run(self) -> None:
        document = self.post(VOICE_PATH, self.params("ringing"))
        while document:
            document = self.follow(document)
        self.status("completed")

    def answer(self, voice_path: str, answered_by: str) -> None:
        """An outbound call was picked up: fetch the voice URL (its path and query, as
        the business gave it) with ``AnsweredBy`` and play the TwiML until it ends."""
        document = self.post(voice_path, self.params("in-progress", AnsweredBy=answered_by))
        while document:
            document = self.follow(document)

    def follow(self, document: str) -> str:
        """Play one TwiML document; return the next one ("" when the call is over)."""
        for verb in ET.fromstring(document):
            if verb.tag == "Say":
                self.show(f"agent: {verb.text or ''}")
            elif verb.tag == "Gather":
                for said in verb.iter("Say"):
                    self.show(f"agent: {said.text or ''}")
                answer = self.listen()
                if answer is None:
                    self.show("[call ended]")
                    return ""
                if answer:  # speech or keys go to the action; silence falls through
                    key = "Digits" if answer.strip("0123456789*#") == "" else "SpeechResult"
                    extra = (
                        {key: answer} if key == "Digits" else {key: answer, "Confidence": "0.92"}
                    )
                    return self.post(verb.get("action", ""), self.params(**extra))
            elif verb.tag == "Redirect":
                return self.post((verb.text or "").strip(), self.params())
            elif verb.tag == "Dial":
                self.show(f"[transferring to {(verb.text or '').strip()}]")
                return ""
            elif verb.tag in ("Hangup", "Reject"):
                self.show("[call ended]")
                return ""
        self.show("[call ended]")  # Twilio hangs up when the document runs out
        return ""

    def listen(self) -> str | None:
        """The caller's next line; None at end of input (the caller hangs up)."""
        interactive = self.lines_in.isatty()
        if interactive:
            self.out.write("you: ")
            self.out.flush()
        raw = self.lines_in.readline()
        if not raw:
            return None
        said = raw.strip()
        if not interactive:
            self.show(f"you: {said}" if said else "you: (silence)")
        return said

    def status(self, status: str, **extra: str) -> None:
        """Post a status callback (``CallDuration``: seconds since the call started, at
        least 1, unless ``extra`` says otherwise: 0 for a call nobody answered)."""
        self.sequence += 1
        fields = {
            "CallDuration": str(max(1, round(time.monotonic() - self.started))),
            "SequenceNumber": str(self.sequence),
            "Timestamp": _rfc2822_now(),
            **extra,
        }
        self.post(self.status_path, self.params(status, **fields))

    def show(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def _rfc2822_now() -> str:
    from email.utils import formatdate

    return formatdate(usegmt=True)


def cmd_call(args: argparse.Namespace) -> int:
    from frontdesk.config import get_settings

    settings = get_settings()
    token = args.auth_token or settings.twilio_auth_token or DEMO_TWILIO_TOKEN
    public_url = args.public_url or settings.public_base_url or args.url
    call = PhoneCall(args.url, public_url, token, args.caller, args.to)
    if args.audio:
        from frontdesk.cli_call_audio import play

        return play(args, call, public_url)
    if sys.stdin.isatty():
        print(
            f"calling {args.to} from {args.caller} via {args.url} "
            "(an empty line is a silence; Ctrl-D hangs up)",
            flush=True,
        )
    seen: set[str] = set()
    show_texts(args.url, args.key, args.caller, seen, io.StringIO())  # only this call's texts
    try:
        call.run()
    except WebhookFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\n[call ended]")
    time.sleep(args.wait_texts)  # give the outbox worker a moment to "send"
    show_texts(args.url, args.key, args.caller, seen, sys.stdout)
    return 0


def register(sub: Any) -> None:
    """Add ``frontdesk call`` to the CLI's subcommands."""
    call = sub.add_parser(
        "call",
        help="phone the front desk from this terminal (through the signed Twilio voice webhooks)",
    )
    call.add_argument("--url", default="http://127.0.0.1:8000", help="the server")
    call.add_argument("--from", dest="caller", default=DEMO_FROM, help="the caller's number")
    call.add_argument("--to", default=DEMO_TO, help="the business's number")
    call.add_argument(
        "--auth-token",
        default=None,
        help="the Twilio auth token the server verifies with (default: "
        f"FRONTDESK_TWILIO_AUTH_TOKEN, else the demo's {DEMO_TWILIO_TOKEN!r})",
    )
    call.add_argument(
        "--public-url",
        default=None,
        help="the public base URL the server verifies signatures against "
        "(default: FRONTDESK_PUBLIC_BASE_URL, else --url)",
    )
    call.add_argument(
        "--key",
        default=DEMO_KEY,
        help="the business's API key, to show the texts you would receive",
    )
    call.add_argument(
        "--audio",
        action="append",
        metavar="FILE.wav",
        help="speak this recording through the streaming door (Twilio Media Streams) "
        "instead of typing; repeat for each thing you say, in order",
    )
    call.add_argument("--out", default="agent.wav",
                      help="with --audio: where to write the agent's audio (WAV)")
    call.add_argument("--wait-texts", type=float, default=0.5, help=argparse.SUPPRESS)
    call.set_defaults(func=cmd_call)
