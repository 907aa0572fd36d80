"""Public progress of a challenge: the later funnel stages, the published concepts and
prototypes, and the timeline of what happened, told from the public audit events.

The timeline never names who acted (citizens and staff stay private) and never shows an action
it has no sentence for. Every function here runs a fixed number of queries, whatever the number
of events: one for the events, and at most one per kind of object they are about.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import Flask, url_for
from flask_babel import LazyString, format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import raiseload
from werkzeug.routing import BuildError

from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.services import register_funnel_stage
from ideation.concepts.models import Concept, ConceptState
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.models import AuditEvent
from ideation.core.pagination import Paginated
from ideation.curation.models import Cluster
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.prototypes.models import Prototype, PrototypeState, PrototypeVersion
from ideation.reports.models import ActionStatus, ActionUpdate, Agenda, AgendaAction
from ideation.validation.models import Outcome, Round

PER_PAGE = 20
LATEST = 8
TITLES = ("title", "prototype")  # the placeholders that hold a title written by people

CONCEPT_STATE_WORDS: dict[str, LazyString] = {
    ConceptState.draft: _l("draft"),
    ConceptState.realistic: _l("realistic"),
    ConceptState.prototyping: _l("prototyping"),
    ConceptState.parked: _l("parked"),
}
PROTOTYPE_STATE_WORDS: dict[str, LazyString] = {
    PrototypeState.testing: _l("being tested"),
    PrototypeState.adopted: _l("adopted"),
    PrototypeState.parked: _l("parked"),
}
ACTION_STATUS_WORDS: dict[str, LazyString] = {
    ActionStatus.planned: _l("planned"),
    ActionStatus.started: _l("started"),
    ActionStatus.done: _l("done"),
    ActionStatus.stopped: _l("stopped"),
}
OUTCOME_WORDS: dict[str, LazyString] = {
    Outcome.adopt: _l("adopt the prototype"),
    Outcome.iterate: _l("improve it in a new version"),
    Outcome.park: _l("park it"),
}


# --- the funnel ---------------------------------------------------------------------------------


def count_published_concepts(challenge: Challenge) -> int:
    return _count(Concept.id, Concept.challenge_id == challenge.id,
                  Concept.is_published.is_(True))


def count_published_prototypes(challenge: Challenge) -> int:
    return _count(Prototype.id, Prototype.challenge_id == challenge.id,
                  Prototype.is_published.is_(True))


def count_validated_prototypes(challenge: Challenge) -> int:
    return _count(Prototype.id, Prototype.challenge_id == challenge.id,
                  Prototype.is_published.is_(True), Prototype.state == PrototypeState.adopted)


def _count(column: Any, *conditions: ColumnElement[bool]) -> int:
    return db.session.scalar(select(func.count(column)).where(*conditions)) or 0


def init_app(app: Flask) -> None:
    """Add the later stages to the funnel, after ideas and clusters (their modules register
    those on import, so this runs once the blueprints are in place)."""
    register_funnel_stage("concepts", _l("Concepts"), count_published_concepts)
    register_funnel_stage("prototypes", _l("Prototypes"), count_published_prototypes)
    register_funnel_stage("validated", _l("Validated"), count_validated_prototypes)


# --- published concepts and prototypes -----------------------------------------------------------


@dataclass(frozen=True)
class PublicItem:
    title: str
    state: LazyString | None
    url: str | None


def published_concepts(challenge: Challenge) -> list[PublicItem]:
    """The concepts with a public page, oldest first."""
    rows = db.session.execute(
        select(Concept.id, Concept.title, Concept.state)
        .where(Concept.challenge_id == challenge.id, Concept.is_published.is_(True))
        .order_by(Concept.created_dt, Concept.id)
    )
    return [PublicItem(title, CONCEPT_STATE_WORDS.get(state),
                       _url("concepts.show", slug=challenge.slug, concept_id=concept_id))
            for concept_id, title, state in rows]


def published_prototypes(challenge: Challenge) -> list[PublicItem]:
    """The prototypes with a public page, oldest first."""
    rows = db.session.execute(
        select(Prototype.id, Prototype.title, Prototype.state)
        .where(Prototype.challenge_id == challenge.id, Prototype.is_published.is_(True))
        .order_by(Prototype.created_dt, Prototype.id)
    )
    return [PublicItem(title, PROTOTYPE_STATE_WORDS.get(state),
                       _url("prototypes.show", slug=challenge.slug, prototype_id=prototype_id))
            for prototype_id, title, state in rows]


def _url(endpoint: str, **values: Any) -> str | None:
    """A link, or None while the page it points to does not exist (yet)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


