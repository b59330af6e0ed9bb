"""Rule-based intent classification for one caller turn, English and Spanish.

Text is normalised first (lowercase, no accents, one space, punctuation as " , "), so
every pattern below is written lowercase and accent-free, with word boundaries so that
"know" is not "no", "Facebook" is not "book" and "can I" is not "cancel".

Each rule gives its intent a score; the answer is every intent that scored, best first
(ties: whichever was said first). The scale encodes what the dialogue policy must not
miss: an opt-out or a request for a person beats everything, a correction beats the
"no" it usually starts with, and a leading "yes"/"no" beats the task it confirms
("yes, book it" -> yes, book), while an acknowledgement ("perfect", "ok") loses to
"thanks" ("perfect, thank you" closes a call rather than confirming something).
"""

from __future__ import annotations

import re

from frontdesk.nlu.language import DIGIT_WORDS, language_scores, normalize
from frontdesk.nlu.types import Intent, Lang

I = Intent  # noqa: E741 - keeps the rule tables readable


def _a(words: str) -> str:
    """A non-capturing alternation written across lines: a line break right after "|"
    vanishes, any other line break (inside an alternative) is one space."""
    return "(?:" + re.sub(r"\s*\n\s*", " ", re.sub(r"\|\s*\n\s*", "|", words)) + ")"


def _w(words: str) -> str:
    """:func:`_a` between word boundaries."""
    return r"\b" + _a(words) + r"\b"


# Leading hesitations speech-to-text writes out ("uh", "um", "well,", "pues").
_FILL = r"(?:" + _a(r"uh+|u*m+|erm|er|hmm+|mhm|oh|ah+|well|so|eh+|pues|este|o sea|mira|oye")
_FILL += r"(?: ,)? )*"
_START = r"^" + _FILL
_DAY = _a(
    """monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tomorrow|tonight|
    lunes|martes|miercoles|jueves|viernes|sabado|domingo|hoy|manana|pasado manana"""
)
_WHEN = _a(
    _DAY
    + r"""|\d|noon|midnight|morning|afternoon|evening|next|this|the \w+ of|at \w+|january|
    february|march|april|may|june|july|august|september|october|november|december|enero|
    febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|
    mediodia|tarde|noche|las \w+|la una|el \w+|la \w+|en la|por la|a las|para el"""
)
_PROVIDER = _a(
    """therapists?|psychologists?|psychiatrists?|counsell?ors?|doctors?|dentists?|
    hygienists?|physios?|physiotherapists?|chiropractors?|stylists?|hairdressers?|barbers?|
    dermatologists?|pediatricians?|optometrists?|specialists?|nurses?|vets?|providers?|
    practitioners?|gp|massage therapists?"""
)
_SERVICE = _a(
    """haircut|hair cut|cut|trim|colou?r|colou?ring|highlights|blow ?dry|blowout|manicure|
    pedicure|nails|massage|facial|wax|waxing|cleaning|check ?up|checkup|physical|
    consultation|consult|exam|x-?ray|filling|session|visit|vaccine|shot|test|treatment|
    appointment|booking|reservation|slot"""
)
_APPT = r"(?:appointment|booking|reservation|visit|session)s?"
_RELATIVE_EN = _a(
    """wife|husband|partner|spouse|mother|mom|mum|mommy|mother-in-law|father|dad|daddy|
    father-in-law|son|daughter|kids?|child|children|boy|girl|baby|brother|sister|grandmother|
    grandma|granny|grandfather|grandpa|grandson|granddaughter|boyfriend|girlfriend|fiancee?|
    friend|aunt|uncle|niece|nephew|parents?|cousin|roommate|neighbou?r|relative|family member"""
)
_RELATIVE_ES = _a(
    """marido|esposo|esposa|mujer|pareja|novio|novia|madre|mama|padre|papa|hijo|hija|hijos|
    hijas|nino|nina|ninos|bebe|hermano|hermana|abuelo|abuela|suegro|suegra|tio|tia|sobrino|
    sobrina|primo|prima|amigo|amiga|nieto|nieta|vecino|vecina|familiar"""
)
_NOT = r"(?:doesn'?t|does not|won'?t|will not|wouldn'?t|would not|isn'?t|is not|not|can'?t|"
_NOT += r"cannot|don'?t|do not)"
_WANT_ES = _a(
    """quiero|quisiera|queria|querria|necesito|me gustaria|podria|puedo|puede|pueden|
    me puede|me pueden|se puede|vengo a|llamo para|llamaba para|deseo|desearia"""
)
_ALONE = r"(?: ,)?(?: please| por favor| thanks| thank you| gracias)?(?= ,|$)"

# (intent, score, pattern, flag). NEG: ignored when a negator comes just before the
# match in the same clause ("that doesn't work for me", "don't cancel it"). CONTENT: needs
# words beyond yes/no/filler ("actually no, bye" is no correction). WEAK: a generic
# "I want ... appointment" that says nothing once a specific task matched ("quiero
# cancelar mi cita" is cancel, not also book).
_NEG, _CONTENT, _WEAK = "neg", "content", "weak"
Rule = tuple[Intent, float, str, str]

