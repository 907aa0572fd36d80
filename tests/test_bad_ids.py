"""Ids from query strings and forms: a number no database column holds, or no plain number
at all, is "not found" or a form error, never a 500 (an overflow in the database driver).

``ideation/core/routing.py`` is the one place that turns request text into ids; the source
rule at the end keeps every other module on it.
"""

# ruff: noqa: F811 - the shared fixtures are injected by parameter name

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ideation.core.routing import MAX_DATABASE_INT, database_id, optional_database_id, page_arg
from ideation.extensions import db
from ideation.ideas.models import Comment, Idea
from tests.ideas.conftest import (  # noqa: F401 - shared fixtures
    author,
    challenge,
    make_idea,
)

# Too big for SQLite (2**63) and PostgreSQL (2**31); digits int() refuses or reads oddly;
# signs, exponents and spaces.
BAD_IDS = ["99999999999999999999999", str(MAX_DATABASE_INT + 1), "²", "١٢", "-1", "0",
           "1e3", "0x1F", "9" * 5000, "1\x00", "", " "]


@pytest.mark.parametrize("raw", BAD_IDS)
def test_the_shared_converter_refuses_every_bad_id(raw):
    assert optional_database_id(raw) is None
    with pytest.raises(ValueError):
        database_id(raw)


def test_the_shared_converter_reads_plain_ids():
    assert [optional_database_id(v) for v in ("1", " 42 ", str(MAX_DATABASE_INT), 7)] == [
        1, 42, MAX_DATABASE_INT, 7]


@pytest.mark.parametrize("raw, page", [("3", 3), ("0", 1), ("-2", 1), ("²", 1), ("x", 1),
                                       ("99999999999999999999999", 10_000)])
def test_page_numbers_are_clamped(app, raw, page):
    with app.test_request_context(f"/?page={raw}"):
        assert page_arg() == page


@pytest.mark.parametrize("raw", ["99999999999999999999999", "²", "1e3"])
def test_building_on_an_impossible_idea_is_a_plain_new_idea_form(client, challenge, author,
                                                                   raw):
    client.login(author)

    response = client.get(f"/c/{challenge.slug}/ideas/new?built_on={raw}")

    assert response.status_code == 200


@pytest.mark.parametrize("raw", ["99999999999999999999999", "²"])
def test_posting_an_impossible_built_on_id_is_a_form_error_and_stores_nothing(
        client, challenge, author, raw):
    client.login(author)

    response = client.post_form(f"/c/{challenge.slug}/ideas/new", {
        "title": "Op iets bouwen", "description": "Tekst", "consent": "y",
        "similar_seen": "1", "built_on_id": raw})

    assert response.status_code in (200, 422)
    assert db.session.scalar(select(func.count(Idea.id))) == 0


@pytest.mark.parametrize("raw", ["99999999999999999999999", "²"])
def test_a_reply_to_an_impossible_comment_is_a_plain_comment(client, challenge, author, raw):
    idea = make_idea(author, challenge)
    client.login(author)

    response = client.post_form(f"/c/{challenge.slug}/ideas/{idea.id}/comments",
                                {"body": "Goed plan", "parent_id": raw})

    assert response.status_code == 302
    assert db.session.scalars(select(Comment)).one().parent_id is None


@pytest.mark.parametrize("query", ["theme=99999999999999999999999", "theme=²",
                                   "page=99999999999999999999999", "page=²"])
def test_the_gallery_survives_impossible_filters(client, challenge, query):
    assert client.get(f"/c/{challenge.slug}/ideas?{query}").status_code == 200


# --- the rule --------------------------------------------------------------------------------

PACKAGE = Path(__file__).resolve().parent.parent / "ideation"


def test_request_values_become_numbers_only_through_the_shared_converter():
    """No ``type=int`` / ``coerce=int`` (overflow), no ``str.isdigit`` (accepts "²", which
    ``int`` refuses): ``ideation.core.routing`` reads every id and page number."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "core" / "routing.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            where = f"{path.relative_to(PACKAGE)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.keyword) and node.arg in ("type", "coerce") and (
                    isinstance(node.value, ast.Name) and node.value.id == "int"):
                offenders.append(f"{where} {node.arg}=int")
            elif isinstance(node, ast.Attribute) and node.attr in ("isdigit", "isnumeric",
                                                                   "isdecimal"):
                offenders.append(f"{where} .{node.attr}()")
    assert offenders == []


# --- NUL characters --------------------------------------------------------------------------


@pytest.mark.parametrize("request_args", [
    ("get", "/c/scheiden/ideas?q=kind%00eren", None),
    ("get", "/c/schei%00den", None),
    ("post", "/c/scheiden/ideas/new", {"title": "Een\x00idee", "description": "Tekst",
                                       "consent": "y", "similar_seen": "1"}),
])
def test_a_nul_character_anywhere_is_refused_before_it_reaches_the_database(
        client, challenge, author, request_args):
    """PostgreSQL refuses text with NUL even in a comparison (a 500 before); nobody types
    one. Found by the fuzzing on PostgreSQL."""
    method, url, data = request_args
    client.login(author)

    response = (client.post_form(url, data) if method == "post" else client.get(url))

    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Idea.id))) == 0
