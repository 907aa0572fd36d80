"""Search over ideas: the index follows every change, survives damage, shows no hidden work."""

from __future__ import annotations

import multiprocessing
import re
import shutil
from pathlib import Path

import pytest
from flask import has_request_context
from sqlalchemy import func, select

from ideation.extensions import db
from ideation.ideas import commenting, submitting
from ideation.ideas.models import Idea, IdeaImage, IdeaStatus
from ideation.jobs.models import Job, JobState
from ideation.jobs.services import execute
from ideation.moderation import services as moderation
from ideation.search import services as search
from ideation.search.index import IndexBusy
from ideation.search.models import IdeaSearchDocument, SearchJob
from tests.conftest import both_search_backends
from tests.html import visible_text
from tests.ideas.conftest import counted_queries, make_idea


def found(client, challenge, query: str, **filters: object) -> str:
    """The result page as text, with the highlight marks taken out."""
    response = client.get(f"/c/{challenge.slug}/ideas", query_string={"q": query, **filters})
    assert response.status_code == 200
    return re.sub(r"</?mark[^>]*>", "", response.get_data(as_text=True))


@both_search_backends
def test_a_submitted_idea_is_found_at_once_with_dutch_inflections(client, challenge, author):
    response = client.login(author)
    assert response.status_code == 302
    client.post_form(f"/c/{challenge.slug}/ideas/new", {
        "title": "Kinderen een eigen stem geven", "description": "Bij de rechter.",
        "consent": "y", "similar_seen": "1"}, content_type="multipart/form-data")

    page = client.get(f"/c/{challenge.slug}/ideas", query_string={"q": "kind"})
    assert re.search(r"<mark[^>]*>Kinderen</mark> een eigen stem geven",
                     page.get_data(as_text=True))


def add_findable_ideas(challenge, author, count: int, word: str) -> None:
    """``count`` ideas with ``word`` in the title, each with a theme and a photo, indexed."""
    themes = challenge.themes
    ideas = [Idea(challenge_id=challenge.id, author_id=author.id, title=f"{word} {n}",
                  description=f"Meer {word} in de wijk.", theme_id=themes[n % len(themes)].id)
             for n in range(count)]
    db.session.add_all(ideas)
    db.session.flush()
    db.session.add_all(IdeaImage(idea_id=idea.id, storage_key=f"{idea.id:032x}.jpg",
                                 width=10, height=10) for idea in ideas)
    db.session.commit()
    search.rebuild(challenge)
    db.session.commit()


@both_search_backends
def test_a_page_of_hits_costs_as_many_queries_as_one_hit(english, challenge, author):
    add_findable_ideas(challenge, author, 1, "zwembad")
    add_findable_ideas(challenge, author, 30, "speeltuin")
    english.get(f"/c/{challenge.slug}/ideas?q=warm")  # the session, pending index changes

    counts = {}
    for word, shown in (("zwembad", 1), ("speeltuin", 24)):
        with counted_queries() as statements:
            page = english.get(f"/c/{challenge.slug}/ideas", query_string={"q": word})
        html = page.get_data(as_text=True)
        assert html.count('class="idea-card"') == shown
        assert html.count('class="idea-thumb"') == shown
        counts[word] = statements

    many = counts["speeltuin"]
    assert len(many) == len(counts["zwembad"]), "\n".join(many)
    # The shown ideas come with their themes and photos in one statement: a shared database
    # charges a round trip for each.
    loads = [s for s in many if "FROM ideas" in s or "FROM idea_images" in s
             or "themes.id IN" in s]
    assert len(loads) == 1 and "idea_images" in loads[0], "\n".join(loads)


@both_search_backends
def test_search_covers_comments_and_highlights_safely(client, challenge, author, other):
    idea = make_idea(author, challenge, title="<script>alert(1)</script> Ouderschapsplan",
                     description="Een plan dat ouders samen maken.")
    commenting.comment(other, idea, "Graag ook een mediator erbij betrekken")
    db.session.commit()

    assert "Ouderschapsplan" in found(client, challenge, "mediator")
    page = found(client, challenge, "ouderschapsplan")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


@both_search_backends
def test_hidden_and_withdrawn_ideas_leave_the_index(client, challenge, author, core):
    hidden = make_idea(author, challenge, title="Verborgen voorstel over kinderalimentatie")
    withdrawn = make_idea(author, challenge, title="Ingetrokken voorstel over kinderalimentatie")
    assert "Verborgen voorstel" in found(client, challenge, "kinderalimentatie")

    moderation.decide_on_idea(core, hidden, "hide", "Bevat namen van kinderen")
    submitting.withdraw_idea(author, withdrawn)
    db.session.commit()

    page = found(client, challenge, "kinderalimentatie")
    assert "Verborgen voorstel" not in page
    assert "Ingetrokken voorstel" not in page


