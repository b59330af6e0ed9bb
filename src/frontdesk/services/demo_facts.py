# Sentences are data: one line each, whatever its length.
# ruff: noqa: E501
"""What the demo businesses tell callers who ask (issue 14): their address, directions,
parking, payment and cancellation policy, and a few questions and answers of their own,
so that the demo and the eval scenarios can ask. Invented businesses, invented facts."""

from __future__ import annotations

SALON_INFO: dict[str, dict[str, str]] = {
    "address": {
        "en": "We're at 123 Main Street, New York, NY 10001.",
        "es": "Estamos en el 123 de Main Street, Nueva York, NY 10001.",
    },
    "directions": {
        "en": "We're two blocks from the 34th Street subway station, next to the bakery.",
        "es": "Estamos a dos cuadras de la estación de metro de la calle 34, al lado de la panadería.",
    },
    "parking": {
        "en": "There's a public garage on 35th Street, and we validate two hours of parking.",
        "es": "Hay un garaje público en la calle 35, y le validamos dos horas de estacionamiento.",
    },
    "payment": {
        "en": "We take cash, all major credit cards and Apple Pay.",
        "es": "Aceptamos efectivo, todas las tarjetas de crédito y Apple Pay.",
    },
    "cancellation": {
        "en": "Please cancel at least 24 hours ahead; late cancellations are charged half the price.",
        "es": "Le pedimos cancelar con al menos 24 horas de antelación; las cancelaciones tardías se cobran a mitad de precio.",
    },
}

SALON_FAQ: list[dict[str, dict[str, str]]] = [
    {
        "question": {"en": "Do you take walk-ins?", "es": "¿Atienden sin cita?"},
        "answer": {
            "en": "We take walk-ins when a stylist is free, but booking is the surest way to be seen.",
            "es": "Atendemos sin cita si hay un estilista libre, pero lo más seguro es reservar.",
        },
    },
    {
        "question": {"en": "Do you sell gift cards?", "es": "¿Venden tarjetas regalo?"},
        "answer": {
            "en": "Yes, we sell gift cards at the front desk, for any amount.",
            "es": "Sí, vendemos tarjetas regalo en recepción, por el importe que quiera.",
        },
    },
    {
        "question": {"en": "Do you cut children's hair?", "es": "¿Cortan el pelo a niños?"},
        "answer": {
            "en": "Yes, we cut children's hair; a kids' cut costs the same as a haircut.",
            "es": "Sí, cortamos el pelo a niños; cuesta lo mismo que un corte normal.",
        },
    },
]

CLINIC_INFO: dict[str, dict[str, str]] = {
    "address": {
        "en": "We're at Calle de Alcalá 45, 2nd floor, 28014 Madrid.",
        "es": "Estamos en la calle de Alcalá 45, segunda planta, 28014 Madrid.",
    },
    "directions": {
        "en": "The nearest metro stop is Sevilla (line 2), a three-minute walk away.",
        "es": "La parada de metro más cercana es Sevilla (línea 2), a tres minutos andando.",
    },
    "parking": {
        "en": "The clinic has no parking of its own; the nearest public car park is at Plaza del Rey.",
        "es": "La clínica no tiene aparcamiento propio; el aparcamiento público más cercano está en la Plaza del Rey.",
    },
    "payment": {
        "en": "You can pay by card or in cash, and we work with Sanitas and Adeslas.",
        "es": "Puede pagar con tarjeta o en efectivo, y trabajamos con Sanitas y Adeslas.",
    },
    "cancellation": {
        "en": "Please cancel at least 24 hours ahead so another patient can have the time.",
        "es": "Le rogamos que cancele con al menos 24 horas de antelación para que otro paciente pueda usar la hora.",
    },
}

CLINIC_FAQ: list[dict[str, dict[str, str]]] = [
    {
        "question": {"en": "Do I need a referral?", "es": "¿Necesito un volante?"},
        "answer": {
            "en": "No referral is needed: you can book a general consultation or physiotherapy directly.",
            "es": "No hace falta volante: puede pedir una consulta general o fisioterapia directamente.",
        },
    },
    {
        "question": {"en": "What should I bring to my appointment?", "es": "¿Qué tengo que traer a la consulta?"},
        "answer": {
            "en": "Please bring your ID card or passport, your insurance card and any recent medical reports.",
            "es": "Traiga su DNI o pasaporte, la tarjeta de su seguro y los informes médicos recientes que tenga.",
        },
    },
    {
        "question": {"en": "Do you see children?", "es": "¿Atienden a niños?"},
        "answer": {
            "en": "We see patients from 14 years old; for younger children please see a paediatrician.",
            "es": "Atendemos a pacientes a partir de 14 años; para niños más pequeños, acuda a un pediatra.",
        },
    },
]
