"""Codes texted to a stated number: stored hashed, 10 minutes, 5 tries, rate limits."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import phone_verification as verification
from frontdesk.services.conversations import open_conversation
from frontdesk.services.customers import CustomerFields, upsert_by_phone
from frontdesk.store.db import write_session
from frontdesk.store.models import OutboxMessage, PhoneVerification, TenantPhoneNumber
from tests.conftest import Business

PHONE = "+12125550199"
OTHER = "+12125550188"
NOW = datetime(2030, 6, 3, 14, 0, tzinfo=UTC)


def _chat(factory: sessionmaker[Session], biz: Business) -> uuid.UUID:
    conversation, _ = open_conversation(factory, biz.tenant, "chat", uuid.uuid4().hex)
    return conversation.id


def _texts(factory: sessionmaker[Session], phone: str = PHONE) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == phone)
            .order_by(OutboxMessage.created_at)))


def _code(message: OutboxMessage) -> str:
    found = re.search(r"\b(\d{6})\b", message.payload["body"])
    assert found is not None, message.payload
    return found.group(1)


@pytest.fixture
def send(factory: sessionmaker[Session], biz: Business) -> Callable[..., str]:
    """Issue a code and return it as the phone's holder reads it."""

    def issue(conversation_id: uuid.UUID, phone: str = PHONE, *, at: datetime = NOW,
              lang: str = "en") -> str:
        verification.issue_code(factory, biz.tenant, conversation_id, phone, lang=lang, now=at)
        return _code(_texts(factory, phone)[-1])

    return issue


def test_the_code_is_texted_through_the_outbox_and_stored_only_hashed(
        factory: sessionmaker[Session], biz: Business) -> None:
    with write_session(factory) as session:
        session.add(TenantPhoneNumber(tenant_id=biz.tenant.id, number_e164="+12125550100"))
    cid = _chat(factory, biz)
    sent = verification.issue_code(factory, biz.tenant, cid, "(212) 555-0199", lang="en",
                                   now=NOW)
    assert sent.phone == PHONE and sent.expires_at == NOW + timedelta(minutes=10)
    [message] = _texts(factory)
    assert message.channel == "sms" and message.purpose == "verification_code"
    assert message.status == "pending" and message.payload["from"] == "+12125550100"
    code = _code(message)
    assert message.payload["body"] == f"Your Salon code is {code}. It expires in 10 minutes."
    with factory() as session:
        row = session.scalars(select(PhoneVerification)).one()
    assert code not in (row.code_hash, row.salt) and len(row.code_hash) == 64
    assert verification.check_code(factory, biz.tenant, cid, code, now=NOW) == PHONE
    with factory() as session:
        assert verification.verified_phones(session, biz.tenant, cid) == {PHONE}


def test_spanish_text(factory: sessionmaker[Session], biz: Business,
                      send: Callable[..., str]) -> None:
    code = send(_chat(factory, biz), lang="es")
    assert _texts(factory)[-1].payload["body"] == (
        f"Su código de Salon es {code}. Caduca en 10 minutos.")


def test_five_wrong_tries_kill_the_code(factory: sessionmaker[Session], biz: Business,
                                        send: Callable[..., str]) -> None:
    cid = _chat(factory, biz)
    code = send(cid)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(verification.WrongCode) as exc:
            verification.check_code(factory, biz.tenant, cid, wrong, now=NOW)
        assert exc.value.extra["tries_left"] == left
    with pytest.raises(verification.TooManyTries):
        verification.check_code(factory, biz.tenant, cid, wrong, now=NOW)
    with pytest.raises(verification.TooManyTries):  # dead, even for the right code
        verification.check_code(factory, biz.tenant, cid, code, now=NOW)
    with factory() as session:
        assert verification.verified_phones(session, biz.tenant, cid) == set()


def test_a_code_expires_after_ten_minutes(factory: sessionmaker[Session], biz: Business,
                                          send: Callable[..., str]) -> None:
    cid = _chat(factory, biz)
    code = send(cid)
    with pytest.raises(verification.CodeExpired):
        verification.check_code(factory, biz.tenant, cid, code, now=NOW + timedelta(minutes=10))
    fresh = send(cid, at=NOW + timedelta(minutes=11))
    late = NOW + timedelta(minutes=20, seconds=59)
    assert verification.check_code(factory, biz.tenant, cid, fresh, now=late) == PHONE


def test_only_the_newest_code_works_and_each_works_once(
        factory: sessionmaker[Session], biz: Business, send: Callable[..., str]) -> None:
    cid = _chat(factory, biz)
    first = send(cid)
    second = send(cid)  # the same instant: "newest" cannot come from the clock
    if first != second:
        with pytest.raises(verification.WrongCode):
            verification.check_code(factory, biz.tenant, cid, first, now=NOW)
    assert verification.check_code(factory, biz.tenant, cid, second, now=NOW) == PHONE
    with pytest.raises(verification.NoCodePending):
        verification.check_code(factory, biz.tenant, cid, second, now=NOW)