@both_search_backends
def test_an_edit_replaces_the_indexed_text(client, challenge, author):
    idea = make_idea(author, challenge, title="Eerste titel over mediation")
    submitting.edit_idea(author, idea, {"title": "Tweede titel over omgangsregeling",
                                        "description": idea.description, "theme_id": None})
    db.session.commit()

    assert "Tweede titel" in found(client, challenge, "omgangsregeling")
    assert "Tweede titel" not in found(client, challenge, "mediation")


@both_search_backends
def test_filters_combine_with_the_query(client, challenge, author):
    first, second = challenge.themes[0], challenge.themes[1]
    make_idea(author, challenge, title="Scheidingsloket in de wijk", theme_id=first.id)
    make_idea(author, challenge, title="Scheidingsloket online", theme_id=second.id)

    page = found(client, challenge, "scheidingsloket", theme=second.id)
    assert "Scheidingsloket online" in page
    assert "in de wijk" not in page


def test_a_missing_index_answers_from_the_database_and_is_rebuilt_after_the_response(
    app, client, challenge, author, monkeypatch
):
    make_idea(author, challenge, title="Buurtvaders helpen elkaar")
    make_idea(author, challenge, title="Een bankje in het park")
    found(client, challenge, "buurtvaders")
    search.get_index().close()
    shutil.rmtree(Path(app.instance_path) / "search")
    rebuilds = []
    real_rebuild = search.rebuild

    def rebuild(*args, **kwargs):
        rebuilds.append(has_request_context())
        return real_rebuild(*args, **kwargs)

    monkeypatch.setattr(search, "rebuild", rebuild)

    page = client.get(f"/c/{challenge.slug}/ideas", query_string={"q": "buurtvader"})
    assert page.status_code == 200
    shown = visible_text(page)
    assert "Buurtvaders helpen elkaar" in shown  # the database's answer, while rebuilding
    assert "bankje" not in shown
    # One rebuild, as a job, after the response had gone: never while the request ran.
    assert rebuilds == [False]
    job = db.session.scalar(select(Job).where(Job.kind == "reindex"))
    assert job is not None and job.state is JobState.done
    assert search.get_index().doc_ids(challenge.id) == set(db.session.scalars(select(Idea.id)))


def test_a_search_inside_a_request_never_rebuilds_a_damaged_index(app, challenge, author):
    idea = make_idea(author, challenge, title="Kinderen een eigen stem geven")
    search.apply_pending()
    index = search.get_index()
    (segment,) = (Path(index.root) / str(challenge.id)).glob("gen-*/*.seg")
    segment.write_bytes(b"")
    index.close()

    with app.test_request_context():
        page = search.search_ideas(challenge, "kinderen")
        hints = search.similar_ideas(challenge, "kinderen stem")
        assert [result.idea.id for result in page.results] == [idea.id]
        assert page.total == 1
        assert [result.idea.id for result in hints] == [idea.id]
        assert not index.is_healthy(challenge.id)  # still damaged: nothing rebuilt here
        (job,) = db.session.scalars(select(Job).where(Job.kind == "reindex")).all()
        assert job.state is JobState.queued  # one job, for after the response

    execute(job.id)  # what the response's close does
    assert index.is_healthy(challenge.id)


def test_a_value_error_in_the_search_is_a_bug_not_a_damaged_index(
    app, client, challenge, author, monkeypatch
):
    make_idea(author, challenge, title="Buurtvaders helpen elkaar")
    search.apply_pending()
    index = search.get_index()
    generation = (Path(index.root) / str(challenge.id) / "CURRENT").read_text()

    def broken(*args, **kwargs):
        raise ValueError("a bug in the highlighter")

    monkeypatch.setattr("ideation.search.index.hits", broken)
    with pytest.raises(ValueError, match="a bug in the highlighter"):
        client.get(f"/c/{challenge.slug}/ideas", query_string={"q": "buurtvaders"})
    assert db.session.scalar(select(func.count(Job.id))) == 0  # no rebuild scheduled
    assert (Path(index.root) / str(challenge.id) / "CURRENT").read_text() == generation
    assert index.is_healthy(challenge.id)


def test_a_busy_index_keeps_the_change_queued_until_it_can_be_written(
    app, challenge, author, monkeypatch
):
    index = search.get_index()
    real_apply = index.apply

    def busy(*args, **kwargs):
        raise IndexBusy("held by another worker")

    monkeypatch.setattr(index, "apply", busy)
    idea = make_idea(author, challenge, title="Wachten op de zoekindex")
    search.apply_pending()
    assert db.session.scalar(select(func.count(SearchJob.id))) >= 1

    monkeypatch.setattr(index, "apply", real_apply)
    search.apply_pending()
    assert db.session.scalar(select(func.count(SearchJob.id))) == 0
    assert idea.id in index.doc_ids(challenge.id)


