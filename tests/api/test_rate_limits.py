"""Rate limits, against real uvicorn servers: per API key, per address, per phone number,
in process and shared through a real Redis server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import Engine
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.store.db import make_session_factory as make_sessions
from tests.conftest import Business, auth, serving

TOKEN = "twilio-webhook-token"


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    """Limits are counted before the database is touched: one database kind is enough."""
    return sqlite_engine


def _settings(**limits: str) -> Settings:
    return Settings(environment="test", llm_base_url="", twilio_auth_token=TOKEN, **limits)


def _assert_limited(response: httpx.Response, limit: str) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    body = response.json()
    assert body["code"] == "rate_limited" and body["status"] == 429
    assert body["limit"] == limit and body["retry_after"] == retry_after


def test_an_api_key_past_its_limit_gets_429_and_other_keys_do_not(
    engine: Engine, make_business: Callable[..., Business]
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    app = create_app(_settings(rate_limit_api_key="3/minute"), engine=engine)
    with serving(app) as url, httpx.Client(base_url=url) as http:
        for _ in range(3):
            assert http.get("/api/v1/services", headers=auth(salon)).status_code == 200
        _assert_limited(http.get("/api/v1/services", headers=auth(salon)), "3 per 1 minute")
        # The key is what is counted, whatever the route and however it is sent.
        _assert_limited(http.get("/api/v1/resources", headers={"X-API-Key": salon.api_key}),
                        "3 per 1 minute")
        assert http.get("/api/v1/services", headers=auth(clinic)).status_code == 200
        assert http.get("/health").status_code == 200


def test_a_widget_key_is_also_limited_per_visitor_address(
    engine: Engine, make_business: Callable[..., Business]
) -> None:
    """A widget key is public: one visitor cannot spend the whole site's count."""
    from frontdesk.services.api_keys import create_api_key
    from frontdesk.store.db import write_session
    from frontdesk.store.models import Tenant

    salon = make_business("salon")
    with write_session(make_sessions(engine)) as session:
        tenant = session.get_one(Tenant, salon.tenant.id)
        key = create_api_key(session, tenant, "site", scope="widget",
                             allowed_origins=["https://salon.example"])[1]
    widget = {"Authorization": f"Bearer {key}", "Origin": "https://salon.example"}
    app = create_app(_settings(rate_limit_ip="2/minute"), engine=engine)
    with serving(app) as url, httpx.Client(base_url=url) as http:
        for _ in range(2):
            chat = http.post("/api/v1/chat", headers=widget, json={"message": "hello"})
            assert chat.status_code == 200, chat.text
        _assert_limited(http.post("/api/v1/chat", headers=widget, json={"message": "hello"}),
                        "2 per 1 minute")
        other = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=url, transport=other) as elsewhere:
            chat = elsewhere.post("/api/v1/chat", headers=widget, json={"message": "hello"})
            assert chat.status_code == 200


def test_unauthenticated_requests_are_limited_per_address_and_health_never(
    engine: Engine,
) -> None:
    app = create_app(_settings(rate_limit_ip="2/minute"), engine=engine)
    with serving(app) as url, httpx.Client(base_url=url) as http:
        assert http.get("/calendars/no-such-feed.ics").status_code == 404
        assert http.get("/api/v1/services").status_code == 401  # no key: counted per address
        _assert_limited(http.get("/calendars/no-such-feed.ics"), "2 per 1 minute")
        for _ in range(5):
            assert http.get("/health").status_code == 200
        # Another address (127.0.0.2 is loopback too) has its own count.
        other = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=url, transport=other) as elsewhere:
            assert elsewhere.get("/calendars/no-such-feed.ics").status_code == 404


def test_guessing_api_keys_from_one_address_is_limited(
    engine: Engine, make_business: Callable[..., Business]
) -> None:
    salon = make_business()
    app = create_app(_settings(rate_limit_ip="2/minute"), engine=engine)
    with serving(app) as url, httpx.Client(base_url=url) as http:
        for _ in range(2):
            guess = {"Authorization": f"Bearer fd_{uuid.uuid4().hex}"}
            assert http.get("/api/v1/services", headers=guess).status_code == 401
        guess = {"Authorization": f"Bearer fd_{uuid.uuid4().hex}"}
        _assert_limited(http.get("/api/v1/services", headers=guess), "2 per 1 minute")
        # A business's own key from another address is not held back by the guesser.
        other = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=url, transport=other) as elsewhere:
            assert elsewhere.get("/api/v1/services", headers=auth(salon)).status_code == 200


def _twilio_sms(http: httpx.Client, url: str, sender: str, *, signed: bool = True) -> int:
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "From": sender, "To": "+12125559999",
              "Body": "hi"}
    path = "/webhooks/twilio/sms"
    signature = RequestValidator(TOKEN).compute_signature(url + path, params)
    response = http.post(path, content=urlencode(params), headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature if signed else "forged"})
    return response.status_code


