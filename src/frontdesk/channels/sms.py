"""The SMS door: Twilio (``POST /webhooks/twilio/sms``) and Telnyx (``POST /webhooks/telnyx``).

This door only translates: it checks the provider's signature (403 before anything
changes), reads the message out of the provider's wire format, hands it to the SMS desk
(``conversation.sms_keywords``: carrier keywords, reminder replies, the agent) and
answers in the provider's format. Twilio gets the reply inline as TwiML; Telnyx's is
queued in the outbox (the webhook answers 200 at once). The provider's message id makes
a retried delivery replay the first answer.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from frontdesk.channels.signatures import TelnyxBody, TwilioForm
from frontdesk.conversation.sms_keywords import InboundSms, SmsDesk
from frontdesk.errors import InvalidInput
from frontdesk.services.sms_records import queue_reply
from frontdesk.web.bounds import without_nul
from frontdesk.web.deps import AgentDep, FactoryDep
from frontdesk.web.ratelimit import check_phone

router = APIRouter(tags=["sms"])


def twiml(text: str | None) -> str:
    if not text:
        return '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Message>{escape(text)}</Message></Response>"
    )


def telnyx_event(body: TelnyxBody) -> dict[str, Any]:
    """The signed webhook's ``data`` object."""
    try:
        event = json.loads(body)["data"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("Expected a Telnyx webhook: {\"data\": {...}}.") from exc
    if not isinstance(event, dict):
        raise InvalidInput("Expected a Telnyx webhook: {\"data\": {...}}.")
    result: dict[str, Any] = without_nul(event)  # as for Twilio: a signed event is kept
    return result


def get_desk(factory: FactoryDep, agent: AgentDep) -> SmsDesk:
    return SmsDesk(factory, agent)


TelnyxEvent = Annotated[dict[str, Any], Depends(telnyx_event)]
DeskDep = Annotated[SmsDesk, Depends(get_desk)]


class WebhookAck(BaseModel):
    received: bool = True


@router.post("/webhooks/twilio/sms", response_class=Response)
def twilio_sms(form: TwilioForm, desk: DeskDep, request: Request) -> Response:
    sms = InboundSms(
        form.get("MessageSid") or form.get("SmsSid") or "",
        form.get("From", ""),
        form.get("To", ""),
        form.get("Body", ""),
    )
    if not sms.message_id:
        raise InvalidInput("A Twilio message webhook carries a MessageSid.")
    check_phone(request, sms.from_number)
    answer = desk.handle(sms)
    return Response(twiml(answer.text), media_type="application/xml")


@router.post("/webhooks/telnyx", response_model=WebhookAck)
def telnyx_webhook(event: TelnyxEvent, desk: DeskDep, factory: FactoryDep,
                   request: Request) -> WebhookAck:
    payload = event.get("payload") or {}
    if event.get("event_type") != "message.received" or payload.get("direction") == "outbound":
        return WebhookAck()  # delivery receipts and other events: nothing to do
    to = (payload.get("to") or [{}])[0].get("phone_number") or ""
    sms = InboundSms(
        str(event.get("id") or ""),
        str((payload.get("from") or {}).get("phone_number") or ""),
        str(to),
        str(payload.get("text") or ""),
    )
    if not sms.message_id:
        raise InvalidInput("A Telnyx event carries an id.")
    check_phone(request, sms.from_number)
    answer = desk.handle(sms)
    if answer.text and answer.tenant_id and answer.customer_phone:
        queue_reply(factory, answer.tenant_id, to=answer.customer_phone,
                    from_number=sms.to_number, text=answer.text, message_id=sms.message_id,
                    customer_id=answer.customer_id)
    return WebhookAck()
