"""Test data with sensible defaults; every argument can be overridden."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from ideation.accounts.models import MembershipRole, User
from ideation.accounts.services import create_user, set_membership
from ideation.challenges import services as challenge_services
from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.phases import today
from ideation.extensions import db

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(role: str = "citizen", *, challenge: Challenge | None = None,
              email: str | None = None, name: str | None = None,
              password: str = PASSWORD) -> User:
    """A user; role citizen, admin, core_team or stakeholder (the latter two of ``challenge``)."""
    n = next(_counter)
    user = create_user(email or f"{role}{n}@example.org", name or f"{role.title()} {n}",
                       password, is_admin=(role == "admin"))
    if role in ("core_team", "stakeholder"):
        assert challenge is not None, "core team and stakeholders belong to a challenge"
        set_membership(None, challenge, user, MembershipRole(role))
    db.session.commit()
    return user


def plan(current: PhaseKind | None = PhaseKind.dream, *, on: date | None = None,
         length: int = 10) -> dict[PhaseKind, tuple[date, date]]:
    """Phase dates such that ``current`` is running on ``on``; None plans all in the future."""
    on = on or today()
    kinds = list(PhaseKind)
    index = kinds.index(current) if current is not None else -1
    dates = {}
    for i, kind in enumerate(kinds):
        start = on + timedelta(days=(i - index) * length - (length // 2 if current else -1))
        dates[kind] = (start, start + timedelta(days=length - 1))
    return dates


def make_challenge(slug: str | None = None, *, published: bool = True,
                   phase: PhaseKind | None = PhaseKind.dream, language: str = "nl",
                   themes: tuple[str, ...] = ("Kinderen centraal", "Geld en wonen"),
                   planned: bool = True) -> Challenge:
    """A challenge with planned phases (``phase`` running today) and two themes."""
    n = next(_counter)
    challenge = challenge_services.create_challenge(None, {
        "slug": slug or f"uitdaging-{n}",
        "title": f"Uitdaging {n}",
        "question": "Hoe beperken we de schade voor kinderen bij een scheiding?",
        "description": "Een beschrijving.",
        "language": language,
        "is_published": published,
    })
    if planned:
        errors = challenge_services.set_phase_dates(None, challenge, plan(phase))
        assert not errors, errors
    for theme in themes:
        challenge_services.add_theme(None, challenge, theme)
    db.session.commit()
    return challenge
