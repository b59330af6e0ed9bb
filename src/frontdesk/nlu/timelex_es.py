"""Spanish time vocabulary (accents folded: "miércoles" is looked up as "miercoles")."""

from __future__ import annotations

from frontdesk.nlu.timelex import Lexicon, PartOfDay

_WEEKDAYS = {
    word: index
    for index, words in enumerate(
        [
            ("lunes", "lun"),
            ("martes", "mar"),
            ("miercoles", "mie", "mier"),
            ("jueves", "jue"),
            ("viernes", "vie"),
            ("sabado", "sabados", "sab"),
            ("domingo", "domingos", "dom"),
        ]
    )
    for word in words
} | {"lu": 0, "ma": 1, "mi": 2, "mx": 2, "ju": 3, "vi": 4, "sa": 5, "do": 6}

_MONTHS = {
    word: index + 1
    for index, words in enumerate(
        [
            ("enero", "ene"),
            ("febrero", "feb"),
            ("marzo", "mar"),
            ("abril", "abr"),
            ("mayo", "may"),
            ("junio", "jun"),
            ("julio", "jul"),
            ("agosto", "ago"),
            ("septiembre", "setiembre", "sep", "sept", "set"),
            ("octubre", "oct"),
            ("noviembre", "nov"),
            ("diciembre", "dic"),
        ]
    )
    for word in words
}

_NUMBERS = {
    w: i
    for i, w in enumerate(
        (
            "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce "
            "quince dieciseis diecisiete dieciocho diecinueve veinte veintiuno veintidos "
            "veintitres veinticuatro veinticinco veintiseis veintisiete veintiocho veintinueve"
        ).split()
    )
} | {
    "un": 1, "una": 1, "zero": 0, "treinta": 30, "cuarenta": 40, "cincuenta": 50,
    "veintiun": 21, "veintiuna": 21, "mil": 1000, "novecientos": 900, "ochocientos": 800,
    "dosmil": 2000, "cien": 100, "ciento": 100, "sesenta": 60, "setenta": 70,
    "ochenta": 80, "noventa": 90, "doscientos": 200, "trescientos": 300,
    "cuatrocientos": 400, "quinientos": 500, "seiscientos": 600, "setecientos": 700,
}  # fmt: skip

_ORDINALS = {
    "primero": 1, "primer": 1, "primera": 1, "segundo": 2, "segunda": 2, "tercero": 3,
    "tercer": 3, "tercera": 3, "cuarto": 4, "cuarta": 4, "quinto": 5, "quinta": 5,
    "sexto": 6, "sexta": 6, "septimo": 7, "septima": 7, "octavo": 8, "octava": 8,
    "noveno": 9, "novena": 9, "decimo": 10, "decima": 10,
}  # fmt: skip

_UNITS = {
    "segundo": "second", "segundos": "second", "seg": "second", "segs": "second",
    "minuto": "minute", "minutos": "minute", "min": "minute", "mins": "minute",
    "hora": "hour", "horas": "hour", "h": "hour", "hr": "hour", "hrs": "hour",
    "dia": "day", "dias": "day",
    "semana": "week", "semanas": "week",
    "mes": "month", "meses": "month",
    "trimestre": "quarter", "trimestres": "quarter",
    "ano": "year", "anos": "year",
}  # fmt: skip

_PODS = {
    "manana": PartOfDay(4, 12, False),
    "mananas": PartOfDay(4, 12, False),
    "madrugada": PartOfDay(0, 6, False),
    "tarde": PartOfDay(12, 19, True),
    "tardes": PartOfDay(12, 19, True),
    "noche": PartOfDay(18, 24, True),
    "noches": PartOfDay(18, 24, True),
    "mediodia": PartOfDay(12, 15, True),
}

