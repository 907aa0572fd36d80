"""The results of a validation round: figures per question, response rates, the breakdown by
stakeholder group, open answers, the CSV export and the comparison of two rounds.

Only submitted responses count. Every figure comes from GROUP BY queries: a fixed number of
queries per round, whatever the number of questions or responses. A multiple-choice answer is
one row per ticked option, so a question's ``n`` counts distinct responses, never rows.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, or_, select

from ideation.challenges.phases import today
from ideation.core.audit import record_event
from ideation.core.cache import cached
from ideation.core.pagination import Paginated
from ideation.core.permissions import ensure_can_manage
from ideation.extensions import db
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

if TYPE_CHECKING:
    from datetime import datetime

    from ideation.accounts.models import User

TEXT_KINDS = (QuestionKind.short_text, QuestionKind.long_text)
CHOICE_KINDS = (QuestionKind.single_choice, QuestionKind.multiple_choice)
SCALE = range(1, 6)
ANSWERS_PER_PAGE = 20
EXPORT_BATCH = 500
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- how many answers a figure rests on ----------------------------------------------------------


def min_responses() -> int:
    """Fewer sent-in answers than this are too few to draw conclusions from
    (``IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS``): the pages that show figures say so."""
    return int(current_app.config["IDEATION_MIN_RESPONSES_FOR_CONCLUSIONS"])


def respondent_count(round_: Round, group_id: int | None = None) -> int:
    """Sent-in responses of the round (of one group when ``group_id`` is given); kept until
    the next write, as the tallies are."""
    return cached(("round-respondents", round_.id, group_id), lambda: db.session.scalar(
        select(func.count(Response.id)).where(*_submitted(round_, group_id))) or 0)


def respondents_of(round_ids: Sequence[int]) -> dict[int, int]:
    """Sent-in responses per round, for a list of decisions, in one query."""
    if not round_ids:
        return {}
    rows = db.session.execute(
        select(Response.round_id, func.count(Response.id))
        .where(Response.round_id.in_(list(round_ids)), Response.submitted_dt.is_not(None))
        .group_by(Response.round_id))
    return {round_id: 0 for round_id in round_ids} | {round_id: n for round_id, n in rows}


# --- figures per question ----------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One answer option: how many respondents chose it and their share of ``n``."""

    key: int  # the stored value: 1-5, 1 yes / 0 no, or the option's index
    label: str
    count: int
    share: float  # 0-1


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    n: int  # respondents who answered this question (not the number of ticks)
    bars: tuple[Bar, ...] = ()
    mean: float | None = None
    median: float | None = None

    @property
    def is_text(self) -> bool:
        return self.question.kind in TEXT_KINDS

    @property
    def may_exceed_100(self) -> bool:
        return self.question.kind is QuestionKind.multiple_choice

    def share_of(self, key: int) -> float | None:
        return next((bar.share for bar in self.bars if bar.key == key), None)


# (group key, question id) -> choice -> respondents; and -> respondents who answered
Tallies = dict[tuple[int | None, int], Counter[int]]
Answered = dict[tuple[int | None, int], int]
ALL = -1  # the group key of a tally that is not split by group


def _submitted(round_: Round, group_id: int | None = None) -> list[ColumnElement[bool]]:
    conditions = [Response.round_id == round_.id, Response.submitted_dt.is_not(None)]
    if group_id is not None:
        conditions.append(Response.group_id == group_id)
    return conditions


def _tally(round_: Round, *, by_group: bool, group_id: int | None = None
           ) -> tuple[Tallies, Answered]:
    """Two GROUP BY queries: respondents per choice, and respondents per question. Read over
    every answer of the round (25-30 ms for 2,000 responses), so kept per process until the
    next write (`ideation.core.cache`): a new answer shows at the next view. Callers only
    read the returned dicts."""
    return cached(("round-tally", round_.id, by_group, group_id),
                  lambda: _count_answers(round_, by_group=by_group, group_id=group_id))


