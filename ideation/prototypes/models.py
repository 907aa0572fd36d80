"""Prototypes, their versions and the images of each version.

A version is never edited into another: version 2 is a new row that says what changed since
version 1 and why, so every earlier version stays readable with its own text and images.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.concepts import models as _concepts  # noqa: F401 - mapped by name below
from ideation.core.db import str_enum, utcnow
from ideation.core.enums import LabelledEnum
from ideation.core.i18n import lazy_gettext as _l
from ideation.extensions import db

if TYPE_CHECKING:
    from ideation.accounts.models import User
    from ideation.challenges.models import Challenge
    from ideation.concepts.models import Concept


class PrototypeKind(LabelledEnum):
    service = "service", _l("A service")
    digital = "digital", _l("Something digital")
    policy = "policy", _l("A policy or procedure")  # policy or procedure
    physical = "physical", _l("Something physical")


class PrototypeState(LabelledEnum):
    testing = "testing", _l("Being tested")  # being built and tested
    # a validation round decided to adopt it: counts as validated
    adopted = "adopted", _l("Adopted")
    parked = "parked", _l("Parked")


class Prototype(db.Model):
    __tablename__ = "prototypes"
    __table_args__ = (Index("ix_prototypes_challenge_state", "challenge_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"),
                                            index=True)
    title: Mapped[str] = mapped_column(String(160))
    kind: Mapped[PrototypeKind] = mapped_column(str_enum(PrototypeKind))
    state: Mapped[PrototypeState] = mapped_column(str_enum(PrototypeState),
                                                  default=PrototypeState.testing)
    is_published: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    challenge: Mapped[Challenge] = relationship()
    concept: Mapped[Concept] = relationship()
    versions: Mapped[list[PrototypeVersion]] = relationship(
        back_populates="prototype", cascade="all, delete-orphan",
        order_by="PrototypeVersion.number", foreign_keys="PrototypeVersion.prototype_id",
    )

    @property
    def latest(self) -> PrototypeVersion | None:
        return self.versions[-1] if self.versions else None

    def __repr__(self) -> str:
        return f"<Prototype {self.id} {self.title!r}>"


class PrototypeVersion(db.Model):
    __tablename__ = "prototype_versions"
    __table_args__ = (UniqueConstraint("prototype_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id", ondelete="CASCADE"))
    number: Mapped[int]
    # What a tester will see or do.
    description: Mapped[str] = mapped_column(Text)
    # From version 2 on: what changed since the previous version, and why (which feedback).
    changes: Mapped[str] = mapped_column(Text, default="")
    change_reason: Mapped[str] = mapped_column(Text, default="")
    # The validation round whose "iterate" decision led to this version, if any.
    based_on_round_id: Mapped[int | None] = mapped_column(
        ForeignKey("validation_rounds.id", ondelete="SET NULL", use_alter=True))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    prototype: Mapped[Prototype] = relationship(back_populates="versions",
                                                foreign_keys=[prototype_id])
    created_by: Mapped[User | None] = relationship()
    images: Mapped[list[PrototypeImage]] = relationship(
        back_populates="version", cascade="all, delete-orphan",
        order_by="PrototypeImage.position",
    )


class PrototypeImage(db.Model):
    __tablename__ = "prototype_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("prototype_versions.id", ondelete="CASCADE"), index=True)
    # The ImageStore key; files live in the instance folder, like idea photos. Not unique: a
    # new version that keeps an image points at the same files as the version before.
    storage_key: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    alt_text: Mapped[str | None] = mapped_column(String(300))

    version: Mapped[PrototypeVersion] = relationship(back_populates="images")
