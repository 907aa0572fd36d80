"""Exports, open data and the JSON API never hold a hidden idea, an e-mail address or the name
of an anonymous author (checked in every field of every answer); the OpenAPI document is valid
and every endpoint answers as it describes, for any query (a property-based check)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from sqlalchemy import select

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.reports.exports import DATASETS

API_LISTS = ("ideas", "clusters", "concepts", "prototypes", "decisions", "actions")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture(scope="module")
def forbidden(demo_site) -> dict[str, Any]:
    """What must never appear: every e-mail address, every hidden (or otherwise not public)
    idea's title, and the real names of authors of anonymous ideas."""
    with demo_site.app.app_context():
        emails = set(db.session.scalars(select(User.email)))
        hidden = set(db.session.scalars(select(Idea.title).where(
            Idea.status.in_([IdeaStatus.hidden, IdeaStatus.withdrawn, IdeaStatus.draft]))))
        hidden_ids = set(db.session.scalars(select(Idea.id).where(
            Idea.status != IdeaStatus.published)))
        anonymous = set(db.session.scalars(select(Idea.id).where(Idea.is_anonymous.is_(True))))
        slugs = list(db.session.scalars(select(Challenge.slug).where(
            Challenge.is_published.is_(True))))
    public_titles = set()
    with demo_site.app.app_context():
        public_titles = set(db.session.scalars(select(Idea.title).where(
            Idea.status == IdeaStatus.published)))
    return {"emails": emails, "hidden": hidden - public_titles, "hidden_ids": hidden_ids,
            "anonymous": anonymous, "slugs": slugs}


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string in a JSON value, with where it is."""
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in _strings(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [s for n, item in enumerate(value) for s in _strings(item, f"{path}[{n}]")]
    return [(path, value)] if isinstance(value, str) else []


def _check(document: Any, forbidden: dict[str, Any], where: str,
           ideas_at: str | None = None) -> None:
    for path, text in _strings(document):
        assert not EMAIL.search(text), f"{where}{path}: an e-mail address"
        assert text not in forbidden["hidden"], f"{where}{path}: a hidden idea"
    if ideas_at is not None:
        items = document if ideas_at == "" else document.get(ideas_at, [])
        for item in items:
            if ideas_at != "":
                assert item["id"] not in forbidden["hidden_ids"], f"{where}: idea {item['id']}"
            if item["id"] in forbidden["anonymous"]:  # anonymous: never a name
                assert item.get("author") in (None, "", "Anoniem", "Anonymous"), where


def test_every_api_answer_and_the_open_data_hold_nothing_hidden_or_personal(demo_site,
                                                                           forbidden):
    client = demo_site.client("anonymous")
    _check(client.get("/api/v1/challenges?per_page=100").get_json(), forbidden, "challenges")
    for slug in forbidden["slugs"]:
        for name in API_LISTS:
            page = 1
            while True:
                body = client.get(f"/api/v1/challenges/{slug}/{name}?per_page=100&page={page}")
                assert body.status_code == 200
                data = body.get_json()
                _check(data, forbidden, f"{slug}/{name}", "items" if name == "ideas" else None)
                if page * 100 >= data["total"]:
                    break
                page += 1
        open_data = client.get(f"/c/{slug}/open-data.json")
        data = json.loads(open_data.data)
        assert data["licence"] == "CC BY 4.0"
        _check(data, forbidden, f"{slug}/open-data", "ideas")
        assert all("author" not in idea for idea in data["ideas"])  # no personal data at all


def test_the_core_teams_exports_hold_nothing_hidden_or_personal(demo_site, forbidden):
    client = demo_site.client("core_team")
    for slug in forbidden["slugs"]:
        for dataset in DATASETS:
            response = client.get(f"/c/{slug}/exports/{dataset}.json")
            assert response.status_code == 200, (slug, dataset)
            rows = json.loads(response.data)
            _check(rows, forbidden, f"{slug}/{dataset}.json", "" if dataset == "ideas" else None)
            if dataset == "ideas":
                assert not {row["id"] for row in rows} & (
                    forbidden["hidden_ids"] - _pending_ids(demo_site))
            csv_text = client.get(f"/c/{slug}/exports/{dataset}.csv").get_data(as_text=True)
            assert csv_text.startswith("\ufeff")
            assert not EMAIL.search(csv_text), f"{slug}/{dataset}.csv: an e-mail address"
            for title in forbidden["hidden"]:
                assert title not in csv_text, f"{slug}/{dataset}.csv: a hidden idea"


def _pending_ids(demo_site) -> set[int]:
    with demo_site.app.app_context():
        return set(db.session.scalars(select(Idea.id).where(Idea.status == IdeaStatus.pending)))


@pytest.fixture(scope="module")
def openapi(demo_site) -> dict[str, Any]:
    return demo_site.client("anonymous").get("/api/v1/openapi.json").get_json()


def test_the_openapi_document_is_valid_and_lists_every_endpoint(openapi):
    validate(openapi)
    paths = set(openapi["paths"])
    assert "/api/v1/challenges" in paths and "/api/v1/challenges/{slug}" in paths
    assert {f"/api/v1/challenges/{{slug}}/{name}" for name in API_LISTS} <= paths


def _values(parameter: dict[str, Any]) -> st.SearchStrategy[str]:
    schema = parameter["schema"]
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | st.text(max_size=8)
    if schema.get("type") == "integer":
        return st.integers(-2, 150).map(str) | st.text(max_size=5)
    return st.text(max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_endpoint_answers_as_its_openapi_document_describes(demo_site, openapi,
                                                                  forbidden, data):
    client = demo_site.client("anonymous")
    path = data.draw(st.sampled_from(sorted(openapi["paths"])))
    operation = openapi["paths"][path]["get"]
    url = path.replace("{slug}", data.draw(st.sampled_from([*forbidden["slugs"], "nope"])))
    query = {}
    for parameter in operation["parameters"]:
        if parameter["in"] == "query" and data.draw(st.booleans()):
            query[parameter["name"]] = data.draw(_values(parameter))
    response = client.get(url, query_string=query)
    assert str(response.status_code) in operation["responses"], (url, query)
    assert response.status_code == 429 or response.is_json, (url, query, response.status_code)
    content = operation["responses"][str(response.status_code)].get("content")
    if content:
        schema = {**content["application/json"]["schema"], "components": openapi["components"]}
        OAS30Validator(schema).validate(response.get_json())
