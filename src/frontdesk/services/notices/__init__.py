"""What to tell whom, written as outbox rows in the caller's own transaction.

The write side of the outbox: texts, emails with their invites, and calendar events for an
appointment that is booked, moved or cancelled, plus the bookkeeping of delivery (claims
and outcomes). Sending happens later, above the services, in ``frontdesk.delivery``.
"""
