"""Every form reads posted text as text: a file sent under a text field's name, or a JSON body,
is no form data (``ideation.core.forms.Form``); it used to reach the validators (a 500)."""

from __future__ import annotations

import io

from flask_wtf import FlaskForm
from sqlalchemy import func, select

from ideation.core.forms import Form
from ideation.extensions import db
from ideation.ideas.models import Idea
from tests.ideas.conftest import author, challenge  # noqa: F401 - shared fixtures

# ruff: noqa: F811


def test_every_form_derives_from_the_project_form(app):
    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(sub) for sub in found))

    outside = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in subclasses(FlaskForm)
                     if cls.__module__.startswith("ideation") and not issubclass(cls, Form))
    assert outside == []


def test_a_file_posted_as_the_title_is_a_form_error_not_a_crash(client, challenge, author):
    client.login(author)

    response = client.post_form(f"/c/{challenge.slug}/ideas/new", {
        "title": (io.BytesIO(b"<b>nope</b>"), "title.txt"), "description": "Tekst",
        "consent": "y", "similar_seen": "1", "photo_alt": (io.BytesIO(b"x"), "alt.txt")},
        content_type="multipart/form-data")

    assert response.status_code in (200, 422)
    assert db.session.scalar(select(func.count(Idea.id))) == 0


def test_a_json_body_is_not_read_as_a_form(client, challenge, author):
    client.login(author)

    response = client.post(f"/c/{challenge.slug}/ideas/new", json={
        "csrf_token": client.csrf_token(), "title": {"x": 1}, "description": ["a"],
        "consent": "y", "similar_seen": "1"})

    assert response.status_code < 500
    assert db.session.scalar(select(func.count(Idea.id))) == 0
