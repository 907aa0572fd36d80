"""Clusters: named groups of ideas with a summary, made by the core team.

An idea belongs to at most one cluster, so the link is a column on the idea
(``Idea.cluster_id``), not a join table. A merge keeps the absorbed cluster's row and points it
at the cluster it went into, so it can be undone.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import utcnow
from ideation.extensions import db

if TYPE_CHECKING:
    from ideation.challenges.models import Challenge


class ClusterState(enum.StrEnum):
    open = "open"
    shortlisted = "shortlisted"
    parked = "parked"


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