def _count_answers(round_: Round, *, by_group: bool, group_id: int | None
                   ) -> tuple[Tallies, Answered]:
    group_column = Response.group_id if by_group else None
    keys = [c for c in (group_column, Answer.question_id) if c is not None]
    respondents = func.count(func.distinct(Answer.response_id))
    base = select(*keys).join(Response, Answer.response_id == Response.id)
    conditions = _submitted(round_, group_id)
    choices = db.session.execute(
        base.add_columns(Answer.choice, respondents)
        .where(*conditions, Answer.choice.is_not(None)).group_by(*keys, Answer.choice))
    given = or_(Answer.choice.is_not(None), func.trim(Answer.text) != "")
    answered = db.session.execute(
        base.add_columns(respondents).where(*conditions, given).group_by(*keys))
    tallies: Tallies = defaultdict(Counter)
    for *key, choice, count in choices:
        tallies[_key(key)][choice] = count
    return dict(tallies), {_key(key): count for *key, count in answered}


def _key(columns: Sequence[Any]) -> tuple[int | None, int]:
    return (columns[0], columns[1]) if len(columns) == 2 else (ALL, columns[0])


def _options(question: Question) -> list[tuple[int, str]]:
    if question.kind is QuestionKind.scale:
        ends = {1: question.low_label, 5: question.high_label}
        return [(v, f"{v} ({ends[v]})" if ends.get(v) else str(v)) for v in SCALE]
    if question.kind is QuestionKind.yes_no:
        return [(1, _("Yes")), (0, _("No"))]
    if question.kind in CHOICE_KINDS:
        return list(enumerate(question.options or []))
    return []


def _result(question: Question, counts: Counter[int], n: int) -> QuestionResult:
    bars = tuple(Bar(key, label, counts.get(key, 0), counts.get(key, 0) / n if n else 0.0)
                 for key, label in _options(question))
    if question.kind is not QuestionKind.scale:
        return QuestionResult(question, n, bars)
    values = [value for value in Counter({v: counts.get(v, 0) for v in SCALE}).elements()]
    if not values:
        return QuestionResult(question, n, bars)
    return QuestionResult(question, n, bars, statistics.fmean(values),
                          float(statistics.median(values)))


def question_results(round_: Round, group_id: int | None = None) -> list[QuestionResult]:
    """Per question of the round, in order: n and the distribution (scale: also mean and
    median). ``group_id`` narrows every figure to the responses of one stakeholder group."""
    tallies, answered = _tally(round_, by_group=False, group_id=group_id)
    return [_result(q, tallies.get((ALL, q.id), Counter()), answered.get((ALL, q.id), 0))
            for q in round_.questions]


# --- response rates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    label: str
    invited: int  # invitations that are not revoked
    answered: int  # of those, the ones with a submitted response
    group: StakeholderGroup | None = None

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None


@dataclass(frozen=True)
class Rates:
    groups: list[Rate]  # every group of the round (also with 0 invited), then "no group"
    total: Rate


def response_rates(round_: Round) -> Rates:
    """Invited and answered per stakeholder group and overall, in one query (its figures kept
    until the next write, as `_tally`'s)."""
    counts = cached(("round-rates", round_.id), lambda: _count_invitations(round_))
    groups = [Rate(g.name, *counts.get(g.id, (0, 0)), group=g) for g in round_.groups]
    if None in counts:
        groups.append(Rate(_("No group"), *counts[None]))
    total = Rate(_("All groups"), sum(r.invited for r in groups),
                 sum(r.answered for r in groups))
    return Rates(groups, total)


def round_totals(round_ids: Sequence[int]) -> dict[int, Rate]:
    """Invited and answered of each round, all groups together, in one query (for lists of
    rounds); a round without invitations is missing."""
    if not round_ids:
        return {}
    rows = db.session.execute(
        select(Invitation.round_id, func.count(Invitation.id), func.count(Response.id))
        .outerjoin(Response, and_(Response.invitation_id == Invitation.id,
                                  Response.submitted_dt.is_not(None)))
        .where(Invitation.round_id.in_(round_ids), Invitation.revoked_dt.is_(None))
        .group_by(Invitation.round_id))
    return {round_id: Rate(_("All groups"), invited, answered)
            for round_id, invited, answered in rows}


def _count_invitations(round_: Round) -> dict[int | None, tuple[int, int]]:
    """Group id -> (invitations not revoked, of those answered)."""
    rows = db.session.execute(
        select(Invitation.group_id, func.count(Invitation.id), func.count(Response.id))
        .outerjoin(Response, and_(Response.invitation_id == Invitation.id,
                                  Response.submitted_dt.is_not(None)))
        .where(Invitation.round_id == round_.id, Invitation.revoked_dt.is_(None))
        .group_by(Invitation.group_id))
    return {group_id: (invited, answered) for group_id, invited, answered in rows}


