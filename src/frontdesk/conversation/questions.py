"""Questions about the business rather than a booking: prices, the address and how to
get there, parking, payment, the cancellation policy, which services there are, the
business's own questions and answers, and services it does not offer.

Every answer is the business's own words or its own data (prices on its services); a
topic it left empty, or a question its FAQ does not answer well enough, is said to be
unknown and a person is offered, never guessed at (ADR 0047). Asked in the middle of a
booking, the answer is followed by the question the booking was waiting on.
"""

from __future__ import annotations

from frontdesk.conversation.context import Decision, ServiceInfo, TurnContext
from frontdesk.conversation.phrases import say
from frontdesk.conversation.prices import say_price
from frontdesk.conversation.speech import say_list
from frontdesk.conversation.state import DialogueState
from frontdesk.conversation.wording import say_options
from frontdesk.nlu.business_questions import asked_topics, looks_like_question
from frontdesk.nlu.faq_match import best_match, content_words
from frontdesk.nlu.language import normalize
from frontdesk.nlu.service_words import named_services
from frontdesk.nlu.types import Intent, Understanding

# Asked while the booking waits on one of these, the booking's question is asked again.
_MID_TASK = ("service", "time", "choice", "name", "phone")
# A turn with one of these is a task, not a question about the business.
_TASKS = (Intent.RESCHEDULE, Intent.MY_APPOINTMENTS, Intent.HOURS, Intent.OPT_OUT,
          Intent.HUMAN, Intent.CALLBACK, Intent.WRONG_NUMBER, Intent.DECLINE)
# An unanswered question needs this many content words to be a question about something
# ("can you help me?" is not; "do you have wifi for customers?" is).
_MIN_QUESTION_WORDS = 2


