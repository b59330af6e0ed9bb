"""Whose number a call or text reached: one lookup for every door."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import phone_numbers
from frontdesk.store.db import write_session
from frontdesk.store.models import TenantPhoneNumber
from tests.conftest import Business

NUMBER, SECOND = "+12125550100", "+12125550101"


@pytest.fixture
def two(make_business: Callable[..., Business],
        factory: sessionmaker[Session]) -> tuple[Business, Business]:
    first, other = make_business("salon"), make_business("spa")
    with write_session(factory) as session:
        session.add(TenantPhoneNumber(tenant_id=first.tenant.id, number_e164=NUMBER))
        session.add(TenantPhoneNumber(tenant_id=other.tenant.id, number_e164=SECOND))
    return first, other


def test_the_number_names_its_business(two: tuple[Business, Business],
                                       factory: sessionmaker[Session]) -> None:
    first, other = two
    found = phone_numbers.tenant_for_number(factory, NUMBER)
    assert found is not None and found.id == first.tenant.id
    with factory() as session:  # in the caller's session too
        found = phone_numbers.tenant_for_number(session, SECOND)
        assert found is not None and found.id == other.tenant.id


@pytest.mark.parametrize("written", ["(212) 555-0100", "212 555 0100", "+1 212 555 0100"])
def test_a_number_written_another_way_is_the_same_number(
        two: tuple[Business, Business], factory: sessionmaker[Session], written: str) -> None:
    found = phone_numbers.tenant_for_number(factory, written)
    assert found is not None and found.id == two[0].tenant.id


@pytest.mark.parametrize("number", ["", "  ", "+12125550199", "sip:alice@example.com",
                                    "anonymous", "12345"])
def test_anything_else_has_no_business(two: tuple[Business, Business],
                                       factory: sessionmaker[Session], number: str) -> None:
    assert phone_numbers.tenant_for_number(factory, number) is None


def test_the_sending_number_is_the_business_own(two: tuple[Business, Business],
                                                make_business: Callable[..., Business],
                                                factory: sessionmaker[Session]) -> None:
    none = make_business("gym")
    with factory() as session:
        assert phone_numbers.sending_number(session, two[0].tenant) == NUMBER
        assert phone_numbers.sending_number(session, none.tenant) is None


def test_a_caller_number_is_read_in_the_business_country() -> None:
    assert phone_numbers.as_e164("612 345 678", "ES") == "+34612345678"
    assert phone_numbers.as_e164("(212) 555-0142", "US") == "+12125550142"
    assert phone_numbers.as_e164("sip:bob@example.com", "US") is None
    assert phone_numbers.as_e164(None, "US") is None
