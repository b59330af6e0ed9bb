"""What the two media-stream doors share (Twilio Media Streams, Telnyx media streaming).

A stream is opened only with a token sealed with the server's key, issued in our answer
to the call's signed webhook: it names the call, the business and the conversation, and
lives ``TOKEN_AGE_S`` seconds (the carrier opens the stream right after our answer). It
travels in the socket's path because Twilio's ``<Stream>`` URL takes no query string.
Speech providers come from ``app.state.speech``: a function of the language giving
recognizer, voice and detector, raising ``SpeechError`` for a language it cannot serve.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable

from cryptography.fernet import InvalidToken
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.conversation.agent import Agent
from frontdesk.security import seal, unseal
from frontdesk.services.conversation_turns import Conversation
from frontdesk.services.records import Tenant
from frontdesk.speech.base import SpeechError, SpeechToText, TextToSpeech
from frontdesk.voice.agent_side import AgentSide
from frontdesk.voice.pipeline import VoiceActivity

log = logging.getLogger(__name__)

TOKEN_AGE_S = 60
CLAIMS = ("call", "tenant", "conversation")

Speech = Callable[[str], tuple[SpeechToText, TextToSpeech, VoiceActivity]]


def stream_token(settings: Settings, call_id: str, tenant_id: uuid.UUID,
                 conversation_id: uuid.UUID) -> str:
    return seal(json.dumps({"call": call_id, "tenant": str(tenant_id),
                            "conversation": str(conversation_id)}), settings)


def read_token(settings: Settings, token: str) -> dict[str, str] | None:
    """The token's claims, or None when it is forged, malformed or older than allowed."""
    try:
        claims = json.loads(unseal(token, TOKEN_AGE_S, settings))
    except (InvalidToken, ValueError, TypeError):
        return None
    if not isinstance(claims, dict) or not all(isinstance(claims.get(k), str)
                                               for k in CLAIMS):
        return None
    return {k: claims[k] for k in CLAIMS}


def socket_url(public_base_url: str, path: str) -> str:
    """``path`` on this server as the carrier reaches it: ``wss`` for an ``https`` site."""
    base = public_base_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base.removeprefix("https://") + path
    return "ws://" + base.removeprefix("http://") + path


def speech_serves(speech: Speech | None, tenant: Tenant, language: str) -> bool:
    """Whether our pipeline's speech providers serve ``language`` (else: say why)."""
    if speech is None:
        log.warning("business %s streams its calls but no speech providers are set up "
                    "(FRONTDESK_SPEECH_*): answering turn by turn", tenant.slug)
        return False
    try:
        speech(language)
    except SpeechError as exc:
        log.warning("business %s: no streaming speech for %r (%s): answering turn by turn",
                    tenant.slug, language, exc)
        return False
    return True


def side_for(factory: sessionmaker[Session], agent: Agent,
             claims: dict[str, str]) -> AgentSide | None:
    """The conversation the token names, bound to the agent; None unless the business,
    the conversation and the call all agree."""
    with factory() as session:
        tenant = session.get(Tenant, uuid.UUID(claims["tenant"]))
        conversation = session.get(Conversation, uuid.UUID(claims["conversation"]))
        if tenant is None or conversation is None or conversation.tenant_id != tenant.id \
                or conversation.external_id != claims["call"]:
            return None
        session.expunge(tenant)
        session.expunge(conversation)
    return AgentSide(agent, factory, tenant, conversation)