def test_webhooks_count_forged_requests_per_address_and_genuine_ones_per_phone(
    engine: Engine,
) -> None:
    app = create_app(_settings(rate_limit_ip="2/minute", rate_limit_phone="3/minute"),
                     engine=engine)
    with serving(app) as url, httpx.Client(base_url=url) as http:
        # A provider sends every business's texts from a few addresses: genuine ones do
        # not spend the address's count ...
        for phone in ("+12125550001", "+12125550002"):
            assert [_twilio_sms(http, url, phone) for _ in range(3)] == [200, 200, 200]
        # ... but the fourth text from one phone in a minute does.
        assert _twilio_sms(http, url, "+12125550001") == 429
        # Forged ones count against the address, and past its limit nothing gets in.
        assert [_twilio_sms(http, url, "+12125550003", signed=False) for _ in range(2)] == [
            403, 403]
        assert _twilio_sms(http, url, "+12125550003") == 429


def test_chat_is_limited_per_caller_phone(
    engine: Engine, make_business: Callable[..., Business]
) -> None:
    salon = make_business()
    app = create_app(_settings(rate_limit_phone="2/minute"), engine=engine)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        def chat(phone: str) -> httpx.Response:
            return http.post("/api/v1/chat", headers=auth(salon),
                             json={"message": "hello", "caller_phone": phone})

        assert [chat("(212) 555-0123").status_code for _ in range(2)] == [200, 200]
        # The same number written another way is the same caller.
        _assert_limited(chat("+12125550123"), "2 per 1 minute")
        assert chat("+12125550124").status_code == 200


def test_two_processes_share_one_count_through_redis(
    engine: Engine, make_business: Callable[..., Business], redis_url: str
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    settings = _settings(rate_limit_api_key="3/minute", redis_url=redis_url)
    first, second = create_app(settings, engine=engine), create_app(settings, engine=engine)
    with serving(first) as url_a, serving(second) as url_b, httpx.Client() as http:
        for url in (url_a, url_b, url_a):
            assert http.get(f"{url}/api/v1/services", headers=auth(salon)).status_code == 200
        _assert_limited(http.get(f"{url_b}/api/v1/services", headers=auth(salon)),
                        "3 per 1 minute")
        assert http.get(f"{url_b}/api/v1/services", headers=auth(clinic)).status_code == 200


def test_an_unreachable_redis_does_not_take_the_api_down(
    engine: Engine, make_business: Callable[..., Business], caplog: pytest.LogCaptureFixture
) -> None:
    salon = make_business()
    settings = _settings(rate_limit_api_key="1/minute", redis_url="redis://127.0.0.1:1/0")
    with serving(create_app(settings, engine=engine)) as url, httpx.Client(base_url=url) as http:
        assert [http.get("/api/v1/services", headers=auth(salon)).status_code
                for _ in range(3)] == [200, 200, 200]
    warnings = [r.getMessage() for r in caplog.records if r.name == "frontdesk.web.ratelimit"]
    assert len(warnings) == 1 and "rate limits not enforced" in warnings[0]


def test_settings_refuse_a_limit_they_cannot_read() -> None:
    with pytest.raises(ValueError, match="not a rate limit"):
        Settings(rate_limit_ip="sixty a minute")


def test_a_retell_socket_past_its_keys_limit_is_refused_before_the_handshake(
    engine: Engine, make_business: Callable[..., Business]
) -> None:
    salon = make_business()
    app = create_app(_settings(rate_limit_api_key="1/minute"), engine=engine)
    with serving(app) as url:
        socket_url = url.replace("http", "ws") + f"/v1/retell/{salon.api_key}/llm-websocket/c1"
        with connect(socket_url, open_timeout=10) as socket:
            assert json.loads(socket.recv(timeout=10))["response_type"] == "config"
        with pytest.raises(InvalidStatus) as refused:
            connect(socket_url, open_timeout=10)
        response = refused.value.response
        assert response.status_code == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert json.loads(response.body or b"{}")["code"] == "rate_limited"


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_counts_hold_across_event_loops_and_a_dead_loop_blocks_none(
    store: str, request: pytest.FixtureRequest
) -> None:
    """A server has one loop, but test clients, portals and a second server loop each run
    their own: the counters must be the same on every loop, and nothing a finished loop
    left behind (a held lock, an expiry task) may stall a request on the next one."""
    import asyncio
    import threading

    from frontdesk.web.ratelimit import RateLimits

    redis = ""
    if store == "redis":
        redis = request.getfixturevalue("redis_url")  # skips, saying why, without Redis
    limits = RateLimits(Settings(environment="test", rate_limit_api_key="5/minute",
                                 redis_url=redis))
    ident = ("key", uuid.uuid4().hex)

    async def spend(times: int) -> list[bool]:
        return [await limits.hit(limits.per_key, *ident) is None for _ in range(times)]

    assert asyncio.run(spend(2)) == [True, True]  # a loop that is gone afterwards
    answers: list[bool] = []
    worker = threading.Thread(target=lambda: answers.extend(asyncio.run(spend(2))))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "a request on a new loop waited on the old loop's state"
    assert answers == [True, True]
    assert asyncio.run(spend(2)) == [True, False]  # 5 per minute across all loops
