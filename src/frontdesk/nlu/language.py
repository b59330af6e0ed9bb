"""Per-turn language detection (English vs Spanish) and the text normalisation NLU shares.

Callers switch language mid-call and speech-to-text drops accents, so detection looks at
several kinds of evidence at once: function words and common words of each language,
Spanish punctuation (¿ ¡) and accented lowercase words, English contractions. Text with
too little evidence ("ok", "no", "2", a bare name) keeps the language of the conversation
(``hint``), because guessing would flip the reply language on a one-word answer.
"""

from __future__ import annotations

import re
import unicodedata

from frontdesk.nlu.types import Lang

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_SPACES = re.compile(r"\s+")
_CONTRACTION = re.compile(r"[a-z]'(?:s|t|m|re|ll|ve|d)\b")


def strip_accents(text: str) -> str:
    """"Mañana, ¿sí?" -> "Manana, ?si?" (ñ becomes n; ¿¡ are dropped)."""
    decomposed = unicodedata.normalize("NFD", text.replace("¿", " ").replace("¡", " "))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def normalize(text: str) -> str:
    """Lowercase, accent-free, one space between words; curly apostrophes made straight.

    Sentence punctuation (, . ! ? ; :) is kept as a separate " , " so that rules can see
    clause starts ("no, thanks" vs "no thanks"), except inside numbers ("10:30", "1.5").
    """
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    text = strip_accents(text).lower()
    text = re.sub(r"(?<!\d)[,.;:!?]+|[,.;:!?]+(?!\d)", " , ", text)
    text = re.sub(r"[\"“”()\[\]{}*<>…]", " ", text)
    return _SPACES.sub(" ", text).strip(" ,")


def _lexicon(strong: str, weak: str = "") -> dict[str, float]:
    """Accent-free lowercase words: 2.0 for words that almost never occur in the other
    language, 1.0 for those that do, less often ("can", "me", "con")."""
    return dict.fromkeys(strong.split(), 2.0) | dict.fromkeys(weak.split(), 1.0)


_EN_WORDS = _lexicon(
    """the i you is are am was were be been it it's i'm i'd i'll i've don't can't won't what
    when where which who how why this that these those my your our their he she they we to of
    for with and but or not does did have has had would could should will want like need
    please thanks thank yes yeah yep nope hi hello hey bye goodbye okay sure right just get
    make book appointment appointments tomorrow today tonight morning afternoon evening night
    next week weeks month months year years any anything something there here about at on in
    from some time available open close free call speak talk person cancel change move
    reschedule monday tuesday wednesday thursday friday saturday sunday january february
    march april june july august september october november december noon midnight now ago
    past until since through around quarter half o'clock oclock great good fine perfect sounds
    works thats its im id ill ive dont cant wont didnt doesnt isnt lets whats also else other
    another more one two three four five six seven eight nine after before by if so him
    them us first second third last later earlier early late haircut trim cut see find look
    looking help let know think yesterday maybe actually sorry wait hours minutes stop
    unsubscribe number name email phone again much very really all done up out day days
    never mind probably family people calling texting messages""",
    "an can do her may",
)
_ES_WORDS = _lexicon(
    """el la los las de del que y en un una unos unas por para es son esta este esto eso esa
    estoy estas estan mi mis su sus nos le les lo se yo usted ustedes quiero quisiera
    queria necesito puedo puede pueden podria tiene tienen tengo tienes hay hola gracias si
    vale claro bueno buena buenos buenas dias dia tardes noches manana tarde noche hoy ayer
    anteayer semana semanas mes meses ano anos minutos segundos proxima proximo proximas
    proximos pasado pasados cita citas hora horas reservar pedir cancelar anular cambiar mover
    cuando donde como cual cuanto adios luego hasta pronto todo perfecto dale acuerdo favor
    porfa lunes martes miercoles jueves viernes sabado domingo enero febrero marzo abril mayo
    junio julio agosto septiembre octubre noviembre diciembre medianoche mediodia ahorita
    primera primero segunda segundo tercera ultima ultimo mejor quise decir perdon disculpe
    llamo llamen llame nombre telefono correo hablar persona alguien abren cierran horario
    hueco huecos disponible disponibilidad ahora tambien porque muy menos otro otra otros
    otras algo ningun ninguna ninguno sera seria gustaria ese dos tres cuatro cinco seis
    siete ocho nueve diez doce media cuarto baja pelo corte uno entonces exacto todavia aun
    nunca tampoco ahi aqui alli correcto estupendo genial chao vamos quede bien mal soy eres
    ni sino navidad nochevieja nuevo""",
    "con pero ya mas sin nada te son al tu",
)
# Frequent in both languages, or in none: never evidence.
for _word in "a no ok okay me o hotel doctor final general color normal total stop pm am".split():
    _EN_WORDS.pop(_word, None)
    _ES_WORDS.pop(_word, None)


def _numbered(words: str, first: int, step: int = 1) -> dict[str, int]:
    return {word: first + i * step for i, word in enumerate(words.split())}


# Spoken numbers, accent-free (phone numbers are read digit by digit, or in pairs).
DIGIT_WORDS = _numbered("zero one two three four five six seven eight nine", 0)
DIGIT_WORDS |= _numbered("cero uno dos tres cuatro cinco seis siete ocho nueve", 0)
DIGIT_WORDS |= {"oh": 0, "una": 1}
TEEN_WORDS = _numbered(
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen", 10
)
TEEN_WORDS |= _numbered(
    """diez once doce trece catorce quince dieciseis diecisiete dieciocho diecinueve veinte
    veintiuno veintidos veintitres veinticuatro veinticinco veintiseis veintisiete veintiocho
    veintinueve""",
    10,
)
TEEN_WORDS["veintiun"] = 21
TENS_WORDS = _numbered("twenty thirty forty fifty sixty seventy eighty ninety", 20, 10)
TENS_WORDS |= _numbered("treinta cuarenta cincuenta sesenta setenta ochenta noventa", 30, 10)
HUNDRED_WORDS = {"cien": 100, "ciento": 100} | _numbered(
    """doscientos trescientos cuatrocientos quinientos seiscientos setecientos ochocientos
    novecientos""",
    200,
    100,
)

_MIN_EVIDENCE = 2.0  # one clearly-language-specific word is enough
_MARGIN = 1.0


def language_scores(text: str) -> tuple[float, float]:
    """(english, spanish) evidence for ``text``; exposed for debugging and tests."""
    en = es = 0.0
    if "¿" in text or "¡" in text:
        es += 3.0
    lowered = text.replace("’", "'")
    en += 2.0 * len(_CONTRACTION.findall(lowered.lower()))
    for raw in _WORD.findall(lowered):
        word = raw.lower()
        plain = strip_accents(word)
        # Accented or ñ words are Spanish evidence unless capitalised (names: "Lucía").
        if plain != word and raw[0].islower():
            es += 1.0
        en += _EN_WORDS.get(plain) or _EN_WORDS.get(plain.replace("'", ""), 0.0)
        es += _ES_WORDS.get(plain, 0.0)
    return en, es


def detect_language(text: str, hint: Lang | None = None) -> Lang:
    """The language of one caller turn; ``hint`` (the conversation's language, default
    English) when the turn carries too little evidence either way."""
    fallback: Lang = hint or "en"
    en, es = language_scores(text)
    if max(en, es) < _MIN_EVIDENCE or abs(en - es) < _MARGIN:
        return fallback
    return "en" if en > es else "es"
