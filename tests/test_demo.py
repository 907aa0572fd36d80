"""The demo challenge loads once, idempotently, and tells how to log in as each role."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import func, select

from ideation.accounts.models import MembershipRole, User
from ideation.challenges.models import Challenge, PhaseKind, Theme
from ideation.challenges.phases import current_phase
from ideation.demo import SLUG
from ideation.extensions import db


def test_demo_loads_a_dutch_challenge_in_its_dream_phase_with_accounts_for_each_role(
        loaded_demo):

    challenge = db.session.scalar(select(Challenge).where(Challenge.slug == SLUG))
    assert challenge.is_published and challenge.language.value == "nl"
    assert current_phase(challenge).kind is PhaseKind.dream
    assert len(challenge.themes) >= 4
    for role in ("admin", "core_team", "stakeholder", "citizen"):
        assert role in loaded_demo
    core = db.session.scalar(select(User).where(User.email == "kernteam@example.org"))
    assert core.role_in(challenge) is MembershipRole.core_team
    assert "password:" in loaded_demo


def test_demo_passwords_work_and_live_in_the_instance_folder_only(loaded_demo, app, client):
    line = next(x for x in loaded_demo.splitlines() if "burger@example.org" in x)
    password = line.split("password:")[1].strip()
    credentials = Path(app.instance_path) / "demo-accounts.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600

    response = client.login("burger@example.org", password)
    assert response.status_code == 302


def test_loading_the_demo_twice_changes_nothing(loaded_demo, runner):
    counts = (db.session.scalar(select(func.count(Challenge.id))),
              db.session.scalar(select(func.count(User.id))),
              db.session.scalar(select(func.count(Theme.id))))
    first = runner.invoke(args=["demo"]).output
    again = (db.session.scalar(select(func.count(Challenge.id))),
             db.session.scalar(select(func.count(User.id))),
             db.session.scalar(select(func.count(Theme.id))))
    assert counts == again
    assert "kernteam@example.org" in first


def test_demo_if_empty_leaves_a_database_with_challenges_alone(runner, app):
    from tests.factories import make_challenge

    make_challenge(slug="eigen-uitdaging")
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert db.session.scalar(select(Challenge).where(Challenge.slug == SLUG)) is None


def test_the_demo_fills_every_queue_and_shows_every_state_of_ideas_rounds_and_concepts(
        loaded_demo):
    from ideation.concepts.models import Concept, ConceptScore
    from ideation.ideas.models import Idea, IdeaStatus
    from ideation.moderation.models import Report, ReportStatus
    from ideation.validation.models import Decision, Invitation, Round, RoundState

    ideas = db.session.scalars(select(Idea).join(Idea.challenge).where(Challenge.slug == SLUG)
                               ).all()
    # Drafts belong to people who have not confirmed their address yet: only they see them,
    # and every demo account is confirmed.
    statuses = {status: [i for i in ideas if i.status is status] for status in IdeaStatus
                if status is not IdeaStatus.draft}
    assert all(statuses.values()), {s.value: len(v) for s, v in statuses.items()}
    assert any(i.is_anonymous for i in statuses[IdeaStatus.pending])
    assert any(i.merged_into_id for i in ideas)
    citizen = db.session.scalar(select(User).where(User.email == "burger@example.org"))
    assert {i.status for i in ideas if i.author_id == citizen.id} >= {
        IdeaStatus.published, IdeaStatus.pending, IdeaStatus.withdrawn}
    reports = db.session.scalars(select(Report).where(Report.status == ReportStatus.open)).all()
    assert {bool(r.idea_id) for r in reports} == {True, False}  # an idea and a response

    rounds = db.session.scalars(select(Round)).all()
    assert {r.state for r in rounds} == set(RoundState)
    decided = set(db.session.scalars(select(Decision.round_id)))
    assert any(r.state is RoundState.closed and r.id not in decided for r in rounds)
    assert db.session.scalar(select(func.count(Invitation.id)).where(
        Invitation.email == "belanghebbende@example.org")) >= 1
    core = db.session.scalar(select(User).where(User.email == "kernteam@example.org"))
    scored = set(db.session.scalars(select(ConceptScore.concept_id).where(
        ConceptScore.user_id == core.id)))
    assert any(c.id not in scored for c in db.session.scalars(select(Concept)))


def test_every_tab_of_the_demo_moderation_queue_has_work_for_the_core_team(loaded_demo, client):
    line = next(x for x in loaded_demo.splitlines() if "kernteam@example.org" in x)
    client.login("kernteam@example.org", line.split("password:")[1].strip())
    for tab in ("pending", "reported", "hidden"):
        response = client.get(f"/c/{SLUG}/moderation?tab={tab}",
                              headers={"Accept-Language": "en"})
        assert response.status_code == 200, tab
        assert "Nothing here" not in response.get_data(as_text=True), tab