_EN: list[Rule] = [
    # Opt-out and people first: legally and practically the ones never to miss.
    (I.OPT_OUT, 1.0, _START + r"(?:please )?stop(?: it| please| now)?$", ""),
    (I.OPT_OUT, 1.0, _w(r"""stop (?:calling|texting|messaging|contacting|sending|all)|unsubscribe|
     opt ?-?out|leave me alone|do not call list|no more (?:calls|texts|messages|calling|texting)|
     (?:take|remove|delete) (?:me|my number|my name)(?: \w+)? (?:off|from)"""), ""),
    (I.OPT_OUT, 1.0, r"\b(?:don'?t|do not|never) (?:ever )?(?:call|text|message|contact|email|ring)"
     r" (?:me|us|this number)\b(?! (?:back|at|on|later|tomorrow))", ""),
    # Answers to a call we placed: below an opt-out, above the "no" they often contain
    # ("no, wrong number"), so a callback or a wrong number is never read as a plain no.
    (I.WRONG_NUMBER, 0.96, _w(r"""wrong (?:number|person|guy|lady)|(?:you(?:'?ve| have)?|you'?re)
     (?:got|dialed|dialled|called|calling|reached) the wrong|no ?(?:one|body) (?:by|with|called)
     that name|(?:there'?s|there is) no ?(?:one|body) (?:here )?(?:by|with|called|named)|
     (?:this|that) (?:is not|isn'?t) (?:\w+ )?(?:number|phone)|never heard of (?:him|her|them)"""),
     ""),
    (I.CALLBACK, 0.94, _w(r"""(?:call|ring|phone|try) (?:me|us) (?:back|again|later|tomorrow|
     another time|some other time|next|on|at|in|after|this|around|tonight)|
     (?:call|ring|try) back (?:later|tomorrow|another time|next|on|at|in|after|this)|
     (?:can|could|would) you (?:call|ring|try) (?:me |us )?(?:later|tomorrow|another|back|
     again)|(?:not a good|bad) time (?:right now|now|to talk)|(?:i'?m|i am) (?:busy|driving|
     at work|in a meeting) (?:right )?now"""), _NEG),
    (I.DECLINE, 0.85, _w(r"""not interested|no interest|(?:i'?m|i am|we'?re|we are) (?:not|no
     longer) (?:looking|interested)|(?:i|we) (?:don'?t|do not) (?:want|need) (?:it|one|that|
     this|any|an appointment|a meeting|to book|to meet)|(?:i'?m|i am) not (?:going|gonna) to
     book|no thanks ,? (?:i'?m|i am) (?:good|fine|ok|okay|all set)"""), ""),
    (I.HUMAN, 0.97, r"\b(?:speak|talk|chat|connect me|put me through|transfer me)(?:ing)?"
     r"(?: to| with)? (?:a |an |the |some |your |to )?(?:real |actual |live )?" + _w(
         """person|human|someone|somebody|anybody|anyone|receptionist|representative|rep|agent|
         operator|manager|staff|employee|people|front desk|secretary"""), ""),
    (I.HUMAN, 0.97, _w("""(?:real|live|actual) (?:person|human|people|agent)|operator|
     representative|receptionist|human being|customer service|transfer me|
     put me through"""), ""),
    (I.HUMAN, 0.97, _START + r"(?:a )?(?:human|agent|person)" + _ALONE, ""),
    # A person in other words: "get me a human", "someone real", "the doctor's assistant",
    # "is there anybody I could speak to", "a person, not a machine". Staff titles count
    # only after a verb of talking ("I'd like to see the doctor" books).
    (I.HUMAN, 0.97, r"\b(?:speak|talk|chat)(?:ing)? (?:to|with) (?:the |a |an |your |some )?"
     + _w("""assistant|nurse|doctor'?s? assistant|doctor|secretary|office|team|staff member|
     (?:someone|somebody|anyone|anybody) (?:who works|from|at) """ + "|" + _PROVIDER[3:-1]),
     ""),
    (I.HUMAN, 0.97, _w(r"""(?:get|give|find|put) me (?:a |an |the |some )?(?:real |live |
     actual )?(?:human|person|people|receptionist|someone real|somebody real)|
     (?:put|pass) me (?:on|over|through) (?:to|with)|
     (?:someone|somebody|anyone|anybody) (?:real|actual|human|in person|alive)|
     (?:is|are) there (?:anybody|anyone|someone|somebody|a person|a human)(?: \w+){0,4} (?:i|
     we) (?:can|could|might|may) (?:actually |really )?(?:speak|talk)|
     (?:want|need|prefer|rather have) (?:a |an )?(?:real |actual |live )?(?:human|person)|
     (?:not|no|instead of) (?:a |an |this |the )?(?:machine|robot|bot|computer|recording|
     automated \w+)"""), ""),
    # Corrections.
    (I.CORRECTION, 0.95, _w("""i meant|i misspoke|scratch that|my mistake|my bad|correction|
     changed my mind|change of plans?|let me correct|i mean to say"""), ""),
    (I.CORRECTION, 0.95, r"(?:^|, )(?:(?:no|nope|oh|um|uh|well|wait|hmm|sorry|yeah|yes|ok|okay) )?"
     r"actually\b", _CONTENT),
    (I.CORRECTION, 0.95, _w("(?:sorry|oops|whoops|wait) ,? (?:i said|i mean|not|no ,? i|make it|"
                           "change it)"), ""),
    (I.CORRECTION, 0.93, _START + r"(?:no|nope|nah) ,? " + _WHEN + r"\b", ""),
    (I.CORRECTION, 0.9, _w(r"""(?:that'?s|that is|it'?s|it is) (?:wrong|not right|not correct|
     incorrect|not what i said)|i said|not \w+ ,? (?:but )?""" + _DAY), ""),
    (I.CORRECTION, 0.88, _w("""(?:change|switch|move|put) (?:it|that|this|the time|the date|the day|
     the appointment|the appointment time) (?:to|for|at|on|into)"""), ""),
    # "Make it 4 pm" is as often a first answer as a change: a hint, below any task.
    (I.CORRECTION, 0.6, r"\bmake (?:it|that) (?:for |at |on )?" + _WHEN + r"\b", ""),
    (I.CORRECTION, 0.78, _START + r"(?:i'?m )?sorry\b", _CONTENT),
    (I.CORRECTION, 0.75, _w("instead|rather"), _NEG),
    # Tasks.
    (I.RESCHEDULE, 0.9, _w(r"""re-?schedul\w*|re-?book\w*|postpone|move my|change my|push back my|
     (?:move|change|shift|switch|push|bump|bring|pull|swap|postpone|delay)
     (?:back |forward |up )?(?:my|our|the|that|his|her) (?:\w+ )?""" + _APPT), _NEG),
    (I.RESCHEDULE, 0.8, _w("(?:move|change|push|switch) (?:it|that) (?:back|forward|to|for)"), ""),
    (I.RESCHEDULE, 0.85,
     _w(r"(?:push|move|bump) (?:my|our|the) \w+ (?:back|forward|up|later|earlier)"), _NEG),
    (I.RESCHEDULE, 0.85, _w(r"""(?:need|want|have|like|would like|wanna|got) to (?:change|move|
     reschedule|switch|shift) (?:it|that|the (?:time|date|day))|
     (?:push|move|change|switch|shift) (?:my|our|the) \w+ (?:on|from) \w+ to"""), _NEG),
    (I.CANCEL, 0.9, _w("cancel(?:l?ed|l?ing|lation|s)?|call (?:it )?off"), _NEG),
    (I.CANCEL, 0.88, _w("""(?:can'?t|cannot|won'?t|will not|can no longer)(?: be able to)?
     (?:make|come to|attend|go to|keep) (?:my|the|our) """ + _APPT + """|
     don'?t need (?:the|my|that) appointment"""), ""),
    # Someone else's appointment ("when is my wife's appointment?"): the medical persona
    # states its privacy rule rather than looking it up (conversation/someone_else.py).
    (I.THIRD_PARTY, 0.86, r"\b(?:my|our) " + _RELATIVE_EN + r"(?: \w+)?(?:'s|s')? (?:next |"
     r"upcoming )?" + _APPT + r"\b|\b(?:his|her|their) (?:next |upcoming )?" + _APPT + r"\b|"
     r"\b(?:does|did|is|will) (?:my|our) " + _RELATIVE_EN + r"(?: \w+)? (?:have|has|got) "
     r"(?:an?|any|the|his|her|their|something|anything) (?:\w+ )?(?:" + _APPT + r"|booked)\b|"
     r"\b(?:when|what time|what day|which day) (?:does|is|will) (?:my|our) " + _RELATIVE_EN
     + r"(?: \w+)? (?:have|coming|come|booked|scheduled|due)\b", ""),
    (I.MY_APPOINTMENTS, 0.85, _w(r"""(?:when|what time|what day|where) (?:is|was|'s) (?:my|our)
     (?:next |upcoming )?""" + _APPT + r"""|when'?s my (?:next )?""" + _APPT + r"""|
     what (?:appointments|bookings|reservations) (?:do i|have i|i have|am i)|
     am i (?:booked|scheduled|down)|(?:do|did) i have (?:an?|any) """ + _APPT + r"""|
     (?:check|confirm|verify|look up|see|review|remind me of)(?: on)? my (?:\w+ )?""" + _APPT
     + r"""|my (?:next|upcoming|scheduled|current|existing) """ + _APPT + r"""|
     is my appointment (?:still )?(?:on|confirmed|booked|scheduled)|
     (?:when|what time|what day) (?:is|'s) (?:my|his|her|their|our) (?:next )?""" + _APPT + r"""|
     remind me (?:when|what time|of) (?:my|his|her|our)|
     (?:when|what time) (?:my|his|her|their|our) (?:next )?""" + _APPT + r""" is|
     (?:do|does) (?:i|we|he|she) have (?:anything|something|an? """ + _APPT + r""")
     (?:booked|scheduled|coming up|with you)|
     (?:check|see|find out) (?:if|whether) (?:i|we|he|she) (?:have|has) (?:an?|any) """ + _APPT
     + r"""|(?:anything|something) booked with you"""), ""),
    (I.HOURS, 0.85, _w(r"""(?:what time|when|how late|how early|until when|till when)
     (?:do|are|does|is) (?:you|you guys|the \w+|it) (?:open|close|closed)|
     (?:opening|business|office|your|working|store|clinic) hours|what are (?:your|the) hours|
     closing time|are you (?:guys )?(?:open|closed)|open (?:on )?(?:weekends|saturdays|sundays|
     holidays)"""), ""),
    (I.AVAILABILITY, 0.85, _w(r"""(?:any|some) ?(?:other|others|more|else|alternatives?)|
     alternatives?|(?:look|search|check) again|(?:anyone|anybody|someone|somebody|something|
     anything|who|what) (?:else|other)|
     (?:other|more|another|different|additional|alternative)(?: \w+)? (?:options?|ones|"""
     + _PROVIDER + r"""|times|slots?|days|dates|names|choices?|
     openings?)"""), _NEG),
    (I.AVAILABILITY, 0.85, _w("""(?:suggest|recommend|show|give|list|tell)(?: me)?(?: the| a)?
     (?:more|other|another|different|some other|any other|few)|can you recommend|
     (?:anyone|someone|somebody|anybody) (?:you|else) (?:can|could) recommend"""), ""),
    (I.AVAILABILITY, 0.8, _w(r"""(?:do|did|would|will|can) you (?:guys )?have (?:any|anything|
     something|an?|some|availability|room|space|time|openings?)|(?:is|are) there (?:any|anything|
     something|an?|some|availability|room)|(?:if|whether) there (?:is|are|'s) (?:any|anything|
     something|an?|some)|(?:are|is) (?:you|she|he|they|the \w+|it|anyone|someone)
     (?:\w+ )?(?:free|available)|availability|openings?|available|vacancy|vacancies|free slots?|
     open slots?|earliest|soonest|next available|(?:any|some|other) (?:times|days|slots|openings)|
     what (?:times|days|slots|dates|hours) (?:are|do|does|is|have|would)|
     when (?:are you|is she|is he|can i come|could i come)"""), _NEG),
    (I.AVAILABILITY, 0.8, _w(r"""(?:find|finding|look for|looking for|look up|search for|search|
     locate|check for)(?: me)?(?: an?| some| any| one| the)? (?:\w+ ){0,2}""" + _PROVIDER + """|
     (?:find|look for|search for)(?: me)? (?:one|someone|somebody|anyone|something|anything)"""),
     _NEG),
    (I.AVAILABILITY, 0.75, _START + r"(?:(?:ok|okay|sure|and|so|alright)(?: ,)? )?"
     r"(?:what|how) about\b", ""),
    (I.BOOK, 0.8, _w("""book|booking|reserve|reservation|set up|arrange|
     let'?s (?:make|book|set|schedule)|set (?:me|it|one) up|
     (?:make|set up|set) (?:an?|the|that|this) (?:\\w+ )?appointment|
     (?:can|could|may) i (?:come in|get in|stop by|drop by|drop in|see)|
     (?:fit|squeeze|get|pencil) me in|come in (?:for|on|at|today|tomorrow|this|next)""")
     + r"|(?<!my )(?<!your )(?<!the )(?<!our )\bschedule\b", _NEG),
    (I.BOOK, 0.8, _w(r"""(?:make|get|want|need|like|request|grab)(?: \w+){0,3} (?:an?|another|new|
     one more) (?:\w+ ){0,2}(?:""" + _APPT + r"""|consultation)"""), _NEG + _WEAK),
    (I.BOOK, 0.8, _w("""i'?d like|i would like|i want|i wanna|i need|can i get|could i get|
     can i have|could i have|i'?m looking for|i'?m after|get me|to get|to see|to book""")
     + r"(?: \w+){0,2} (?:an?|some|my) (?:\w+ )?(?:" + _SERVICE + "|" + _PROVIDER + r")\b",
     _NEG + _WEAK),
    (I.BOOK, 0.75, _w(r"""(?:can|could|would|will) you (?:please )?try|
     try (?:booking|making|to book|     to make|again|it again|that again|for|at|on|\d)"""), ""),
    (I.BOOK, 0.75, _w(r"""(?:find|finding|look for|looking for|look up|search for)
     (?:me )?(?:an? |some |any )?(?:\w+ ){0,2}""" + _PROVIDER), _WEAK),
    # Dialogue acts.
    (I.YES, 0.9, _START + _w("""yes|yeah|yea|yep|yup|yah|ya|sure|sure thing|absolutely|definitely|
     most definitely|certainly|of course|correct|exactly|affirmative|uh huh|uh-huh|mhm+|mm hmm|
     indeed|please do|go ahead|let'?s do it|let'?s do that|book it|that'?s right|that is right|
     that'?s correct|yes please|i'?ll take it|i'?d like that|i would like that"""), _NEG),
    (I.YES, 0.9, _START + _a("please|do it|why not|i do|i will|right|you bet|for sure|that one|"
                             "this one") + _ALONE, ""),
    (I.YES, 0.9, _START + r"(?:that|this|it|that one|this one|that time|that day)(?:'?s| is|"
     r" would be| will be| sounds| seems| looks| sound)(?: \w+)? " + _w("""good|great|fine|perfect|
     nice|ok|okay|right|correct|wonderful|excellent|lovely|awesome|fantastic|alright|cool|
     exactly it|what i (?:said|meant|want)""").removeprefix(r"\b"), _NEG),
    (I.YES, 0.9, _START + r"(?:that|this|it|that one|this one|that time|that day) (?:\w+ )?"
     + _a("""works|would work|will work|should work|could work|suits|would suit|will suit|
     would do|will do|should do""") + r"\b", _NEG),
    (I.YES, 0.9, _START + r"(?:sounds|works|seems|looks) "
     r"(?:good|great|fine|perfect|nice|ok|okay|right|cool|for me)\b", _NEG),
    (I.YES, 0.7, _w(r"""yes|yeah|yep|yup|sure|absolutely|definitely|works for me|that works|
     sounds good|sounds great|sounds perfect|go ahead|please do|that'?s fine|that is fine|
     that'?s perfect|that'?s great|that'?s right|exactly|i'?ll take (?:it|that|them)|
     that would be great|i can do (?:that|it)|(?:i'?m|i am) (?:good|fine|ok|okay|happy) with
     (?:that|it)|(?:i'?m|i am) interested|(?:try|do|go with) (?:it|that|that one|this one)|
     i (?:\w+ )?like (?:that|the sound|him|her|this one|that one)"""), _NEG),
    (I.YES, 0.55, _START + _w("""ok|okay|k|alright|all right|perfect|great|good|fine|cool|awesome|
     excellent|nice|wonderful|lovely|fantastic|brilliant|super|splendid|very well|got it|noted|
     understood""") + "(?! (?:morning|afternoon|evening|night|day|bye))", _NEG),
    (I.NO, 0.9, _START + _w(r"""no|nope|nah|nay|negative|not really|not now|not right now|not yet|
     not just yet|not today|not just now|not at the moment|not at this time|not for now|
     not for the moment|i don'?t think so|none|neither|nothing|no thanks|no thank you|never mind|
     nevermind|maybe later|perhaps later|perhaps at a later \w+|maybe at a later \w+|
     maybe another time|maybe in a bit|some other time|not interested|i'?ll pass""") + "(?! "
     + _a("""problem|worries|idea|one|matter|later than|earlier than|more than|rush|preference|
     doubt""") + ")", ""),
    (I.NO, 0.9, _START + r"(?:later|later on|pass|another time)" + _ALONE, ""),
    (I.NO, 0.7, _w(_NOT + r""" (?:\w+ )?(?:work|suit|good|fit|possible|convenient|
     make (?:it|that)|want (?:that|it|to)|like (?:that|it))|no good|(?:not|none of) (?:that one|
     those|them|these)|i'?d rather not|i'?m (?:busy|not available|unavailable|not free)|
     i (?:have|'ve got|got) (?:a|an|another) (?:meeting|conflict|commitment|class|prior)|
     not (?:right )?now|maybe (?:later|another time|in the future)|never ?mind|
     forget (?:it|about it)|don'?t worry about it"""), ""),
    (I.THANKS, 0.6, _w("""thank|thanks|thankyou|thanx|thx|ty|appreciate|appreciated|cheers|
     grateful|thankful|much obliged"""), ""),
    (I.GOODBYE, 0.65, _w("""bye|goodbye|good bye|bye bye|see you|see ya|take care|
     i'?ll call (?:you )?back|call (?:you )?back later|(?:i'?ll )?get back to you|
     (?:luego|despues|mas tarde) (?:le|te|les) (?:marco|llamo|hablo|escribo)|
     (?:le|te|les) (?:marco|llamo|hablo) (?:luego|despues|mas tarde|otro dia)|
     talk (?:to you )?later|good night|have a (?:good|nice|great|wonderful|lovely) (?:day|one|
     night|evening|weekend|afternoon)|(?:that'?s|that is|that was|that will be|that'?ll be|
     that would be|it'?s|it is) (?:all|everything|it)|nothing else|i'?m (?:all )?(?:done|set)|
     all set"""), ""),
    (I.GREETING, 0.5, _START + _w("""hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening)|
     greetings|yo"""), ""),
]

