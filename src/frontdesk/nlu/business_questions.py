"""What a caller asks about the business rather than a booking, English and Spanish:
prices, the address, directions, parking, payment, the cancellation policy, the list of
services, and whether a turn is a question at all (a question nobody answered is
offered a person, not "sorry, I didn't catch that"). Pure: patterns over normalised text
(lowercase, accent-free, punctuation as " , "; see ``language.normalize``).

Patterns name the thing asked about, not a verb alone, so "can I pay a visit" or "I'll
park that" would not fire: a topic that fires wrongly would answer instead of booking.
"""

from __future__ import annotations

import re

from frontdesk.nlu.language import normalize
from frontdesk.nlu.types import Lang

TOPICS = ("price", "address", "directions", "parking", "payment", "cancellation", "services")


def _rx(words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + re.sub(r"\s*\n\s*", "", words) + r")\b")


_TOPIC_RULES: dict[str, dict[Lang, re.Pattern[str]]] = {
    "price": {
        "en": _rx(r"""how much (?:is|are|does|do|would|will|for|to|'s)|how much|prices?|pricing|
            (?:what|how much) (?:do|does|would) (?:you|it|they) charge|charge for|costs?|
            (?:your )?rates|fees?"""),
        "es": _rx(r"""cuanto (?:cuesta|cuestan|vale|valen|sale|salen|cobran|cobrais|cobra|es|
            seria|costaria)|precios?|tarifas?|coste|costo|cuanto me (?:cobran|cuesta|sale)"""),
    },
    "address": {
        "en": _rx(r"""where (?:are|r) (?:you|u)(?: guys)?(?: located| based| at)?|address|
            location|where (?:is|'s) (?:the|your) (?:salon|clinic|office|shop|store|place|
            business)|what street|where (?:exactly )?(?:are|is) (?:you|it)"""),
        "es": _rx(r"""donde (?:estan|esta|estais|queda|quedan|se encuentra|se encuentran|
            los encuentro)|direccion|ubicad[oa]s?|ubicacion|en que calle|las senas"""),
    },
    "directions": {
        "en": _rx(r"""how (?:do|can|would|should) (?:i|we) get (?:to|there)|directions|
            (?:subway|metro|train|bus|tube) (?:stop|station|line)?|nearest (?:stop|station)|
            which (?:stop|station)|get there by"""),
        "es": _rx(r"""como (?:llego|llegar|se llega|puedo llegar|llegamos)|(?:parada|estacion|
            boca) de (?:metro|autobus|tren)|que metro|en metro|en autobus"""),
    },
    "parking": {
        "en": _rx(r"""parking|park (?:my|the|a|near|nearby|there|close|outside)|
            somewhere to park|where (?:can|do|should) i park|car park|garage|place to park"""),
        "es": _rx(r"""aparcamiento|aparcar|estacionamiento|estacionar|parking|parqueo|
            parquear|donde dejo el coche|dejar el (?:coche|carro)"""),
    },
    "payment": {
        "en": _rx(r"""pay(?:ing)? (?:by|with|in|for)|how (?:can|do) i pay|payment|
            (?:take|accept) (?:credit |debit )?cards?|credit cards?|debit cards?|cash|
            apple pay|google pay|take insurance|accept insurance"""),
        "es": _rx(r"""(?:como|con que) (?:se puede |puedo |se )?pag(?:ar|o)|formas? de pago|
            pagar con|pago con|(?:aceptan|admiten|cogen|toman) (?:tarjetas?|efectivo|bizum|
            seguros?)|con tarjeta|en efectivo|bizum|que seguros|trabajan con (?:el )?seguro"""),
    },
    "cancellation": {
        "en": _rx(r"""cancell?ation (?:policy|policies|fee|fees|charge)|(?:policy|fee|charge)
            (?:for|on|if) (?:cancell?ing|cancell?ations?|late|no.?shows?)|what if i (?:need
            to |have to )?cancel|if i (?:need to |have to )?cancel|late cancell?ations?|
            no.?show (?:fee|policy)|cancel (?:late|last minute)"""),
        "es": _rx(r"""politica de cancelacion|si (?:tengo que |necesito |quiero )?cancelar|
            cancelar con poca antelacion|cancelaciones? (?:tardias?|de ultima hora)|
            penalizacion|cobran (?:si|por) cancelar|que pasa si (?:cancelo|no voy|no vengo)"""),
    },
    "services": {
        "en": _rx(r"""what (?:services|treatments) do you|which (?:services|treatments)|
            what (?:do|can) you (?:guys )?(?:offer|do)|(?:services|treatments) (?:do you|you)
            (?:offer|have|do)|list of (?:services|treatments)|your services|service menu"""),
        "es": _rx(r"""que servicios|que tratamientos|servicios (?:tienen|ofrecen|hacen|teneis)|
            que (?:ofrecen|ofreceis|hacen|haceis)(?: ,|$)"""),
    },
}

_QUESTION_START = re.compile(
    r"^(?:(?:uh|um|so|and|hi|hello|hey|hola|buenas|buenos dias|oye|oiga|perdone|y)(?: ,)? )*"
    r"(?:do|does|did|is|are|was|can|could|will|would|should|what|where|when|how|which|who|why|"
    r"have|has|hay|tienen|tiene|teneis|tienes|hacen|haceis|hace|puedo|puede|pueden|se puede|"
    r"que|donde|cuando|como|cual|cuales|quien|por que|cuanto|cuanta|cuantos|venden|aceptan|"
    r"atienden|trabajan|ofrecen|los|las|el|la)\b"
)


def asked_topics(text: str, lang: Lang) -> tuple[str, ...]:
    """The topics the turn asks about, in the order of :data:`TOPICS`."""
    norm = normalize(text)
    return tuple(t for t in TOPICS if _TOPIC_RULES[t][lang].search(norm))


def looks_like_question(text: str) -> bool:
    """A question mark, or a start that only questions have ("do you...", "¿hay...")."""
    if "?" in text or "¿" in text:
        return True
    return bool(_QUESTION_START.match(normalize(text)))
