"""Cluster rules: create, edit, move, merge and unmerge, split, undo, states, phase, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ideation.challenges import phases
from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import PhaseClosed
from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied
from ideation.curation import services
from ideation.curation.models import ClusterState
from ideation.extensions import db
from ideation.ideas.models import Idea
from tests import factories
from tests.ideas.conftest import make_idea, quick_user


@pytest.fixture
def ideas(challenge):
    author = quick_user()
    return [make_idea(author, challenge, title=f"Idee {n}") for n in range(5)]


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def cluster_of(idea):
    db.session.refresh(idea)
    return idea.cluster_id


def test_core_team_creates_a_cluster_that_starts_open_and_private(challenge, core):
    cluster = services.create_cluster(core, challenge, "  Eén loket  ", "Alles op één plek")
    db.session.commit()

    assert (cluster.name, cluster.state, cluster.is_published) == (
        "Eén loket", ClusterState.open, False)
    [event] = events("cluster.created")
    assert (event.object_id, event.actor_id, event.new_state) == (cluster.id, core.id, "open")


def test_a_cluster_needs_a_name(challenge, core):
    with pytest.raises(services.CurationError):
        services.create_cluster(core, challenge, "   ")


def test_renaming_a_cluster_is_logged_with_old_and_new_name(challenge, core):
    cluster = services.create_cluster(core, challenge, "Loket")
    services.edit_cluster(core, cluster, "Eén loket", "Samenvatting")
    db.session.commit()

    [event] = events("cluster.edited")
    assert event.old_state == "Loket | " and event.new_state == "Eén loket | Samenvatting"


def test_moving_ideas_puts_each_idea_in_one_cluster_only(challenge, core, ideas):
    first = services.create_cluster(core, challenge, "Eerste")
    second = services.create_cluster(core, challenge, "Tweede")
    services.move_ideas_to_cluster(core, challenge, [ideas[0].id, ideas[1].id], first)
    moved = services.move_ideas_to_cluster(core, challenge, [ideas[1].id, ideas[2].id], second)
    db.session.commit()

    assert moved == 2
    assert [cluster_of(i) for i in ideas[:3]] == [first.id, second.id, second.id]
    last = events(services.MOVE_EVENT)[-1]
    assert last.details == {"to": second.id, "moves": [[ideas[1].id, first.id],
                                                       [ideas[2].id, None]]}


def test_moving_to_none_takes_ideas_out_of_their_cluster(challenge, core, ideas):
    cluster = services.create_cluster(core, challenge, "Eerste")
    services.move_ideas_to_cluster(core, challenge, [ideas[0].id], cluster)
    services.move_ideas_to_cluster(core, challenge, [ideas[0].id], None)
    db.session.commit()

    assert cluster_of(ideas[0]) is None


def test_ideas_of_another_challenge_cannot_be_moved_in(challenge, core, ideas):
    elsewhere = factories.make_challenge()
    stranger = make_idea(quick_user(), elsewhere)
    cluster = services.create_cluster(core, challenge, "Eerste")

    with pytest.raises(services.CurationError):
        services.move_ideas_to_cluster(core, challenge, [stranger.id], cluster)


def test_undo_last_move_puts_ideas_back_where_each_came_from(challenge, core, ideas):
    first = services.create_cluster(core, challenge, "Eerste")
    second = services.create_cluster(core, challenge, "Tweede")
    services.move_ideas_to_cluster(core, challenge, [ideas[0].id], first)
    services.move_ideas_to_cluster(core, challenge, [ideas[0].id, ideas[1].id], second)
    db.session.commit()

    restored = services.undo_last_move(core, challenge)
    db.session.commit()

    assert restored == 2
    assert (cluster_of(ideas[0]), cluster_of(ideas[1])) == (first.id, None)
    # The next undo goes one step further back.
    services.undo_last_move(core, challenge)
    db.session.commit()
    assert cluster_of(ideas[0]) is None
    with pytest.raises(services.CurationError):
        services.undo_last_move(core, challenge)


def test_undo_leaves_ideas_that_were_moved_again_by_hand(challenge, core, ideas):
    first = services.create_cluster(core, challenge, "Eerste")
    second = services.create_cluster(core, challenge, "Tweede")
    services.move_ideas_to_cluster(core, challenge, [ideas[0].id, ideas[1].id], first)
    db.session.commit()
    # Merging moves ideas too, but is not a board move: undo skips the moved idea.
    services.merge_clusters(core, second, first)
    db.session.commit()

    assert services.undo_last_move(core, challenge) == 0


def test_merge_moves_all_ideas_and_unmerge_restores_exactly_the_former_members(
    challenge, core, ideas
):
    keep = services.create_cluster(core, challenge, "Houden")
    absorb = services.create_cluster(core, challenge, "Opgaan")
    services.move_ideas_to_cluster(core, challenge, [ideas[0].id], keep)
    services.move_ideas_to_cluster(core, challenge, [ideas[1].id, ideas[2].id], absorb)
    db.session.commit()

    assert services.merge_clusters(core, keep, absorb) == 2
    db.session.commit()
    assert [cluster_of(i) for i in ideas[:3]] == [keep.id, keep.id, keep.id]
    assert absorb.merged_into_id == keep.id
    [merged] = events("cluster.merged")
    assert merged.details == {"into": keep.id, "member_ids": [ideas[1].id, ideas[2].id]}
    assert [card.cluster.id for card in services.board_clusters(challenge)] == [keep.id]

    # Meanwhile one former member is moved elsewhere by hand: it stays there.
    services.move_ideas_to_cluster(core, challenge, [ideas[2].id], None)
    assert services.unmerge(core, absorb) == 1
    db.session.commit()

    assert [cluster_of(i) for i in ideas[:3]] == [keep.id, absorb.id, None]
    assert absorb.merged_into_id is None
    assert events("cluster.unmerged")[0].details["member_ids"] == [ideas[1].id]


def test_a_merged_cluster_cannot_be_changed_until_unmerged(challenge, core):
    keep = services.create_cluster(core, challenge, "Houden")
    absorb = services.create_cluster(core, challenge, "Opgaan")
    services.merge_clusters(core, keep, absorb)

    with pytest.raises(services.CurationError):
        services.edit_cluster(core, absorb, "Nieuw", "")
    with pytest.raises(services.CurationError):
        services.merge_clusters(core, keep, keep)


def test_split_takes_the_chosen_members_into_a_new_cluster(challenge, core, ideas):
    cluster = services.create_cluster(core, challenge, "Groot")
    services.move_ideas_to_cluster(core, challenge, [i.id for i in ideas[:3]], cluster)

    new = services.split_cluster(core, cluster, [ideas[1].id, ideas[2].id], "Klein")
    db.session.commit()

    assert new.name == "Klein"
    assert [cluster_of(i) for i in ideas[:3]] == [cluster.id, new.id, new.id]
    [split] = events("cluster.split")
    assert split.details == {"into": new.id, "idea_ids": [ideas[1].id, ideas[2].id]}
    with pytest.raises(services.CurationError):  # not a member (any more)
        services.split_cluster(core, cluster, [ideas[1].id], "Nog een")


def test_state_and_publishing_changes_are_logged(challenge, core):
    cluster = services.create_cluster(core, challenge, "Loket")
    services.set_state(core, cluster, ClusterState.shortlisted)
    services.set_state(core, cluster, ClusterState.parked)
    services.set_state(core, cluster, ClusterState.open)
    services.set_published(core, cluster, True)
    db.session.commit()

    assert [(e.old_state, e.new_state) for e in events("cluster.shortlisted")] == [
        ("open", "shortlisted")]
    assert [(e.old_state, e.new_state) for e in events("cluster.parked")] == [
        ("shortlisted", "parked")]
    assert events("cluster.open")[0].new_state == "open"
    published = events("cluster.published")[0]
    assert published.is_public and published.new_state == "public"


@pytest.mark.parametrize("phase", [PhaseKind.validate, PhaseKind.agenda, None])
def test_curation_is_refused_after_the_prototype_phase_and_before_dates_are_set(app, phase):
    if phase is None:
        challenge = factories.make_challenge(planned=False)
    else:
        challenge = factories.make_challenge(phase=phase)
    core = quick_user("core_team", challenge)

    with pytest.raises(PhaseClosed):
        services.create_cluster(core, challenge, "Te laat")


def test_curation_is_refused_once_the_challenge_is_closed(app, monkeypatch):
    challenge = factories.make_challenge(phase=PhaseKind.prototype)
    core = quick_user("core_team", challenge)
    cluster = services.create_cluster(core, challenge, "Nog open")
    db.session.commit()
    after_the_end = challenge.phase(PhaseKind.agenda).ends_on + timedelta(days=1)
    monkeypatch.setattr(phases, "today", lambda: after_the_end)

    assert phases.is_closed(challenge)
    with pytest.raises(PhaseClosed):
        services.set_state(core, cluster, ClusterState.parked)
    with pytest.raises(PhaseClosed):
        services.move_ideas_to_cluster(core, challenge, [1], cluster)


@pytest.mark.parametrize("phase", [PhaseKind.dream, PhaseKind.realistic, PhaseKind.prototype])
def test_curation_is_allowed_from_dream_to_prototype(app, phase):
    challenge = factories.make_challenge(phase=phase)
    core = quick_user("core_team", challenge)

    assert services.create_cluster(core, challenge, "Op tijd").id


@pytest.mark.parametrize("role", ["citizen", "stakeholder", "other_core_team"])
def test_only_the_core_team_and_admins_may_curate(challenge, role):
    if role == "other_core_team":
        user = quick_user("core_team", factories.make_challenge())
    else:
        user = quick_user(role, challenge if role == "stakeholder" else None)

    with pytest.raises(PermissionDenied):
        services.create_cluster(user, challenge, "Niet van mij")
    assert services.create_cluster(quick_user("admin"), challenge, "Beheer").id


def test_hidden_ideas_cannot_be_moved(challenge, core, ideas):
    from ideation.moderation import services as moderation

    moderation.decide_on_idea(core, ideas[0], "hide", "Reden")
    cluster = services.create_cluster(core, challenge, "Eerste")

    with pytest.raises(services.CurationError):
        services.move_ideas_to_cluster(core, challenge, [ideas[0].id], cluster)
    assert db.session.get(Idea, ideas[0].id).cluster_id is None