_HOLIDAYS = {
    "navidad": "christmas", "la navidad": "christmas", "dia de navidad": "christmas",
    "nochebuena": "christmas_eve", "nochevieja": "new_years_eve",
    "ano nuevo": "new_year", "dia de ano nuevo": "new_year",
    "dia de reyes": "epiphany", "reyes": "epiphany", "dia de los reyes magos": "epiphany",
    "dia de san valentin": "valentine", "san valentin": "valentine",
    "dia de los inocentes": "holy_innocents", "dia de los santos inocentes": "holy_innocents",
    "dia de las bromas": "april_fools", "dia de las bromas de abril": "april_fools",
    "dia de los inocentes de abril": "april_fools",
    "pascua": "easter", "domingo de pascua": "easter", "domingo de resurreccion": "easter",
    "viernes santo": "good_friday", "jueves santo": "maundy",
    "domingo de ramos": "palm_sunday", "miercoles de ceniza": "ash_wednesday",
    "dia de todos los santos": "all_saints", "dia de muertos": "day_of_dead",
    "dia de la madre": "mothers", "dia del padre": "fathers",
    "dia de accion de gracias": "thanksgiving", "accion de gracias": "thanksgiving",
    "viernes negro": "black_friday", "dia del trabajo": "may_day",
    "dia del trabajador": "may_day", "halloween": "halloween",
    "dia de la hispanidad": "hispanidad", "dia de la independencia": "mexico_independence",
    "cinco de mayo": "cinco_de_mayo",
    "dia mundial de la lengua arabe": "arabic_language_day",
    "dia de la cero discriminacion": "zero_discrimination",
    "dia internacional de las cooperativas": "cooperatives",
    "dia de la prematuridad mundial": "prematurity", "dia mundial del prematuro": "prematurity",
    "dia mundial del nino prematuro": "prematurity",
}  # fmt: skip

LEXICON = Lexicon(
    lang="es",
    weekdays=_WEEKDAYS,
    weak_weekdays=frozenset(
        {"mar", "mie", "jue", "vie", "sab", "dom", "lun", "lu", "ma", "mi", "mx", "ju", "vi"}
        | {"sa", "do"}
    ),
    months=_MONTHS,
    weak_months=frozenset(
        {"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "sept", "set", "oct"}
        | {"nov", "dic"}
    ),
    numbers=_NUMBERS,
    ordinals=_ORDINALS,
    weak_ordinals=frozenset({"segundo", "segunda", "cuarto", "primera", "primer"}),
    units=_UNITS,
    pods=_PODS,
    rel_days={"hoy": 0, "manana": 1, "ayer": -1, "anteayer": -2, "antier": -2, "antayer": -2},
    next_words=frozenset({"proximo", "proxima", "proximos", "proximas", "siguiente"}),
    last_words=frozenset({"pasado", "pasada", "pasados", "pasadas", "ultimo", "ultima"}),
    this_words=frozenset({"este", "esta", "estos", "estas"}),
    am=frozenset({"am", "a"}),
    pm=frozenset({"pm", "p"}),
    noon=frozenset({"mediodia"}),
    midnight=frozenset({"medianoche"}),
    now_words=frozenset({"ahora", "ahorita"}),
    seasons={
        "primavera": ((3, 20), (6, 21)),
        "verano": ((6, 21), (9, 24)),
        "otono": ((9, 23), (12, 21)),
        "invierno": ((12, 21), (3, 21)),
    },
    holidays=_HOLIDAYS,
    extra={
        "from": frozenset({"desde", "de", "del"}),
        "after": frozenset({"despues"}),
        "before": frozenset({"antes"}),
        "to": frozenset({"a", "al", "hasta", "-", "–", "—"}),
        "approx": frozenset({"sobre", "hacia", "alrededor", "aproximadamente", "como"}),
        "glue": frozenset({",", "el", "de", "del", "a", "en", "para", "como", "tipo", "eh"}),
        "lead": frozenset({"para", "sobre", "hacia", "alrededor", "aproximadamente"}),
    },
)
