"""TwiML for the Twilio voice door: pure builders, no I/O (tested offline).

Twilio does the speech here: ``<Gather input="speech dtmf">`` transcribes the caller and
``<Say>`` speaks our reply with an Amazon Polly voice. Every document asks for the next
webhook with a relative URL; Twilio resolves it against the URL it just called (and signs
the absolute URL it then requests). TwiML reference: https://www.twilio.com/docs/voice/twiml
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.voice_response import (  # type: ignore[import-untyped]
    Connect,
    Gather,
    VoiceResponse,
)

from frontdesk.conversation.call_lines import line, spoken_lang

VOICE_PATH = "/webhooks/twilio/voice"
GATHER_PATH = "/webhooks/twilio/voice/gather"
STATUS_PATH = "/webhooks/twilio/voice/status"
# Where Twilio goes once our media stream closes (<Connect action>): a transfer, or goodbye.
STREAM_ENDED_PATH = "/webhooks/twilio/voice/stream-ended"


@dataclass(frozen=True, slots=True)
class Voice:
    """How Twilio speaks and listens in one language: a Polly voice and a locale."""

    name: str
    language: str


# (language, country) -> voice; (language, "") is the language's default.
_VOICES: dict[tuple[str, str], Voice] = {
    ("en", ""): Voice("Polly.Joanna", "en-US"),
    ("en", "GB"): Voice("Polly.Amy", "en-GB"),
    ("es", ""): Voice("Polly.Lupe", "es-US"),
    ("es", "ES"): Voice("Polly.Lucia", "es-ES"),
    ("es", "MX"): Voice("Polly.Mia", "es-MX"),
}


def voice_for(lang: str, country: str | None) -> Voice:
    """The voice for a conversation language, with the tenant country's accent if we have
    one (Spanish in Spain is es-ES, elsewhere es-US)."""
    lang = spoken_lang(lang)
    return _VOICES.get((lang, (country or "").upper()), _VOICES[(lang, "")])


def gather_url(turn: int, *, silence: int = 0) -> str:
    """The gather webhook; ``turn`` numbers the caller's answers, so a retried webhook
    (same URL, same form) is recognised and answered once; ``silence`` counts the
    prompts in a row that got no answer."""
    query: dict[str, int] = {"turn": turn}
    if silence:
        query["silence"] = silence
    return f"{GATHER_PATH}?{urlencode(query)}"


def prompt(text: str, voice: Voice, *, turn: int, silence: int = 0) -> str:
    """Say ``text`` and listen; with no answer, come back to re-prompt."""
    response = VoiceResponse()
    gather = Gather(
        input="speech dtmf",
        action=gather_url(turn),
        method="POST",
        speech_timeout="auto",
        language=voice.language,
    )
    gather.say(text, voice=voice.name, language=voice.language)
    response.append(gather)
    response.redirect(gather_url(turn, silence=silence + 1), method="POST")
    return str(response)


def transfer(text: str, voice: Voice, number: str | None) -> str:
    """Say ``text``, then put the caller through to ``number`` (or apologise and hang up
    when the business has no number to transfer to)."""
    response = VoiceResponse()
    response.say(text, voice=voice.name, language=voice.language)
    if number:
        response.dial(number)
    else:
        response.say(line("no_transfer", voice_lang(voice)), voice=voice.name,
                     language=voice.language)
        response.hangup()
    return str(response)


def goodbye(text: str, voice: Voice) -> str:
    response = VoiceResponse()
    response.say(text, voice=voice.name, language=voice.language)
    response.hangup()
    return str(response)


def hangup() -> str:
    """Hang up without a word (a fax, a call no business of ours placed)."""
    response = VoiceResponse()
    response.hangup()
    return str(response)


def not_in_service(lang: str = "en") -> str:
    return goodbye(line("not_in_service", lang), voice_for(lang, None))


def trouble() -> str:
    """We cannot answer (the database is away): say so in English and Spanish (the
    business, and so its language, is unknown without the database), then hang up."""
    response = VoiceResponse()
    for lang in ("en", "es"):
        voice = voice_for(lang, None)
        response.say(line("trouble", lang), voice=voice.name, language=voice.language)
    response.hangup()
    return str(response)


def voice_lang(voice: Voice) -> str:
    return voice.language.split("-", 1)[0]


def dial(number: str | None) -> str:
    """Put the caller through to ``number`` (the words were said already), or hang up."""
    response = VoiceResponse()
    if number:
        response.dial(number)
    else:
        response.hangup()
    return str(response)


def stream(url: str, action: str | None = None) -> str:
    """Hand the call to our media stream at ``url`` (``wss://``): Twilio streams the
    caller's audio there and plays what we send back (issue 15). When we close the stream
    Twilio requests ``action`` for what comes next (a transfer asked for on the call)."""
    response = VoiceResponse()
    connect = Connect(action=action) if action else Connect()
    connect.stream(url=url)
    response.append(connect)
    return str(response)
