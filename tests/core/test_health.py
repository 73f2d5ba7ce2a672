"""GET /healthz answers for the app and its database."""

from __future__ import annotations

from app import create_app
from tests.conftest import make_config


def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    url = "postgresql+psycopg://nobody:wrong@127.0.0.1:1/none?connect_timeout=1"
    app = create_app(make_config(url))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert "password" not in response.get_data(as_text=True)
