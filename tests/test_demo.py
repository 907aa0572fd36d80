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


def test_demo_loads_a_dutch_challenge_in_its_dream_phase_with_accounts_for_each_role(runner, app):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output

    challenge = db.session.scalar(select(Challenge).where(Challenge.slug == SLUG))
    assert challenge.is_published and challenge.language.value == "nl"
    assert current_phase(challenge).kind is PhaseKind.dream
    assert len(challenge.themes) >= 4
    for role in ("admin", "core_team", "stakeholder", "citizen"):
        assert role in result.output
    core = db.session.scalar(select(User).where(User.email == "kernteam@example.org"))
    assert core.role_in(challenge) is MembershipRole.core_team
    assert "password:" in result.output


def test_demo_passwords_work_and_live_in_the_instance_folder_only(runner, app, client):
    output = runner.invoke(args=["demo"]).output
    line = next(x for x in output.splitlines() if "burger@example.org" in x)
    password = line.split("password:")[1].strip()
    credentials = Path(app.instance_path) / "demo-accounts.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600

    response = client.login("burger@example.org", password)
    assert response.status_code == 302


def test_loading_the_demo_twice_changes_nothing(runner, app):
    runner.invoke(args=["demo"])
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
