"""Concept rules: create from shortlisted clusters, edit, states, publishing, the criteria of a
challenge and the core team's scores; and the read queries of the concept pages.

Every change checks that the actor manages the challenge and that the phase allows working
out concepts (``Action.develop_concepts``), writes an AuditEvent and flushes; the view commits.

Decisions where the brief left room:

* Clusters already linked to a concept may stay when they are parked later; clusters that are
  added must be shortlisted and not merged.
* The last criterion of a challenge cannot be removed, so ``ensure_criteria`` (which seeds the
  defaults when there are none) never brings back criteria the team removed on purpose.
* A member may give a note with each score; the notes are shown next to the scores, to the
  same people, under the same independence rule (see ``scoring``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from ideation.accounts.models import User
from ideation.challenges.models import Challenge, Language
from ideation.challenges.phases import Action, ensure_allowed
from ideation.concepts.models import Concept, ConceptCriterion, ConceptScore, ConceptState
from ideation.concepts.scoring import complete_scorers, criteria_of, may_score, may_see_scores
from ideation.core.audit import record_event
from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied, can_manage, ensure_can_manage
from ideation.core.routing import optional_database_id
from ideation.core.signals import concept_published
from ideation.curation.models import Cluster, ClusterState
from ideation.extensions import db
from ideation.prototypes.models import Prototype

# The road a concept travels; parked is beside it.
STEPS = (ConceptState.draft, ConceptState.realistic, ConceptState.prototyping)

DEFAULT_CRITERIA = {
    Language.nl: [
        ("Impact voor de eindgebruiker",
         "1 = helpt de eindgebruiker nauwelijks, 5 = maakt een groot verschil voor de "
         "eindgebruiker"),
        ("Haalbaarheid", "1 = bijna niet uit te voeren, 5 = makkelijk uit te voeren"),
        ("Kosten", "1 = erg duur, 5 = bijna gratis"),
        ("Draagvlak bij partners", "1 = partners zijn ertegen, 5 = alle partners steunen het"),
    ],
    Language.en: [
        ("Impact for the end user",
         "1 = hardly helps the end user, 5 = makes a big difference for the end user"),
        ("Feasibility", "1 = almost impossible to do, 5 = easy to do"),
        ("Cost", "1 = very expensive, 5 = almost free"),
        ("Support among partners", "1 = partners are against it, 5 = all partners support it"),
    ],
}


class ConceptError(ValueError):
    """A rule was broken; ``field`` names the form field the message belongs to.

    ``errors`` holds one message per form field when several fields are wrong at once (the
    scores: one message per criterion); the key "" is for the form as a whole.
    """

    def __init__(self, message: str, field: str | None = None,
                 errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.errors = dict(errors or {})


def _ensure_can_develop(actor: User | None, challenge: Challenge) -> None:
    ensure_can_manage(actor, challenge)
    ensure_allowed(challenge, Action.develop_concepts)


def _clean(text: str | None, limit: int | None = None) -> str:
    text = (text or "").strip()
    return text[:limit] if limit else text


def _audit(actor: User, action: str, concept: Concept, *,
           details: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Log a change of ``concept``; the details always carry its title at that moment."""
    record_event(actor, action, concept, challenge=concept.challenge,
                 details={"title": concept.title, **(details or {})}, **kwargs)


# --- clusters ----------------------------------------------------------------------------------


def shortlisted_clusters(challenge: Challenge) -> list[Cluster]:
    """The clusters a concept can grow from: shortlisted and not merged away."""
    return list(db.session.scalars(
        select(Cluster).where(Cluster.challenge_id == challenge.id,
                              Cluster.state == ClusterState.shortlisted,
                              Cluster.merged_into_id.is_(None))
        .order_by(Cluster.position, Cluster.id)
    ))


def _usable_clusters(challenge: Challenge, cluster_ids: Iterable[int],
                     already: Iterable[Cluster] = ()) -> list[Cluster]:
    """The clusters ``cluster_ids`` if each may feed a concept; otherwise why not."""
    ids = sorted({int(i) for i in cluster_ids})
    if not ids:
        raise ConceptError(_("Choose one or more shortlisted clusters."), "cluster_ids")
    clusters = list(db.session.scalars(
        select(Cluster).where(Cluster.id.in_(ids), Cluster.challenge_id == challenge.id)
        .order_by(Cluster.position, Cluster.id)
    ))
    if len(clusters) != len(ids):
        raise ConceptError(_("Some of the chosen clusters cannot be found."), "cluster_ids")
    kept = {cluster.id for cluster in already}
    for cluster in clusters:
        if cluster.id in kept:
            continue
        if cluster.is_merged:
            raise ConceptError(_("“%(name)s” is merged into another cluster. Choose the "
                                 "cluster it went into.", name=cluster.name), "cluster_ids")
        if cluster.state is not ClusterState.shortlisted:
            raise ConceptError(_("“%(name)s” is not shortlisted. Only shortlisted clusters "
                                 "can become a concept.", name=cluster.name), "cluster_ids")
    return clusters


