"""What the hosts of one installation share: the data version of the page cache (through
Redis when configured), the upload folder (a mount every host has), photos sent by nginx after
the app's permission check, and PostgreSQL's limit on the statements of web requests."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import redis
from sqlalchemy import text
from werkzeug.datastructures import FileStorage

from ideation.core import cache
from ideation.extensions import db
from ideation.ideas import submitting
from ideation.ideas.models import IdeaStatus
from tests.conftest import TEST_DATABASE_URL, make_test_app
from tests.factories import make_challenge, make_user
from tests.ideas.conftest import jpeg_bytes

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not redis_answers(), reason="no Redis at 127.0.0.1:6379")


def idea_with_photo(status: IdeaStatus = IdeaStatus.published):
    challenge = make_challenge()
    author = make_user()
    photo = FileStorage(io.BytesIO(jpeg_bytes()), filename="schets.jpg")
    idea = submitting.submit_idea(author, challenge, {"title": "Een buddy voor elk kind",
                                                      "description": "Met foto.", "consent": True},
                             [photo])
    idea.status = status
    db.session.commit()
    return idea


# --- the page cache's data version ------------------------------------------------------------


@needs_redis
def test_a_write_on_one_host_gives_every_host_a_new_data_version(database, tmp_path):
    """Two hosts: different instance folders, one database, one Redis."""
    host_a = make_test_app(database, tmp_path / "a", IDEATION_REDIS_URL=REDIS_URL)
    host_b = make_test_app(database, tmp_path / "b", IDEATION_REDIS_URL=REDIS_URL)
    computed: list[str] = []

    def read_on_b() -> str:
        with host_b.app_context():
            return cache.cached("count", lambda: computed.append("b") or "value")

    read_on_b()
    read_on_b()
    assert computed == ["b"]  # cached on B
    with host_a.app_context():
        make_challenge()  # a committed write on A
        version_a = cache.data_version()
        db.session.remove()
    with host_b.app_context():
        assert cache.data_version() == version_a != ""
    read_on_b()

    assert computed == ["b", "b"]  # B computed afresh after A's write
    assert not (Path(host_a.instance_path) / cache.VERSION_FILE).exists()


def test_without_redis_the_hosts_processes_share_the_instance_folder(app):
    make_challenge()

    assert (Path(app.instance_path) / cache.VERSION_FILE).read_text() == cache.data_version()


def test_when_redis_does_not_answer_pages_still_work_and_nothing_is_served_stale(
        database, tmp_path):
    host = make_test_app(database, tmp_path, IDEATION_REDIS_URL="redis://127.0.0.1:1/0")
    computed: list[int] = []
    with host.app_context():
        make_challenge()  # the write's new version cannot be stored: logged, not raised
        for _ in range(2):
            cache.cached("count", lambda: computed.append(1) or 1)
        db.session.remove()

    assert computed == [1, 1]
    assert host.test_client().get("/").status_code == 200


# --- uploads ------------------------------------------------------------------------------------


def test_photos_go_to_the_configured_upload_folder(database, tmp_path):
    shared = tmp_path / "shared-mount"
    app = make_test_app(database, tmp_path, IDEATION_UPLOAD_DIR=str(shared))
    with app.app_context():
        idea = idea_with_photo()
        key = idea.images[0].storage_key
        response = app.test_client().get(f"/media/ideas/{key}/thumb")
        db.session.remove()

    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert len([p for p in shared.rglob("*.jpg")]) == 2  # display image and thumbnail
    assert not (Path(app.instance_path) / "uploads").exists()


def test_behind_nginx_the_app_checks_and_nginx_sends_the_photo(database, tmp_path):
    app = make_test_app(database, tmp_path, IDEATION_UPLOAD_ACCEL_PREFIX="/_uploads/")
    with app.app_context():
        public = idea_with_photo()
        hidden = idea_with_photo(IdeaStatus.hidden)
        key, hidden_key = public.images[0].storage_key, hidden.images[0].storage_key
        client = app.test_client()
        shown = client.get(f"/media/ideas/{key}/display")
        refused = client.get(f"/media/ideas/{hidden_key}/display")
        db.session.remove()

    assert shown.status_code == 200 and shown.data == b""
    assert shown.headers["X-Accel-Redirect"] == f"/_uploads/{key[:2]}/{key}"
    assert shown.headers["Cache-Control"] == "public, max-age=3600"
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused.headers


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only (IDEATION_TEST_DATABASE_URL)")
def test_web_requests_have_a_statement_timeout_and_commands_do_not(database, tmp_path):
    app = make_test_app(database, tmp_path, IDEATION_DB_STATEMENT_TIMEOUT_MS=1500)
    with app.app_context():
        outside = db.session.scalar(text("SHOW statement_timeout"))
        db.session.remove()
        with app.test_request_context("/"):
            inside = db.session.scalar(text("SHOW statement_timeout"))
            with pytest.raises(Exception, match="statement timeout"):
                db.session.execute(text("SELECT pg_sleep(3)"))
            db.session.rollback()
            db.session.remove()
        after = db.session.scalar(text("SHOW statement_timeout"))
        db.session.remove()
        db.engine.dispose()

    assert (outside, inside, after) == ("0", "1500ms", "0")
