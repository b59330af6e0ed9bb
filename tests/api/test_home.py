"""``/`` leads somewhere: a person opening the server's address lands on the API docs."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_root_redirects_to_the_api_docs(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/docs"
    followed = client.get("/")
    assert followed.status_code == 200
    assert "swagger" in followed.text.lower()


def test_root_redirect_keeps_the_mount_prefix(client: TestClient) -> None:
    """Behind a proxy that serves the app under a prefix, the docs are under it too."""
    mounted = TestClient(client.app, root_path="/desk")
    response = mounted.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/desk/docs"