# --- concepts ----------------------------------------------------------------------------------


def _clean_title(title: str | None) -> str:
    title = _clean(title, 160)
    if not title:
        raise ConceptError(_("Give the concept a title."), "title")
    return title


def _clean_dream(dream_big: str | None) -> str:
    dream_big = _clean(dream_big)
    if not dream_big:
        raise ConceptError(_("Describe the dream: the ambition without limits."), "dream_big")
    return dream_big


def create_concept(actor: User, challenge: Challenge, title: str, dream_big: str,
                   realistic: str, cluster_ids: Iterable[int]) -> Concept:
    """A new draft concept, not yet published, grown from shortlisted clusters."""
    _ensure_can_develop(actor, challenge)
    concept = Concept(challenge=challenge, title=_clean_title(title),
                      dream_big=_clean_dream(dream_big), realistic=_clean(realistic),
                      state=ConceptState.draft, is_published=False, created_by=actor,
                      clusters=_usable_clusters(challenge, cluster_ids))
    db.session.add(concept)
    ensure_criteria(challenge)
    _audit(actor, "concept.created", concept, new=concept.state,
           details={"cluster_ids": [c.id for c in concept.clusters]})
    db.session.flush()
    return concept


def edit_concept(actor: User, concept: Concept, title: str, dream_big: str,
                 realistic: str) -> None:
    """Change the title, the dream and the realistic version."""
    _ensure_can_develop(actor, concept.challenge)
    new = {"title": _clean_title(title), "dream_big": _clean_dream(dream_big),
           "realistic": _clean(realistic)}
    if not new["realistic"] and concept.state in (ConceptState.realistic,
                                                  ConceptState.prototyping):
        raise ConceptError(_("A realistic concept needs its realistic version: what can be "
                             "done, by whom, with what."), "realistic")
    changed = [name for name, value in new.items() if getattr(concept, name) != value]
    if not changed:
        return
    old_title = concept.title
    for name in changed:
        setattr(concept, name, new[name])
    _audit(actor, "concept.edited", concept, old=old_title, new=concept.title,
           details={"changed": changed})
    db.session.flush()


def set_clusters(actor: User, concept: Concept, cluster_ids: Iterable[int]) -> None:
    """Choose the clusters a concept grows from (at least one). When a published concept
    gains clusters, the authors of their ideas are told (signal ``concept_published``)."""
    _ensure_can_develop(actor, concept.challenge)
    clusters = _usable_clusters(concept.challenge, cluster_ids, already=concept.clusters)
    old = sorted(c.id for c in concept.clusters)
    new = sorted(c.id for c in clusters)
    if old == new:
        return
    concept.clusters = clusters
    _audit(actor, "concept.clusters_changed", concept, old=" ".join(map(str, old)),
           new=" ".join(map(str, new)), details={"old": old, "new": new})
    db.session.flush()
    if concept.is_published and set(new) - set(old):
        concept_published.send(concept, actor=actor)


def next_step(state: ConceptState) -> ConceptState | None:
    if state not in STEPS or state is STEPS[-1]:
        return None
    return STEPS[STEPS.index(state) + 1]


def allowed_moves(state: ConceptState) -> list[ConceptState]:
    """One step forward, one step back, park; a parked concept reopens as a draft."""
    if state is ConceptState.parked:
        return [ConceptState.draft]
    index = STEPS.index(state)
    moves = [STEPS[index + 1]] if index + 1 < len(STEPS) else []
    if index > 0:
        moves.append(STEPS[index - 1])
    return [*moves, ConceptState.parked]


def _refuse_move(concept: Concept, new_state: ConceptState) -> ConceptError:
    ahead = next_step(concept.state)
    if (ahead is not None and new_state in STEPS
            and STEPS.index(new_state) > STEPS.index(ahead)):
        return ConceptError(_("A concept cannot skip a step. Move it to “%(next)s” first.",
                              next=ahead.label), "state")
    if concept.state is ConceptState.parked:
        return ConceptError(_("A parked concept first goes back to draft: reopen it."),
                            "state")
    if new_state is concept.state:
        return ConceptError(_("The concept is already in this state."), "state")
    return ConceptError(_("This change of state is not possible."), "state")


