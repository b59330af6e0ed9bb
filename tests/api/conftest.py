"""API tests use the shared fixtures in tests/conftest.py (client, biz, auth)."""

from tests.conftest import auth

__all__ = ["auth"]
