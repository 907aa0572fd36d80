"""The public record of a challenge as plain data, for the open-data download and the JSON API.

Only what every visitor may see: published challenges; published ideas that were not merged
away (never hidden, pending, withdrawn or draft ones); published clusters, concepts and
prototypes; decisions on published prototypes; the actions of a published agenda. No e-mail
address, no account id; an idea's author only as the challenge names authors in public
(``challenges/authors.py``), and never for an anonymous idea or in the open data (which holds
no personal data at all). Every list is one query per page (plus one per kind of child).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import selectinload

from ideation.challenges import authors
from ideation.challenges.models import AuthorDisplay, Challenge, PhaseKind
from ideation.challenges.phases import current_phase, is_closed
from ideation.concepts.models import Concept, concept_clusters
from ideation.curation.models import Cluster
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.prototypes.models import Prototype
from ideation.reports.models import Agenda, AgendaAction
from ideation.validation.decision import prototype_decisions
from ideation.validation.results import respondents_of

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    page: int
    per_page: int
    total: int

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "page": self.page, "per_page": self.per_page,
                "total": self.total}


def _page(query: Any, count: Any, page: int, per_page: int) -> tuple[list[Any], int]:
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    total = db.session.scalar(count) or 0
    rows = db.session.scalars(query.limit(per_page).offset((max(1, page) - 1) * per_page)).all()
    return list(rows), total


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# --- challenges ------------------------------------------------------------------------------


def phase_of(challenge: Challenge) -> str:
    """The phase running today, "closed" after the last, "not_started" before the first."""
    if is_closed(challenge):
        return "closed"
    phase = current_phase(challenge)
    return phase.kind.value if phase is not None else "not_started"


def challenge_record(challenge: Challenge) -> dict[str, Any]:
    return {
        "slug": challenge.slug, "title": challenge.title, "question": challenge.question,
        "description": challenge.description, "language": challenge.language.value,
        "licence": challenge.licence, "phase": phase_of(challenge),
        "phases": [{"phase": p.kind.value, "starts_on": _iso(p.starts_on),
                    "ends_on": _iso(p.ends_on)} for p in challenge.phases],
    }


def published_challenges(phase: str | None = None) -> list[Challenge]:
    challenges = db.session.scalars(select(Challenge).where(Challenge.is_published.is_(True))
                                    .order_by(Challenge.created_dt, Challenge.id)).all()
    return [c for c in challenges if phase is None or phase_of(c) == phase]


PHASE_FILTERS = (*[k.value for k in PhaseKind], "closed", "not_started")


# --- ideas -------------------------------------------------------------------------------------


def _public_ideas(challenge: Challenge) -> list[ColumnElement[bool]]:
    return [Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published,
            Idea.merged_into_id.is_(None)]


def idea_author(challenge: Challenge, idea: Idea) -> str | None:
    """The public name, or None: anonymous, no names, a deleted account, an import."""
    if (idea.is_anonymous or idea.author is None or idea.source == "import"
            or challenge.author_display is AuthorDisplay.no_names):
        return None
    return authors.public_name(challenge, idea.author)


def ideas_page(challenge: Challenge, *, page: int = 1, per_page: int = 50,
               theme: str | None = None, with_authors: bool = True) -> Page:
    conditions = _public_ideas(challenge)
    if theme:
        names = {t.name: t.id for t in challenge.themes}
        conditions.append(Idea.theme_id == names.get(theme, -1))
    query = (select(Idea).where(*conditions).options(selectinload(Idea.theme),
                                                     selectinload(Idea.author))
             .order_by(Idea.created_dt, Idea.id))
    rows, total = _page(query, select(func.count(Idea.id)).where(*conditions), page, per_page)
    items = []
    for idea in rows:
        item = {"id": idea.id, "title": idea.title, "description": idea.description,
                "theme": idea.theme.name if idea.theme else None, "cluster_id": idea.cluster_id
                if idea.cluster_id in _published_cluster_ids(challenge) else None,
                "supports": idea.support_count, "created": _iso(idea.created_dt)}
        if with_authors:
            item["author"] = idea_author(challenge, idea)
        items.append(item)
    return Page(items, page, per_page, total)


def _published_cluster_ids(challenge: Challenge) -> set[int]:
    key = "_public_cluster_ids"
    cache = db.session.info.setdefault(key, {})
    if challenge.id not in cache:
        cache[challenge.id] = set(db.session.scalars(select(Cluster.id).where(
            Cluster.challenge_id == challenge.id, Cluster.is_published.is_(True),
            Cluster.merged_into_id.is_(None))))
    return cache[challenge.id]


# --- clusters, concepts, prototypes, decisions, actions -----------------------------------------


def clusters(challenge: Challenge, state: str | None = None) -> list[dict[str, Any]]:
    conditions = [Cluster.challenge_id == challenge.id, Cluster.is_published.is_(True),
                  Cluster.merged_into_id.is_(None)]
    if state:
        conditions.append(Cluster.state == state)
    rows = db.session.scalars(select(Cluster).where(*conditions)
                              .order_by(Cluster.position, Cluster.id)).all()
    sizes = dict(db.session.execute(
        select(Idea.cluster_id, func.count(Idea.id))
        .where(*_public_ideas(challenge), Idea.cluster_id.in_([c.id for c in rows]))
        .group_by(Idea.cluster_id)).all()) if rows else {}
    return [{"id": c.id, "name": c.name, "summary": c.summary, "state": c.state.value,
             "size": sizes.get(c.id, 0)} for c in rows]


def concepts(challenge: Challenge, state: str | None = None) -> list[dict[str, Any]]:
    conditions = [Concept.challenge_id == challenge.id, Concept.is_published.is_(True)]
    if state:
        conditions.append(Concept.state == state)
    rows = db.session.scalars(select(Concept).where(*conditions)
                              .order_by(Concept.created_dt, Concept.id)).all()
    public = _published_cluster_ids(challenge)
    links: dict[int, list[int]] = defaultdict(list)
    if rows:
        for concept_id, cluster_id in db.session.execute(
                select(concept_clusters.c.concept_id, concept_clusters.c.cluster_id)
                .where(concept_clusters.c.concept_id.in_([c.id for c in rows]))):
            if cluster_id in public:
                links[concept_id].append(cluster_id)
    return [{"id": c.id, "title": c.title, "dream_big": c.dream_big, "realistic": c.realistic,
             "state": c.state.value, "cluster_ids": sorted(links[c.id])} for c in rows]


def _public_prototypes(challenge: Challenge, state: str | None = None) -> Sequence[Prototype]:
    conditions = [Prototype.challenge_id == challenge.id, Prototype.is_published.is_(True)]
    if state:
        conditions.append(Prototype.state == state)
    return db.session.scalars(select(Prototype).where(*conditions)
                              .options(selectinload(Prototype.versions))
                              .order_by(Prototype.created_dt, Prototype.id)).all()


def prototypes(challenge: Challenge, state: str | None = None) -> list[dict[str, Any]]:
    return [{"id": p.id, "title": p.title, "kind": p.kind.value, "state": p.state.value,
             "concept_id": p.concept_id,
             "versions": [{"number": v.number, "description": v.description,
                           "changes": v.changes, "change_reason": v.change_reason,
                           "created": _iso(v.created_dt)} for v in p.versions]}
            for p in _public_prototypes(challenge, state)]


def decisions(challenge: Challenge, outcome: str | None = None) -> list[dict[str, Any]]:
    found = [(p, d) for p in _public_prototypes(challenge) for d in prototype_decisions(p)]
    counts = respondents_of([d.round_id for _p, d in found])
    return [{"id": d.id, "prototype_id": p.id, "round": d.round.title,
             "version": d.round.version.number, "outcome": d.outcome.value,
             "rationale": d.rationale, "decided": _iso(d.decided_dt),
             "respondents": counts.get(d.round_id, 0),
             "concerns": [{"summary": c.summary, "disposition": c.disposition.value,
                           "answer": c.answer} for c in d.concerns]}
            for p, d in found if outcome is None or d.outcome.value == outcome]


def actions(challenge: Challenge, status: str | None = None) -> list[dict[str, Any]]:
    agenda = db.session.scalar(select(Agenda).where(
        Agenda.challenge_id == challenge.id, Agenda.is_published.is_(True)))
    if agenda is None:
        return []
    query = (select(AgendaAction).where(AgendaAction.agenda_id == agenda.id)
             .options(selectinload(AgendaAction.concepts), selectinload(AgendaAction.prototypes),
                      selectinload(AgendaAction.history), selectinload(AgendaAction.updates))
             .order_by(AgendaAction.position, AgendaAction.id))
    if status:
        query = query.where(AgendaAction.status == status)
    return [{"id": a.id, "title": a.title, "owner": a.owner, "description": a.description,
             "due_on": _iso(a.due_on), "status": a.status.value, "stop_reason": a.stop_reason,
             "concept_ids": [c.id for c in a.concepts if c.is_published],
             "prototype_ids": [p.id for p in a.prototypes if p.is_published],
             "history": [{"status": h.new_status.value, "reason": h.reason,
                          "changed": _iso(h.changed_dt)} for h in a.history],
             "updates": [{"body": u.body, "posted": _iso(u.created_dt)} for u in a.updates]}
            for a in db.session.scalars(query)]


def open_data(challenge: Challenge) -> dict[str, Any]:
    """The whole public record, without any personal data, with its licence."""
    ideas: list[dict[str, Any]] = []
    page = 1
    while True:
        chunk = ideas_page(challenge, page=page, per_page=MAX_PER_PAGE, with_authors=False)
        ideas += chunk.items
        if page * MAX_PER_PAGE >= chunk.total:
            break
        page += 1
    return {
        "licence": challenge.licence,
        "challenge": challenge_record(challenge),
        "ideas": ideas,
        "clusters": clusters(challenge),
        "concepts": concepts(challenge),
        "prototypes": prototypes(challenge),
        "decisions": decisions(challenge),
        "actions": actions(challenge),
    }