# --- the timeline: sentences per action ----------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """How one public action is told. ``messages`` are tried in order: the first one whose
    placeholders are all known is used, so the last one should need the least."""

    messages: tuple[LazyString, ...]
    states: Mapping[str, LazyString] = field(default_factory=dict)  # words for old/new
    shows_reason: bool = False


SENTENCES: dict[str, Sentence] = {
    "challenge.published": Sentence((_l("The challenge is now public."),)),
    # One line per re-planning (the per-phase "phase.planned" events are for the log only).
    "phases.planned": Sentence((
        _l("The phase “%(phase)s” is planned from %(start)s to %(end)s."),
        _l("The planning of the phase “%(phase)s” changed."),
        _l("The planning changed: %(plan)s."),
        _l("The planning changed."),
    )),
    "idea.submitted": Sentence((_l("New idea: “%(title)s”."), _l("A new idea was sent in."))),
    "idea.edited": Sentence((_l("The idea “%(title)s” was changed by its author."),
                             _l("An idea was changed by its author."))),
    "idea.withdrawn": Sentence((_l("An idea was withdrawn by its author."),)),
    "idea.merged": Sentence((_l("The idea “%(title)s” was merged with a similar idea."),
                             _l("Two similar ideas were merged."))),
    "idea.unmerged": Sentence((_l("The idea “%(title)s” is on its own again."),
                               _l("Two merged ideas were separated again."))),
    "cluster.published": Sentence((_l("The cluster “%(title)s” was published."),
                                   _l("A cluster of ideas was published."))),
    "concept.published": Sentence((_l("The concept “%(title)s” was published."),
                                   _l("A concept was published."))),
    "concept.state_changed": Sentence(
        (_l("The concept “%(title)s” moved from %(old)s to %(new)s."),
         _l("A concept moved from %(old)s to %(new)s."),
         _l("A concept moved to another step.")),
        states=CONCEPT_STATE_WORDS, shows_reason=True),
    "prototype.published": Sentence((_l("The prototype “%(title)s” was published."),
                                     _l("A prototype was published."))),
    "prototype.version_added": Sentence((
        _l("The prototype “%(title)s” has a new version: version %(number)s."),
        _l("The prototype “%(title)s” has a new version."),
        _l("A prototype has a new version."),
    )),
    "prototype.state_changed": Sentence(
        (_l("The prototype “%(title)s” moved from %(old)s to %(new)s."),
         _l("A prototype moved from %(old)s to %(new)s."),
         _l("A prototype moved to another step.")),
        states=PROTOTYPE_STATE_WORDS, shows_reason=True),
    "round.opened": Sentence((
        _l("The validation round “%(title)s” for the prototype “%(prototype)s” is open."),
        _l("The validation round “%(title)s” is open."),
        _l("A validation round is open."),
    )),
    "round.closed": Sentence((
        _l("The validation round “%(title)s” for the prototype “%(prototype)s” is closed."),
        _l("The validation round “%(title)s” is closed."),
        _l("A validation round is closed."),
    )),
    "round.decided": Sentence((
        _l("Decision after the validation round “%(title)s” for the prototype "
           "“%(prototype)s”: %(outcome)s."),
        _l("Decision after the validation round “%(title)s”: %(outcome)s."),
        _l("A decision was taken after a validation round."),
    )),
    "agenda.published": Sentence((_l("The Agenda for Action is published."),)),
    "action.added": Sentence((_l("New action in the Agenda for Action: “%(title)s”."),
                              _l("A new action was added to the Agenda for Action."))),
    "action.status_changed": Sentence(
        (_l("The action “%(title)s” moved from %(old)s to %(new)s."),
         _l("An action moved from %(old)s to %(new)s."),
         _l("An action of the Agenda for Action changed.")),
        states=ACTION_STATUS_WORDS, shows_reason=True),
    "action.update_posted": Sentence((_l("News about the action “%(title)s”."),
                                      _l("News about an action of the Agenda for Action."))),
}


@dataclass(frozen=True)
class Entry:
    """One line of the public timeline, in the reader's language."""

    when: datetime
    text: Markup  # escaped, with the titles in spans that give their language
    url: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class TimelinePage(Paginated):
    items: list[Entry]
    page: int
    per_page: int
    total: int