_ES: list[Rule] = [
    (I.OPT_OUT, 1.0, _START + r"(?:stop|baja|parar|alto|basta)" + _ALONE, ""),
    (I.OPT_OUT, 1.0, _w("""no (?:me |nos )?(?:vuelvan a |vuelvas a |vuelva a )?(?:llamen|llames|
     llame|llamar|escriban|escribas|escriba|manden|envien|molesten|contacten)(?: mas| nunca)?|
     no quiero (?:recibir|que me (?:llamen|escriban)|mas (?:llamadas|mensajes))|
     dar(?:me|se)? de baja|darme baja|la baja|borr(?:en|ad|a)(?:me)? de|sacad?(?:me)? de|
     quit(?:en|ad|a)(?:me)? de|cancelar (?:la )?suscripcion"""), ""),
    (I.WRONG_NUMBER, 0.96, _w(r"""(?:numero|telefono) equivocado|se (?:ha )?equivoca\w* de
     (?:numero|persona|telefono)|(?:aqui|aca) no (?:vive|hay|es) (?:nadie|ninguna?|ese|esa)|
     no (?:conozco|se quien es) a (?:nadie|ese|esa)|(?:este|ese) no es (?:el )?(?:numero|
     telefono) de|persona equivocada"""), ""),
    (I.CALLBACK, 0.94, _w(r"""(?:llameme|llamame|llamenme|llamarme|marqueme|marcame)
     (?:usted |ustedes )?(?:mas tarde|luego|despues|manana|otro dia|otra vez|de nuevo|en|el|la|
     a las|a eso de|sobre|esta|este|por la|pasado|la semana|el lunes|hoy)|
     (?:vuelva|vuelvan|vuelve) a (?:llamar|llamarme|intentarlo)|
     (?:me )?(?:puede|pueden|podria|podrian|puedes) (?:volver a )?llamar(?:me)? (?:mas tarde|
     luego|despues|manana|otro dia|otra vez|en|el|a las)|
     ahora no (?:puedo hablar|es buen momento)|no es (?:un )?buen momento|
     (?:estoy|ando) (?:ocupad[oa]|conduciendo|manejando|trabajando)
     (?:ahora|ahorita|en este momento)"""),
     _NEG),
    (I.DECLINE, 0.85, _w(r"""no (?:me|nos) interesa|no estoy interesad[oa]|no tengo interes|
     no quiero (?:ninguna )?(?:cita|reunion|reservar)"""), ""),
    (I.HUMAN, 0.97, _w("""(?:hablar|habla|comunicarme|comunicar|pasame|pasenme|paseme|ponme|
     pongame|ponganme|comuniqueme|comuniquenme|comunicame|pasame|paseme|transfierame|
     transfiereme) (?:con )?(?:una |un |la |el |alguna |algun )?(?:persona|alguien|humano|
     agente|operador|operadora|recepcionista|recepcion|encargado|encargada|gerente|empleado|
     empleada|responsable|ser humano)|persona real|ser humano|operador|operadora|recepcionista|
     atencion al cliente"""), ""),
    # Otras formas: "¿me puede atender alguien?", "alguien de verdad", "póngame con la
    # enfermera", "no quiero hablar con una máquina". Un cargo solo cuenta tras un verbo
    # de hablar o pasar ("¿me puede atender la doctora?" es pedir cita).
    (I.HUMAN, 0.97, _w(r"""(?:hablar|habla|pasame|pasenme|paseme|pasa|pase|ponme|pongame|
     ponganme|comuniqueme|comunicame) (?:con )?(?:el |la |una |un |alguna |algun )?(?:secretaria|
     secretario|enfermera|enfermero|asistente|auxiliar|doctor|doctora|medico|medica|
     administracion|mostrador|oficina|alguien|una persona)|
     (?:me |nos )?(?:puede|pueden|podria|podrian|puedes) atender (?:alguien|una persona|
     un humano)|(?:que )?me (?:atienda|atiende|atiendan) (?:alguien|una persona|un humano)|
     alguien (?:de verdad|real|de carne y hueso|humano)|de carne y hueso|
     (?:hay|habra|habria) alguien(?: \w+){0,4} (?:con quien|que me) (?:pueda|puedo|
     podria) (?:hablar|atender)|
     (?:hablar|hablando) con (?:una |un |esta |este )?(?:maquina|robot|
     contestador|grabacion|bot)"""), ""),
    (I.HUMAN, 0.97, _START + r"con (?:una persona|un humano|alguien)" + _ALONE, ""),
    (I.CORRECTION, 0.95, _w("""quise decir|queria decir|quiero decir|me equivoque|
     me he equivocado|corrijo|cambie de opinion|he cambiado de opinion|mejor dicho|
     (?:perdon|perdona|perdone|disculpa|disculpe|espera|espere) ,? (?:no|dije|mejor|el|la|
     a las|que sea|era)"""), ""),
    (I.CORRECTION, 0.93, r"\bmejor (?:el|la|los|las|a|por|para|en|otro|otra|mas|" + _WHEN
     + r")\b|\ben realidad\b|" + _START + r"no ,? " + _WHEN + r"\b", ""),
    (I.CORRECTION, 0.88, _w("""(?:cambialo|cambiala|ponlo|ponla|hazlo|hazla|que sea|pasalo|pasala)
     (?:para|a|al|el|la|en)|en vez de|en lugar de"""), ""),
    (I.RESCHEDULE, 0.9, _w(r"""(?:cambiar|cambio|mover|pasar|aplazar|posponer|adelantar|atrasar|
     retrasar|reprogramar|modificar|cambiarme|moverme)(?:la|le|me)? (?:\w+ )?(?:de |mi |la |su |
     nuestra )?(?:cita|hora|reserva|turno|fecha|dia|consulta)|reprogramar|aplazar|posponer|
     (?:cambiar|mover|pasar|adelantar|atrasar|retrasar)(?:la|lo|le)? mi (?!nombre|numero|
     telefono|correo|email)\w+|
     cambiarla|moverla|aplazarla|reprogramarla|adelantarla|atrasarla"""), _NEG),
    (I.CANCEL, 0.9, _w(r"""cancel\w*|anul\w*|no (?:voy a poder|podre|puedo) (?:ir|asistir|
     acudir)"""), _NEG),
    # La cita de otra persona ("¿a qué hora tiene cita mi madre?"); "cita para mi hija"
    # es reservarle una, no preguntar por la suya.
    (I.THIRD_PARTY, 0.86, r"\bcita (?:de|a|del) (?:mi|mis|nuestro|nuestra) " + _RELATIVE_ES
     + r"\b|\btiene (?:la |una |alguna |su )?(?:cita|consulta|hora) (?:mi|nuestro|nuestra) "
     + _RELATIVE_ES + r"\b|\b(?:mi|nuestro|nuestra) " + _RELATIVE_ES + r"(?: \w+)? (?:tiene|"
     r"tenia|tendra) (?:la |una |alguna |su )?(?:cita|consulta|hora)\b|\btiene (?:mi|nuestro|"
     r"nuestra) " + _RELATIVE_ES + r"(?: \w+)? (?:la |una |alguna |su )?(?:cita|consulta)\b",
     ""),
    (I.MY_APPOINTMENTS, 0.85, _w(r"""(?:cuando|a que hora|que dia|para cuando|donde)
     (?:es|era|tengo|sera) (?:mi|la|nuestra) (?:proxima )?(?:cita|reserva|consulta|hora)|
     que citas tengo|tengo (?:alguna |una )?cita|mis citas|mi (?:proxima|siguiente) cita|
     (?:que dia|cuando|a que hora) (?:tenia|tengo|era|es)(?: yo)? (?:la|mi) (?:cita|hora|consulta)|
     (?:no (?:se|me) acuerd\w*|no recuerd\w*|se me olvido|olvide) (?:de )?(?:ni )?(?:del?|el|la)
     (?:dia|hora|fecha|cita)|
     (?:confirmar|consultar|revisar|ver) (?:mi|mis) (?:cita|citas|reserva)"""), ""),
    (I.HOURS, 0.85, _w("""(?:hasta|desde) que hora (?:teneis|tienen|tiene|hay|pasan|pasais|
     atendeis|dan) (?:consulta|citas?|horario)|horario de (?:tarde|manana|consulta)|
     a que hora (?:cerrais|cierran|abris|abren) por las? (?:tardes?|mananas?)"""), ""),
    (I.HOURS, 0.85, _w("""(?:a que hora|cuando|hasta que hora|desde que hora) (?:abren|cierran|
     abris|cerrais|abre|cierra|estan abiertos|atienden)|que dias (?:abren|abris|abre|
     atienden|atendeis|trabajan|trabajais|estan abiertos|esta abierto)|horarios?|(?:estan|esta)
     (?:abiertos?|cerrados?)|abren (?:hoy|manana|el|los)"""), ""),
    (I.AVAILABILITY, 0.85, _w("""(?:otro|otra|otros|otras) (?:hora|horas|horario|dia|fecha|opcion|
     opciones|hueco|huecos|momento|doctor|doctora|medico|medica|profesional|especialista)|
     (?:alguien|algo|alguno|alguna) (?:mas|otro|otra)|que mas (?:hay|tienen)"""), _NEG),
    (I.AVAILABILITY, 0.85, _w("""no (?:tienen|tiene|tienes|hay|queda|quedan) (?:nada|ningun|
     ninguna|hueco|huecos|algo|sitio|disponibilidad|cita|hora)"""), ""),
    (I.AVAILABILITY, 0.8, _w(r"""(?:tienen|tiene|tienes|hay|queda|quedan|habria|tendrian|
     tendria)(?: \w+)?
     (?:hueco|huecos|disponibilidad|sitio|algo|alguna|algun|cita|citas|hora|horas|
     tiempo|espacio|lugar|turno|libre)|disponib\w+|(?:esta|estas|estan|estara) (?:libre|libres|
     disponible)|que (?:horas|dias|horarios|huecos) (?:tienen|hay|quedan|tiene)|
     lo (?:antes|mas pronto) posible"""), _NEG),
    (I.AVAILABILITY, 0.75, _START + r"(?:y )?(?:que tal|y) (?:el |la |los |las |a las |para el )?"
     r"(?:" + _DAY + r"|\d|mediodia|tarde|noche|proxim\w+|siguiente|otro|otra)\b|"
     r"\bbuscar(?:me)? (?:un|una|otro|otra)\b", ""),
    (I.BOOK, 0.8, _w(r"""reserv(?:ar|arme|arla|arlo|ame|amela|amelo|ala|alo|ela|elo|e|o|ad|en)|
     agend\w*|apunt(?:ar|arme|eme|enme)|pedir (?:una )?(?:cita|hora|
     turno|consulta)|sacar (?:una )?(?:cita|hora|turno)|coger (?:una )?cita|
     programar (?:una )?cita"""), _NEG),
    (I.BOOK, 0.8, _WANT_ES + r"(?: \w+){0,3} (?:una |otra |un )?" + _w("""cita|hora|turno|consulta|
     sesion|corte|limpieza|revision|masaje|manicura|pedicura|tinte|visita|reserva""").removeprefix(r"\b"),
     _NEG + _WEAK),
    (I.BOOK, 0.8, _w("""cortarme|cortar(?:me|se)? el pelo|hacerme (?:un|una|las)|
     puedo (?:ir|pasar|venir|pasarme)|me (?:pueden|puede) (?:atender|ver|dar)"""), _NEG + _WEAK),
    (I.YES, 0.9, _START + _w("""claro|de acuerdo|dale|correcto|exacto|por supuesto|desde luego|
     como no|efectivamente|sale|orale|andale|confirmo|confirmado|adelante|hagalo|hazlo|reservala|
     reservalo|eso es(?! todo)|asi es|me parece (?:bien|perfecto|genial|estupendo)|
     me (?:viene|va|queda) bien|me sirve|me vale|sin problema"""), _NEG),
    (I.YES, 0.9, _START + r"(?:por favor|esa|ese|esa misma|ese mismo)" + _ALONE, ""),
    (I.YES, 0.7, _w("""claro|de acuerdo|esta bien|me parece bien|me viene bien|me va bien|
     me sirve|perfecto|genial|estupendo|excelente|me la quedo|me lo quedo|me quedo con"""), _NEG),
    (I.YES, 0.55, _START + _w("""vale|ok|okay|okey|esta bien|perfecto|genial|estupendo|excelente|
     muy bien|bueno|bien|entendido|listo"""), _NEG),
    (I.NO, 0.9, _START + _w("""no|nada|ninguno|ninguna|ninguno de los dos|ahora no|todavia no|
     aun no|mejor no|tampoco|de momento no|por ahora no|quizas mas tarde|en otro momento""")
     + "(?! " + _a("""se|tienen|tiene|hay|habria|me (?:llamen|llames|llame|escriban|manden)|
     problema|pasa""") + ")", ""),
    (I.NO, 0.9, _START + r"(?:mas tarde|luego|otro dia)" + _ALONE, ""),
    (I.NO, 0.7, _w("""no (?:me (?:viene|va|sirve|vale|queda|conviene)|puedo|podre|quiero|gracias)|
     mejor no|ahora no|(?:entonces|pues|bueno|vale|ok|ah)(?: ,)? nada(?! mas)|
     (?:dejelo|dejalo|olvidelo|olvidalo)"""), ""),
    (I.THANKS, 0.6, _w("gracias|agradezco|agradecido|agradecida|mil gracias"), ""),
    (I.GOODBYE, 0.65, _w(r"""adios|bye|bai|hasta luego|hasta pronto|hasta manana|
     hasta la proxima|chao|chau|nos vemos|que tengas? (?:un )?buen(?:a|os|as)? \w+|
     buenas noches|eso es todo|eso seria todo|eso era todo|nada mas|es todo|seria todo|
     (?:luego|despues|mas tarde) (?:le|te|les) (?:marco|llamo|hablo|escribo)|
     (?:le|te|les) (?:marco|llamo|hablo) (?:luego|despues|mas tarde|otro dia)"""), ""),
    (I.GREETING, 0.5, _START + _w("""hola|buenos dias|buenas tardes|buenas noches|buenas|que tal|
     saludos|alo|diga"""), ""),
]

