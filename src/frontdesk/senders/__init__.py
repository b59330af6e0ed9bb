"""Message providers (SMS, email): one file each, behind the Protocol in ``base``.

Adapters: they know a provider's wire format and nothing of the database; the outbox
worker in ``frontdesk.delivery`` owns retries and bookkeeping.
"""
