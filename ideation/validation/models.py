"""Rounds, their questions, stakeholder groups, invitations, responses, answers and decisions.

Answers are stored one row per value: a multiple-choice question answered with three options
is three rows, so counting per option is a plain GROUP BY and never double- or under-counts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ideation.core.db import str_enum, utcnow
from ideation.core.enums import LabelledEnum
from ideation.core.i18n import lazy_gettext as _l
from ideation.extensions import db
from ideation.prototypes import models as _prototypes  # noqa: F401 - mapped by name below

if TYPE_CHECKING:
    from ideation.accounts.models import User
    from ideation.challenges.models import Challenge
    from ideation.prototypes.models import Prototype, PrototypeVersion


class RoundState(LabelledEnum):
    draft = "draft", _l("Being prepared")
    open = "open", _l("Open")
    closed = "closed", _l("Closed")


class QuestionKind(LabelledEnum):
    scale = "scale", _l("Scale from 1 to 5")  # 1-5 with labelled ends
    yes_no = "yes_no", _l("Yes or no")
    single_choice = "single_choice", _l("Choose one option")
    multiple_choice = "multiple_choice", _l("Choose one or more options")
    short_text = "short_text", _l("Short text")
    long_text = "long_text", _l("Long text")


class Outcome(LabelledEnum):
    adopt = ("adopt", _l("Adopt"),
             _l("The prototype works. We use it as it is."))
    iterate = ("iterate", _l("Iterate"),
               _l("We improve the prototype and test a new version."))
    park = ("park", _l("Park"),
            _l("We stop with this prototype for now."))


class Disposition(LabelledEnum):
    # the decision answers the concern (how: in ``answer``)
    answered = "answered", _l("We answer this")
    # consciously set aside (why: in ``answer``)
    set_aside = "set_aside", _l("We consciously set this aside")


class Round(db.Model):
    __tablename__ = "validation_rounds"
    __table_args__ = (Index("ix_validation_rounds_challenge_state", "challenge_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id", ondelete="CASCADE"),
                                              index=True)
    # The one prototype version this round tests.
    version_id: Mapped[int] = mapped_column(
        ForeignKey("prototype_versions.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    # Shown to stakeholders above the form.
    intro: Mapped[str] = mapped_column(Text, default="")
    opens_on: Mapped[date]
    closes_on: Mapped[date]  # last day on which answers are accepted
    state: Mapped[RoundState] = mapped_column(str_enum(RoundState), default=RoundState.draft)
    allow_anonymous: Mapped[bool] = mapped_column(default=False)
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("validation_rounds.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    closed_dt: Mapped[datetime | None]

    challenge: Mapped[Challenge] = relationship()
    prototype: Mapped[Prototype] = relationship()
    version: Mapped[PrototypeVersion] = relationship(foreign_keys=[version_id])
    questions: Mapped[list[Question]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Question.position")
    groups: Mapped[list[StakeholderGroup]] = relationship(
        back_populates="round", cascade="all, delete-orphan",
        order_by="StakeholderGroup.position")
    decision: Mapped[Decision | None] = relationship(back_populates="round",
                                                     cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.title!r}>"


class StakeholderGroup(db.Model):
    __tablename__ = "stakeholder_groups"
    __table_args__ = (UniqueConstraint("round_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("validation_rounds.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)

    round: Mapped[Round] = relationship(back_populates="groups")


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_round_position", "round_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("validation_rounds.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    text: Mapped[str] = mapped_column(String(500))
    help_text: Mapped[str] = mapped_column(String(500), default="")
    required: Mapped[bool] = mapped_column(default=False)
    # The options of a single or multiple choice question, in order.
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The labels of the ends of a 1-5 scale ("not at all" ... "completely").
    low_label: Mapped[str] = mapped_column(String(80), default="")
    high_label: Mapped[str] = mapped_column(String(80), default="")
    # "What would make you say no to this prototype?": its answers carry objections.
    is_objection: Mapped[bool] = mapped_column(default=False)

    round: Mapped[Round] = relationship(back_populates="questions")


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("round_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("validation_rounds.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(100), default="")
    # The personal link's token is an HMAC of the secret key, the id and this nonce, so a
    # reminder can repeat the same link; the database alone does not reveal it. Lookups go by
    # the SHA-256 of the token. A new nonce (and so a new link) revokes the old one.
    token_nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Set when the address belongs to an account, so it sees the round in its list.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    sent_dt: Mapped[datetime | None]
    reminded_dt: Mapped[datetime | None]
    reminder_count: Mapped[int] = mapped_column(default=0)
    revoked_dt: Mapped[datetime | None]
    # Set when the person followed "no more reminders" in one of the round's e-mails.
    reminders_stopped_dt: Mapped[datetime | None]

    round: Mapped[Round] = relationship()
    group: Mapped[StakeholderGroup | None] = relationship()
    user: Mapped[User | None] = relationship()
    response: Mapped[Response | None] = relationship(back_populates="invitation")


class Response(db.Model):
    """One per invitation; saved while answering, counted once submitted."""

    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_round_submitted", "round_id", "submitted_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("validation_rounds.id", ondelete="CASCADE"))
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), unique=True)
    # Copied from the invitation so breakdowns by group need no join.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="SET NULL"))
    # Hidden from the core team: results and exports never show who answered.
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    started_dt: Mapped[datetime] = mapped_column(default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_dt: Mapped[datetime | None]

    invitation: Mapped[Invitation] = relationship(back_populates="response")
    answers: Mapped[list[Answer]] = relationship(back_populates="response",
                                                 cascade="all, delete-orphan")


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_question_choice", "question_id", "choice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"),
                                             index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    # scale: 1-5; yes/no: 1 yes, 0 no; choices: the option's index. Texts use ``text``.
    choice: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")


class Decision(db.Model):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("validation_rounds.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    rationale: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_dt: Mapped[datetime] = mapped_column(default=utcnow)
    # The minority report as it stood when the decision was taken (for the record). With every
    # open answer in it, it runs to hundreds of KB for a large round and no page shows it, so
    # it is loaded only when read.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)

    round: Mapped[Round] = relationship(back_populates="decision")
    concerns: Mapped[list[DecisionConcern]] = relationship(
        back_populates="decision", cascade="all, delete-orphan",
        order_by="DecisionConcern.position")


class DecisionConcern(db.Model):
    """How the decision answers one minority concern of the report."""

    __tablename__ = "decision_concerns"
    __table_args__ = (UniqueConstraint("decision_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    # Stable id of the concern in the report, e.g. "question:12" or "group:3".
    key: Mapped[str] = mapped_column(String(60))
    # The concern in plain words, as the report stated it.
    summary: Mapped[str] = mapped_column(Text)
    disposition: Mapped[Disposition] = mapped_column(str_enum(Disposition))
    answer: Mapped[str] = mapped_column(Text)

    decision: Mapped[Decision] = relationship(back_populates="concerns")
