"""The minority report of a validation round: where a minority stands apart, in plain words.

Deep democracy: the wisdom of the minority is added to the majority decision. Before the core
team decides, this report shows (a) the closed questions on which a substantial minority
answered against the majority, (b) the stakeholder groups whose answers differ clearly from
everyone else's, small groups included, and (c) the open answers that carry their reasons.
Each finding is a ``Concern`` with a stable ``key`` that the decision must address.

Only submitted responses count. The report is computed in four queries whatever the number
of questions, groups or respondents, and nothing is cached: the decision stores the report as
it stood (``as_dict``).

Decisions where the brief left room:

* A tie has no majority, so it has no minority: a yes/no question answered 30/30 and a scale
  with as many low as high scores are not flagged (the group comparison still looks at them).
* Single choice: when two options tie for most chosen, the first of them counts as the
  majority option.
* People who answered without a group count in "the rest" of every group comparison.
* A group whose most given answer is not the rest's only differs clearly when the shares are
  also ``GROUP_FLIP_GAP`` apart (see there why); a 40-point gap always counts.
* A multiple-choice option is compared as ticked-or-not: most of the group tick it and most
  of the rest do not (or the other way round), or the shares are 40 points apart.
* Every open answer of a minority stays readable, but each only once and not on one endless
  page: the report lists the minority's answers (``reasons``) one time each, marked with the
  numbers of the concerns they support (someone who is in two minorities backs both); it
  shows ``REASONS_SHOWN`` and folds ``REASONS_FOLDED`` more, and each concern links to its own
  paged list (``reason_page``) for the rest. The answers to the objection question of people
  in no minority follow (``other_objections``): ``OBJECTIONS_SHOWN`` of them, then a link to
  the paged open answers of the results. The stored report keeps every answer.
* Fewer sent-in forms than ``IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS`` are too few to draw
  conclusions (``too_few``): the report still lists what it finds, but never says that no
  minority stands apart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from flask import current_app
from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from ideation.core.pagination import Paginated
from ideation.extensions import db
from ideation.validation.models import (
    Answer,
    Question,
    QuestionKind,
    Response,
    Round,
    RoundState,
    StakeholderGroup,
)
from ideation.validation.results import min_responses

#: On a 1-5 scale, 1 and 2 are against the prototype and 4 and 5 for it; 3 is neutral and
#: counts on neither side (but does count in the total the minority's share is taken of).
SCALE_AGAINST = frozenset({1, 2})
SCALE_FOR = frozenset({4, 5})

#: A group differs clearly on a scale question when its average is at least this far from
#: the average of everyone else: 1.5 points is the gap between "neutral" and "rather for".
#: Every threshold is a Fraction and every average and share it is compared with is exact:
#: in floating point 0.6 - 0.4 < 0.2, and a group exactly 20 points apart went unnamed.
GROUP_MEAN_GAP = Fraction(3, 2)

#: A group differs clearly on a yes/no or choice question when its most given answer is not
#: the rest's, or when the share choosing some answer differs by at least this much (0.40 is
#: 40 percentage points: e.g. 90 % of the rest say yes against 50 % of the group).
GROUP_SHARE_GAP = Fraction(40, 100)

#: ... but a different most given answer only counts when the shares are at least this far
#: apart. Without it, on a question the rest answers about half yes and half no, every group
#: of odd size "differs" (9 of 17 say yes against 21 of 43: a gap of 4 points), and the
#: decision would have to answer noise. Set to 0 for the plain rule.
GROUP_FLIP_GAP = Fraction(20, 100)

#: Groups with fewer people are still reported, but the summary says to read them with care:
#: one person moves a group of 3 by a third.
SMALL_GROUP = 5

#: How many open answers a concern shows before "and n more"...
REASONS_SHOWN = 10

#: ... how many more the folded "and n more" holds; past that, a link to all of them.
REASONS_FOLDED = 40

#: The open answers of one concern on each page of its own list.
REASONS_PER_PAGE = 20

#: How many answers to the objection question the report shows before a link to all of them.
OBJECTIONS_SHOWN = 20

CLOSED_KINDS = (QuestionKind.scale, QuestionKind.yes_no, QuestionKind.single_choice,
                QuestionKind.multiple_choice)
TEXT_KINDS = (QuestionKind.short_text, QuestionKind.long_text)


@dataclass
class Reason:
    """One open answer: the words of a respondent (never who wrote them), and the numbers of
    the concerns (1, 2, ... in the report's order) whose minority the respondent is part of."""

    question: str
    text: str
    is_objection: bool
    concerns: list[int] = field(default_factory=list)


@dataclass
class Difference:
    """One question on which a group differs from the rest, with the numbers behind it."""

    question_id: int
    question: str
    measure: str  # "mean" (scale) or "share" (the share giving ``option``)
    option: str | None
    group_value: float
    rest_value: float
    detail: str


@dataclass
class Concern:
    """Where a minority stands apart; the decision must say what it does with it."""

    key: str
    kind: str  # "question", "option" or "group"
    label: str  # what the concern is about, short enough for an error message
    summary: str
    count: int  # people in the minority (the group's size for a group)
    total: int  # people it is a share of
    share: float
    question_id: int | None = None
    group_id: int | None = None
    differences: list[Difference] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)  # the minority's answers (shared)


