"""The REST API as the eval sees it: in-process (FastAPI's TestClient) or over HTTP.

Setup and checks go through the public API only, so an eval exercises the same paths
a real integration does. The HTTP client is the standard library's, so running evals
against a server needs nothing beyond frontdesk itself.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Protocol


class ApiError(RuntimeError):
    """A request the eval needed failed; the message says which and why."""

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        detail = body.get("detail") if isinstance(body, dict) else None
        if detail is None and isinstance(body, dict) and isinstance(body.get("error"), dict):
            detail = body["error"].get("message")
        self.status = status
        self.body = body
        super().__init__(f"{method} {path} -> HTTP {status}: {detail or body!r}")


class Api(Protocol):
    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                body: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]: ...


def expect_ok(api: Api, method: str, path: str, *, params: dict[str, Any] | None = None,
              body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
    status, data = api.request(method, path, params=params, body=body, headers=headers)
    if status >= 400:
        raise ApiError(method, path, status, data)
    return data


class TestClientApi:
    """Requests through an in-process ``fastapi.testclient.TestClient``."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.auth = {"Authorization": f"Bearer {key}"}

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                body: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        response = self.client.request(method, path, params=params, json=body,
                                       headers={**self.auth, **(headers or {})})
        try:
            data = response.json()
        except ValueError:
            data = response.text
        return int(response.status_code), data


class HttpApi:
    """Requests to a running server (``--url``), authenticated with a business's key."""

    def __init__(self, base_url: str, key: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = {"Authorization": f"Bearer {key}"}
        self.timeout = timeout

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                body: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            **self.auth, "Accept": "application/json",
            **({"Content-Type": "application/json"} if data is not None else {}),
            **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return int(response.status), _decode(response.read())
        except urllib.error.HTTPError as exc:
            return int(exc.code), _decode(exc.read())
        except urllib.error.URLError as exc:
            raise ConnectionError(f"cannot reach {self.base_url}: {exc.reason}") from exc


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode() or "null")
    except ValueError:
        return raw.decode(errors="replace")
