"""Fixtures for the concept tests: a challenge in its realistic phase, its core team, and
shortlisted clusters with ideas."""

from __future__ import annotations

import pytest

from ideation.challenges.models import PhaseKind
from ideation.concepts import services
from ideation.concepts.models import ConceptState
from ideation.curation import services as curation
from ideation.curation.models import Cluster, ClusterState
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from tests import factories
from tests.ideas.conftest import quick_user


@pytest.fixture
def challenge(app):
    return factories.make_challenge(slug="scheiden", phase=PhaseKind.realistic)


@pytest.fixture
def core(challenge):
    return quick_user("core_team", challenge, name="Karin Kernteam")


@pytest.fixture
def colleague(challenge):
    return quick_user("core_team", challenge, name="Bram Bestuur")


def add_ideas(challenge, cluster, count, *, status=IdeaStatus.published, author=None,
              **data) -> list[Idea]:
    """Ideas straight in ``cluster`` (sending ideas in is only possible in the dream phase)."""
    author = author or quick_user()
    ideas = [Idea(challenge=challenge, author=author, title=f"{cluster.name} idee {n}",
                  description="Tekst.", status=status, cluster_id=cluster.id, **data)
             for n in range(count)]
    db.session.add_all(ideas)
    db.session.commit()
    return ideas


def make_cluster(actor, challenge, name, *, state=ClusterState.shortlisted, ideas=0,
                 published=False) -> Cluster:
    """A cluster with ``ideas`` published ideas, in ``state``, committed."""
    cluster = curation.create_cluster(actor, challenge, name)
    add_ideas(challenge, cluster, ideas)
    curation.set_state(actor, cluster, state)
    curation.set_published(actor, cluster, published)
    db.session.commit()
    return cluster


@pytest.fixture
def shortlisted(challenge, core):
    return make_cluster(core, challenge, "Eén loket", ideas=2)


def make_concept(actor, challenge, clusters, *, title="Eén plek voor ouders",
                 dream_big="Alle hulp in één keer.", realistic="", state=None,
                 published=False):
    """A concept through the services, moved step by step to ``state``, committed."""
    concept = services.create_concept(actor, challenge, title, dream_big, realistic,
                                      [c.id for c in clusters])
    road = [ConceptState.realistic, ConceptState.prototyping]
    if state is ConceptState.parked:
        services.change_state(actor, concept, state, "Even niet")
    elif state not in (None, ConceptState.draft):
        if not concept.realistic:
            concept.realistic = "De gemeente doet het, met de partners."
        for step in road[:road.index(state) + 1]:
            services.change_state(actor, concept, step, "Volgende stap")
    if published:
        services.set_published(actor, concept, True)
    db.session.commit()
    return concept


@pytest.fixture
def concept(challenge, core, shortlisted):
    return make_concept(core, challenge, [shortlisted])