@dataclass
class ObjectionQuestion:
    """A question that asks what would make people say no, and how many answered it."""

    question_id: int
    text: str
    answers: int


@dataclass
class MinorityReport:
    round_id: int
    is_final: bool  # False while the round is still open: answers may still come in
    min_share: float
    respondents: int
    concerns: list[Concern]
    objections: list[Reason]  # every answer to "what would make you say no"
    objection_questions: list[ObjectionQuestion]  # the questions they answer (the form has one)
    reasons: list[Reason] = field(default_factory=list)  # each minority answer once
    min_responses: int = 1  # fewer sent-in forms are too few to draw conclusions

    def concern(self, key: str) -> Concern | None:
        return next((c for c in self.concerns if c.key == key), None)

    @property
    def too_few(self) -> bool:
        return self.respondents < self.min_responses

    @property
    def shown_reasons(self) -> list[Reason]:
        return self.reasons[:REASONS_SHOWN]

    @property
    def folded_reasons(self) -> list[Reason]:
        return self.reasons[REASONS_SHOWN:REASONS_SHOWN + REASONS_FOLDED]

    @property
    def has_reasons_pages(self) -> bool:
        """More answers than the report shows, folded included: each concern links to all of
        its own."""
        return len(self.reasons) > REASONS_SHOWN + REASONS_FOLDED

    @property
    def other_objections(self) -> list[Reason]:
        """Answers to the objection question of people in no minority (the minority's own
        are among ``reasons``)."""
        return [reason for reason in self.objections if not reason.concerns]

    @property
    def shown_objections(self) -> list[Reason]:
        return self.other_objections[:OBJECTIONS_SHOWN]

    @property
    def more_objections(self) -> int:
        return max(0, len(self.other_objections) - OBJECTIONS_SHOWN)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, for the decision's snapshot."""
        return asdict(self)


@dataclass
class _Answers:
    """The submitted answers of a round, indexed for counting."""

    questions: list[Question]
    groups: list[StakeholderGroup]
    group_of: dict[int, int | None]  # response id -> group id
    choices: dict[int, dict[int, list[int]]]  # question id -> response id -> values
    texts: dict[int, dict[int, str]]  # question id -> response id -> text

    def text_questions(self) -> list[Question]:
        """Objection questions first, then the other open questions in form order."""
        texts = [q for q in self.questions if q.kind in TEXT_KINDS]
        return sorted(texts, key=lambda q: not q.is_objection)