def _public_events(challenge: Challenge) -> tuple[ColumnElement[bool], ...]:
    # Equality on challenge_id and is_public (written "= true", which an index can use, not
    # "IS true"), so the (challenge_id, is_public, created_dt, id) index serves filter and order.
    return (AuditEvent.challenge_id == challenge.id, AuditEvent.is_public == true(),
            AuditEvent.action.in_(list(SENTENCES)))


def _events(challenge: Challenge, limit: int, offset: int = 0) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(*_public_events(challenge))
        # The actor is never shown: do not even load it.
        .options(raiseload(AuditEvent.actor))
        .order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())
        .limit(limit).offset(offset)
    ))


def latest_entries(challenge: Challenge, limit: int = LATEST) -> list[Entry]:
    """The newest public events, for the challenge page."""
    return entries_for(challenge, _events(challenge, limit))


def timeline_page(challenge: Challenge, page: int = 1, per_page: int = PER_PAGE) -> TimelinePage:
    """One page of the public timeline, newest first."""
    total = _count(AuditEvent.id, *_public_events(challenge))
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    events = _events(challenge, per_page, (page - 1) * per_page)
    return TimelinePage(entries_for(challenge, events), page, per_page, total)


def entries_for(challenge: Challenge, events: Iterable[AuditEvent]) -> list[Entry]:
    """Turn events into sentences; unknown actions are left out, never shown raw."""
    events = [event for event in events if event.action in SENTENCES]
    targets = _load_targets(challenge, events)
    entries = []
    for event in events:
        target = targets.get((event.object_type, event.object_id))
        entry = _entry(event, SENTENCES[event.action], target, challenge.language.value)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(event: AuditEvent, sentence: Sentence, target: _Target | None,
           language: str) -> Entry | None:
    params = {**(target.params if target else {}), **_event_params(event, sentence)}
    # Titles are in the challenge's language, the sentence in the reader's (WCAG 3.1.2). The
    # sentence is escaped first and every value by ``%``: only the span is markup.
    for key in TITLES:
        if key in params:
            params[key] = Markup('<span lang="{}">{}</span>').format(language, params[key])
    for message in sentence.messages:
        try:
            text = escape(str(message)) % params
        except (KeyError, TypeError, ValueError):
            continue
        reason = (event.reason or "").strip() if sentence.shows_reason else ""
        return Entry(event.created_dt, text, target.url if target else None, reason or None)
    return None


