"""frontdesk: a self-hostable AI front desk."""

__version__ = "0.1.0"
