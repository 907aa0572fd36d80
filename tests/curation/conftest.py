"""Fixtures shared by the curation tests: a challenge in its dream phase and its core team."""

from __future__ import annotations

import pytest

from tests import factories
from tests.ideas.conftest import quick_user


@pytest.fixture
def challenge(app):
    return factories.make_challenge(slug="scheiden")


@pytest.fixture
def core(challenge):
    return quick_user("core_team", challenge)
