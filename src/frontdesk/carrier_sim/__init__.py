"""A simulated phone carrier, for trying outbound calls without an account: ``frontdesk
campaign demo`` runs it. Never used unless asked for.

It is a real HTTP server speaking Twilio's Calls API wire format (``calls_api``), so the
product's own ``TwilioCallPlacer`` (the ``twilio`` SDK) places calls against it exactly
as against Twilio. For every call it plays the person called (``people``): it answers or
not, and talks to the front desk through the signed voice webhooks, following the TwiML
(``calls_play``), then reports the call's statuses as Twilio's status callbacks do.
"""

from frontdesk.carrier_sim.calls_api import DEMO_ACCOUNT_SID, SimulatedCarrier
from frontdesk.carrier_sim.people import Kind, Person, cast, person_for

__all__ = ["DEMO_ACCOUNT_SID", "Kind", "Person", "SimulatedCarrier", "cast", "person_for"]
