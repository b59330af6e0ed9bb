from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from frontdesk.api.app import create_app
from frontdesk.config import Settings
from tests.conftest import Business


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def biz(make_business: Callable[..., Business]) -> Business:
    return make_business()


def auth(business: Business) -> dict[str, str]:
    return {"Authorization": f"Bearer {business.api_key}"}
