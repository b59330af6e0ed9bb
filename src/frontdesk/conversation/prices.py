"""How the agent says a price the business stored on a service, in English and Spanish.

The currency follows the business's country; where we do not know a country's currency
the amount is said without one rather than with a guessed one.
"""

from __future__ import annotations

_EURO = frozenset("AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK".split())
_DOLLAR = frozenset("US CA AU NZ MX CO AR CL".split())


def say_price(cents: int, country: str, lang: str) -> str:
    """'$45', '45.50 euros', '45 dólares', '45,50 euros'."""
    whole, part = divmod(cents, 100)
    sep = "," if lang == "es" else "."
    amount = f"{whole}{sep}{part:02d}" if part else str(whole)
    country = country.upper()
    if country in _EURO:
        return f"{amount} euros"
    if country in _DOLLAR:
        return f"{amount} dólares" if lang == "es" else f"${amount}"
    return amount