_COMPILED: dict[Lang, list[tuple[Intent, float, re.Pattern[str], str]]] = {
    "en": [(intent, score, re.compile(p), flags) for intent, score, p, flags in _EN],
    "es": [(intent, score, re.compile(p), flags) for intent, score, p, flags in _ES],
}
_NEGATORS = frozenset(
    "not no never don't dont doesn't doesnt won't wont can't cant isn't isnt wasn't "
    "wouldn't didn't nor neither cannot nunca tampoco ni".split()
)
# Words that add nothing to "actually"/"sorry": without anything else it is no correction.
_CONTENTLESS = frozenset(
    "actually sorry no nope nah yes yeah ok okay it it's its is that that's fine alright "
    "all right bye goodbye thanks thank you never mind please oh well um uh i'm im my bad "
    "en realidad perdon nada bien vale gracias adios , it'll be good great".split()
)
_SI_ACCENTED = re.compile(r"(?<!\w)sí(?!\w)", re.IGNORECASE)
# Unaccented "si" is also "if" ("si tienen hueco..."): a yes only when it stands as one.
_SI_LEADING = re.compile(
    _START + r"si(?= ,|$| (?:claro|por favor|porfa|gracias|vale|perfecto|de acuerdo|"
    r"esta bien|correcto|exacto|senor|senora|eso|quiero|me parece|reservala|reservalo)\b)"
)
_LEADING = re.compile(_START + r"$")
_ORDINAL_WORDS = (
    "first primera primero primer",
    "second segunda segundo",
    "third tercera tercero tercer",
    "fourth cuarta cuarto",
    "fifth quinta quinto",
)
_ORDINALS = {word: n for n, group in enumerate(_ORDINAL_WORDS) for word in group.split()}
_ORDINALS |= dict.fromkeys(("last", "final", "ultima", "ultimo"), -1)
_CARDINALS = {w: n for w, n in DIGIT_WORDS.items() if n > 0 and w != "oh"}
_CARDINALS |= {"ten": 10, "diez": 10}
# Spoken option numbers, 1-based: "two"/"dos" -> 2, "second"/"segunda" -> 2.
NUMBER_WORDS: dict[str, int] = _CARDINALS | {w: n + 1 for w, n in _ORDINALS.items() if n >= 0}
# Relative picks only count after "the": "later" alone is a "no" ("maybe later").
_RELATIVE = dict.fromkeys(("earlier", "earliest", "former"), 0)
_RELATIVE |= dict.fromkeys(("later", "latest", "latter"), -1)
_NOUN = r"(?:one|option|choice|slot|opcion|hora|hueco|horario|time slot|appointment)"
# What may follow a picked ordinal; anything else ("of March", "semana") means a date.
_AFTER = (
    r"(?= ,|$| (?:please|por favor|works|is|sounds|would|will|es|esta|me|then|pues|"
    r"thanks|gracias|que|de ellas|de ellos|of those|of them|for me|you said|you mentioned|"
    r"vale|esta bien|va|porfa|sirve|perfecto|ok|okay|is fine|is good|que dijo|que dijiste)\b)"
)
_ORD = "(" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + ")"
_CHOICE_ORDINAL = re.compile(
    r"\b(?:the|la|el|lo|that|this|esa|ese|take|choose|pick|quiero|prefiero|go with|con) "
    r"(?:very )?" + _ORD + r"(?: " + _NOUN + r")?" + _AFTER
    + r"|^" + _ORD + r"(?: " + _NOUN + r")?(?: ,)?(?: please| por favor| thanks| gracias)?$"
)
_CHOICE_RELATIVE = re.compile(
    r"\bthe (" + "|".join(_RELATIVE) + r")(?: " + _NOUN + r")?" + _AFTER
)
# "the 2nd" is a date; "the 2nd one" / "2nd option" is a pick.
_CHOICE_NUMERIC = re.compile(r"\b([1-5])(?:st|nd|rd|th) (?:one|option|choice|opcion)\b")
_CHOICE_NUMBER = re.compile(
    r"(?<!phone )\b(?:option|opcion|number|numero|choice)(?: number| numero)? ("
    + "|".join(_CARDINALS) + r"|\d{1,2})\b(?! ?\d)"
)
_CHOICE_MAS = re.compile(r"\b(?:la|el|lo)(?: de)? mas (temprano|pronto|tarde)\b")
# A pick by content rather than position: "the 10:30 one", "la de las diez".
_CHOICE_SOFT = re.compile(
    r"\bthe (?!other one)(?:\d{1,2}(?::\d\d)?(?: ?[ap]\.?m\.?)?|\w+) one\b"
    r"|\bthe one (?:at|on|with|for|in)\b|\b(?:la|el) de (?:las|la|el|los)\b|\b(?:la|el) del\b"
)
_TASKS = frozenset(
    {I.CANCEL, I.RESCHEDULE, I.MY_APPOINTMENTS, I.THIRD_PARTY, I.HOURS, I.OPT_OUT}
)


