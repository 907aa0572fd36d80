"""Fixtures for the prototype tests: a challenge in its prototype phase, its core team, a
concept in state prototyping grown from clusters of ideas, and uploads.

Ideas, clusters and concepts are built directly with the models: the ideas phase is over in
these challenges, and the tests of this feature should not depend on the concept services.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from ideation.accounts.models import User
from ideation.challenges.models import Challenge, PhaseKind
from ideation.concepts.models import Concept, ConceptState
from ideation.curation.models import Cluster, ClusterState
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.prototypes import services
from ideation.prototypes.models import Prototype, PrototypeKind, PrototypeVersion
from ideation.prototypes.services import ImageUpload
from tests import factories
from tests.ideas.conftest import jpeg_bytes, photo, quick_user


@pytest.fixture
def challenge(app) -> Challenge:
    """A published Dutch challenge in its prototype phase."""
    return factories.make_challenge(slug="scheiden", phase=PhaseKind.prototype)


@pytest.fixture
def core(challenge) -> User:
    return quick_user("core_team", challenge, name="Karin Kernteam")


def add_cluster(challenge: Challenge, name: str, *, published: bool = True,
                state: ClusterState = ClusterState.shortlisted) -> Cluster:
    cluster = Cluster(challenge=challenge, name=name, summary="", state=state,
                      is_published=published, position=0)
    db.session.add(cluster)
    db.session.commit()
    return cluster


def add_ideas(challenge: Challenge, cluster: Cluster | None, titles: Iterable[str], *,
              author: User | None = None, status: IdeaStatus = IdeaStatus.published,
              anonymous: bool = False) -> list[Idea]:
    author = author or quick_user(name="Burger Bas")
    ideas = [Idea(challenge=challenge, author=author, title=title, description="Uitleg.",
                  status=status, is_anonymous=anonymous,
                  cluster_id=cluster.id if cluster else None) for title in titles]
    db.session.add_all(ideas)
    db.session.commit()
    return ideas


def add_concept(challenge: Challenge, clusters: Iterable[Cluster], *,
                state: ConceptState = ConceptState.prototyping, published: bool = True,
                title: str = "Eén loket") -> Concept:
    concept = Concept(challenge=challenge, title=title, dream_big="Alles op één plek.",
                      realistic="De gemeente begint met een proef.", state=state,
                      is_published=published, clusters=list(clusters))
    db.session.add(concept)
    db.session.commit()
    return concept


@pytest.fixture
def concept(challenge) -> Concept:
    """A published concept in state prototyping, from one published cluster with 2 ideas."""
    cluster = add_cluster(challenge, "Hulp op één plek")
    add_ideas(challenge, cluster, ["Eén loket voor alle hulp", "Een vaste contactpersoon"])
    return add_concept(challenge, [cluster])


def upload(data: bytes | None = None, name: str = "schets.jpg", alt: str = "") -> ImageUpload:
    return ImageUpload(photo(data if data is not None else jpeg_bytes(), name), alt)


def make_prototype(core: User, concept: Concept, *, images: int = 0,
                   title: str = "Proef met het loket", publish: bool = False) -> Prototype:
    """A prototype with version 1 made through the service, committed."""
    prototype = services.create_prototype(
        core, concept, title, PrototypeKind.service, "Je loopt binnen en meldt je bij de balie.",
        [upload(alt=f"Schets {n}") for n in range(1, images + 1)])
    if publish:
        services.publish(core, prototype)
    db.session.commit()
    return prototype


@pytest.fixture
def prototype(core, concept) -> Prototype:
    """An unpublished prototype with version 1 and two images."""
    return make_prototype(core, concept, images=2)


def file_field(data: bytes | None = None, name: str = "schets.jpg") -> tuple[io.BytesIO, str]:
    """A value for a file input in ``client.post_form(..., content_type=multipart)``."""
    return io.BytesIO(data if data is not None else jpeg_bytes()), name


def stored_files(app: Flask) -> list[Path]:
    root = Path(app.instance_path) / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def version_count() -> int:
    return count(PrototypeVersion)


def is_checked(page: str, name: str, value: object) -> bool:
    """Whether the page has the radio button or checkbox ``name`` = ``value`` ticked."""
    return any(f'name="{name}"' in tag and f'value="{value}"' in tag and " checked" in tag
               for tag in re.findall(r"<input[^>]*>", page))
