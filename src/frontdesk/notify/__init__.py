"""Messages that must never be lost: the outbox, its worker, and the providers behind it."""
