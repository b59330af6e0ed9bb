"""50 HTTP clients race a real uvicorn server for one slot: one 201, the rest 409."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.conftest import Business, next_weekday, serving

CLIENTS = 50


@pytest.fixture
def live_server(engine: Engine) -> Iterator[str]:
    with serving(create_app(Settings(environment="test", llm_base_url=""), engine=engine)) as url:
        yield url


def test_fifty_http_clients_one_slot(
    live_server: str, make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    start = biz.at(next_weekday(biz.tz, 1), 10).isoformat()
    body = {"service_id": str(biz.haircut.id), "start": start, "resource_id": str(biz.ana.id)}
    headers = {"Authorization": f"Bearer {biz.api_key}"}
    barrier = threading.Barrier(CLIENTS)

    def client(i: int) -> tuple[int, str]:
        with httpx.Client(base_url=live_server, timeout=60) as http:
            barrier.wait()
            response = http.post(
                "/api/v1/appointments",
                json={**body, "customer": {"name": f"Caller {i}"}},
                headers=headers,
            )
            return response.status_code, response.json().get("code", "")

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 1, results
    assert statuses.count(409) == CLIENTS - 1, results
    assert {code for status, code in results if status == 409} == {"slot_taken"}
    with httpx.Client(base_url=live_server) as http:
        listed = http.get("/api/v1/appointments", headers=headers).json()
        customers = http.get("/api/v1/customers", headers=headers).json()
    assert len(listed) == 1
    # The losers' customer rows were rolled back with their failed bookings.
    assert [c["name"] for c in customers] == [listed[0]["customer_name"]]
