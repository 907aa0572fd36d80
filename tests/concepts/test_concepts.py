"""Concept rules: made from shortlisted clusters, one state step at a time with a reason,
published with a public log entry and a signal, every change audited, phase rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import PhaseClosed
from ideation.concepts import services
from ideation.concepts.models import Concept, ConceptState
from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied
from ideation.core.signals import concept_published
from ideation.curation import services as curation
from ideation.curation.models import ClusterState
from ideation.extensions import db
from tests import factories
from tests.concepts.conftest import make_cluster, make_concept
from tests.ideas.conftest import quick_user

D, R, P, X = (ConceptState.draft, ConceptState.realistic, ConceptState.prototyping,
              ConceptState.parked)


def events(action, concept=None):
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if concept is not None:
        query = query.where(AuditEvent.object_type == "concepts",
                            AuditEvent.object_id == concept.id)
    return db.session.scalars(query).all()


def english(app):
    return app.test_request_context(headers={"Accept-Language": "en"})


@pytest.fixture
def published_signals():
    """The concepts the signal ``concept_published`` was sent for, with the actor."""
    received = []

    def receiver(sender, **extra):
        received.append((sender, extra.get("actor")))

    concept_published.connect(receiver)
    yield received
    concept_published.disconnect(receiver)


# --- making a concept ----------------------------------------------------------------------


def test_core_team_makes_a_private_draft_concept_from_shortlisted_clusters(
        challenge, core, shortlisted):
    second = make_cluster(core, challenge, "Kinderen horen", ideas=1)

    concept = services.create_concept(core, challenge, "  Eén plek  ", "Alles kan.", "",
                                      [shortlisted.id, second.id])
    db.session.commit()

    assert (concept.title, concept.state, concept.is_published) == ("Eén plek", D, False)
    assert {c.id for c in concept.clusters} == {shortlisted.id, second.id}
    [event] = events("concept.created")
    assert (event.object_id, event.actor_id, event.new_state, event.is_public) == (
        concept.id, core.id, "draft", False)
    assert event.details["title"] == "Eén plek"


@pytest.mark.parametrize("state, merged, message", [
    (ClusterState.open, False, "is not shortlisted"),
    (ClusterState.parked, False, "is not shortlisted"),
    (ClusterState.shortlisted, True, "is merged into another cluster"),
])
def test_a_concept_grows_only_from_shortlisted_clusters_that_are_not_merged(
        app, challenge, core, shortlisted, state, merged, message):
    other = make_cluster(core, challenge, "Ander", state=state)
    if merged:
        curation.merge_clusters(core, shortlisted, other)
        db.session.commit()

    with english(app), pytest.raises(services.ConceptError) as refused:
        services.create_concept(core, challenge, "Titel", "Droom", "",
                                [shortlisted.id, other.id])

    assert refused.value.field == "cluster_ids"
    assert message in str(refused.value) and "Ander" in str(refused.value)
    db.session.rollback()
    assert db.session.scalar(select(Concept.id)) is None


def test_a_cluster_of_another_challenge_is_refused_without_naming_it(app, challenge, core):
    other = factories.make_challenge("ander", phase=PhaseKind.realistic)
    foreign = make_cluster(quick_user("core_team", other), other, "Geheim elders")

    with english(app), pytest.raises(services.ConceptError) as refused:
        services.create_concept(core, challenge, "Titel", "Droom", "", [foreign.id])

    assert "cannot be found" in str(refused.value) and "Geheim" not in str(refused.value)


@pytest.mark.parametrize("title, dream, ids, field", [
    ("  ", "Droom", None, "title"),
    ("Titel", " ", None, "dream_big"),
    ("Titel", "Droom", [], "cluster_ids"),
])
def test_a_concept_needs_a_title_a_dream_and_a_cluster(challenge, core, shortlisted, title,
                                                       dream, ids, field):
    with pytest.raises(services.ConceptError) as refused:
        services.create_concept(core, challenge, title, dream, "",
                                [shortlisted.id] if ids is None else ids)
    assert refused.value.field == field


def test_making_the_first_concept_gives_the_challenge_its_criteria(challenge, core,
                                                                   shortlisted):
    make_concept(core, challenge, [shortlisted])
    assert len(services.criteria_of(challenge)) == 4


def test_concepts_cannot_be_made_in_the_dream_phase_and_the_reason_says_when(app, core):
    dreaming = factories.make_challenge("droom", phase=PhaseKind.dream)
    member = quick_user("core_team", dreaming)
    cluster = make_cluster(member, dreaming, "Loket")

    with english(app), pytest.raises(PhaseClosed) as closed:
        services.create_concept(member, dreaming, "Titel", "Droom", "", [cluster.id])

    assert "Working out concepts is possible from" in closed.value.verdict.reason


@pytest.mark.parametrize("role", ["citizen", "stakeholder", "other_core_team"])
def test_only_the_core_team_and_admins_make_concepts(challenge, shortlisted, role):
    if role == "other_core_team":
        person = quick_user("core_team", factories.make_challenge("ander"))
    else:
        person = quick_user(role, challenge if role == "stakeholder" else None)
    with pytest.raises(PermissionDenied):
        services.create_concept(person, challenge, "Titel", "Droom", "", [shortlisted.id])


def test_an_admin_may_make_a_concept(challenge, shortlisted):
    admin = quick_user("admin")
    concept = services.create_concept(admin, challenge, "Titel", "Droom", "", [shortlisted.id])
    assert concept.created_by_id == admin.id


# --- editing and clusters ------------------------------------------------------------------


def test_editing_is_logged_with_the_changed_fields(challenge, core, concept):
    services.edit_concept(core, concept, "Nieuwe titel", concept.dream_big, "Met de gemeente.")
    db.session.commit()

    [event] = events("concept.edited")
    assert (event.old_state, event.new_state) == ("Eén plek voor ouders", "Nieuwe titel")
    assert event.details == {"title": "Nieuwe titel", "changed": ["title", "realistic"]}


def test_a_realistic_concept_keeps_its_realistic_version(challenge, core, shortlisted):
    concept = make_concept(core, challenge, [shortlisted], state=R)

    with pytest.raises(services.ConceptError) as refused:
        services.edit_concept(core, concept, concept.title, concept.dream_big, "  ")
    assert refused.value.field == "realistic"


def test_changing_clusters_is_logged_with_old_and_new_ids(challenge, core, concept,
                                                          shortlisted):
    second = make_cluster(core, challenge, "Tweede")
    services.set_clusters(core, concept, [second.id])
    db.session.commit()

    [event] = events("concept.clusters_changed")
    assert event.details["old"] == [shortlisted.id] and event.details["new"] == [second.id]
    assert [c.id for c in concept.clusters] == [second.id]


def test_a_concept_keeps_at_least_one_cluster_and_adds_only_shortlisted_ones(
        challenge, core, concept):
    open_cluster = make_cluster(core, challenge, "Open", state=ClusterState.open)
    with pytest.raises(services.ConceptError):
        services.set_clusters(core, concept, [])
    with pytest.raises(services.ConceptError):
        services.set_clusters(core, concept, [open_cluster.id])


def test_a_linked_cluster_that_was_parked_later_may_stay(challenge, core, concept,
                                                         shortlisted):
    curation.set_state(core, shortlisted, ClusterState.parked)
    extra = make_cluster(core, challenge, "Extra")

    services.set_clusters(core, concept, [shortlisted.id, extra.id])

    assert {c.id for c in concept.clusters} == {shortlisted.id, extra.id}


# --- states ------------------------------------------------------------------------------------


@pytest.mark.parametrize("start, target", [
    (D, R), (R, P), (R, D), (P, R), (D, X), (R, X), (P, X), (X, D),
])
def test_allowed_moves_are_made_and_logged_with_their_reason(challenge, core, shortlisted,
                                                             start, target):
    concept = make_concept(core, challenge, [shortlisted], state=start,
                           realistic="De gemeente en de rechtbank.")

    services.change_state(core, concept, target, "  Besproken in het kernteam  ")
    db.session.commit()

    assert concept.state is target
    event = events("concept.state_changed", concept)[-1]
    assert (event.old_state, event.new_state, event.reason) == (
        start.value, target.value, "Besproken in het kernteam")
    assert event.details == {"title": concept.title}
    assert event.is_public is False  # the concept is not published


@pytest.mark.parametrize("start, target, message", [
    (D, P, "cannot skip a step. Move it to “Realistic” first"),
    (X, R, "first goes back to draft"),
    (X, P, "first goes back to draft"),
    (P, D, "not possible"),
    (D, D, "already in this state"),
])
def test_refused_moves_say_why(app, challenge, core, shortlisted, start, target, message):
    concept = make_concept(core, challenge, [shortlisted], state=start)
    logged = len(events("concept.state_changed", concept))

    with english(app), pytest.raises(services.ConceptError) as refused:
        services.change_state(core, concept, target, "Omdat het kan")

    assert message in str(refused.value)
    assert concept.state is start
    assert len(events("concept.state_changed", concept)) == logged


def test_skipping_is_refused_without_any_change_or_log(challenge, core, concept):
    with pytest.raises(services.ConceptError):
        services.change_state(core, concept, P, "Snel")
    db.session.rollback()
    assert concept.state is D and events("concept.state_changed") == []


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_every_state_change_needs_a_reason(challenge, core, shortlisted, reason):
    concept = make_concept(core, challenge, [shortlisted], realistic="Wie, wat, waarmee.")
    with pytest.raises(services.ConceptError) as refused:
        services.change_state(core, concept, R, reason)
    assert refused.value.field == "reason" and concept.state is D


def test_a_concept_becomes_realistic_only_with_its_realistic_version(app, challenge, core,
                                                                     concept):
    with english(app), pytest.raises(services.ConceptError) as refused:
        services.change_state(core, concept, R, "Klaar")
    assert refused.value.field == "realistic" and "realistic version" in str(refused.value)


def test_an_unknown_state_is_refused(challenge, core, concept):
    with pytest.raises(services.ConceptError):
        services.change_state(core, concept, "done", "Klaar")


# --- publishing ------------------------------------------------------------------------------


def test_publishing_logs_a_public_event_with_the_title_and_sends_the_signal(
        challenge, core, concept, published_signals):
    services.set_published(core, concept, True)

    assert published_signals == [(concept, core)]
    [event] = events("concept.published")
    assert event.is_public and event.details == {"title": concept.title}


def test_unpublishing_is_logged_but_not_public_and_sends_no_signal(
        challenge, core, shortlisted, published_signals):
    concept = make_concept(core, challenge, [shortlisted], published=True)
    published_signals.clear()

    services.set_published(core, concept, False)

    assert published_signals == []
    [event] = events("concept.unpublished")
    assert event.is_public is False and concept.is_published is False


def test_a_state_change_of_a_published_concept_is_public(challenge, core, shortlisted):
    concept = make_concept(core, challenge, [shortlisted], published=True,
                           realistic="Wie, wat, waarmee.")
    services.change_state(core, concept, R, "Het kan")

    [event] = events("concept.state_changed")
    assert event.is_public and event.details == {"title": concept.title}


def test_a_published_concept_that_gains_a_cluster_sends_the_signal_again(
        challenge, core, shortlisted, published_signals):
    concept = make_concept(core, challenge, [shortlisted], published=True)
    extra = make_cluster(core, challenge, "Extra", ideas=1)
    published_signals.clear()

    services.set_clusters(core, concept, [extra.id])  # loses one, gains one
    assert published_signals == [(concept, core)]

    published_signals.clear()
    services.set_clusters(core, concept, [extra.id])  # nothing changes
    assert published_signals == []


def test_losing_a_cluster_sends_no_signal(challenge, core, shortlisted, published_signals):
    extra = make_cluster(core, challenge, "Extra")
    concept = make_concept(core, challenge, [shortlisted, extra], published=True)
    published_signals.clear()

    services.set_clusters(core, concept, [shortlisted.id])

    assert published_signals == []


def test_publishing_follows_the_phase_rule(challenge, core, concept):
    from ideation.challenges import services as challenge_services

    challenge_services.set_phase_dates(None, challenge, factories.plan(PhaseKind.validate))
    with pytest.raises(PhaseClosed):
        services.set_published(core, concept, True)