def test_a_code_proves_the_number_only_in_its_own_conversation(
        factory: sessionmaker[Session], biz: Business, make_business: Callable[..., Business],
        send: Callable[..., str]) -> None:
    mine, theirs = _chat(factory, biz), _chat(factory, biz)
    code = send(mine)
    with pytest.raises(verification.NoCodePending):
        verification.check_code(factory, biz.tenant, theirs, code, now=NOW)
    other = make_business("elsewhere")
    with pytest.raises(verification.NotFound):
        verification.check_code(factory, other.tenant, mine, code, now=NOW)
    assert verification.check_code(factory, biz.tenant, mine, code, now=NOW) == PHONE
    with factory() as session:
        assert verification.verified_phones(session, biz.tenant, theirs) == set()


def test_three_codes_per_number_an_hour(factory: sessionmaker[Session], biz: Business,
                                        send: Callable[..., str]) -> None:
    for minute in range(3):  # three conversations, one number
        send(_chat(factory, biz), at=NOW + timedelta(minutes=minute))
    with pytest.raises(verification.RateLimited) as exc:
        send(_chat(factory, biz), at=NOW + timedelta(minutes=30))
    assert exc.value.extra["retry_after_minutes"] == 31
    assert len(_texts(factory)) == 3  # the refused one wrote nothing
    send(_chat(factory, biz), at=NOW + timedelta(minutes=60, seconds=1))  # the window moved
    assert len(_texts(factory)) == 4


def test_three_codes_per_conversation_an_hour(factory: sessionmaker[Session], biz: Business,
                                              send: Callable[..., str]) -> None:
    cid = _chat(factory, biz)
    for i, phone in enumerate((PHONE, OTHER, "+12125550177")):
        send(cid, phone, at=NOW + timedelta(minutes=i))
    with pytest.raises(verification.RateLimited):
        send(cid, "+12125550166", at=NOW + timedelta(minutes=5))
    assert _texts(factory, "+12125550166") == []


def test_no_code_to_a_number_that_opted_out(factory: sessionmaker[Session], biz: Business,
                                            send: Callable[..., str]) -> None:
    with write_session(factory) as session:
        upsert_by_phone(session, biz.tenant, CustomerFields(phone=PHONE, do_not_call=True))
    with pytest.raises(verification.CannotText):
        send(_chat(factory, biz))
    assert _texts(factory) == []


def test_a_vouched_for_caller_id_needs_no_code(factory: sessionmaker[Session],
                                               biz: Business) -> None:
    call, _ = open_conversation(factory, biz.tenant, "phone", "CA1", caller_phone=PHONE,
                                caller_verified=True)
    chat, _ = open_conversation(factory, biz.tenant, "chat", "web-1", caller_phone=PHONE)
    with factory() as session:
        assert verification.verified_phones(session, biz.tenant, call.id) == {PHONE}
        assert verification.verified_phones(session, biz.tenant, chat.id) == set()
    sent = verification.issue_code(factory, biz.tenant, call.id, PHONE, lang="en", now=NOW)
    assert sent.already_verified and _texts(factory) == []


def test_parallel_requests_cannot_race_past_the_limits(
        factory: sessionmaker[Session], biz: Business) -> None:
    conversations = [_chat(factory, biz) for _ in range(8)]
    gate = threading.Barrier(len(conversations))

    def request(cid: uuid.UUID) -> str:
        gate.wait()
        try:
            verification.issue_code(factory, biz.tenant, cid, PHONE, lang="en", now=NOW)
        except verification.RateLimited:
            return "limited"
        return "sent"

    with ThreadPoolExecutor(len(conversations)) as pool:
        outcomes = list(pool.map(request, conversations))
    assert sorted(outcomes) == ["limited"] * 5 + ["sent"] * 3
    assert len(_texts(factory)) == 3


def test_parallel_guesses_cannot_race_past_five_tries(
        factory: sessionmaker[Session], biz: Business, send: Callable[..., str]) -> None:
    cid = _chat(factory, biz)
    code = send(cid)
    gate = threading.Barrier(8)

    def guess(i: int) -> str:
        gate.wait()
        try:
            verification.check_code(factory, biz.tenant, cid, f"{(int(code) + 1 + i) % 10**6:06d}",
                                    now=NOW)
        except verification.WrongCode:
            return "wrong"
        except verification.TooManyTries:
            return "dead"
        return "right"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(guess, range(8)))
    assert outcomes.count("wrong") == 4 and outcomes.count("dead") == 4
    with factory() as session:
        assert session.scalars(select(PhoneVerification.attempts)).one() == 5
