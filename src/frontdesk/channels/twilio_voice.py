"""Twilio voice webhooks: ``/webhooks/twilio/voice`` (+ ``/gather``, ``/status``).

Twilio answers the phone and does the speech (``<Gather>`` transcribes, ``<Say>``
speaks); we translate its form posts into ``Agent`` calls and the replies into TwiML.
The called number (``To``) picks the business; the ``CallSid`` is the conversation's id.

Every request must carry a valid ``X-Twilio-Signature`` (HMAC-SHA1 with the account's
auth token over the URL Twilio called plus the sorted form). Retries are harmless: a
repeated incoming call reopens the same conversation and is answered with what was
said, a repeated answer carries the same request key (so the agent replays its reply
instead of acting twice), and a status event is recorded once per (CallSid, status).
Configure the number's voice URL as ``{public_base_url}/webhooks/twilio/voice`` and its
status callback as ``{public_base_url}/webhooks/twilio/voice/status``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from frontdesk.channels import twilio_stream
from frontdesk.channels import twilio_twiml as twiml
from frontdesk.channels.signatures import TwilioForm
from frontdesk.conversation import phone_calls
from frontdesk.conversation.agent import Reply
from frontdesk.conversation.phone_calls import Answerer, Line
from frontdesk.services import call_dials, calls, campaign_outcomes, request_keys
from frontdesk.services.phone_numbers import as_e164, tenant_for_number
from frontdesk.services.tenants import Tenant
from frontdesk.web.deps import AgentDep, FactoryDep, SettingsDep
from frontdesk.web.ratelimit import check_phone

log = logging.getLogger(__name__)

router = APIRouter(tags=["twilio"])

TWIML = "application/xml"
PROVIDER = "twilio"  # as the call sender records it (TwilioCallPlacer.name)
# A call in one of these states is over: the conversation ends with it.
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
MACHINE_ANSWERS = frozenset({"machine_start", "machine_end_beep", "machine_end_silence",
                             "machine_end_other"})


# --- reading Twilio's form ---------------------------------------------------------------


def request_key(form: dict[str, str], turn: int) -> str:
    """The agent's idempotency key for one answer. Twilio repeats a webhook with the same
    form, and the gather URL carries the turn number, so (turn, form) names one answer
    (the same words said twice are two turns: their turn numbers differ)."""
    call_sid = form.get("CallSid", "")
    sequence = form.get("SequenceNumber")
    if sequence:
        return request_keys.fit("twilio", f"{call_sid}:{sequence}")
    digest = hashlib.sha256(repr(sorted(form.items())).encode()).digest()
    return request_keys.fit(
        "twilio", f"{call_sid}:{turn}:{base64.urlsafe_b64encode(digest[:9]).decode()}")


def event_time(form: dict[str, str]) -> datetime:
    """When Twilio says the event happened (RFC 2822 ``Timestamp``), else now."""
    raw = form.get("Timestamp")
    if raw:
        try:
            return parsedate_to_datetime(raw).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)


def business_number(form: dict[str, str]) -> str:
    """The business's side of the call: the called number, or the caller on a call we
    placed (Twilio's Direction is ``outbound-api`` then)."""
    outbound = form.get("Direction", "").startswith("outbound")
    return form.get("From" if outbound else "To", "")


def answerer(form: dict[str, str]) -> Answerer:
    """Who picked up, from Twilio's ``AnsweredBy``. With DetectMessageEnd Twilio answers
    after a machine's greeting, so our message starts after the beep; machine_start
    (plain "Enable" detection) is treated the same way."""
    answered_by = form.get("AnsweredBy", "").strip().lower()
    if answered_by in MACHINE_ANSWERS:
        return Answerer.MACHINE
    return Answerer.FAX if answered_by == "fax" else Answerer.PERSON


# --- writing TwiML -----------------------------------------------------------------------


def twiml_response(document: str) -> Response:
    return Response(content=document, media_type=TWIML)


def reply_document(reply: Reply, tenant: Tenant, turn: int) -> str:
    voice = twiml.voice_for(reply.lang, tenant.country)
    # A replayed reply does not carry the transfer flag; the recorded outcome does.
    transferring = reply.transfer or (reply.replayed and reply.outcome == "transferred")
    if transferring:
        return twiml.transfer(reply.text, voice, reply.transfer_to or tenant.fallback_phone)
    if reply.end:
        return twiml.goodbye(reply.text, voice)
    return twiml.prompt(reply.text, voice, turn=turn + 1)


def line_document(said: Line, tenant: Tenant, *, turn: int, silence: int = 0) -> str:
    if not said.text and said.hang_up:
        return twiml.hangup()
    voice = twiml.voice_for(said.lang, tenant.country)
    if said.hang_up:
        return twiml.goodbye(said.text, voice)
    return twiml.prompt(said.text, voice, turn=turn, silence=silence)


# --- when the database is away --------------------------------------------------------

# Twilio speaks whatever TwiML these answer: during an outage they apologise and hang up
# (``web.database`` answers them with ``outage_answer`` instead of a 503 problem, which
# Twilio would turn into its own error message, or silence).
OUTAGE_PATHS = frozenset({twiml.VOICE_PATH, twiml.GATHER_PATH, twiml.STREAM_ENDED_PATH})


def outage_answer() -> Response:
    return twiml_response(twiml.trouble())


# --- routes ------------------------------------------------------------------------------


@router.post("/webhooks/twilio/voice", response_class=Response)
def incoming_call(form: TwilioForm, factory: FactoryDep, agent: AgentDep, request: Request,
                  settings: SettingsDep, direction: str = "",
                  ref: Annotated[str, Query(max_length=64)] = "") -> Response:
    """A call comes in (or one we placed is answered): greet the caller and listen."""
    outbound = direction == "outbound"
    if not outbound:
        check_phone(request, form.get("From"))
    # On a call we placed, the business is the caller and the customer the called party.
    business, customer = ("From", "To") if outbound else ("To", "From")
    tenant = tenant_for_number(factory, form.get(business, ""))
    if tenant is None:
        log.info("twilio call %s with unknown business number %r", form.get("CallSid"),
                 form.get(business))
        # Not placed by a business we know: say nothing, hang up.
        return twiml_response(twiml.hangup() if outbound else twiml.not_in_service())
    if outbound and ref:  # answered before the sender heard back from Twilio
        call_dials.placed_by_reference(factory, tenant.id, ref, form.get("CallSid", ""),
                                       PROVIDER)
    # A carrier caller ID on a signed webhook, or a number we dialled: whoever is on the
    # line holds that phone.
    conversation = agent.open(tenant, calls.CHANNEL, form.get("CallSid", ""),
                              caller_phone=as_e164(form.get(customer), tenant.country),
                              caller_verified=True)
    if outbound:  # a campaign's call keeps the carrier's voice (machine detection, ...)
        said = phone_calls.answered_outbound(agent, factory, tenant, conversation,
                                             answerer(form), form.get("From", ""))
    else:
        streamed = twilio_stream.streaming_answer(request.app.state, settings, str(
            request.base_url), tenant, conversation)
        if streamed is not None:  # our pipeline greets once the stream opens
            return twiml_response(streamed)
        said = phone_calls.greeting(agent, factory, tenant, conversation)
    return twiml_response(line_document(said, tenant, turn=conversation.turn_count + 1))


@router.post("/webhooks/twilio/voice/gather", response_class=Response)
def gathered(form: TwilioForm, factory: FactoryDep, agent: AgentDep,
             turn: Annotated[int, Query(ge=0, le=10_000)] = 0,
             silence: Annotated[int, Query(ge=0, le=100)] = 0) -> Response:
    """What the caller said (or keyed), or a silence (the fallback redirect)."""
    tenant = tenant_for_number(factory, business_number(form))
    if tenant is None:
        return twiml_response(twiml.not_in_service())
    conversation = agent.open(tenant, calls.CHANNEL, form.get("CallSid", ""),
                              caller_phone=as_e164(form.get("From"), tenant.country),
                              caller_verified=True)
    text = (form.get("SpeechResult") or form.get("Digits") or "").strip()
    if text:
        reply = agent.turn(tenant, conversation.id, text,
                           request_key=request_key(form, turn))
        return twiml_response(reply_document(reply, tenant, turn))
    said = phone_calls.after_silence(agent, tenant, conversation, silence)
    return twiml_response(line_document(said, tenant, turn=max(turn, 1),
                                        silence=max(silence, 1)))


@router.post(twiml.STREAM_ENDED_PATH, response_class=Response)
def stream_ended(form: TwilioForm, factory: FactoryDep) -> Response:
    """Our media stream closed (``<Connect action>``): put the caller through when the
    call asked for a person (the agent said so on the stream), else hang up. Twilio's
    repeat of this request gets the same answer: it only reads the conversation."""
    found = calls.find_call(factory, form.get("CallSid", ""), (business_number(form),))
    if found is None:
        return twiml_response(twiml.hangup())
    tenant, conversation = found
    if conversation.outcome == "transferred":
        return twiml_response(twiml.dial(tenant.fallback_phone))
    return twiml_response(twiml.hangup())


@router.post("/webhooks/twilio/voice/status", status_code=204, response_class=Response)
def call_status(form: TwilioForm, factory: FactoryDep, agent: AgentDep,
                ref: Annotated[str, Query(max_length=64)] = "") -> Response:
    """Twilio's status callback: keep the call's timeline; a finished call ends the
    conversation."""
    status = form.get("CallStatus", "").strip().lower()
    call_sid = form.get("CallSid", "")
    if ref and call_sid:  # a call we placed, maybe not recorded yet: its reference says
        business = tenant_for_number(factory, form.get("From", ""))
        if business is not None:
            call_dials.placed_by_reference(factory, business.id, ref, call_sid, PROVIDER)
    found = calls.find_call(factory, call_sid, (form.get("To", ""), form.get("From", "")))
    if found is None or not status:
        return Response(status_code=204)
    tenant, conversation = found
    duration = form.get("CallDuration", "")
    sequence = form.get("SequenceNumber", "")
    event = calls.CallStatus(status, event_time(form),
                             int(duration) if duration.isdigit() else None,
                             int(sequence) if sequence.isdigit() else None)
    calls.record_status(factory, conversation.id,
                        request_keys.fit("twilio-status", f"{call_sid}:{status}"), event)
    if status in FINAL_STATUSES:
        agent.end(tenant, conversation.id)  # idempotent: a repeated event changes nothing
        campaign_outcomes.call_ended(factory, conversation.id, status)  # a campaign's call
    return Response(status_code=204)