def minority_report(round_: Round) -> MinorityReport:
    """Where a minority stands apart in the round's submitted answers (see the module)."""
    min_share = float(current_app.config["IDEATION_MINORITY_SHARE"])
    data = _load(round_)
    found = [pair for q in data.questions for pair in _question_concerns(q, data, min_share)]
    found += [pair for group in data.groups
              if (pair := _group_concern(group, data)) is not None]
    # One Reason per answer, shared by every concern whose minority wrote it.
    reasons: dict[tuple[int, int], Reason] = {}
    texts = data.text_questions()
    for number, (concern, people) in enumerate(found, 1):
        for question in texts:
            for response_id, text in data.texts[question.id].items():
                if response_id not in people:
                    continue
                reason = reasons.setdefault((question.id, response_id),
                                            Reason(question.text, text, question.is_objection))
                reason.concerns.append(number)
                concern.reasons.append(reason)
    asked = [q for q in texts if q.is_objection]
    objections = [reasons.get((q.id, response_id)) or Reason(q.text, text, True)
                  for q in asked for response_id, text in data.texts[q.id].items()]
    return MinorityReport(
        round_id=round_.id, is_final=round_.state is RoundState.closed, min_share=min_share,
        respondents=len(data.group_of), concerns=[concern for concern, _people in found],
        objections=objections,
        objection_questions=[ObjectionQuestion(q.id, q.text, len(data.texts[q.id]))
                             for q in asked],
        reasons=list(reasons.values()), min_responses=min_responses())


@dataclass(frozen=True)
class ReasonPage(Paginated):
    """One page of a concern's open answers."""

    items: list[Reason]
    page: int
    per_page: int
    total: int


