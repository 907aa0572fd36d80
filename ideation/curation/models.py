"""Clusters: named groups of ideas with a summary, made by the core team; and the stored
proposals of suggested groups the core team reviews before they become clusters.

An idea belongs to at most one cluster, so the link is a column on the idea
(``Idea.cluster_id``), not a join table. A merge keeps the absorbed cluster's row and points it
at the cluster it went into, so it can be undone.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import utcnow
from ideation.core.enums import LabelledEnum
from ideation.core.i18n import lazy_gettext as _l
from ideation.extensions import db
from ideation.jobs import models as _jobs  # noqa: F401 - the jobs table a proposal points at

if TYPE_CHECKING:
    from ideation.accounts.models import User
    from ideation.challenges.models import Challenge


class ClusterState(LabelledEnum):
    open = "open", _l("Open")
    shortlisted = "shortlisted", _l("Shortlisted")
    parked = "parked", _l("Parked")


class Cluster(db.Model):
    __tablename__ = "clusters"
    __table_args__ = (Index("ix_clusters_challenge_position", "challenge_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ClusterState] = mapped_column(
        Enum(ClusterState, native_enum=False, length=20, validate_strings=True),
        default=ClusterState.open,
    )
    is_published: Mapped[bool] = mapped_column(default=False)
    # Set while the cluster is merged into another; cleared again by an unmerge.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("clusters.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(default=0)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    challenge: Mapped[Challenge] = relationship()
    merged_into: Mapped[Cluster | None] = relationship(remote_side=[id])

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def __repr__(self) -> str:
        return f"<Cluster {self.id} {self.name!r}>"


class ProposalState(enum.StrEnum):
    computing = "computing"  # a background job is still working on it
    open = "open"  # ready for review; groups are accepted or discarded one by one or at once
    failed = "failed"  # the computation stopped; the job says why
    closed = "closed"  # every group is decided, or the core team discarded the rest


class GroupState(enum.StrEnum):
    open = "open"
    accepted = "accepted"
    discarded = "discarded"


class SuggestionProposal(db.Model):
    """One stored run of cluster suggestions: who asked, when, with which parameters, and
    which ideas it saw. It stays until its groups are accepted or discarded."""

    __tablename__ = "suggestion_proposals"
    __table_args__ = (Index("ix_suggestion_proposals_challenge_state", "challenge_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[ProposalState] = mapped_column(
        Enum(ProposalState, native_enum=False, length=20, validate_strings=True),
        default=ProposalState.computing,
    )
    # {"k": None or the number asked for, "method": ..., "seed": ..., "language": ...}
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The ids of the unclustered ideas the run saw, in the order it saw them.
    idea_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))

    challenge: Mapped[Challenge] = relationship()
    requested_by: Mapped[User | None] = relationship()
    groups: Mapped[list[SuggestedGroup]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan",
        order_by="SuggestedGroup.position")

    def __repr__(self) -> str:
        return f"<SuggestionProposal {self.id} {self.state}>"


class SuggestedGroup(db.Model):
    """A theme (``parent_id`` None) or one of its sub-groups. Ideas belong to the leaves: a
    theme with sub-groups holds its ideas through them."""

    __tablename__ = "suggested_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("suggestion_proposals.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggested_groups.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    typical_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Mean cosine of the members to their centre (1.0: all alike).
    tightness: Mapped[float] = mapped_column(default=0.0)
    state: Mapped[GroupState] = mapped_column(
        Enum(GroupState, native_enum=False, length=20, validate_strings=True),
        default=GroupState.open,
    )
    # The cluster an accepted group became.
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="SET NULL"))

    proposal: Mapped[SuggestionProposal] = relationship(back_populates="groups")
    parent: Mapped[SuggestedGroup | None] = relationship(remote_side=[id],
                                                         back_populates="children")
    children: Mapped[list[SuggestedGroup]] = relationship(
        back_populates="parent", order_by="SuggestedGroup.position")

    @property
    def is_theme(self) -> bool:
        return self.parent_id is None

    def __repr__(self) -> str:
        return f"<SuggestedGroup {self.id} {self.name!r}>"


class SuggestedMember(db.Model):
    """An idea in a suggested (leaf) group; a rejected idea stays listed as rejected."""

    __tablename__ = "suggested_members"
    __table_args__ = (Index("ix_suggested_members_proposal_idea", "proposal_id", "idea_id",
                            unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("suggestion_proposals.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(
        ForeignKey("suggested_groups.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    # Closeness to the group's centre: members are listed most typical first.
    score: Mapped[float] = mapped_column(default=0.0)
    is_rejected: Mapped[bool] = mapped_column(default=False)
