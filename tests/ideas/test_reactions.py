"""Supports, comments and replies, withdrawing, moderation history and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import PhaseClosed
from ideation.challenges.services import ChallengeError, remove_theme
from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied
from ideation.extensions import db
from ideation.ideas import commenting, reading, submitting, supporting, visibility
from ideation.ideas.errors import IdeaError
from ideation.ideas.models import Comment, IdeaStatus, Support
from ideation.moderation import services as moderation
from tests import factories
from tests.ideas.conftest import make_idea, quick_user


def supports() -> int:
    return db.session.scalar(select(func.count(Support.id)))


def test_a_person_supports_an_idea_once_and_can_undo_it(english, challenge, author, other):
    idea = make_idea(author, challenge)
    url = f"/c/{challenge.slug}/ideas/{idea.id}"
    english.login(other)
    assert english.post_form(f"{url}/support").status_code == 302
    db.session.refresh(idea)
    assert idea.support_count == 1 and supports() == 1
    assert "You support this idea (undo)" in english.get(url).get_data(as_text=True)

    assert supporting.support(other, idea) is False  # a second time counts nothing
    db.session.refresh(idea)
    assert idea.support_count == 1 and supports() == 1

    english.post_form(f"{url}/support")
    db.session.refresh(idea)
    assert idea.support_count == 0 and supports() == 0


def test_supporting_your_own_idea_is_allowed(app, challenge, author):
    idea = make_idea(author, challenge)
    assert supporting.support(author, idea) is True
    db.session.commit()
    assert idea.support_count == 1


def test_supporting_is_refused_after_its_phases_with_the_reason(english, app, author, other):
    late = factories.make_challenge(phase=PhaseKind.prototype)
    idea = make_idea(author, factories.make_challenge())
    idea.challenge = late
    db.session.commit()
    english.login(other)
    response = english.post_form(f"/c/{late.slug}/ideas/{idea.id}/support",
                                 follow_redirects=True)
    assert "Supporting ideas closed on" in response.get_data(as_text=True)
    assert supports() == 0


def test_comments_and_replies_thread_one_level_deep(english, challenge, author, other):
    idea = make_idea(author, challenge)
    url = f"/c/{challenge.slug}/ideas/{idea.id}"
    english.login(other)
    english.post_form(f"{url}/comments", {"body": "Goed plan"})
    top = db.session.scalar(select(Comment))
    english.post_form(f"{url}/comments", {"body": "Eens!", "parent_id": str(top.id)})
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == top.id))
    english.post_form(f"{url}/comments", {"body": "Reactie op reactie",
                                          "parent_id": str(reply.id)})
    deep = db.session.scalar(select(Comment).where(Comment.body == "Reactie op reactie"))
    assert deep.parent_id == top.id  # attached to the top comment, not to the reply
    db.session.refresh(idea)
    assert idea.comment_count == 3
    threads = commenting.comment_threads(other, idea)
    assert len(threads) == 1 and [r.body for r in threads[0].replies] == ["Eens!",
                                                                          "Reactie op reactie"]
    page = english.get(url).get_data(as_text=True)
    assert page.index("Goed plan") < page.index("Eens!") < page.index("Reactie op reactie")


def test_an_empty_comment_is_refused(english, challenge, author):
    idea = make_idea(author, challenge)
    english.login(author)
    response = english.post_form(f"/c/{challenge.slug}/ideas/{idea.id}/comments", {"body": " "},
                                 follow_redirects=True)
    assert "Write a response first." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_a_comment_can_be_edited_by_its_author_for_fifteen_minutes(english, challenge, author,
                                                                  other):
    idea = make_idea(author, challenge)
    item = commenting.comment(other, idea, "Eerste versie")
    db.session.commit()
    url = f"/c/{challenge.slug}/ideas/{idea.id}/comments/{item.id}/edit"
    english.login(other)
    assert english.post_form(url, {"body": "Tweede versie"}).status_code == 302
    db.session.refresh(item)
    assert item.body == "Tweede versie" and item.edited_dt is not None

    item.created_dt = item.created_dt - timedelta(minutes=16)
    db.session.commit()
    response = english.post_form(url, {"body": "Te laat"})
    assert response.status_code == 422
    assert "only in the first 15 minutes" in response.get_data(as_text=True)
    db.session.refresh(item)
    assert item.body == "Tweede versie"


def test_someone_else_cannot_edit_a_comment(app, challenge, author, other):
    idea = make_idea(author, challenge)
    item = commenting.comment(other, idea, "Van mij")
    with pytest.raises(PermissionDenied):
        commenting.edit_comment(author, item, "Van jou")


def test_the_author_withdraws_an_idea_even_after_the_dream_phase(english, challenge, author):
    idea = make_idea(author, challenge)
    factories.challenge_services.set_phase_dates(None, challenge,
                                                 factories.plan(PhaseKind.validate))
    db.session.commit()
    english.login(author)
    response = english.post_form(f"/c/{challenge.slug}/ideas/{idea.id}/withdraw")
    assert response.status_code == 302
    db.session.refresh(idea)
    assert idea.status is IdeaStatus.withdrawn
    english.logout()
    assert english.get(f"/c/{challenge.slug}/ideas/{idea.id}").status_code == 404


def test_editing_is_only_possible_while_the_dream_phase_is_open(english, challenge, author):
    idea = make_idea(author, challenge)
    english.login(author)
    url = f"/c/{challenge.slug}/ideas/{idea.id}/edit"
    data = {"title": "Nieuwe titel", "description": "Nieuwe tekst", "theme_id": ""}
    assert english.post_form(url, data).status_code == 302
    db.session.refresh(idea)
    assert idea.title == "Nieuwe titel"
    factories.challenge_services.set_phase_dates(None, challenge,
                                                 factories.plan(PhaseKind.realistic))
    db.session.commit()
    response = english.post_form(url, {**data, "title": "Te laat"})
    assert response.status_code == 409
    assert "Changing ideas closed on" in response.get_data(as_text=True)
    db.session.refresh(idea)
    assert idea.title == "Nieuwe titel"


def test_each_state_change_of_an_idea_writes_an_audit_event(app, challenge, author, core):
    visibility.update_settings(None, challenge, is_premoderated=True, allows_anonymous=True)
    idea = make_idea(author, challenge)
    moderation.decide_on_idea(core, idea, "publish")
    submitting.edit_idea(author, idea, {"title": "Anders", "description": "Nieuw"})
    moderation.decide_on_idea(core, idea, "hide", "Bevat een naam van een kind")
    submitting.withdraw_idea(author, idea)
    db.session.commit()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "ideas")
        .order_by(AuditEvent.id)).all()
    assert [(e.action, e.old_state, e.new_state) for e in events] == [
        ("idea.submitted", None, "pending"),
        ("idea.published", "pending", "published"),
        ("idea.edited", "published", "pending"),  # pre-moderated: an edit is checked again
        ("idea.hidden", "pending", "hidden"),
        ("idea.withdrawn", "hidden", "withdrawn"),
    ]
    assert all(e.challenge_id == challenge.id and e.object_id == idea.id for e in events)
    assert events[3].reason == "Bevat een naam van een kind"
    assert events[3].actor_id == core.id


def test_hiding_needs_a_reason(app, challenge, author, core):
    idea = make_idea(author, challenge)
    with pytest.raises(IdeaError):
        moderation.decide_on_idea(core, idea, "hide", "")


def test_my_ideas_shows_each_idea_with_its_status_and_history(english, challenge, author, core):
    kept = make_idea(author, challenge, title="Blijft staan")
    hidden = make_idea(author, challenge, title="Wordt verborgen")
    make_idea(quick_user(), challenge, title="Van iemand anders")
    moderation.decide_on_idea(core, hidden, "hide", "Dubbel met een ander idee")
    db.session.commit()
    english.login(author)
    page = english.get("/my/ideas").get_data(as_text=True)
    assert "Blijft staan" in page and "Wordt verborgen" in page
    assert "Van iemand anders" not in page
    assert "Hidden by the core team" in page and "Dubbel met een ander idee" in page
    assert "Sent in and published" in page
    items = reading.my_ideas(author)
    assert [item.idea.id for item in items] == [hidden.id, kept.id]
    assert [e.action for e in items[0].history] == ["idea.submitted", "idea.hidden"]


def test_my_ideas_loads_the_history_of_all_ideas_in_one_query(app, challenge, author):
    from tests.ideas.conftest import counted_queries

    for n in range(5):
        make_idea(author, challenge, title=f"Idee {n}")
    db.session.refresh(author)
    with counted_queries() as statements:
        reading.my_ideas(author)
    # ideas (with challenge and theme), the phases, all events (with actor), actors' roles
    assert len(statements) <= 4


def test_a_theme_used_by_ideas_cannot_be_removed(app, challenge, author, core):
    theme = challenge.themes[0]
    make_idea(author, challenge, theme_id=theme.id)
    with pytest.raises(ChallengeError, match="ideeën gebruiken het"):
        remove_theme(core, theme)  # outside a request the message is in the default language


def test_the_progress_funnel_counts_published_ideas(client, challenge, author):
    make_idea(author, challenge)
    hidden = make_idea(author, challenge)
    hidden.status = IdeaStatus.hidden
    db.session.commit()
    from ideation.challenges.services import progress_funnel

    stages = {stage.key: stage.count for stage in progress_funnel(challenge)}
    assert stages["ideas"] == 1


def test_phase_closed_on_support_from_the_service(app, author):
    late = factories.make_challenge(phase=PhaseKind.agenda)
    idea = make_idea(author, factories.make_challenge())
    idea.challenge = late
    with pytest.raises(PhaseClosed):
        supporting.support(author, idea)