def reason_page(concern: Concern, page: int = 1,
                per_page: int = REASONS_PER_PAGE) -> ReasonPage:
    """One page of the concern's open answers in the report's order (the report shows the
    first ones); a page past the last gives the last, as the other paged lists do."""
    total = len(concern.reasons)
    page = max(1, min(page, -(-total // per_page)))
    first = (page - 1) * per_page
    return ReasonPage(concern.reasons[first:first + per_page], page, per_page, total)


def _load(round_: Round) -> _Answers:
    questions = list(db.session.scalars(
        select(Question).where(Question.round_id == round_.id).order_by(Question.position,
                                                                        Question.id)))
    groups = list(db.session.scalars(
        select(StakeholderGroup).where(StakeholderGroup.round_id == round_.id)
        .order_by(StakeholderGroup.position, StakeholderGroup.id)))
    submitted = (Response.round_id == round_.id, Response.submitted_dt.is_not(None))
    group_of = dict(db.session.execute(
        select(Response.id, Response.group_id).where(*submitted).order_by(Response.id)).all())
    rows = db.session.execute(
        select(Answer.question_id, Answer.response_id, Answer.choice, Answer.text)
        .join(Response, Answer.response_id == Response.id).where(*submitted)
        .order_by(Answer.response_id, Answer.id))
    choices: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    texts: dict[int, dict[int, str]] = defaultdict(dict)
    for question_id, response_id, choice, text in rows:
        if choice is not None:
            choices[question_id][response_id].append(choice)
        elif text and text.strip():
            texts[question_id][response_id] = text.strip()
    return _Answers(questions, groups, group_of, choices, texts)


def is_minority(count: int, total: int, min_share: float) -> bool:
    """At least ``min_share`` of ``total`` and under half, in exact arithmetic (6 of 60 is
    exactly 10 %, which floating point would not always say)."""
    return total > 0 and 2 * count < total and Fraction(count, total) >= Fraction(str(min_share))


# --- (a) questions on which a minority answers against the majority ---------------------------


@dataclass
class _Side:
    """The smaller side of one closed question, before its share is checked."""

    key: str
    kind: str
    label: str
    people: set[int]
    summary: str


def _question_concerns(question: Question, data: _Answers,
                       min_share: float) -> list[tuple[Concern, set[int]]]:
    answers = data.choices[question.id]
    if question.kind is QuestionKind.yes_no:
        sides = _yes_no_minority(question, answers)
    elif question.kind is QuestionKind.scale:
        sides = _scale_minority(question, answers)
    elif question.kind is QuestionKind.single_choice:
        sides = _choice_minorities(question, answers)
    else:  # multiple choice is not for or against (the group comparison uses it)
        sides = []
    total = len(answers)
    return [(Concern(side.key, side.kind, side.label, side.summary, len(side.people), total,
                     len(side.people) / total, question_id=question.id), side.people)
            for side in sides if is_minority(len(side.people), total, min_share)]


def _quoted(text: str) -> str:
    return f"“{text}”"


def _numbers(people: set[int], answers: dict[int, list[int]]) -> dict[str, Any]:
    return {"count": len(people), "total": len(answers),
            "share": format_percent(len(people) / len(answers))}


def _yes_no_minority(question: Question, answers: dict[int, list[int]]) -> list[_Side]:
    yes = {r for r, values in answers.items() if values[0] == 1}
    no = set(answers) - yes
    if len(yes) == len(no):
        return []
    text = question.text
    if len(no) < len(yes):
        summary = _("%(count)s of %(total)s people (%(share)s) answered no to “%(question)s”, "
                    "while most answered yes.", question=text, **_numbers(no, answers))
    else:
        summary = _("%(count)s of %(total)s people (%(share)s) answered yes to “%(question)s”, "
                    "while most answered no.", question=text, **_numbers(yes, answers))
    return [_Side(f"question:{question.id}", "question", _quoted(text), min(no, yes, key=len),
                  summary)]


def _scale_minority(question: Question, answers: dict[int, list[int]]) -> list[_Side]:
    low = {r for r, values in answers.items() if values[0] in SCALE_AGAINST}
    high = {r for r, values in answers.items() if values[0] in SCALE_FOR}
    if len(low) == len(high):
        return []
    text = question.text
    if len(low) < len(high):
        summary = _("%(count)s of %(total)s people (%(share)s) gave “%(question)s” a low "
                    "score (1 or 2), while most gave a high score (4 or 5).", question=text,
                    **_numbers(low, answers))
    else:
        summary = _("%(count)s of %(total)s people (%(share)s) gave “%(question)s” a high "
                    "score (4 or 5), while most gave a low score (1 or 2).", question=text,
                    **_numbers(high, answers))
    return [_Side(f"question:{question.id}", "question", _quoted(text),
                  min(low, high, key=len), summary)]


def _choice_minorities(question: Question, answers: dict[int, list[int]]) -> list[_Side]:
    chosen: dict[int, set[int]] = defaultdict(set)
    for response_id, values in answers.items():
        chosen[values[0]].add(response_id)
    if not chosen:
        return []
    majority = max(sorted(chosen), key=lambda option: len(chosen[option]))
    text, most = question.text, _option(question, majority)
    sides = []
    for option in sorted(chosen):
        if option == majority:
            continue
        name = _option(question, option)
        summary = _("%(count)s of %(total)s people (%(share)s) chose “%(option)s” for "
                    "“%(question)s”, while most chose “%(majority)s”.", option=name,
                    question=text, majority=most, **_numbers(chosen[option], answers))
        sides.append(_Side(f"question:{question.id}:option:{option}", "option",
                           _("“%(option)s” in “%(question)s”", option=name, question=text),
                           chosen[option], summary))
    return sides


def _option(question: Question, index: int) -> str:
    if question.kind is QuestionKind.yes_no:
        return _("yes") if index == 1 else _("no")
    options = question.options or []
    return options[index] if 0 <= index < len(options) else _("option %(num)s", num=index + 1)


# --- (b) groups whose answers differ clearly from the rest -----------------------------------


def _group_concern(group: StakeholderGroup,
                   data: _Answers) -> tuple[Concern, set[int]] | None:
    members = {r for r, g in data.group_of.items() if g == group.id}
    if not members:
        return None
    differences = [difference for q in data.questions if q.kind in CLOSED_KINDS
                   if (difference := _difference(q, data.choices[q.id], members)) is not None]
    if not differences:
        return None
    size, total = len(members), len(data.group_of)
    people = ngettext("%(num)s person", "%(num)s people", size)
    where = "; ".join(f"{_quoted(d.question)} ({d.detail})" for d in differences)
    summary = ngettext(
        "The group “%(name)s” (%(people)s) answered differently from the rest on %(num)s "
        "question: %(questions)s.",
        "The group “%(name)s” (%(people)s) answered differently from the rest on %(num)s "
        "questions: %(questions)s.", len(differences), name=group.name, people=people,
        questions=where)
    if size < SMALL_GROUP:
        summary += " " + _("This is a small group (fewer than %(num)s people): read it with "
                           "care, but do not ignore it.", num=SMALL_GROUP)
    return Concern(f"group:{group.id}", "group", _("the group “%(name)s”", name=group.name),
                   summary, size, total, size / total if total else 0, group_id=group.id,
                   differences=differences), members


def _difference(question: Question, answers: dict[int, list[int]],
                members: set[int]) -> Difference | None:
    inside = [values for r, values in answers.items() if r in members]
    outside = [values for r, values in answers.items() if r not in members]
    if not inside or not outside:
        return None
    if question.kind is QuestionKind.scale:
        return _mean_difference(question, inside, outside)
    return _share_difference(question, inside, outside)


def _mean_difference(question: Question, inside: list[list[int]],
                     outside: list[list[int]]) -> Difference | None:
    group = Fraction(sum(v[0] for v in inside), len(inside))
    rest = Fraction(sum(v[0] for v in outside), len(outside))
    if abs(group - rest) < GROUP_MEAN_GAP:
        return None
    detail = _("average %(group)s, the rest %(rest)s", group=format_decimal(float(group), "0.0"),
               rest=format_decimal(float(rest), "0.0"))
    return Difference(question.id, question.text, "mean", None, float(group), float(rest),
                      detail)


def _share_difference(question: Question, inside: list[list[int]],
                      outside: list[list[int]]) -> Difference | None:
    options = [1, 0] if question.kind is QuestionKind.yes_no else range(len(question.options))
    group = {o: Fraction(sum(o in v for v in inside), len(inside)) for o in options}
    rest = {o: Fraction(sum(o in v for v in outside), len(outside)) for o in options}
    flipped = _flipped(question, group, rest)
    gap = {o: abs(group[o] - rest[o]) for o in options}
    widest = max(options, key=lambda o: gap[o], default=None)
    if widest is None:
        return None
    if gap[widest] < GROUP_SHARE_GAP and not any(gap[o] >= GROUP_FLIP_GAP for o in flipped):
        return None
    name = _option(question, widest)
    detail = _("“%(option)s”: %(group)s of the group, %(rest)s of the rest",
               option=name, group=format_percent(float(group[widest])),
               rest=format_percent(float(rest[widest])))
    return Difference(question.id, question.text, "share", name, float(group[widest]),
                      float(rest[widest]), detail)


def _flipped(question: Question, group: dict[int, Fraction],
             rest: dict[int, Fraction]) -> list[int]:
    """The answers on which the group's majority is not the rest's majority."""
    if question.kind is QuestionKind.multiple_choice:
        # Each option is its own ticked-or-not question: does the group mostly tick it
        # while the rest mostly does not (or the other way round)?
        return [o for o in group if None not in (_side(group[o]), _side(rest[o]))
                and _side(group[o]) != _side(rest[o])]
    top_group, top_rest = _top(group), _top(rest)
    if top_group is None or top_rest is None or top_group == top_rest:
        return []
    return [top_group, top_rest]


def _side(share: Fraction) -> bool | None:
    """Ticked by most (True), by few (False) or by exactly half (None: no majority)."""
    half = Fraction(1, 2)
    return None if share == half else share > half


def _top(shares: dict[int, Fraction]) -> int | None:
    """The one most given answer, or None when two answers tie for most."""
    ranked = sorted(shares.values(), reverse=True)
    if not ranked or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return None
    return max(shares, key=lambda o: shares[o])
