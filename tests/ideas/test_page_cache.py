"""Shared page parts for anonymous visitors: the same for all of them, gone after every write."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from ideation.core import cache
from ideation.extensions import db
from ideation.ideas import reading
from ideation.ideas.models import Idea
from ideation.moderation import services as moderation
from ideation.search import services as search
from tests.conftest import CSRF_PATTERN, make_test_app
from tests.ideas.conftest import counted_queries, make_idea


def csrf_token(page: str) -> str:
    match = CSRF_PATTERN.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def test_anonymous_visitors_share_the_idea_page_but_each_gets_their_own_csrf_token(
        app, challenge, author):
    idea = make_idea(author, challenge, title="Eén loket")
    url = f"/c/{challenge.slug}/ideas/{idea.id}"
    first = app.test_client().get(url).get_data(as_text=True)
    second = app.test_client().get(url).get_data(as_text=True)
    assert "Eén loket" in first and "Eén loket" in second
    assert csrf_token(first) != csrf_token(second)  # the language switch in the menu


@pytest.mark.parametrize("page", ["gallery", "idea"])
def test_a_cached_page_for_anonymous_visitors_runs_no_query(client, challenge, author, page):
    idea = make_idea(author, challenge)
    url = f"/c/{challenge.slug}/ideas" + (f"/{idea.id}" if page == "idea" else "")
    client.get(url)
    with counted_queries() as statements:
        assert client.get(url).status_code == 200
    assert statements == []


def test_a_new_idea_is_counted_and_listed_at_once(english, challenge, author):
    make_idea(author, challenge, title="Eerste idee")
    page = english.get(f"/c/{challenge.slug}/ideas").get_data(as_text=True)
    assert "1 idea" in page and "Tweede idee" not in page
    make_idea(author, challenge, title="Tweede idee")
    page = english.get(f"/c/{challenge.slug}/ideas").get_data(as_text=True)
    assert "2 ideas" in page and "Tweede idee" in page
    assert reading.count_published(challenge) == 2


def test_a_hidden_idea_disappears_from_the_cached_pages(english, challenge, author, core):
    idea = make_idea(author, challenge, title="Reclame voor een winkel")
    assert english.get(f"/c/{challenge.slug}/ideas/{idea.id}").status_code == 200
    assert "Reclame voor een winkel" in english.get(f"/c/{challenge.slug}/ideas").text
    moderation.decide_on_idea(core, idea, "hide", "Reclame")
    db.session.commit()
    assert english.get(f"/c/{challenge.slug}/ideas/{idea.id}").status_code == 404
    page = english.get(f"/c/{challenge.slug}/ideas").get_data(as_text=True)
    assert "Reclame voor een winkel" not in page and "0 ideas" in page


def test_a_change_made_by_another_worker_is_seen_at_the_next_request(
        english, app, database, tmp_path, challenge, author):
    idea = make_idea(author, challenge, title="Oude titel")
    url = f"/c/{challenge.slug}/ideas/{idea.id}"
    assert "Oude titel" in english.get(url).text
    other_worker = make_test_app(database, tmp_path)  # same database and instance folder
    with other_worker.app_context():
        db.session.get(Idea, idea.id).title = "Nieuwe titel"
        db.session.commit()
        db.session.remove()
    db.session.expire_all()  # a real request starts with an empty session
    page = english.get(url).get_data(as_text=True)
    assert "Nieuwe titel" in page and "Oude titel" not in page


def test_logged_in_people_never_get_or_leave_shared_parts(english, challenge, author):
    idea = make_idea(author, challenge)
    url = f"/c/{challenge.slug}/ideas/{idea.id}"
    anonymous = english.application.test_client()
    anonymous.set_cookie("lang", "en")
    assert "Log in to support this idea" in anonymous.get(url).text  # now cached
    english.login(author)
    page = english.get(url).get_data(as_text=True)
    assert "Withdraw your idea" in page and "Log in to support this idea" not in page
    page = anonymous.get(url).get_data(as_text=True)
    assert "Withdraw your idea" not in page and "Log in to support this idea" in page


def test_each_language_has_its_own_cached_gallery(client, challenge, author):
    make_idea(author, challenge)
    make_idea(author, challenge, title="Nog een idee")
    english = client.get(f"/c/{challenge.slug}/ideas", headers={"Accept-Language": "en"}).text
    dutch = client.get(f"/c/{challenge.slug}/ideas", headers={"Accept-Language": "nl"}).text
    assert "2 ideas" in english and "2 ideas" not in dutch
    assert "2 ideeën" in dutch


def test_the_search_results_are_not_cached(english, challenge, author):
    url = f"/c/{challenge.slug}/ideas?q=loket"
    first = make_idea(author, challenge, title="Een loket voor hulp", description="Alles hier.")
    search.apply_pending()  # the index follows the database after the commit
    assert f"/ideas/{first.id}" in english.get(url).text
    second = make_idea(author, challenge, title="Tweede loket", description="Nog een.")
    search.apply_pending()
    page = english.get(url).get_data(as_text=True)
    assert f"/ideas/{second.id}" in page and "2 ideas found" in page


# --- the cache itself ------------------------------------------------------------------------


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)
    return calls, compute


def test_a_cached_value_is_computed_again_only_after_a_commit_that_wrote(app, challenge, author):
    calls, compute = counter()
    assert cache.cached("key", compute) == 1
    assert cache.cached("key", compute) == 1
    db.session.commit()  # nothing written
    assert cache.cached("key", compute) == 1
    make_idea(author, challenge)
    assert cache.cached("key", compute) == 2


def test_a_savepoint_does_not_drop_the_cache_before_the_transaction_commits(app, challenge):
    calls, compute = counter()
    cache.cached("key", compute)
    with db.session.begin_nested():
        challenge.title = "Andere titel"
    assert cache.cached("key", compute) == 1  # not yet committed: others still see the old
    db.session.commit()
    assert cache.cached("key", compute) == 2


def test_a_statement_that_writes_without_the_orm_drops_the_cache(app, challenge):
    calls, compute = counter()
    cache.cached("key", compute)
    db.session.execute(Idea.__table__.update().where(Idea.challenge_id == challenge.id)
                       .values(title="x"))
    db.session.commit()
    assert cache.cached("key", compute) == 2


def test_bookkeeping_no_page_shows_keeps_the_cache(app, challenge):
    """A mail backlog being sent must not empty every process's cache on each message."""
    from sqlalchemy import update

    from ideation.core.mail import queue_mail
    from ideation.core.models import OutgoingMail

    calls, compute = counter()
    cache.cached("key", compute)
    queue_mail("eva@example.org", "Onderwerp", "Tekst")
    db.session.commit()
    db.session.execute(update(OutgoingMail).values(attempts=OutgoingMail.attempts + 1))
    db.session.commit()
    assert cache.cached("key", compute) == 1
    challenge.title = "Andere titel"  # with a change people see, in the same commit
    queue_mail("bram@example.org", "Onderwerp", "Tekst")
    db.session.commit()
    assert cache.cached("key", compute) == 2


def test_the_cache_forgets_the_least_recently_used_and_old_entries():
    store = cache.VersionedCache(max_entries=2, max_age=60)
    store.put("a", "v1", 1)
    store.put("b", "v1", 2)
    store.get("a", "v1")
    store.put("c", "v1", 3)
    assert store.get("a", "v1") == (True, 1) and store.get("b", "v1") == (False, None)
    assert store.get("a", "v2") == (False, None)
    expired = cache.VersionedCache(max_age=-1)
    expired.put("a", "v1", 1)
    assert expired.get("a", "v1") == (False, None)


def test_shared_parts_with_a_csrf_token_are_refused(app):
    with app.test_request_context(), pytest.raises(RuntimeError, match="CSRF"):
        cache.cached_html("form", lambda: {
            "content": Markup('<input name="csrf_token" value="abc">')})
