"""The core team's exports of a challenge, as CSV (UTF-8 with BOM, formula-safe) and JSON:
ideas with their cluster, status and supports; clusters; concepts with their scores; prototypes
with their versions; validation rounds with every answer.

Hidden, withdrawn and draft ideas are left out (an export travels further than the platform),
authors are named as the challenge names them in public (``challenges/authors.py``), anonymous
ideas stay anonymous, and no e-mail address is in any file. Each data set is a fixed number of
queries, streamed in chunks, so it serves 100,000 ideas.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ideation.challenges.models import Challenge
from ideation.concepts.models import Concept, ConceptCriterion, ConceptScore
from ideation.curation.models import Cluster
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.prototypes.models import Prototype
from ideation.reports.public_data import idea_author
from ideation.validation.models import Answer, Question, Response, Round, StakeholderGroup
from ideation.validation.results import FORMULA_STARTS

CHUNK = 1000
EXPORTED_STATUSES = (IdeaStatus.published, IdeaStatus.pending)

Rows = Iterator[dict[str, Any]]


def _ideas(challenge: Challenge) -> Rows:
    clusters = dict(db.session.execute(select(Cluster.id, Cluster.name).where(
        Cluster.challenge_id == challenge.id)).all())
    last = 0
    while True:
        chunk = db.session.scalars(
            select(Idea).where(Idea.challenge_id == challenge.id,
                               Idea.status.in_(EXPORTED_STATUSES), Idea.id > last)
            .options(selectinload(Idea.theme), selectinload(Idea.author))
            .order_by(Idea.id).limit(CHUNK)).all()
        if not chunk:
            return
        for idea in chunk:
            author = idea_author(challenge, idea)
            if author is None and idea.is_anonymous:
                author = _("Anonymous")
            yield {"id": idea.id, "title": idea.title, "description": idea.description,
                   "status": idea.status.value, "theme": idea.theme.name if idea.theme else "",
                   "cluster": clusters.get(idea.cluster_id or 0, ""),
                   "merged_into": idea.merged_into_id or "", "supports": idea.support_count,
                   "responses": idea.comment_count, "author": author or "",
                   "created": idea.created_dt.isoformat()}
        last = chunk[-1].id


def _clusters(challenge: Challenge) -> Rows:
    sizes = dict(db.session.execute(
        select(Idea.cluster_id, func.count(Idea.id))
        .where(Idea.challenge_id == challenge.id, Idea.status.in_(EXPORTED_STATUSES))
        .group_by(Idea.cluster_id)).all())
    for cluster in db.session.scalars(select(Cluster).where(
            Cluster.challenge_id == challenge.id).order_by(Cluster.position, Cluster.id)):
        yield {"id": cluster.id, "name": cluster.name, "summary": cluster.summary,
               "state": cluster.state.value, "published": cluster.is_published,
               "merged_into": cluster.merged_into_id or "", "size": sizes.get(cluster.id, 0)}


def _concepts(challenge: Challenge) -> Rows:
    criteria = db.session.scalars(select(ConceptCriterion).where(
        ConceptCriterion.challenge_id == challenge.id).order_by(ConceptCriterion.position)).all()
    means: dict[int, dict[int, float]] = defaultdict(dict)
    for concept_id, criterion_id, mean, count in db.session.execute(
            select(ConceptScore.concept_id, ConceptScore.criterion_id,
                   func.avg(ConceptScore.score), func.count(ConceptScore.id))
            .join(Concept, Concept.id == ConceptScore.concept_id)
            .where(Concept.challenge_id == challenge.id)
            .group_by(ConceptScore.concept_id, ConceptScore.criterion_id)):
        means[concept_id][criterion_id] = round(float(mean), 2) if count else None
    for concept in db.session.scalars(select(Concept).where(
            Concept.challenge_id == challenge.id).order_by(Concept.created_dt, Concept.id)):
        row = {"id": concept.id, "title": concept.title, "state": concept.state.value,
               "published": concept.is_published, "dream_big": concept.dream_big,
               "realistic": concept.realistic}
        for criterion in criteria:
            row[_("score: %(criterion)s", criterion=criterion.name)] = \
                means[concept.id].get(criterion.id, "")
        yield row


def _prototypes(challenge: Challenge) -> Rows:
    for prototype in db.session.scalars(
            select(Prototype).where(Prototype.challenge_id == challenge.id)
            .options(selectinload(Prototype.versions))
            .order_by(Prototype.created_dt, Prototype.id)):
        for version in prototype.versions:
            yield {"prototype_id": prototype.id, "title": prototype.title,
                   "kind": prototype.kind.value, "state": prototype.state.value,
                   "published": prototype.is_published, "concept_id": prototype.concept_id,
                   "version": version.number, "description": version.description,
                   "changes": version.changes, "change_reason": version.change_reason,
                   "created": version.created_dt.isoformat()}


def _rounds(challenge: Challenge) -> Rows:
    """Every answer of every sent-in form; the person is a number per response, never named."""
    rounds = {r.id: r for r in db.session.scalars(
        select(Round).where(Round.challenge_id == challenge.id)
        .options(selectinload(Round.prototype), selectinload(Round.version)))}
    if not rounds:
        return
    questions = {q.id: q for q in db.session.scalars(
        select(Question).where(Question.round_id.in_(list(rounds))))}
    groups = dict(db.session.execute(select(StakeholderGroup.id, StakeholderGroup.name).where(
        StakeholderGroup.round_id.in_(list(rounds)))).all())
    last = 0
    while True:
        chunk = db.session.execute(
            select(Answer.id, Answer.choice, Answer.text, Answer.question_id, Response.id,
                   Response.round_id, Response.group_id)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id.in_(list(rounds)), Response.submitted_dt.is_not(None),
                   Answer.id > last)
            .order_by(Answer.id).limit(CHUNK)).all()
        if not chunk:
            return
        for _answer_id, choice, text, question_id, response_id, round_id, group_id in chunk:
            round_, question = rounds[round_id], questions[question_id]
            yield {"round_id": round_id, "round": round_.title,
                   "prototype": round_.prototype.title, "version": round_.version.number,
                   "state": round_.state.value, "respondent": response_id,
                   "group": groups.get(group_id or 0, ""), "question": question.text,
                   "kind": question.kind.value, "answer": _answer(question, choice, text)}
        last = chunk[-1][0]


def _answer(question: Question, choice: int | None, text: str | None) -> Any:
    if text is not None:
        return text
    if choice is None:
        return ""
    if question.options and 0 <= choice < len(question.options):
        return question.options[choice]
    return choice


DATASETS: dict[str, Callable[[Challenge], Rows]] = {
    "ideas": _ideas, "clusters": _clusters, "concepts": _concepts,
    "prototypes": _prototypes, "rounds": _rounds,
}


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_csv(rows: Rows) -> Iterator[str]:
    """CSV lines for Excel: a BOM, a header from the first row, formula-safe cells."""
    first = True
    for row in rows:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if first:
            buffer.write("\ufeff")
            writer.writerow(list(row))
            first = False
        writer.writerow([_cell(v) for v in row.values()])
        yield buffer.getvalue()
    if first:
        yield "\ufeff"


def as_json(rows: Rows) -> Iterator[str]:
    yield "["
    for number, row in enumerate(rows):
        yield ("," if number else "") + json.dumps(row, ensure_ascii=False)
    yield "]"
