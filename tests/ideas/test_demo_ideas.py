"""The demo challenge gets realistic Dutch ideas, once."""

from __future__ import annotations

from sqlalchemy import func, select

from ideation.challenges.models import Challenge
from ideation.demo import SLUG
from ideation.extensions import db
from ideation.ideas.models import Comment, Idea, IdeaImage, IdeaStatus
from ideation.ideas.photos import image_store


def test_the_demo_adds_sixty_ideas_over_all_themes_with_photos_supports_and_comments(
        loaded_demo):
    ideas = db.session.scalars(
        select(Idea).join(Idea.challenge).where(Challenge.slug == SLUG)).all()
    assert len(ideas) >= 60
    challenge = ideas[0].challenge
    assert challenge.slug == SLUG
    # Ideas from the demo's live session have no theme (the core team groups them later).
    assert {idea.theme_id for idea in ideas if idea.source != "session"} == {
        theme.id for theme in challenge.themes}
    assert len({idea.author_id for idea in ideas}) >= 5
    assert any(idea.is_anonymous for idea in ideas)
    assert sum(idea.support_count for idea in ideas) > 0
    assert db.session.scalar(select(func.count(Comment.id))) > 0
    images = db.session.scalars(select(IdeaImage)).all()
    assert len(images) >= 5
    assert all(image_store().path_for(i.storage_key).is_file() for i in images)


def test_loading_the_demo_twice_adds_no_ideas(loaded_demo, runner):
    first = db.session.scalar(select(func.count(Idea.id)))
    runner.invoke(args=["demo"])
    assert db.session.scalar(select(func.count(Idea.id))) == first


def test_the_demo_gallery_and_an_idea_page_render(loaded_demo, client):
    assert client.get(f"/c/{SLUG}/ideas").status_code == 200
    idea = db.session.scalar(
        select(Idea).join(Idea.challenge)
        .where(Challenge.slug == SLUG, Idea.status == IdeaStatus.published,
               Idea.built_on_id.is_(None)).order_by(Idea.id))
    assert client.get(f"/c/{SLUG}/ideas/{idea.id}").status_code == 200
