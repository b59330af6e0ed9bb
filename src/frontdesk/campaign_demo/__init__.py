"""``frontdesk campaign demo``: an outbound campaign from a fresh clone, with no carrier
account. A demo server in this process, a simulated carrier (``frontdesk.carrier_sim``),
twenty made-up leads imported and called through the real API, live progress.
"""