def answer(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    """The reply when the turn asks about the business; None when it does not."""
    if state.awaiting not in (None, "anything_else", *_MID_TASK) or state.outbound:
        return None
    if any(u.has(i) for i in _TASKS) or u.times or u.choice is not None:
        return None
    mid = state.awaiting in _MID_TASK and state.goal is not None
    topics = asked_topics(u.text, u.lang)
    if u.has(Intent.CANCEL) and "cancellation" not in topics:
        return None
    if topics:
        text, unknown = _topics(topics, u, ctx)
        return _reply(state, text, ctx, u.lang, mid=mid, offer_person=unknown)
    question = looks_like_question(u.text)
    if question and (faq := _faq_answer(u, ctx)) is not None:
        return _reply(state, faq, ctx, u.lang, mid=mid, offer_person=False)
    if (state.awaiting in (None, "anything_else", "service") and not u.services
            and (u.has(Intent.BOOK) or u.has(Intent.AVAILABILITY) or question)
            and _unoffered(u, ctx)):
        text = say("not_offered", u.lang, options=_all_services(ctx, u.lang))
        if state.awaiting == "service":
            return Decision(text)  # still waiting for a service they can have
        return _reply(state, text, ctx, u.lang, mid=False, offer_person=False)
    if mid or u.has(Intent.BOOK) or u.has(Intent.AVAILABILITY) or u.has(Intent.CANCEL):
        return None
    if question and len(_about_else(u, ctx)) >= _MIN_QUESTION_WORDS:
        # A question about something the business never told us: say so, offer a person.
        state.goal, state.awaiting = None, "confirm_transfer"
        return Decision(f"{say('info_unknown', u.lang)} {say('offer_person', u.lang)}")
    return None


def _faq_answer(u: Understanding, ctx: TurnContext) -> str | None:
    questions = [list(e.question.values()) for e in ctx.info.faq]
    hit = best_match(u.text, questions) if questions else None
    if hit is None:
        return None
    entry = ctx.info.faq[hit.index]
    return entry.answer.get(u.lang) or next(iter(entry.answer.values()))


def _about_else(u: Understanding, ctx: TurnContext) -> list[str]:
    """The question's content words that name none of the business's services or staff:
    "are your doctors trained abroad?" asks about training, not to book a doctor."""
    known = set(content_words(" ".join(
        [m.matched for m in u.services] + [name for _, name in ctx.resources])))
    return [w for w in content_words(u.text) if w not in known]


def _topics(topics: tuple[str, ...], u: Understanding, ctx: TurnContext) -> tuple[str, bool]:
    """The answers, and whether one of them is that we do not know."""
    parts: list[str] = []
    unknown = False
    for topic in topics:
        if topic == "price":
            said, missing = _prices(u, ctx)
        elif topic == "services":
            said, missing = say("services_list", u.lang, options=_all_services(ctx, u.lang)), False
        else:
            text = ctx.info.text(topic, u.lang)
            said, missing = (text or say("info_unknown", u.lang)), text is None
        if said not in parts:
            parts.append(said)
        unknown = unknown or missing
    return " ".join(parts), unknown


def _prices(u: Understanding, ctx: TurnContext) -> tuple[str, bool]:
    lang, country = u.lang, ctx.tenant.country or "US"
    asked = [s for m in u.services if (s := ctx.service(m.service_id)) is not None][:1]
    if not asked:
        priced = [s for s in ctx.services if s.price_cents is not None]
        if not priced:
            return say("info_unknown", lang), True
        items = [f"{s.spoken_name(lang)}, {say_price(s.price_cents or 0, country, lang)}"
                 for s in priced]
        return say("price_list", lang, prices="; ".join(items)), False
    service: ServiceInfo = asked[0]
    if service.price_cents is None:
        return say("price_unknown", lang, service=service.spoken_name(lang)), True
    return say("price_one", lang, service=service.spoken_name(lang),
               price=say_price(service.price_cents, country, lang)), False


def full_name(service: ServiceInfo, lang: str) -> str:
    """The fullest name the business gave a service in ``lang`` ("fisioterapia" rather
    than "fisio"): a list of what is offered should say what each thing is."""
    names = service.spoken.get(lang) or []
    if lang == "en" or not names:
        return service.name.lower()
    return max(names, key=len)


def _all_services(ctx: TurnContext, lang: str) -> str:
    return say_list([full_name(s, lang) for s in ctx.services], lang,
                    conjunction="y" if lang == "es" else "and")


def _unoffered(u: Understanding, ctx: TurnContext) -> bool:
    """The caller names a service the business does not list under any of its names."""
    offered = " ".join(
        normalize(" ".join([s.name, *(n for names in s.spoken.values() for n in names)]))
        for s in ctx.services
    )
    return any(f" {w}" not in f" {offered}" for w in named_services(u.text, u.lang))


def _reply(state: DialogueState, text: str, ctx: TurnContext, lang: str, *, mid: bool,
           offer_person: bool) -> Decision:
    if mid:
        return Decision(f"{text} {_reprompt(state, ctx, lang)}")
    state.goal = None
    if offer_person:
        state.awaiting = "confirm_transfer"
        return Decision(f"{text} {say('offer_person', lang)}")
    state.awaiting = "anything_else"
    state.outcome = state.outcome or "info"
    return Decision(f"{text} {say('anything_else', lang)}")


def _reprompt(state: DialogueState, ctx: TurnContext, lang: str) -> str:
    """The question the booking was waiting on, asked again after the answer."""
    service = ctx.service(state.service_id)
    if state.awaiting == "time" and service is not None:
        return say("ask_time", lang, service=service.spoken_name(lang))
    if state.awaiting == "choice" and state.offered:
        return say("which_offer", lang, options=say_options(state.offered, ctx, lang))
    if state.awaiting == "name":
        return say("ask_name", lang)
    if state.awaiting == "phone":
        return say("ask_phone", lang)
    names = say_list([s.spoken_name(lang) for s in ctx.services], lang)
    return say("ask_service", lang, options=names)