# --- the breakdown by group ----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    label: str
    respondents: int
    group: StakeholderGroup | None = None


@dataclass(frozen=True)
class Breakdown:
    """Every group side by side (no cap: small groups too), then all groups together."""

    columns: list[Column]
    rows: list[tuple[Question, list[QuestionResult]]]  # cells aligned with ``columns``


def group_breakdown(round_: Round) -> Breakdown:
    tallies, answered = _tally(round_, by_group=True)
    respondents = dict(db.session.execute(
        select(Response.group_id, func.count(Response.id)).where(*_submitted(round_))
        .group_by(Response.group_id)).all())
    keys: list[int | None] = [g.id for g in round_.groups]
    columns = [Column(g.name, respondents.get(g.id, 0), g) for g in round_.groups]
    if respondents.get(None):
        keys.append(None)
        columns.append(Column(_("No group"), respondents[None]))
    columns.append(Column(_("All groups"), sum(respondents.values())))
    rows = []
    for question in round_.questions:
        cells = [_result(question, tallies.get((k, question.id), Counter()),
                         answered.get((k, question.id), 0)) for k in keys]
        overall: Counter[int] = Counter()
        for k in respondents:
            overall.update(tallies.get((k, question.id), Counter()))
        cells.append(_result(question, overall,
                             sum(answered.get((k, question.id), 0) for k in respondents)))
        rows.append((question, cells))
    return Breakdown(columns, rows)


# --- open answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenAnswer:
    text: str
    group: str | None
    email: str | None  # None when the response is anonymous
    submitted_dt: datetime


@dataclass(frozen=True)
class AnswerPage(Paginated):
    items: list[OpenAnswer]
    page: int
    per_page: int
    total: int


def _open_answers_query(round_: Round, group_id: int | None) -> Any:
    return (select(Answer.question_id, Answer.text, StakeholderGroup.name.label("group_name"),
                   Invitation.email, Response.is_anonymous, Response.submitted_dt)
            .join(Response, Answer.response_id == Response.id)
            .join(Invitation, Response.invitation_id == Invitation.id)
            .outerjoin(StakeholderGroup, Response.group_id == StakeholderGroup.id)
            .where(*_submitted(round_, group_id), func.trim(Answer.text) != ""))


def _open_answer(row: Any) -> OpenAnswer:
    return OpenAnswer(row.text, row.group_name, None if row.is_anonymous else row.email,
                      row.submitted_dt)


