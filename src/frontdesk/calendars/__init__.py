"""External calendar adapters: one file per provider, behind the Protocol in ``base``."""
