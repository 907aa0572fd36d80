"""The gallery: visibility, sorting, filters, pagination, bounded queries; the photo route."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ideation.core.db import utcnow
from ideation.extensions import db
from ideation.ideas import reading, submitting
from ideation.ideas.models import Idea, IdeaImage, IdeaStatus
from ideation.moderation import services as moderation
from tests import factories
from tests.ideas.conftest import counted_queries, make_idea, quick_user


def add_ideas(challenge, author, count, **fields):
    """Many ideas at once, straight into the database (the service is tested elsewhere)."""
    now = utcnow()
    ideas = [Idea(challenge_id=challenge.id, author_id=author.id, title=f"Idee {n:03d}",
                  description="Tekst", created_dt=now - timedelta(minutes=count - n),
                  **fields) for n in range(count)]
    db.session.add_all(ideas)
    db.session.flush()
    for idea in ideas[::3]:
        db.session.add(IdeaImage(idea_id=idea.id, storage_key=f"{idea.id:032x}.jpg",
                                 width=10, height=10))
    db.session.commit()
    return ideas


def titles(page) -> list[str]:
    return [idea.title for idea in page.items]


def test_gallery_sorts_by_newest_support_and_responses(app, challenge, author):
    a, b, c = add_ideas(challenge, author, 3)
    a.support_count, b.comment_count = 5, 7
    db.session.commit()
    assert titles(reading.gallery(challenge, None)) == [c.title, b.title, a.title]
    assert titles(reading.gallery(challenge, None, sort="supported"))[0] == a.title
    assert titles(reading.gallery(challenge, None, sort="discussed"))[0] == b.title


def test_gallery_filters_by_theme(english, challenge, author):
    theme = challenge.themes[1]
    make_idea(author, challenge, title="Met thema", theme_id=theme.id)
    make_idea(author, challenge, title="Zonder thema")
    page = english.get(f"/c/{challenge.slug}/ideas?theme={theme.id}").get_data(as_text=True)
    assert "Met thema" in page and "Zonder thema" not in page


def test_only_the_core_team_filters_by_status(english, challenge, author, core):
    make_idea(author, challenge, title="Zichtbaar")
    hidden = make_idea(author, challenge, title="Verborgen idee")
    moderation.decide_on_idea(core, hidden, "hide", "Reden")
    db.session.commit()
    public = english.get(f"/c/{challenge.slug}/ideas?status=hidden").get_data(as_text=True)
    assert "Verborgen idee" not in public and 'name="status"' not in public
    english.login(core)
    team = english.get(f"/c/{challenge.slug}/ideas?status=hidden").get_data(as_text=True)
    assert "Verborgen idee" in team and "Zichtbaar" not in team
    assert "badge-hidden" in team


def test_withdrawn_ideas_are_left_out_of_the_gallery(app, challenge, author, core):
    idea = make_idea(author, challenge)
    submitting.withdraw_idea(author, idea)
    db.session.commit()
    for viewer in (None, author, core):
        assert reading.gallery(challenge, viewer).total == 0
    assert reading.gallery(challenge, core, status=IdeaStatus.withdrawn).total == 1


def test_gallery_pages_hold_24_ideas_with_next_and_prev_links(english, challenge, author):
    add_ideas(challenge, author, 50)
    first = english.get(f"/c/{challenge.slug}/ideas?sort=newest").get_data(as_text=True)
    assert first.count('class="idea-card"') == 24
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert "page=2" in first and "sort=newest" in first
    last = english.get(f"/c/{challenge.slug}/ideas?page=3").get_data(as_text=True)
    assert last.count('class="idea-card"') == 2
    assert 'rel="prev"' in last and 'rel="next"' not in last
    beyond = english.get(f"/c/{challenge.slug}/ideas?page=99").get_data(as_text=True)
    assert beyond.count('class="idea-card"') == 2  # the last page


def test_gallery_shows_the_submit_button_in_the_dream_phase_and_the_reason_after(
    english, app, author
):
    open_challenge = factories.make_challenge()
    page = english.get(f"/c/{open_challenge.slug}/ideas").get_data(as_text=True)
    assert "Send in your idea" in page
    closed = factories.make_challenge(phase=factories.PhaseKind.validate)
    page = english.get(f"/c/{closed.slug}/ideas").get_data(as_text=True)
    assert "Send in your idea" not in page and "Sending in ideas closed on" in page


@pytest.mark.parametrize("role", ["anonymous", "core_team"])
def test_gallery_of_300_ideas_runs_a_bounded_number_of_queries(client, challenge, author,
                                                               role):
    add_ideas(challenge, author, 300)
    viewer = None
    if role == "core_team":
        viewer = quick_user("core_team", challenge)
        client.login(viewer)
    url = f"/c/{challenge.slug}/ideas?sort=supported&page=2"
    client.get(url)  # warm up: the login and session loads are not what is measured
    with counted_queries() as request_statements:
        assert client.get(url).status_code == 200
    # user + roles, challenge + phases, themes, count, page, photos, and in the menu the
    # unread notifications, the core team's challenges and whether there are rounds to answer:
    # independent of the page
    assert len(request_statements) <= 10, request_statements

    for per_page in (24, 100, 300):
        db.session.expire_all()  # nothing from the previous round may be reused...
        _ = (challenge.is_published, viewer and viewer.memberships)  # ...except these
        with counted_queries() as statements:
            page = reading.gallery(challenge, viewer, sort="discussed", per_page=per_page)
            for idea in page.items:  # what a card touches
                _ = (idea.images, idea.theme, idea.author, idea.title)
        assert len(page.items) == per_page
        assert len(statements) <= 3, statements  # count, page (with theme, author), photos


def test_the_photo_route_serves_published_ideas_to_everyone(client, challenge, author):
    idea = make_idea(author, challenge, photos=1)
    key = idea.images[0].storage_key
    for variant in ("display", "thumb"):
        response = client.get(f"/media/ideas/{key}/{variant}")
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert "public" in response.headers["Cache-Control"]


def test_the_photo_route_refuses_photos_of_hidden_ideas_to_the_public(client, challenge,
                                                                      author, core):
    idea = make_idea(author, challenge, photos=1)
    key = idea.images[0].storage_key
    moderation.decide_on_idea(core, idea, "hide", "Herkenbaar kind op de foto")
    db.session.commit()
    assert client.get(f"/media/ideas/{key}/display").status_code == 404
    client.login(author)
    response = client.get(f"/media/ideas/{key}/display")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")


@pytest.mark.parametrize("key,variant", [
    ("../../bin/gpg", "display"),
    ("..%2F..%2Fsecret_key", "display"),
    ("0" * 32 + ".jpg", "original"),
    ("0" * 32 + ".jpg", "display"),  # well-formed, but no such photo
    ("0" * 32 + ".gif", "thumb"),
])
def test_the_photo_route_answers_404_for_bad_or_unknown_keys(client, key, variant):
    assert client.get(f"/media/ideas/{key}/{variant}").status_code == 404