def change_state(actor: User, concept: Concept, new_state: ConceptState | str,
                 reason: str) -> None:
    """Move a concept one step forward or back, park it or reopen it; always with a reason.

    Logged as "concept.state_changed", public while the concept is published.
    """
    _ensure_can_develop(actor, concept.challenge)
    try:
        new_state = ConceptState(new_state)
    except ValueError:
        raise ConceptError(_("This change of state is not possible."), "state") from None
    if new_state not in allowed_moves(concept.state):
        raise _refuse_move(concept, new_state)
    reason = _clean(reason)
    if not reason:
        raise ConceptError(_("Say why you make this change."), "reason")
    if new_state is ConceptState.realistic and not concept.realistic.strip():
        raise ConceptError(_("Fill in the realistic version first: what can be done, by "
                             "whom, with what."), "realistic")
    old = concept.state
    concept.state = new_state
    _audit(actor, "concept.state_changed", concept, old=old, new=new_state, reason=reason,
           public=concept.is_published)
    db.session.flush()


def set_published(actor: User, concept: Concept, published: bool) -> None:
    """Give the concept a public page (and a place in the public funnel), or take it off."""
    _ensure_can_develop(actor, concept.challenge)
    if concept.is_published is published:
        return
    concept.is_published = published
    _audit(actor, "concept.published" if published else "concept.unpublished", concept,
           old="private" if published else "public", new="public" if published else "private",
           public=published)
    db.session.flush()
    if published:
        concept_published.send(concept, actor=actor)


# --- criteria ------------------------------------------------------------------------------------


def ensure_criteria(challenge: Challenge) -> list[ConceptCriterion]:
    """The criteria of ``challenge``; the four defaults, in its language, when it has none."""
    criteria = criteria_of(challenge)
    if criteria:
        return criteria
    for position, (name, help_text) in enumerate(DEFAULT_CRITERIA[challenge.language], 1):
        db.session.add(ConceptCriterion(challenge=challenge, name=name, help_text=help_text,
                                        position=position))
    db.session.flush()
    criteria = criteria_of(challenge)
    record_event(None, "criterion.seeded", challenge, challenge=challenge,
                 details={"names": [c.name for c in criteria]})
    return criteria


def _criterion_name(challenge: Challenge, name: str | None,
                    criterion: ConceptCriterion | None = None) -> str:
    name = _clean(name, 80)
    if not name:
        raise ConceptError(_("Give the criterion a name."), "name")
    taken = {c.name.casefold() for c in criteria_of(challenge) if c is not criterion}
    if name.casefold() in taken:
        raise ConceptError(_("There is already a criterion with this name."), "name")
    return name


def add_criterion(actor: User, challenge: Challenge, name: str,
                  help_text: str = "") -> ConceptCriterion:
    """A new criterion at the end. Members who scored before must score it too before they
    see the others' scores again."""
    _ensure_can_develop(actor, challenge)
    criteria = ensure_criteria(challenge)
    criterion = ConceptCriterion(challenge=challenge, name=_criterion_name(challenge, name),
                                 help_text=_clean(help_text, 300),
                                 position=max((c.position for c in criteria), default=0) + 1)
    db.session.add(criterion)
    record_event(actor, "criterion.added", criterion, challenge=challenge, new=criterion.name)
    return criterion


def edit_criterion(actor: User, criterion: ConceptCriterion, name: str,
                   help_text: str) -> None:
    """Rename a criterion or change what 1 and 5 mean."""
    _ensure_can_develop(actor, criterion.challenge)
    name = _criterion_name(criterion.challenge, name, criterion)
    help_text = _clean(help_text, 300)
    if (name, help_text) == (criterion.name, criterion.help_text):
        return
    old = f"{criterion.name} | {criterion.help_text}"
    criterion.name, criterion.help_text = name, help_text
    record_event(actor, "criterion.edited", criterion, challenge=criterion.challenge, old=old,
                 new=f"{name} | {help_text}")
    db.session.flush()


def move_criterion(actor: User, criterion: ConceptCriterion, step: int) -> None:
    """Move a criterion one place up (step -1) or down (step +1); at an end nothing moves."""
    _ensure_can_develop(actor, criterion.challenge)
    criteria = criteria_of(criterion.challenge)
    index = criteria.index(criterion)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(criteria):
        return
    criteria[index], criteria[other] = criteria[other], criteria[index]
    for position, item in enumerate(criteria, 1):
        item.position = position
    record_event(actor, "criterion.moved", criterion, challenge=criterion.challenge,
                 old=index + 1, new=other + 1)
    db.session.flush()


