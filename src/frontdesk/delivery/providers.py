"""Which provider sends each channel, from settings (a factory; providers stay at the edge)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.delivery.analysis_sender import AnalysisSender
from frontdesk.delivery.calendar_sender import CalendarSender
from frontdesk.delivery.call_sender import CallSender
from frontdesk.delivery.webhook_sender import WebhookSender
from frontdesk.senders.base import Sender
from frontdesk.senders.console import ConsoleSender
from frontdesk.senders.email_sendgrid import SendGridSender
from frontdesk.senders.email_smtp import SmtpSender
from frontdesk.senders.sms_telnyx import TelnyxSmsSender
from frontdesk.senders.sms_twilio import TwilioSmsSender
from frontdesk.services.conversation_analysis import AnalysisRefiner
from frontdesk.telephony.twilio_calls import TwilioCallPlacer


def senders_from_settings(
    settings: Settings, factory: sessionmaker[Session] | None = None,
    analyst: AnalysisRefiner | None = None,
) -> dict[str, Sender]:
    """One sender per channel. With none configured, messages wait in the outbox (they are
    never dropped) until a provider is configured.

    With a session ``factory``, events are also written to resources' external calendars
    (the "calendar" channel reads each connection from the database); with an
    ``analyst`` too (an LLM, built by the composition root: delivery does not reach the
    brain), finished conversations' analyses are reworded by it (the "analysis" channel).
    """
    senders: dict[str, Sender] = {}
    if settings.sendgrid_api_key:
        senders["email"] = SendGridSender.from_settings(settings)
    elif settings.smtp_host:
        senders["email"] = SmtpSender.from_settings(settings)
    if settings.twilio_account_sid and settings.twilio_auth_token:
        senders["sms"] = TwilioSmsSender.from_settings(settings)
    elif settings.telnyx_api_key:
        senders["sms"] = TelnyxSmsSender.from_settings(settings)
    if settings.outbox_console:
        senders["sms"] = ConsoleSender("sms")
        senders["email"] = ConsoleSender("email")
    if factory is not None:
        senders["calendar"] = CalendarSender(factory)
        if analyst is not None:
            senders["analysis"] = AnalysisSender(factory, analyst)
        senders["webhook"] = WebhookSender(factory, settings)
        if settings.twilio_account_sid and settings.twilio_auth_token:
            # Calls wait in the outbox until Twilio is configured, like texts.
            senders["call"] = CallSender(factory, TwilioCallPlacer.from_settings(settings))
    return senders