def _negated(norm: str, start: int) -> bool:
    """A negator among the three words before ``start``, in the same clause."""
    before = norm[:start].split(",")[-1].split()[-3:]
    return any(word in _NEGATORS or word.endswith("n't") for word in before)


def _has_content(norm: str) -> bool:
    return any(word not in _CONTENTLESS for word in norm.split())


def _score(norm: str, raw: str, lang: Lang) -> dict[Intent, tuple[float, int]]:
    """intent -> (best score, -position of that match): higher is better on both."""
    hits: dict[Intent, tuple[float, int]] = {}

    def add(intent: Intent, score: float, position: int) -> None:
        hits[intent] = max(hits.get(intent, (0.0, 0)), (score, -position))

    weak: list[tuple[Intent, float, int]] = []
    for intent, score, pattern, flags in _COMPILED[lang]:
        for match in pattern.finditer(norm):
            if _NEG in flags and _negated(norm, match.start()):
                continue
            if _CONTENT in flags and not _has_content(norm):
                continue
            if _WEAK in flags:
                weak.append((intent, score, match.start()))
            else:
                add(intent, score, match.start())
            break
    if not _TASKS & hits.keys():
        for intent, score, position in weak:
            add(intent, score, position)
    if lang == "es":
        if accented := _SI_ACCENTED.search(raw):
            before = normalize(raw[: accented.start()])
            leading = _LEADING.match(before + " " if before else "") is not None
            add(I.YES, 0.9 if leading else 0.7, len(before))
        elif _SI_LEADING.match(norm):
            add(I.YES, 0.9, 0)
    if parse_choice(raw, lang) is not None:
        add(I.CHOICE, 0.91, 0)
    elif _CHOICE_SOFT.search(norm):
        add(I.CHOICE, 0.85, 0)
    return hits


