"""Fixtures for notifications: ideas by several citizens, grown into a concept and a prototype.

The lineage is built with the models directly (cluster, concept, prototype), so these tests
depend on the notification rules only, not on the rules for making concepts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from ideation.concepts.models import Concept
from ideation.curation.models import Cluster, ClusterState
from ideation.extensions import babel, db
from ideation.ideas.models import Idea
from ideation.prototypes.models import Prototype, PrototypeKind
from tests.ideas.conftest import (  # noqa: F401 - fixtures used by the tests here
    author,
    challenge,
    english,
    make_idea,
    other,
    quick_user,
)


def grow(ideas: list[Idea], *, published: bool = True) -> tuple[Cluster, Concept, Prototype]:
    """Put ``ideas`` in one published cluster, with a concept and a prototype on top."""
    where = ideas[0].challenge
    cluster = Cluster(challenge=where, name="Eén plek voor hulp", is_published=True,
                      state=ClusterState.shortlisted)
    db.session.add(cluster)
    db.session.flush()
    for idea in ideas:
        idea.cluster_id = cluster.id
    concept = Concept(challenge=where, title="Het gezinsloket", dream_big="Alles samen.",
                      clusters=[cluster], is_published=published)
    prototype = Prototype(challenge=where, concept=concept, title="Loket op proef",
                          kind=PrototypeKind.service, is_published=published)
    db.session.add_all([concept, prototype])
    db.session.commit()
    return cluster, concept, prototype


@pytest.fixture
def dutch_catalogue(app, tmp_path: Path):
    """A Dutch translation of the notification texts, as the lead will add them, so the test
    can tell which language a text was written in."""
    catalogue = Catalog(locale="nl")
    catalogue.add(("Your idea is now part of a prototype",
                   "Your ideas are now part of a prototype"),
                  ("Je idee is nu onderdeel van een prototype",
                   "Je ideeën zijn nu onderdeel van een prototype"))
    catalogue.add(("Your idea %(ideas)s is now part of the prototype “%(object)s”.",
                   "Your ideas %(ideas)s are now part of the prototype “%(object)s”."),
                  ("Je idee %(ideas)s is nu onderdeel van het prototype “%(object)s”.",
                   "Je ideeën %(ideas)s zijn nu onderdeel van het prototype “%(object)s”."))
    folder = tmp_path / "translations" / "nl" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    directories = app.extensions["babel"].translation_directories
    directories.append(str(tmp_path / "translations"))
    babel.domain_instance.cache.clear()
    yield
    directories.pop()
    babel.domain_instance.cache.clear()
