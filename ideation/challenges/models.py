"""A challenge: one question, one timeline of phases, one core team."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import str_enum, utcnow
from ideation.core.enums import LabelledEnum
from ideation.core.i18n import lazy_gettext as _l
from ideation.extensions import db

if TYPE_CHECKING:
    from ideation.accounts.models import Membership


class Language(enum.StrEnum):
    nl = "nl"
    en = "en"


class PhaseKind(LabelledEnum):
    """The dated steps of a challenge, in order. ``closed`` is what follows the last one."""

    dream = ("dream", _l("Dream big"),
             _l("Everyone sends in ideas, supports them and responds."))
    realistic = ("realistic", _l("Make it realistic"),
                 _l("The core team groups the ideas and turns them into concepts."))
    prototype = ("prototype", _l("Prototypes"),
                 _l("The best concepts become something you can try."))
    validate = ("validate", _l("Testing"),
                _l("Stakeholders test the prototypes and give feedback."))
    agenda = ("agenda", _l("Agenda for Action"),
              _l("The results come together in an Agenda for Action."))


class AuthorDisplay(LabelledEnum):
    """How the public sees who wrote an idea or response (``challenges/authors.py``)."""

    full_name = "full_name", _l("Full name (for example: Eva de Vries)")
    # first name and the initial of the last name: "Eva V."
    first_name = "first_name", _l("First name and initial (for example: Eva V.)")
    # a name the person chose for themselves
    pseudonym = "pseudonym", _l("A name the participant chooses")
    no_names = "no_names", _l("No names")


_enum = str_enum


class Challenge(db.Model):
    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[Language] = mapped_column(_enum(Language, 5), default=Language.nl)
    # Unpublished challenges are seen only by their core team and admins.
    is_published: Mapped[bool] = mapped_column(default=False)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The picture on the start page's card, uploaded by the core team: an ImageStore key
    # (ideation/media/storage.py), its size and its text alternative, which is required.
    image_key: Mapped[str | None] = mapped_column(String(40))
    image_alt: Mapped[str | None] = mapped_column(String(300))
    image_width: Mapped[int | None]
    image_height: Mapped[int | None]
    author_display: Mapped[AuthorDisplay] = mapped_column(
        _enum(AuthorDisplay), default=AuthorDisplay.full_name,
        server_default=AuthorDisplay.full_name.value)
    # Set when an admin anonymised the closed challenge: the content stays, every link to a
    # person is gone.
    anonymised_dt: Mapped[datetime | None]
    # The licence of the open-data download and the API (``reports/open_data.py``).
    licence: Mapped[str] = mapped_column(String(100), default="CC BY 4.0",
                                         server_default="CC BY 4.0")

    phases: Mapped[list[Phase]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", lazy="selectin",
        order_by="Phase.position",
    )
    themes: Mapped[list[Theme]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by="Theme.position",
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan"
    )

    def phase(self, kind: PhaseKind) -> Phase:
        for phase in self.phases:
            if phase.kind is kind:
                return phase
        raise LookupError(kind)

    def __repr__(self) -> str:
        return f"<Challenge {self.slug}>"


class Phase(db.Model):
    __tablename__ = "phases"
    __table_args__ = (
        UniqueConstraint("challenge_id", "kind"),
        CheckConstraint("starts_on IS NULL OR ends_on IS NULL OR starts_on <= ends_on",
                        name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    kind: Mapped[PhaseKind] = mapped_column(_enum(PhaseKind))
    position: Mapped[int]
    # Dates are inclusive and read in the platform's time zone; empty until the team plans them.
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]

    challenge: Mapped[Challenge] = relationship(back_populates="phases")

    @property
    def is_scheduled(self) -> bool:
        return self.starts_on is not None and self.ends_on is not None


class Theme(db.Model):
    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("challenge_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    challenge: Mapped[Challenge] = relationship(back_populates="themes")
