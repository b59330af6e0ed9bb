"""Everything the deterministic agent says, in English and Spanish.

Short, speakable sentences: no markdown, no lists with bullets, no ISO times.
"""

from __future__ import annotations

from typing import Any

PHRASES: dict[str, dict[str, str]] = {
    "how_can_i_help": {
        "en": "How can I help you today?",
        "es": "¿En qué le puedo ayudar?",
    },
    "outbound_about": {
        "en": "It's about your {service} {when}. Can you still make it?",
        "es": "Es sobre su cita de {service} {when}. ¿Le sigue viniendo bien?",
    },
    "meeting_offer_many": {
        "en": "I can offer {options}. Would one of those work for you?",
        "es": "Le puedo ofrecer {options}. ¿Le viene bien alguna?",
    },
    "meeting_offer_one": {
        "en": "I can offer {when} with {resource}. Would that work for you?",
        "es": "Le puedo ofrecer {when} con {resource}. ¿Le viene bien?",
    },
    "meeting_ask_availability": {
        "en": "When are you free over the coming weeks? For example, Tuesday after 2 or Thursday morning.",
        "es": "¿Cuándo tiene disponibilidad en las próximas semanas? Por ejemplo, el martes después de las 2 o el jueves por la mañana.",
    },
    "meeting_availability_again": {
        "en": "Sorry, I didn't catch when you're free. Could you tell me a day and a time of day, like Tuesday afternoon?",
        "es": "Perdone, no he entendido cuándo tiene disponibilidad. ¿Me dice un día y una franja, por ejemplo el martes por la tarde?",
    },
    "meeting_availability_noted": {
        "en": "Thank you, I've noted when you're free, and we'll be in touch with a time that fits. Goodbye.",
        "es": "Gracias, he anotado cuándo tiene disponibilidad y le contactaremos con una hora que le venga bien. Adiós.",
    },
    "declined": {
        "en": "No problem, thank you for your time. Goodbye.",
        "es": "Sin problema, gracias por su tiempo. Adiós.",
    },
    "wrong_number": {
        "en": "Sorry to have bothered you. We won't call this number about it again. Goodbye.",
        "es": "Disculpe la molestia. No volveremos a llamar a este número por este asunto. Adiós.",
    },
    "callback_at": {
        "en": "Of course. We'll call you back {when}. Goodbye.",
        "es": "Por supuesto. Le volveremos a llamar {when}. Adiós.",
    },
    "callback_later": {
        "en": "Of course. We'll call you back another time. Goodbye.",
        "es": "Por supuesto. Le volveremos a llamar en otro momento. Adiós.",
    },
    "greet_back": {
        "en": "Hi there! How can I help you today?",
        "es": "¡Hola! ¿En qué le puedo ayudar?",
    },
    "next_appointment": {
        "en": "I see you have a {service} {when}.",
        "es": "Veo que tiene {service} {when}.",
    },
    "ask_service": {
        "en": "Sure. Which service would you like: {options}?",
        "es": "Claro. ¿Qué servicio desea: {options}?",
    },
    "ask_time": {
        "en": "When would you like to come in for your {service}?",
        "es": "¿Cuándo le gustaría venir para {service}?",
    },
    "offer_exact": {
        "en": "I have {when} with {resource}. Shall I book that?",
        "es": "Tengo {when} con {resource}. ¿Se lo reservo?",
    },
    "offer_many": {
        "en": "I have {options}. Which works best?",
        "es": "Tengo {options}. ¿Cuál le viene mejor?",
    },
    "offer_near": {
        "en": "Sorry, {wanted} isn't available. The closest I have are {options}. Would one of those work?",
        "es": "Lo siento, {wanted} no está disponible. Lo más cercano que tengo es {options}. ¿Le sirve alguna?",
    },
    "offer_near_one": {
        "en": "Sorry, {wanted} isn't available. The closest I have is {options}. Would that work?",
        "es": "Lo siento, {wanted} no está disponible. Lo más cercano que tengo es {options}. ¿Le sirve?",
    },
    "fully_booked": {
        "en": "I'm sorry, we're fully booked for {service} over the next {days} days. Would you like me to connect you with someone from the team?",
        "es": "Lo siento, no tenemos huecos para {service} en los próximos {days} días. ¿Quiere que le pase con alguien del equipo?",
    },
    "past_time": {
        "en": "That time has already passed. What day and time would work for you?",
        "es": "Esa hora ya ha pasado. ¿Qué día y hora le vendría bien?",
    },
    "too_far": {
        "en": "Sorry, we only take bookings up to {days} days ahead. What day within that works for you?",
        "es": "Lo siento, solo damos citas con {days} días de antelación como máximo. ¿Qué día dentro de ese plazo le viene bien?",
    },
    "which_offer": {
        "en": "Sorry, which one would you like: {options}?",
        "es": "Perdone, ¿cuál prefiere: {options}?",
    },
    "ask_name": {
        "en": "Great. Can I have your name, please?",
        "es": "Perfecto. ¿Me dice su nombre, por favor?",
    },
    "ask_name_again": {
        "en": "Sorry, I didn't catch your name. Could you say it again?",
        "es": "Perdone, no he entendido su nombre. ¿Me lo repite?",
    },
    "ask_phone": {
        "en": "And what's the best phone number to reach you?",
        "es": "¿Y en qué número de teléfono le podemos localizar?",
    },
    "ask_phone_again": {
        "en": "Sorry, I didn't get that number. Could you say it digit by digit, with the area code?",
        "es": "Perdone, no he entendido el número. ¿Me lo dice cifra a cifra, con el prefijo?",
    },
    "confirm_booking": {
        "en": "So that's a {service} {when} with {resource}, for {name}. Shall I book it?",
        "es": "Entonces, {service} {when} con {resource}, a nombre de {name}. ¿Lo reservo?",
    },
    "booked": {
        "en": "You're all set: {service} {when} with {resource}. Is there anything else I can help with?",
        "es": "Listo: {service} {when} con {resource}. ¿Le puedo ayudar en algo más?",
    },
    "slot_gone": {
        "en": "Sorry, that time was just taken.",
        "es": "Lo siento, esa hora se acaba de ocupar.",
    },
    "booking_failed": {
        "en": "Sorry, I couldn't book that: {reason}",
        "es": "Lo siento, no he podido reservarlo: {reason}",
    },
    "what_to_change": {
        "en": "No problem. What day and time would suit you better?",
        "es": "Sin problema. ¿Qué día y hora le vendría mejor?",
    },
    "no_appointments": {
        "en": "I couldn't find any upcoming appointments for that number. Would you like to book one?",
        "es": "No encuentro citas próximas con ese número. ¿Quiere reservar una?",
    },
    "ask_phone_lookup": {
        "en": "Sure. What phone number is the appointment under?",
        "es": "Claro. ¿Con qué número de teléfono está hecha la cita?",
    },
    "which_appointment": {
        "en": "Which appointment: {options}?",
        "es": "¿Qué cita: {options}?",
    },
    "private": {
        "en": "For your privacy I can't share appointment details on this line. I can connect you with our staff, or you can call from the phone number on your file.",
        "es": "Por su privacidad no puedo dar detalles de citas por esta vía. Puedo pasarle con nuestro personal, o puede llamar desde el teléfono de su ficha.",
    },
    "your_appointments": {
        "en": "You have {options}. Is there anything else I can help with?",
        "es": "Tiene {options}. ¿Le puedo ayudar en algo más?",
    },
    "ask_new_time": {
        "en": "Your {service} is {when}. When would you like to move it to?",
        "es": "Su cita de {service} es {when}. ¿A cuándo la quiere cambiar?",
    },
    "ask_new_time_private": {
        "en": "I found your appointment. When would you like to move it to?",
        "es": "He encontrado su cita. ¿A cuándo la quiere cambiar?",
    },
    "confirm_reschedule": {
        "en": "So I'll move your {service} to {when} with {resource}. Is that right?",
        "es": "Entonces cambio su cita de {service} a {when} con {resource}. ¿Es correcto?",
    },
    "rescheduled": {
        "en": "Done. Your {service} is now {when} with {resource}. Anything else?",
        "es": "Hecho. Su cita de {service} es ahora {when} con {resource}. ¿Algo más?",
    },
    "confirm_cancel": {
        "en": "Just to confirm, you'd like to cancel your {service} {when}?",
        "es": "Para confirmar, ¿quiere cancelar su cita de {service} {when}?",
    },
    "confirm_cancel_private": {
        "en": "Just to confirm, you'd like to cancel your appointment?",
        "es": "Para confirmar, ¿quiere cancelar su cita?",
    },
    "cancelled": {
        "en": "Your appointment has been cancelled. Is there anything else I can help with?",
        "es": "Su cita ha sido cancelada. ¿Le puedo ayudar en algo más?",
    },
    "kept": {
        "en": "Okay, I'll leave it as it is. Anything else?",
        "es": "De acuerdo, la dejo como está. ¿Algo más?",
    },
    "hours": {
        "en": "We're open {hours}.",
        "es": "Abrimos {hours}.",
    },
    "hours_closed": {
        "en": "We don't have opening hours set up yet.",
        "es": "Todavía no tenemos el horario configurado.",
    },
    "anything_else": {
        "en": "Is there anything else I can help with?",
        "es": "¿Le puedo ayudar en algo más?",
    },
    "what_else": {
        "en": "Sure, what can I do for you?",
        "es": "Claro, ¿qué necesita?",
    },
    "welcome": {
        "en": "You're welcome! Is there anything else I can help with?",
        "es": "¡De nada! ¿Le puedo ayudar en algo más?",
    },
    "goodbye": {
        "en": "Thanks for calling. Goodbye!",
        "es": "Gracias por llamar. ¡Hasta luego!",
    },
    "transfer": {
        "en": "Of course. Let me connect you with someone from the team. One moment, please.",
        "es": "Por supuesto. Le paso con alguien del equipo. Un momento, por favor.",
    },
    "transfer_misunderstood": {
        "en": "I'm sorry, I'm having trouble understanding. Let me connect you with someone from the team.",
        "es": "Lo siento, me está costando entenderle. Le paso con alguien del equipo.",
    },
    "opted_out": {
        "en": "Understood. We won't contact you again. Goodbye.",
        "es": "Entendido. No volveremos a contactarle. Adiós.",
    },
    "not_understood": {
        "en": "Sorry, I didn't catch that. I can book, change or cancel an appointment. What would you like to do?",
        "es": "Perdone, no le he entendido. Puedo reservar, cambiar o cancelar una cita. ¿Qué desea?",
    },
    "not_understood_time": {
        "en": "Sorry, I didn't catch the day or time. Could you say it another way, like tomorrow at 3 PM?",
        "es": "Perdone, no he entendido el día o la hora. ¿Me lo dice de otra forma, por ejemplo mañana a las 3 de la tarde?",
    },
    "code_sent": {
        "en": "I've just texted a 6-digit code to the number ending in {ending}; please tell me the code.",
        "es": "Le acabo de enviar un SMS con un código de 6 cifras al número terminado en {ending}; ¿me dice el código, por favor?",
    },
    "ask_code_again": {
        "en": "Sorry, I didn't get the code. Please tell me the 6 digits from the text I sent to the number ending in {ending}.",
        "es": "Perdone, no he entendido el código. ¿Me dice las 6 cifras del SMS que le he enviado al número terminado en {ending}?",
    },
    "wrong_code": {
        "en": "That code isn't right. You have {tries} tries left; please tell me the code again.",
        "es": "Ese código no es correcto. Le quedan {tries} intentos; ¿me lo vuelve a decir?",
    },
    "wrong_code_last": {
        "en": "That code isn't right. You have one try left; please tell me the code again.",
        "es": "Ese código no es correcto. Le queda un intento; ¿me lo vuelve a decir?",
    },
    "code_expired": {
        "en": "That code has expired. Shall I text you a new one? Or I can connect you with someone from the team.",
        "es": "Ese código ha caducado. ¿Le envío uno nuevo? También puedo pasarle con alguien del equipo.",
    },
    "code_dead": {
        "en": "That code was entered wrong too many times, so it no longer works. Shall I text you a new one? Or I can connect you with someone from the team.",
        "es": "Ese código se ha introducido mal demasiadas veces y ya no sirve. ¿Le envío uno nuevo? También puedo pasarle con alguien del equipo.",
    },
    "code_limit": {
        "en": "I can't send another code to that number right now. Would you like me to connect you with someone from the team?",
        "es": "Ahora mismo no puedo enviar otro código a ese número. ¿Quiere que le pase con alguien del equipo?",
    },
    "cannot_text": {
        "en": "I can't send a text to that number. Would you like me to connect you with someone from the team?",
        "es": "No puedo enviar un SMS a ese número. ¿Quiere que le pase con alguien del equipo?",
    },
    "code_ok": {
        "en": "Thank you, that's the right code.",
        "es": "Gracias, el código es válido.",
    },
    "no_new_code": {
        "en": "Okay. Is there anything else I can help with?",
        "es": "De acuerdo. ¿Le puedo ayudar en algo más?",
    },
    "no_longer_open": {
        "en": "Sorry, that appointment can't be changed anymore: {reason}",
        "es": "Lo siento, esa cita ya no se puede cambiar: {reason}",
    },
    # What the business told us to tell callers (conversation/questions.py); the facts
    # themselves are the business's own words, never these.
    "ask_date_of_birth": {
        "en": "And what's your date of birth?",
        "es": "¿Y cuál es su fecha de nacimiento?",
    },
    "ask_date_of_birth_again": {
        "en": "Sorry, I need your full date of birth, with the year, like March 3rd, 1985.",
        "es": "Perdone, necesito su fecha de nacimiento completa, con el año, por ejemplo 3 de marzo de 1985.",
    },
    "ask_insurance": {
        "en": "And which insurance company are you with?",
        "es": "¿Y cuál es su compañía de seguros?",
    },
    "ask_insurance_again": {
        "en": "Sorry, which insurance company is it?",
        "es": "Perdone, ¿qué compañía de seguros es?",
    },
    "price_one": {
        "en": "The {service} is {price}.",
        "es": "El servicio de {service} cuesta {price}.",
    },
    "price_list": {
        "en": "Our prices are: {prices}.",
        "es": "Nuestros precios son: {prices}.",
    },
    "price_unknown": {
        "en": "I'm afraid I don't have the price of the {service}.",
        "es": "Lo siento, no tengo el precio de {service}.",
    },
    "info_unknown": {
        "en": "I'm afraid I don't have that information.",
        "es": "Lo siento, no tengo esa información.",
    },
    "offer_person": {
        "en": "Would you like me to connect you with someone from the team?",
        "es": "¿Quiere que le pase con una persona del equipo?",
    },
    "services_list": {
        "en": "We offer {options}.",
        "es": "Ofrecemos {options}.",
    },
    "not_offered": {
        "en": "Sorry, we don't offer that here. Our services are {options}.",
        "es": "Lo siento, no ofrecemos ese servicio. Tenemos {options}.",
    },
}


def say(key: str, lang: str, **values: Any) -> str:
    table = PHRASES[key]
    return table.get(lang, table["en"]).format(**values)