def classify(text: str, lang: Lang) -> tuple[Intent, ...]:
    """The intents of one caller turn, most likely first; ``(UNKNOWN,)`` at worst.

    Rules of ``lang`` run first; if none fires and the text is not plainly ``lang``, the
    other language's rules get a try (a Spanish caller saying "ok, bye").
    """
    norm = normalize(text)
    hits = _score(norm, text, lang)
    en, es = language_scores(text)
    if not hits and (en > es if lang == "es" else es > en):
        hits = _score(norm, text, "es" if lang == "en" else "en")
    if not hits:
        return (I.UNKNOWN,)
    return tuple(sorted(hits, key=hits.__getitem__, reverse=True))


def parse_choice(text: str, lang: Lang) -> int | None:
    """The 0-based option a caller picks: "the second one" -> 1, "option 3" -> 2,
    "la última" / "the later one" -> -1, "the earlier one" -> 0; None if none is picked.

    Dates are not choices: "the second of March" and "la primera semana" give None.
    Both languages' words are recognised whatever ``lang`` says (callers mix them).
    """
    del lang
    norm = normalize(text)
    if match := _CHOICE_ORDINAL.search(norm):
        return _ORDINALS[match.group(1) or match.group(2)]
    if match := _CHOICE_RELATIVE.search(norm):
        return _RELATIVE[match.group(1)]
    if match := _CHOICE_NUMERIC.search(norm):
        return int(match.group(1)) - 1
    if match := _CHOICE_NUMBER.search(norm):
        word = match.group(1)
        number = _CARDINALS.get(word) or int(word)
        return number - 1 if 1 <= number <= 10 else None
    if match := _CHOICE_MAS.search(norm):
        return 0 if match.group(1) in ("temprano", "pronto") else -1
    return None