def open_answers(round_: Round, question: Question, *, text: str = "",
                 group_id: int | None = None, page: int = 1,
                 per_page: int = ANSWERS_PER_PAGE) -> AnswerPage:
    """The answers to one text question, newest first; ``text`` keeps those that contain it
    (ignoring case)."""
    query = _open_answers_query(round_, group_id).where(Answer.question_id == question.id)
    if text:
        query = query.where(Answer.text.icontains(text, autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    rows = db.session.execute(
        query.order_by(Response.submitted_dt.desc(), Answer.id.desc())
        .limit(per_page).offset((page - 1) * per_page))
    return AnswerPage([_open_answer(row) for row in rows], page, per_page, total)


def latest_open_answers(round_: Round, group_id: int | None = None,
                        per_question: int = 3) -> dict[int, list[OpenAnswer]]:
    """The newest few answers of every text question, in one query (a window function) over
    every answer of the round: kept until the next write, as `_tally`'s figures."""
    return cached(("round-latest", round_.id, group_id, per_question),
                  lambda: _latest_open_answers(round_, group_id, per_question))


def _latest_open_answers(round_: Round, group_id: int | None,
                         per_question: int) -> dict[int, list[OpenAnswer]]:
    position = func.row_number().over(
        partition_by=Answer.question_id,
        order_by=(Response.submitted_dt.desc(), Answer.id.desc())).label("position")
    ranked = _open_answers_query(round_, group_id).add_columns(position).subquery()
    rows = db.session.execute(select(ranked).where(ranked.c.position <= per_question)
                              .order_by(ranked.c.question_id, ranked.c.position))
    latest: dict[int, list[OpenAnswer]] = defaultdict(list)
    for row in rows:
        latest[row.question_id].append(_open_answer(row))
    return dict(latest)


# --- CSV export --------------------------------------------------------------------------------


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _line(cells: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_cell(c) for c in cells])
    return buffer.getvalue()


@dataclass(frozen=True)
class _Column:
    """What the export needs of a question, copied so streaming outlives the session."""

    id: int
    kind: QuestionKind
    options: list[str] = field(default_factory=list)


def _value(column: _Column, rows: list[Any], yes_no: tuple[str, str]) -> object:
    if column.kind in TEXT_KINDS:
        return "\n".join(r.text for r in rows if r.text)
    choices = sorted(r.choice for r in rows if r.choice is not None)
    if column.kind is QuestionKind.scale:
        return choices[0] if choices else ""
    if column.kind is QuestionKind.yes_no:
        return (yes_no[0] if choices[0] else yes_no[1]) if choices else ""
    names = [column.options[c] if 0 <= c < len(column.options) else str(c) for c in choices]
    return " | ".join(names)


def _export_lines(round_id: int, columns: list[_Column], header: list[str],
                  yes_no: tuple[str, str], zone: ZoneInfo) -> Iterator[str]:
    """The CSV text, a batch of responses at a time (two queries per batch)."""
    yield "\ufeff" + _line(header)  # the BOM makes Excel read UTF-8
    after = 0
    while True:
        responses = db.session.execute(
            select(Response.id, Response.submitted_dt, Response.is_anonymous,
                   Invitation.email, StakeholderGroup.name.label("group_name"))
            .join(Invitation, Response.invitation_id == Invitation.id)
            .outerjoin(StakeholderGroup, Response.group_id == StakeholderGroup.id)
            .where(Response.round_id == round_id, Response.submitted_dt.is_not(None),
                   Response.id > after)
            .order_by(Response.id).limit(EXPORT_BATCH)).all()
        if not responses:
            return
        answers: dict[tuple[int, int], list[Any]] = defaultdict(list)
        for row in db.session.execute(
                select(Answer.response_id, Answer.question_id, Answer.choice, Answer.text)
                .where(Answer.response_id.in_([r.id for r in responses]))
                .order_by(Answer.id)):
            answers[(row.response_id, row.question_id)].append(row)
        for r in responses:
            yield _line([r.id, r.submitted_dt.astimezone(zone).isoformat(timespec="seconds"),
                         r.group_name or "", "" if r.is_anonymous else r.email]
                        + [_value(c, answers.get((r.id, c.id), []), yes_no) for c in columns])
        after = responses[-1].id


def export_csv(actor: User, round_: Round) -> Iterator[str]:
    """All submitted responses as CSV lines, one row per response, for the core team.

    Records "round.exported" now (the caller commits before streaming); the rows are read in
    batches while the response streams. Yes/no and the column names are in the challenge's
    language; e-mail addresses of anonymous responses stay empty.
    """
    ensure_can_manage(actor, round_.challenge)
    record_event(actor, "round.exported", round_, challenge=round_.challenge, public=False,
                 details={"title": round_.title})
    db.session.flush()
    questions = list(round_.questions)
    with force_locale(round_.challenge.language.value):
        header = [_("Response"), _("Submitted at"), _("Group"), _("E-mail address")]
        yes_no = (_("yes"), _("no"))
    columns = [_Column(q.id, q.kind, list(q.options or [])) for q in questions]
    zone = ZoneInfo(current_app.config["IDEATION_TIMEZONE"])
    return _export_lines(round_.id, columns, header + [q.text for q in questions], yes_no,
                         zone)


def export_filename(round_: Round) -> str:
    """A file name with only safe characters: the slug is [a-z0-9-] already."""
    return f"{round_.challenge.slug}-round-{round_.id}.csv"


# --- comparing two rounds of a prototype ---------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """The move of one figure from round A to round B: whole points (shares) or tenths (means),
    taken from the rounded figures the page shows, so the numbers on screen add up."""

    delta: float
    points: bool

    @property
    def amount(self) -> str:
        if self.points:
            num = abs(int(self.delta))
            return ngettext("%(num)s point", "%(num)s points", num)
        return format_decimal(abs(self.delta), "0.0")

    @property
    def shown(self) -> str:
        """"+0.8", "−12 points" (a real minus sign) or "0"."""
        if not self.delta:
            return "0"
        return ("+" if self.delta > 0 else "\u2212") + self.amount

    @property
    def words(self) -> str:
        if not self.delta:
            return _("did not change")
        if self.delta > 0:
            return _("rose by %(amount)s", amount=self.amount)
        return _("fell by %(amount)s", amount=self.amount)


@dataclass(frozen=True)
class Line:
    """One compared figure: a mean (scale) or a share (yes, an option)."""

    label: str
    a: float | None
    b: float | None
    is_share: bool

    @property
    def change(self) -> Change | None:
        if self.a is None or self.b is None:
            return None
        if self.is_share:
            return Change(round(self.b * 100) - round(self.a * 100), True)
        return Change(round(round(self.b, 1) - round(self.a, 1), 1), False)


@dataclass(frozen=True)
class Matched:
    a: QuestionResult
    b: QuestionResult
    lines: list[Line]

    @property
    def question(self) -> Question:
        return self.b.question


@dataclass(frozen=True)
class Comparison:
    a: Round
    b: Round
    matched: list[Matched]
    only_a: list[Question]
    only_b: list[Question]
    respondents_a: int = 0  # sent-in responses of round A
    respondents_b: int = 0
    min_responses: int = 1

    @property
    def too_few(self) -> bool:
        """One of the two rounds rests on too few answers: a change says little."""
        return min(self.respondents_a, self.respondents_b) < self.min_responses


def _match_key(question: Question) -> tuple[str, QuestionKind]:
    return " ".join(question.text.split()).casefold(), question.kind


def _lines(a: QuestionResult, b: QuestionResult) -> list[Line]:
    kind = a.question.kind
    if kind is QuestionKind.scale:
        return [Line(_("Mean"), a.mean, b.mean, False)]
    if kind is QuestionKind.yes_no:
        return [Line(_("Yes"), a.share_of(1) if a.n else None,
                     b.share_of(1) if b.n else None, True)]
    if kind not in CHOICE_KINDS:
        return []
    shares_a = {bar.label: bar.share for bar in a.bars if a.n}
    shares_b = {bar.label: bar.share for bar in b.bars if b.n}
    labels = [bar.label for bar in a.bars] + [
        bar.label for bar in b.bars if bar.label not in shares_a]
    return [Line(label, shares_a.get(label), shares_b.get(label), True)
            for label in dict.fromkeys(labels)]


def compare_rounds(a: Round, b: Round) -> Comparison:
    """Round A and round B side by side, questions matched by their text (and kind): rounds
    copied from one another keep their questions' text."""
    results_a, results_b = question_results(a), question_results(b)
    waiting = {}
    for result in results_a:
        waiting.setdefault(_match_key(result.question), result)
    matched, only_b = [], []
    for result in results_b:
        partner = waiting.pop(_match_key(result.question), None)
        if partner is None:
            only_b.append(result.question)
        else:
            matched.append(Matched(partner, result, _lines(partner, result)))
    paired = {m.a.question.id for m in matched}
    only_a = [r.question for r in results_a if r.question.id not in paired]
    return Comparison(a, b, matched, only_a, only_b, respondent_count(a), respondent_count(b),
                      min_responses())


def default_pair(rounds: Sequence[Round]) -> tuple[Round, Round] | None:
    """From rounds newest first: the two latest that were opened (or the two latest of any
    state), older one first."""
    tried = [r for r in rounds if r.state is not RoundState.draft]
    pool = tried if len(tried) >= 2 else list(rounds)
    return (pool[1], pool[0]) if len(pool) >= 2 else None


#: Closing with fewer than this share of the invited people answered is warned about.
LOW_RESPONSE_RATE = 0.5


@dataclass(frozen=True)
class ClosingCheck:
    """What the core team should know before it closes a round: whether it closes before its
    last day, and how many of the invited people sent in the form."""

    closes_on: date
    days_early: int  # whole days before the last day (0: the last day or later)
    invited: int  # invitations not withdrawn
    answered: int  # of those, the ones with a sent-in form
    min_responses: int  # fewer sent-in forms are too few to draw conclusions

    @property
    def early(self) -> bool:
        return self.days_early > 0

    @property
    def too_few(self) -> bool:
        return self.answered < self.min_responses

    @property
    def low_rate(self) -> bool:
        return self.invited > 0 and self.answered < LOW_RESPONSE_RATE * self.invited

    @property
    def warns(self) -> bool:
        return self.early or self.too_few or self.low_rate


def closing_check(round_: Round, on: date | None = None) -> ClosingCheck:
    """The facts the confirmation of "close the round" shows (``on``: default today)."""
    rates = response_rates(round_).total
    days = (round_.closes_on - (on or today())).days
    return ClosingCheck(round_.closes_on, max(0, days), rates.invited, rates.answered,
                        min_responses())
