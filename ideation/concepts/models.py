"""Concepts and the core team's realism scores.

A concept grows from one or more clusters (many to many: a rich cluster may feed two
directions). Its lineage to the citizens' ideas runs through those clusters.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import str_enum, utcnow
from ideation.core.enums import LabelledEnum
from ideation.core.i18n import lazy_gettext as _l
from ideation.curation import models as _curation  # noqa: F401 - mapped by name below
from ideation.extensions import db

if TYPE_CHECKING:
    from ideation.accounts.models import User
    from ideation.challenges.models import Challenge
    from ideation.curation.models import Cluster


class ConceptState(LabelledEnum):
    draft = ("draft", _l("Draft"),
             _l("A first direction. The core team is still working it out."))
    realistic = ("realistic", _l("Realistic"),
                 _l("Made realistic: it says what can be done, by whom, with what."))
    prototyping = ("prototyping", _l("Prototyping"),
                   _l("Prototypes are being made from this concept."))
    parked = ("parked", _l("Parked"),
              _l("Put aside for now."))


concept_clusters = Table(
    "concept_clusters",
    db.metadata,
    Column("concept_id", ForeignKey("concepts.id", ondelete="CASCADE"), primary_key=True),
    Column("cluster_id", ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Concept(db.Model):
    __tablename__ = "concepts"
    __table_args__ = (Index("ix_concepts_challenge_state", "challenge_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(160))
    # The ambition without limits.
    dream_big: Mapped[str] = mapped_column(Text, default="")
    # What can be done, by whom, with what.
    realistic: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ConceptState] = mapped_column(str_enum(ConceptState),
                                                default=ConceptState.draft)
    # Published concepts have a public page and count in the public funnel.
    is_published: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    challenge: Mapped[Challenge] = relationship()
    created_by: Mapped[User | None] = relationship()
    clusters: Mapped[list[Cluster]] = relationship(secondary=concept_clusters,
                                                   order_by="Cluster.position")

    def __repr__(self) -> str:
        return f"<Concept {self.id} {self.title!r}>"


class ConceptCriterion(db.Model):
    """A criterion the challenge scores its concepts on (1-5, higher is better)."""

    __tablename__ = "concept_criteria"
    __table_args__ = (Index("ix_concept_criteria_challenge_position", "challenge_id",
                            "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    # What a 1 and a 5 mean, e.g. "1 = very expensive, 5 = almost free".
    help_text: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)

    challenge: Mapped[Challenge] = relationship()


class ConceptScore(db.Model):
    """One core-team member's score of one concept on one criterion."""

    __tablename__ = "concept_scores"
    __table_args__ = (
        UniqueConstraint("concept_id", "criterion_id", "user_id"),
        CheckConstraint("score >= 1 AND score <= 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("concept_criteria.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    score: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    criterion: Mapped[ConceptCriterion] = relationship()
    user: Mapped[User] = relationship()
