"""Fixtures for moderation: the ideas feature's people and challenge, plus reports in bulk."""

# The ideas fixtures are imported to be shared; pytest injects them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from ideation.accounts.models import User
from ideation.extensions import db
from ideation.ideas import commenting
from ideation.ideas.models import Comment, Idea
from ideation.moderation.models import Report
from tests.ideas.conftest import (  # noqa: F401 - shared fixtures
    author,
    challenge,
    core,
    english,
    make_idea,
    quick_user,
)


@pytest.fixture
def reporter(app) -> User:
    return quick_user("citizen", name="Rick Melder")


@pytest.fixture
def idea(author, challenge) -> Idea:
    return make_idea(author, challenge, title="Een helder idee")


@pytest.fixture
def comment(author, idea) -> Comment:
    item = commenting.comment(author, idea, "Een scherpe reactie")
    db.session.commit()
    return item


def add_reports(item: Idea | Comment, reporters: list[User], reason: str = "Niet netjes") -> None:
    """Open reports straight into the database (the service is tested on its own)."""
    challenge_id = item.challenge_id if isinstance(item, Idea) else item.idea.challenge_id
    for person in reporters:
        db.session.add(Report(
            challenge_id=challenge_id, reporter_id=person.id, reason=f"{reason} ({person.name})",
            idea_id=item.id if isinstance(item, Idea) else None,
            comment_id=item.id if isinstance(item, Comment) else None,
        ))
    db.session.commit()