def _event_params(event: AuditEvent, sentence: Sentence) -> dict[str, Any]:
    """What the event itself tells: the titles at that moment, numbers and plain words."""
    details = event.details if isinstance(event.details, dict) else {}
    params: dict[str, Any] = {}
    for key in ("title", "prototype"):
        value = details.get(key)
        if isinstance(value, str) and value.strip():
            params[key] = value.strip()
    if isinstance(details.get("number"), int):
        params["number"] = details["number"]
    if details.get("outcome") in OUTCOME_WORDS:
        params["outcome"] = OUTCOME_WORDS[details["outcome"]]
    if (phase := PhaseKind.find(details.get("phase"))) is not None:
        params["phase"] = phase.label
    for key, state in (("old", event.old_state), ("new", event.new_state)):
        if state in sentence.states:
            params[key] = sentence.states[state]
    params.update(_span_params(event.new_state))
    params.update(_plan_params(details.get("phases")))
    return params


def _plan_params(phases: Any) -> dict[str, Any]:
    """The phases of one re-planning: for one phase its name and dates, for several one
    list ("“Dream big” from 1 March 2026 to 31 March 2026; ...")."""
    if not isinstance(phases, list):
        return {}
    parts = []
    for item in phases:
        kind = PhaseKind.find(item.get("phase")) if isinstance(item, dict) else None
        if kind is None:
            return {}
        dates = _span_params(item.get("span"))
        parts.append((kind.label, dates))
    if len(parts) == 1:
        label, dates = parts[0]
        return {"phase": label, **dates}
    return {"plan": "; ".join(
        _("“%(phase)s” from %(start)s to %(end)s", phase=label, **dates) if dates
        else _("“%(phase)s” without dates", phase=label) for label, dates in parts)}


_SPAN = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})$")


def _span_params(value: str | None) -> dict[str, str]:
    """The dates of a planned phase, stored as "start/end" in ISO form."""
    match = _SPAN.match(value or "")
    if not match:
        return {}
    start, end = (date.fromisoformat(part) for part in match.groups())
    return {"start": format_date(start, "long"), "end": format_date(end, "long")}


