"""Round rules: create, edit, open and close a validation round; build its feedback form
(add, edit, delete, reorder, copy questions); and the read queries of the round pages.

Every change checks that the actor manages the challenge and that the phase allows running
validation (Action.run_validation), writes an AuditEvent and flushes; the view commits.

Decisions where the brief left room:

* Default group names and the objection question are content in the challenge's language,
  not UI text in the reader's language, so they come from the tables below, not gettext.
* A round copied from an earlier one takes its groups only when no group names are given.
* A new question goes before a trailing objection question, so the form keeps ending with it.
* A closed round cannot be edited and its form cannot change, even without answers.
* Once any answer exists (also in a response that is only saved), the form is frozen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload, selectinload

from ideation.accounts.models import User
from ideation.challenges.models import Challenge, Language
from ideation.challenges.phases import Action, ensure_allowed, today
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.permissions import ensure_can_manage
from ideation.core.signals import round_opened
from ideation.extensions import db
from ideation.prototypes.models import Prototype, PrototypeVersion
from ideation.validation.models import (
    Answer,
    Invitation,
    Question,
    QuestionKind,
    Response,
    Round,
    RoundState,
    StakeholderGroup,
)

DEFAULT_GROUPS: dict[Language, tuple[str, ...]] = {
    Language.nl: ("Ouders", "Advocaten", "Mediators", "Gemeente", "Kinderrechtenorganisaties"),
    Language.en: ("Parents", "Lawyers", "Mediators", "Municipality", "Children's advocates"),
}
# The last question of every new form. Stored in the challenge's language, like the questions
# the team writes; the text itself comes from the catalogue.
OBJECTION_QUESTION = _l("What would make you say no to this prototype?")
CHOICE_KINDS = (QuestionKind.single_choice, QuestionKind.multiple_choice)
MAX_OPTIONS = 20
MAX_GROUPS = 30


class RoundError(ValueError):
    """A rule was broken; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- states, for the answering and results code ---------------------------------------------


def is_accepting_answers(round_: Round, on: date | None = None) -> bool:
    """Open, and ``on`` (default today) lies between the opening and the closing date."""
    on = on or today()
    return round_.state is RoundState.open and round_.opens_on <= on <= round_.closes_on


def effective_state(round_: Round, on: date | None = None) -> RoundState:
    """The state as the stakeholders see it: an open round past its closing date is closed."""
    on = on or today()
    if round_.state is RoundState.open and on > round_.closes_on:
        return RoundState.closed
    return round_.state


def default_group_names(challenge: Challenge) -> list[str]:
    return list(DEFAULT_GROUPS.get(challenge.language, DEFAULT_GROUPS[Language.nl]))


def suggested_groups(challenge: Challenge, prototype: Prototype) -> tuple[list[str], Round | None]:
    """The groups a new round starts with, and the round they come from: those of the newest
    round of ``prototype`` (a second round asks the same people), else of the challenge's
    newest round, else the usual groups in the challenge's language (round None)."""
    latest = db.session.scalar(
        select(Round).where(Round.challenge_id == challenge.id, Round.groups.any())
        .options(selectinload(Round.groups))
        .order_by(case((Round.prototype_id == prototype.id, 0), else_=1),
                  Round.created_dt.desc(), Round.id.desc()).limit(1))
    if latest is None:
        return default_group_names(challenge), None
    return [group.name for group in latest.groups], latest


def objection_text(challenge: Challenge) -> str:
    with force_locale(challenge.language.value):
        return str(OBJECTION_QUESTION)


def has_answers(round_: Round) -> bool:
    """True once any response of the round holds at least one answer."""
    found = db.session.scalar(
        select(Answer.id).join(Response, Answer.response_id == Response.id)
        .where(Response.round_id == round_.id).limit(1))
    return found is not None


# --- checks ------------------------------------------------------------------------------------


def ensure_can_run(actor: User | None, challenge: Challenge) -> None:
    """The actor manages the challenge and the phase allows running validation rounds."""
    ensure_can_manage(actor, challenge)
    ensure_allowed(challenge, Action.run_validation)


def _ensure_editable(actor: User | None, round_: Round) -> None:
    ensure_can_run(actor, round_.challenge)
    if round_.state is RoundState.closed:
        raise RoundError(_("This round is closed: it cannot change any more."))


def form_lock_reason(round_: Round) -> str | None:
    """Why the form of ``round_`` cannot change, or None while it can."""
    if round_.state is RoundState.closed:
        return _("This round is closed: it cannot change any more.")
    if has_answers(round_):
        return _("Answers have come in, so the form cannot change any more.")
    return None


