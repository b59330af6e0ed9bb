"""Dashboard fixtures: businesses with people who sign in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.users import UserFields, create_user
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant, UserRole
from tests.conftest import Business

PASSWORD = "correct horse battery"


@dataclass
class Person:
    email: str
    business: Business


@pytest.fixture
def add_user(factory: sessionmaker[Session]) -> Callable[..., Person]:
    def add(business: Business, email: str, role: UserRole = UserRole.OWNER,
            **extra: object) -> Person:
        with write_session(factory) as session:
            create_user(session, session.get_one(Tenant, business.tenant.id), UserFields(
                email=email, password=PASSWORD, role=role, **extra))  # type: ignore[arg-type]
        return Person(email, business)
    return add


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD,
            next_path: str = "/dashboard") -> tuple[int, str]:
    """Fill in and send the sign-in form as a browser would; (status, Location)."""
    form = client.get(f"/login?next={next_path}")
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf": form_token(form.text), "next": next_path},
                           follow_redirects=False)
    return response.status_code, response.headers.get("location", "")