@both_search_backends
def test_similar_ideas_endpoint_returns_published_titles(client, challenge, author):
    make_idea(author, challenge, title="Eén digitaal loket voor scheidende ouders")
    response = client.get(f"/c/{challenge.slug}/ideas/similar",
                          query_string={"title": "digitaal loket"})
    assert response.status_code == 200
    titles = [idea["title"] for idea in response.get_json()["ideas"]]
    assert titles == ["Eén digitaal loket voor scheidende ouders"]


@both_search_backends
def test_without_javascript_similar_ideas_show_after_the_first_attempt(
    client, challenge, author, other
):
    make_idea(other, challenge, title="Eén digitaal loket voor scheidende ouders")
    client.login(author)
    data = {"title": "Digitaal loket voor ouders", "description": "Alles online.",
            "consent": "y"}
    first = client.post_form(f"/c/{challenge.slug}/ideas/new", data,
                             content_type="multipart/form-data")
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Eén digitaal loket voor scheidende ouders" in page
    assert db.session.scalar(select(func.count(Idea.id))) == 1

    second = client.post_form(f"/c/{challenge.slug}/ideas/new", {**data, "similar_seen": "1"},
                              content_type="multipart/form-data")
    assert second.status_code == 302
    assert db.session.scalar(select(func.count(Idea.id))) == 2


@both_search_backends
def test_reindex_command_rebuilds_with_progress(app, runner, challenge, author):
    for n in range(3):
        make_idea(author, challenge, title=f"Idee nummer {n} over co-ouderschap")
    result = runner.invoke(args=["search", "reindex", challenge.slug])
    assert result.exit_code == 0, result.output
    assert f"{challenge.slug}: 3 ideas indexed" in result.output
    assert runner.invoke(args=["search", "reindex", "bestaat-niet"]).exit_code != 0


def _submit_many(config: dict, challenge_id: int, author_id: int, start: int, count: int) -> None:
    from ideation import create_app
    from ideation.accounts.models import User
    from ideation.challenges.models import Challenge

    app = create_app(config)
    with app.app_context():
        challenge = db.session.get(Challenge, challenge_id)
        author = db.session.get(User, author_id)
        for n in range(start, start + count):
            submitting.submit_idea(author, challenge, {
                "title": f"Gelijktijdig idee {n}", "description": "Van een andere werker.",
                "consent": True}, [])
            db.session.commit()
            search.apply_pending()
        # On a loaded machine a worker may give up waiting for the index lock (IndexBusy);
        # its jobs stay queued and the next flush applies them. Nothing may be lost.
        for _ in range(20):
            if not search.apply_pending():
                break
        db.engine.dispose()


@both_search_backends
def test_index_matches_the_database_after_concurrent_writes_from_several_processes(
    app, challenge, author, search_backend
):
    config = {key: app.config[key] for key in (
        "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS")}
    config["INSTANCE_PATH"] = app.instance_path
    config["IDEATION_SEARCH_BACKEND"] = search_backend
    if db.engine.dialect.name == "sqlite":
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    db.session.commit()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_submit_many,
                               args=(config, challenge.id, author.id, i * 15, 15))
               for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert all(worker.exitcode == 0 for worker in workers)

    db.session.expire_all()
    published = set(db.session.scalars(select(Idea.id).where(
        Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published)))
    assert len(published) == 60
    assert db.session.scalar(select(func.count(SearchJob.id))) == 0
    assert indexed_ids(challenge) == published


def indexed_ids(challenge) -> set[int]:
    """The ideas the search backend holds for ``challenge``."""
    if search.backend() == "postgres":
        return set(db.session.scalars(select(IdeaSearchDocument.idea_id).where(
            IdeaSearchDocument.challenge_id == challenge.id)))
    return search.get_index().doc_ids(challenge.id)


@both_search_backends
def test_other_users_see_only_published_results_even_in_the_core_team(
    client, challenge, author, core
):
    idea = make_idea(author, challenge, title="Wachtend idee over de kinderbijslag")
    moderation.decide_on_idea(core, idea, "hide", "Dubbel")
    db.session.commit()
    client.login(core)
    assert "Wachtend idee" not in found(client, challenge, "kinderbijslag")


@both_search_backends
def test_search_queries_that_are_garbage_never_fail(client, challenge, author):
    make_idea(author, challenge)
    for query in ['AND OR (', '"', "title:", "*", "x" * 500, "😀 ü ß", "<b>"]:
        response = client.get(f"/c/{challenge.slug}/ideas", query_string={"q": query})
        assert response.status_code == 200




def test_a_finished_job_id_is_never_given_to_a_new_job(app, challenge, author):
    """A worker deletes the jobs it applied by id; a reused id would delete a newer job."""
    idea = make_idea(author, challenge)
    last = db.session.scalar(select(func.max(SearchJob.id)))
    assert last is not None
    search.apply_pending()
    assert db.session.scalar(select(func.count(SearchJob.id))) == 0
    submitting.edit_idea(author, idea, {"title": "Nieuwe titel", "description": "Tekst",
                                        "theme_id": None})
    db.session.commit()
    newest = db.session.scalar(select(func.max(SearchJob.id)))
    assert newest > last