# --- the timeline: what the events are about ------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """An object an event is about, loaded only while it is public: its link and its current
    title (used when the event did not record one)."""

    url: str | None
    params: dict[str, Any]


Loader = Callable[[Challenge, list[int]], dict[int, _Target]]


def _load_targets(challenge: Challenge,
                  events: list[AuditEvent]) -> dict[tuple[str, int | None], _Target]:
    """One query per kind of object on the page, whatever the number of events."""
    ids: dict[str, set[int]] = {}
    for event in events:
        if event.object_id is not None and event.object_type in LOADERS:
            ids.setdefault(event.object_type, set()).add(event.object_id)
    targets: dict[tuple[str, int | None], _Target] = {}
    for object_type, object_ids in ids.items():
        for object_id, target in LOADERS[object_type](challenge, sorted(object_ids)).items():
            targets[(object_type, object_id)] = target
    return targets


def _ideas(challenge: Challenge, ids: list[int]) -> dict[int, _Target]:
    rows = db.session.execute(
        select(Idea.id, Idea.title)
        .where(Idea.id.in_(ids), Idea.challenge_id == challenge.id,
               Idea.status == IdeaStatus.published)
    )
    return {idea_id: _Target(_url("ideas.show", slug=challenge.slug, idea_id=idea_id),
                             {"title": title}) for idea_id, title in rows}


def _clusters(challenge: Challenge, ids: list[int]) -> dict[int, _Target]:
    rows = db.session.execute(
        select(Cluster.id, Cluster.name)
        .where(Cluster.id.in_(ids), Cluster.challenge_id == challenge.id,
               Cluster.is_published.is_(True), Cluster.merged_into_id.is_(None))
    )
    return {cluster_id: _Target(_url("challenges.show", slug=challenge.slug,
                                     _anchor=f"cluster-{cluster_id}"), {"title": name})
            for cluster_id, name in rows}


def _concepts(challenge: Challenge, ids: list[int]) -> dict[int, _Target]:
    rows = db.session.execute(
        select(Concept.id, Concept.title)
        .where(Concept.id.in_(ids), Concept.challenge_id == challenge.id,
               Concept.is_published.is_(True))
    )
    return {concept_id: _Target(_url("concepts.show", slug=challenge.slug,
                                     concept_id=concept_id), {"title": title})
            for concept_id, title in rows}


def _prototype_target(challenge: Challenge, prototype_id: int, title: str) -> _Target:
    return _Target(_url("prototypes.show", slug=challenge.slug, prototype_id=prototype_id),
                   {"title": title})


def _prototypes(challenge: Challenge, ids: list[int]) -> dict[int, _Target]:
    rows = db.session.execute(
        select(Prototype.id, Prototype.title)
        .where(Prototype.id.in_(ids), Prototype.challenge_id == challenge.id,
               Prototype.is_published.is_(True))
    )
    return {pid: _prototype_target(challenge, pid, title) for pid, title in rows}


def _versions(challenge: Challenge, ids: list[int]) -> dict[int, _Target]:
    """An event about a version links to (and is titled after) its prototype."""
    rows = db.session.execute(
        select(PrototypeVersion.id, Prototype.id, Prototype.title)
        .join(Prototype, PrototypeVersion.prototype_id == Prototype.id)
        .where(PrototypeVersion.id.in_(ids), Prototype.challenge_id == challenge.id,
               Prototype.is_published.is_(True))
    )
    return {vid: _prototype_target(challenge, pid, title) for vid, pid, title in rows}


def _rounds(challenge: Challenge, ids: list[int]) -> dict[int, _Target]:
    """An event about a validation round links to the prototype it tested."""
    rows = db.session.execute(
        select(Round.id, Prototype.id, Prototype.title)
        .join(Prototype, Round.prototype_id == Prototype.id)
        .where(Round.id.in_(ids), Round.challenge_id == challenge.id,
               Prototype.is_published.is_(True))
    )
    return {rid: _Target(_prototype_target(challenge, pid, title).url, {"prototype": title})
            for rid, pid, title in rows}


def _agenda_url(challenge: Challenge, anchor: str | None = None) -> str | None:
    return _url("reports.agenda", slug=challenge.slug, _anchor=anchor)


def _agendas(challenge: Challenge, ids: list[int]) -> dict[int, _Target]:
    rows = db.session.scalars(select(Agenda.id).where(
        Agenda.id.in_(ids), Agenda.challenge_id == challenge.id, Agenda.is_published.is_(True)))
    return {agenda_id: _Target(_agenda_url(challenge), {}) for agenda_id in rows}


def _actions(challenge: Challenge, ids: list[int]) -> dict[int, _Target]:
    """An event about an action links to it on the agenda, while the agenda is public."""
    rows = db.session.execute(
        select(AgendaAction.id, AgendaAction.title).join(Agenda)
        .where(AgendaAction.id.in_(ids), Agenda.challenge_id == challenge.id,
               Agenda.is_published.is_(True)))
    return {aid: _Target(_agenda_url(challenge, f"action-{aid}"), {"title": title})
            for aid, title in rows}


def _updates(challenge: Challenge, ids: list[int]) -> dict[int, _Target]:
    rows = db.session.execute(
        select(ActionUpdate.id, AgendaAction.id, AgendaAction.title)
        .join(AgendaAction, AgendaAction.id == ActionUpdate.action_id).join(Agenda)
        .where(ActionUpdate.id.in_(ids), Agenda.challenge_id == challenge.id,
               Agenda.is_published.is_(True)))
    return {uid: _Target(_agenda_url(challenge, f"action-{aid}"), {"title": title})
            for uid, aid, title in rows}


LOADERS: dict[str, Loader] = {
    Agenda.__tablename__: _agendas,
    AgendaAction.__tablename__: _actions,
    ActionUpdate.__tablename__: _updates,
    Idea.__tablename__: _ideas,
    Cluster.__tablename__: _clusters,
    Concept.__tablename__: _concepts,
    Prototype.__tablename__: _prototypes,
    PrototypeVersion.__tablename__: _versions,
    Round.__tablename__: _rounds,
}
