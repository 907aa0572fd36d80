"""Health checks: /healthz says the process is up, /readyz that it can serve requests."""

from __future__ import annotations

import gzip

import pytest

from tests.conftest import make_test_app

# Nothing listens on port 1, so connecting fails at once.
UNREACHABLE_DATABASE = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/x"}


@pytest.fixture
def broken_app(tmp_path):
    return make_test_app(UNREACHABLE_DATABASE, tmp_path)


def test_healthz_answers_ok_as_json(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok"}


def test_healthz_does_not_touch_the_database(broken_app):
    response = broken_app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_checks_the_database_the_instance_folder_and_the_search_index(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok", "checks": {"database": "ok", "instance": "ok", "search": "ok"}
    }


def test_readyz_reports_an_unreachable_database(broken_app):
    response = broken_app.test_client().get("/readyz")
    body = response.get_json()

    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["database"].startswith("error")
    assert "nobody" not in body["checks"]["database"]  # no connection details leak out
    assert body["checks"]["instance"] == "ok"


def test_health_checks_need_no_login_and_set_no_cookies(client, app):
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers


def test_pages_and_stylesheets_go_out_compressed_and_healthz_stays_plain(client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert b"<!doctype html>" in gzip.decompress(page.data)

    style = client.get("/static/css/app.css", headers={"Accept-Encoding": "br"})
    assert style.headers["Content-Encoding"] == "br"
    style.close()

    health = client.get("/healthz", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in health.headers and health.json == {"status": "ok"}