def remove_criterion(actor: User, criterion: ConceptCriterion) -> int:
    """Remove a criterion and every score given on it; returns the number of scores removed.
    The last criterion stays: concepts are always scored on something."""
    challenge = criterion.challenge
    _ensure_can_develop(actor, challenge)
    if len(criteria_of(challenge)) <= 1:
        raise ConceptError(_("Keep at least one criterion: the concepts are scored on it."))
    removed = db.session.execute(
        delete(ConceptScore).where(ConceptScore.criterion_id == criterion.id)
    ).rowcount
    record_event(actor, "criterion.removed", criterion, challenge=challenge, old=criterion.name,
                 details={"scores_removed": removed})
    db.session.delete(criterion)
    db.session.flush()
    return removed


# --- scoring -------------------------------------------------------------------------------------


def _parse_score(raw: object) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 1 <= value <= 5 else None


def _note_for(notes: str | Mapping[int, str] | None, criterion_id: int) -> str:
    if isinstance(notes, Mapping):
        return _clean(notes.get(criterion_id), 2000)
    return _clean(notes, 2000)


def score_concept(actor: User, concept: Concept, scores: Mapping[int, object],
                  note: str | Mapping[int, str] | None = "") -> None:
    """A core-team member scores a concept on every criterion (1-5), replacing their earlier
    scores. ``note`` is one note for all criteria or a note per criterion id.

    Admins who are not in the core team may look but not score. The event keeps no values.
    """
    challenge = concept.challenge
    _ensure_can_develop(actor, challenge)
    if not may_score(actor, challenge):
        raise PermissionDenied()
    if concept.state is ConceptState.parked:
        raise ConceptError(_("A parked concept is not scored. Reopen it first."))
    criteria = criteria_of(challenge)
    if not criteria:
        raise ConceptError(_("Add a criterion first."))
    scores = {optional_database_id(key) or key: value for key, value in scores.items()}
    errors = {}
    if set(scores) - {c.id for c in criteria}:
        errors[""] = _("Some scores are for a criterion this challenge does not use.")
    values = {c.id: _parse_score(scores.get(c.id)) for c in criteria}
    for criterion in criteria:
        if values[criterion.id] is None:
            errors[f"c{criterion.id}"] = _("Give “%(name)s” a score from 1 to 5.",
                                           name=criterion.name)
    if errors:
        raise ConceptError(next(iter(errors.values())), errors=errors)
    mine = {s.criterion_id: s for s in db.session.scalars(
        select(ConceptScore).where(ConceptScore.concept_id == concept.id,
                                   ConceptScore.user_id == actor.id))}
    for criterion in criteria:
        row = mine.get(criterion.id)
        if row is None:
            row = ConceptScore(concept_id=concept.id, criterion_id=criterion.id,
                               user_id=actor.id)
            db.session.add(row)
        row.score = values[criterion.id]  # type: ignore[assignment]
        row.note = _note_for(note, criterion.id)
    _audit(actor, "concept.scored", concept,
           details={"rescored": bool(mine), "criteria": len(criteria)})
    db.session.flush()


# --- reading -----------------------------------------------------------------------------------


def get_concept(challenge: Challenge, concept_id: int) -> Concept | None:
    return db.session.scalar(
        select(Concept).where(Concept.id == concept_id, Concept.challenge_id == challenge.id)
        .options(selectinload(Concept.clusters))
    )


def get_criterion(challenge: Challenge, criterion_id: int) -> ConceptCriterion | None:
    return db.session.scalar(
        select(ConceptCriterion).where(ConceptCriterion.id == criterion_id,
                                       ConceptCriterion.challenge_id == challenge.id)
    )


def visible_to(viewer: User | None, concept: Concept) -> bool:
    """Published concepts to everyone who may see the challenge; the rest to its managers."""
    return concept.is_published or can_manage(viewer, concept.challenge)


def concept_prototypes(viewer: User | None, concept: Concept) -> list[Prototype]:
    """The prototypes made from ``concept``: published ones, or all for its managers."""
    query = select(Prototype).where(Prototype.concept_id == concept.id).order_by(Prototype.id)
    if not can_manage(viewer, concept.challenge):
        query = query.where(Prototype.is_published.is_(True))
    return list(db.session.scalars(query))


def concept_history(viewer: User | None, concept: Concept) -> list[AuditEvent]:
    """The log of one concept, oldest first. Who scored is left out for a member who has not
    scored yet: even names would tell them something before they give their own scores."""
    query = (select(AuditEvent)
             .where(AuditEvent.object_type == Concept.__tablename__,
                    AuditEvent.object_id == concept.id)
             .order_by(AuditEvent.created_dt, AuditEvent.id))
    criteria = criteria_of(concept.challenge)
    scorers = complete_scorers(concept.challenge, len(criteria), [concept.id])
    if not may_see_scores(viewer, concept.challenge, scorers.get(concept.id, set())):
        query = query.where(AuditEvent.action != "concept.scored")
    return list(db.session.scalars(query))