def _ensure_form_changeable(actor: User | None, round_: Round) -> None:
    ensure_can_run(actor, round_.challenge)
    reason = form_lock_reason(round_)
    if reason:
        raise RoundError(reason)


def _clean_text(value: str | None, field: str, limit: int, message: str | None) -> str:
    """Stripped text; ``message`` when it is required and empty."""
    value = (value or "").strip()
    if message and not value:
        raise RoundError(message, field)
    if len(value) > limit:
        raise RoundError(_("Use at most %(max)d characters.", max=limit), field)
    return value


def _check_dates(opens_on: date | None, closes_on: date | None) -> None:
    if opens_on is None:
        raise RoundError(_("Give the first day on which answers are accepted."), "opens_on")
    if closes_on is None:
        raise RoundError(_("Give the last day on which answers are accepted."), "closes_on")
    if closes_on < opens_on:
        raise RoundError(_("The last day cannot be before the first day."), "closes_on")
    if closes_on < today():
        raise RoundError(_("The last day cannot be in the past."), "closes_on")


def _clean_group_names(names: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        if len(name) > 80:
            raise RoundError(_("A group name can have at most 80 characters."), "groups")
        if name.casefold() in {n.casefold() for n in cleaned}:
            raise RoundError(_("The group “%(name)s” is listed twice.", name=name), "groups")
        cleaned.append(name)
    if len(cleaned) > MAX_GROUPS:
        raise RoundError(_("Use at most %(max)d groups.", max=MAX_GROUPS), "groups")
    return cleaned


def _round_facts(round_: Round) -> dict[str, Any]:
    return {"title": round_.title, "prototype": round_.prototype.title}


# --- rounds ------------------------------------------------------------------------------------


def _copy_questions(source: Round, target: Round) -> None:
    for question in source.questions:
        target.questions.append(Question(
            position=question.position, kind=question.kind, text=question.text,
            help_text=question.help_text, required=question.required,
            options=list(question.options or []), low_label=question.low_label,
            high_label=question.high_label, is_objection=question.is_objection))


def _ensure_copy_source(challenge: Challenge, source: Round, target: Round | None) -> None:
    if source.challenge_id != challenge.id or (target is not None and source.id == target.id):
        raise RoundError(_("Choose an earlier round of this challenge."), "copy_from")


def create_round(actor: User, prototype: Prototype, version: PrototypeVersion, title: str,
                 intro: str, opens_on: date | None, closes_on: date | None,
                 group_names: Sequence[str], allow_anonymous: bool,
                 copy_from: Round | None = None) -> Round:
    """A draft round testing ``version`` of ``prototype``.

    Its form is the objection question alone, or the questions of ``copy_from`` (an earlier
    round of the same challenge), whose groups are taken too when ``group_names`` is empty.
    """
    challenge = prototype.challenge
    ensure_can_run(actor, challenge)
    if version.prototype_id != prototype.id:
        raise RoundError(_("Choose a version of this prototype."), "version")
    title = _clean_text(title, "title", 160, _("Give the round a title."))
    _check_dates(opens_on, closes_on)
    names = _clean_group_names(group_names)
    if copy_from is not None:
        _ensure_copy_source(challenge, copy_from, None)
        names = names or [group.name for group in copy_from.groups]
    if not names:
        raise RoundError(_("Give at least one stakeholder group."), "groups")
    round_ = Round(challenge=challenge, prototype=prototype, version=version, title=title,
                   intro=(intro or "").strip(), opens_on=opens_on, closes_on=closes_on,
                   state=RoundState.draft, allow_anonymous=bool(allow_anonymous),
                   copied_from_id=copy_from.id if copy_from else None,
                   created_by_id=actor.id if actor else None)
    round_.groups = [StakeholderGroup(name=name, position=i) for i, name in enumerate(names)]
    if copy_from is not None:
        _copy_questions(copy_from, round_)
    else:
        round_.questions.append(Question(
            position=0, kind=QuestionKind.long_text, text=objection_text(challenge),
            required=False, options=[], is_objection=True))
    db.session.add(round_)
    record_event(actor, "round.created", round_, challenge=challenge, new=round_.state,
                 details={**_round_facts(round_), "version": version.number,
                          "copied_from": copy_from.id if copy_from else None})
    db.session.flush()
    return round_


def _groups_with_invitations(round_: Round) -> set[int]:
    return set(db.session.scalars(
        select(Invitation.group_id).where(Invitation.round_id == round_.id,
                                          Invitation.group_id.is_not(None)).distinct()))


def _replace_groups(round_: Round, names: list[str]) -> None:
    """Keep groups whose name stays (and so their invitations), add new ones, drop the rest;
    a group with invitations cannot be dropped."""
    if not names:
        raise RoundError(_("Give at least one stakeholder group."), "groups")
    by_name = {group.name.casefold(): group for group in round_.groups}
    kept = {name.casefold() for name in names}
    invited = _groups_with_invitations(round_)
    for group in round_.groups:
        if group.name.casefold() not in kept and group.id in invited:
            raise RoundError(_("The group “%(name)s” has invitations, so it cannot be removed.",
                               name=group.name), "groups")
    groups = []
    for position, name in enumerate(names):
        group = by_name.get(name.casefold()) or StakeholderGroup(name=name)
        group.name, group.position = name, position
        groups.append(group)
    round_.groups = groups


def edit_round(actor: User, round_: Round, title: str, intro: str, opens_on: date | None,
               closes_on: date | None, group_names: Sequence[str],
               allow_anonymous: bool) -> None:
    """Change the texts, dates, anonymity and groups of a draft or open round."""
    _ensure_editable(actor, round_)
    title = _clean_text(title, "title", 160, _("Give the round a title."))
    _check_dates(opens_on, closes_on)
    names = _clean_group_names(group_names)
    old = _round_summary(round_)
    _replace_groups(round_, names)
    round_.title, round_.intro = title, (intro or "").strip()
    round_.opens_on, round_.closes_on = opens_on, closes_on  # type: ignore[assignment]
    round_.allow_anonymous = bool(allow_anonymous)
    new = _round_summary(round_)
    if old != new:
        record_event(actor, "round.edited", round_, challenge=round_.challenge,
                     details={"old": old, "new": new})
    db.session.flush()


def _round_summary(round_: Round) -> dict[str, Any]:
    return {"title": round_.title, "intro": round_.intro, "opens_on": round_.opens_on.isoformat(),
            "closes_on": round_.closes_on.isoformat(), "allow_anonymous": round_.allow_anonymous,
            "groups": [group.name for group in round_.groups]}


def open_round(actor: User, round_: Round) -> None:
    """Draft -> open: stakeholders can answer from the opening date on."""
    ensure_can_run(actor, round_.challenge)
    if round_.state is not RoundState.draft:
        raise RoundError(_("Only a draft round can be opened."))
    if not round_.questions:
        raise RoundError(_("Add at least one question before you open the round."))
    if round_.closes_on < today():
        raise RoundError(_("The last day of this round has passed. Change the dates first."))
    round_.state = RoundState.open
    record_event(actor, "round.opened", round_, challenge=round_.challenge,
                 old=RoundState.draft, new=RoundState.open, public=True,
                 details=_round_facts(round_))
    round_opened.send(round_, actor=actor)  # the invitations made while it was a draft go out
    db.session.flush()


def close_round(actor: User, round_: Round) -> None:
    """Open -> closed: no more answers; the round waits for its decision."""
    ensure_can_run(actor, round_.challenge)
    if round_.state is not RoundState.open:
        raise RoundError(_("Only an open round can be closed."))
    round_.state = RoundState.closed
    round_.closed_dt = utcnow()
    record_event(actor, "round.closed", round_, challenge=round_.challenge,
                 old=RoundState.open, new=RoundState.closed, public=True,
                 details=_round_facts(round_))
    db.session.flush()


# --- questions ---------------------------------------------------------------------------------


def _clean_options(options: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in options:
        option = (raw or "").strip()
        if not option:
            raise RoundError(_("Options cannot be empty."), "options")
        if len(option) > 200:
            raise RoundError(_("An option can have at most 200 characters."), "options")
        if option.casefold() in {o.casefold() for o in cleaned}:
            raise RoundError(_("The option “%(option)s” is listed twice.", option=option),
                             "options")
        cleaned.append(option)
    if len(cleaned) < 2:
        raise RoundError(_("Give at least 2 options, one per line."), "options")
    if len(cleaned) > MAX_OPTIONS:
        raise RoundError(_("Use at most %(max)d options.", max=MAX_OPTIONS), "options")
    return cleaned


def _apply_question(question: Question, data: Mapping[str, Any]) -> None:
    """Check ``data`` (kind, text, help_text, required, options, low_label, high_label) and
    write it to ``question``; what does not belong to the kind is cleared."""
    try:
        kind = QuestionKind(data.get("kind"))
    except ValueError:
        raise RoundError(_("Choose a type of question."), "kind") from None
    text = _clean_text(data.get("text"), "text", 500, _("Write the question."))
    help_text = _clean_text(data.get("help_text"), "help_text", 500, None)
    options: list[str] = []
    if kind in CHOICE_KINDS:
        options = _clean_options(data.get("options") or [])
    low = high = ""
    if kind is QuestionKind.scale:
        message = _("Give a label for both ends of the scale.")
        low = _clean_text(data.get("low_label"), "low_label", 80, message)
        high = _clean_text(data.get("high_label"), "high_label", 80, message)
    question.kind, question.text, question.help_text = kind, text, help_text
    question.required = bool(data.get("required"))
    question.options, question.low_label, question.high_label = options, low, high


def _questions_changed(actor: User, round_: Round, change: str, **details: Any) -> None:
    record_event(actor, "round.questions_changed", round_, challenge=round_.challenge,
                 details={"change": change, **details})
    db.session.flush()


def _renumber(questions: list[Question]) -> None:
    for position, question in enumerate(questions):
        question.position = position


def add_question(actor: User, round_: Round, data: Mapping[str, Any]) -> Question:
    """A new question at the end of the form, before a closing objection question."""
    _ensure_form_changeable(actor, round_)
    question = Question(options=[])
    _apply_question(question, data)
    questions = list(round_.questions)
    at = len(questions)
    if questions and questions[-1].is_objection:
        at -= 1
    questions.insert(at, question)
    round_.questions = questions
    _renumber(questions)
    db.session.flush()
    _questions_changed(actor, round_, "added", question=question.id)
    return question


def edit_question(actor: User, question: Question, data: Mapping[str, Any]) -> None:
    """Change any part of a question, its type included."""
    round_ = question.round
    _ensure_form_changeable(actor, round_)
    _apply_question(question, data)
    _questions_changed(actor, round_, "edited", question=question.id)


def delete_question(actor: User, question: Question) -> None:
    round_ = question.round
    _ensure_form_changeable(actor, round_)
    questions = [q for q in round_.questions if q.id != question.id]
    round_.questions = questions
    _renumber(questions)
    _questions_changed(actor, round_, "deleted", question=question.id, text=question.text)


def move_question(actor: User, question: Question, up: bool) -> bool:
    """Swap the question with the one above (``up``) or below it. False at either end."""
    round_ = question.round
    _ensure_form_changeable(actor, round_)
    questions = list(round_.questions)
    index = questions.index(question)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(questions):
        return False
    questions[index], questions[other] = questions[other], questions[index]
    _renumber(questions)
    round_.questions = questions
    _questions_changed(actor, round_, "moved", question=question.id,
                       direction="up" if up else "down")
    return True


def copy_questions(actor: User, round_: Round, source: Round) -> int:
    """Replace the questions of ``round_`` by copies of those of ``source`` (an earlier round
    of the same challenge). Returns how many questions were copied."""
    _ensure_form_changeable(actor, round_)
    _ensure_copy_source(round_.challenge, source, round_)
    round_.questions = []
    db.session.flush()
    _copy_questions(source, round_)
    _renumber(round_.questions)
    round_.copied_from_id = source.id
    _questions_changed(actor, round_, "copied", source=source.id)
    return len(round_.questions)


# --- reads ---------------------------------------------------------------------------------------


def get_round(challenge: Challenge, round_id: int) -> Round | None:
    return db.session.scalar(select(Round).where(Round.id == round_id,
                                                 Round.challenge_id == challenge.id))


def get_question(round_: Round, question_id: int) -> Question | None:
    return next((q for q in round_.questions if q.id == question_id), None)


def rounds_of(prototype: Prototype) -> list[Round]:
    """The rounds of a prototype, newest first, with their versions and questions loaded."""
    return list(db.session.scalars(
        select(Round).where(Round.prototype_id == prototype.id)
        .options(selectinload(Round.version), selectinload(Round.questions),
                 selectinload(Round.groups))
        .order_by(Round.created_dt.desc(), Round.id.desc())))


def rounds_of_challenge(challenge: Challenge) -> list[Round]:
    """Every round of the challenge, by prototype and then oldest first, with its prototype,
    version and decision loaded (for lists: a fixed number of queries)."""
    return list(db.session.scalars(
        select(Round).where(Round.challenge_id == challenge.id)
        .options(joinedload(Round.prototype), joinedload(Round.version),
                 selectinload(Round.decision))
        .order_by(Round.prototype_id, Round.created_dt, Round.id)))


def copy_sources(challenge: Challenge, exclude: Round | None = None) -> list[Round]:
    """Rounds of the challenge whose form can be copied (they have questions), newest first."""
    query = (select(Round).join(Round.prototype)
             .where(Round.challenge_id == challenge.id, Round.questions.any())
             .options(selectinload(Round.prototype))
             .order_by(Round.created_dt.desc(), Round.id.desc()))
    if exclude is not None:
        query = query.where(Round.id != exclude.id)
    return list(db.session.scalars(query))
