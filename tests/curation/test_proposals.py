"""The life of a proposal of suggested groups: asked, computed, reviewed, accepted, undone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideation.core.models import AuditEvent
from ideation.curation import proposals, services, themes
from ideation.curation.models import (
    Cluster,
    GroupState,
    ProposalState,
    SuggestedGroup,
    SuggestedMember,
    SuggestionProposal,
)
from ideation.curation.themes import FoundGroup
from ideation.extensions import db
from ideation.ideas.models import Idea
from ideation.jobs.models import Job, JobState
from ideation.jobs.services import dispatch
from ideation.moderation import services as moderation
from tests.ideas.conftest import make_idea, quick_user


@pytest.fixture
def ideas(challenge):
    author = quick_user()
    return [make_idea(author, challenge, title=f"Idee {n}") for n in range(9)]


def group(ids, name, children=()):
    return FoundGroup(member_ids=list(ids), scores=[0.9 - 0.01 * n for n in range(len(ids))],
                      tightness=0.5, name=name, summary=f"Over {name.lower()}.",
                      terms=[name.lower()], typical_ids=list(ids[:3]),
                      children=list(children))


@pytest.fixture
def engine(monkeypatch):
    """The grouping replaced by fixed groups over whatever ideas it is given: three themes of
    three ideas; the first theme has two sub-groups."""
    seen = {}

    def suggest_themes(docs, language, k=None, *, seed=0, progress=None):
        seen.update(docs=list(docs), language=language, k=k)
        ids = [idea_id for idea_id, _text in docs]
        first = ids[:3]
        return [group(first, "Kinderen", [group(first[:2], "Gehoord worden"),
                                          group(first[2:], "Scholen")]),
                group(ids[3:6], "Alimentatie"), group(ids[6:], "Mediation")]

    monkeypatch.setattr(themes, "suggest_themes", suggest_themes)
    return seen


def ask(core, challenge, k=None):
    proposal = proposals.request_suggestions(core, challenge, k)
    db.session.commit()
    dispatch(db.session.get(Job, proposal.job_id))
    db.session.refresh(proposal)
    return proposal


def by_name(proposal, name):
    return next(g for g in proposal.groups if g.name == name)


def cluster_of(idea):
    return db.session.get(Idea, idea.id).cluster_id


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_proposal_keeps_who_asked_when_with_what_and_the_ideas_it_saw(
    client, challenge, core, ideas, engine
):
    manual = services.create_cluster(core, challenge, "Met de hand")
    services.move_ideas_to_cluster(core, challenge, [ideas[0].id], manual)
    moderation.decide_on_idea(core, ideas[1], "hide", "Reden")
    db.session.commit()
    client.login(core)

    response = client.post_form(f"/c/{challenge.slug}/board/suggest", {"k": "3"})

    proposal = db.session.scalars(select(SuggestionProposal)).one()
    assert response.status_code == 302 and response.location.endswith(
        f"/board/proposals/{proposal.id}")
    assert proposal.requested_by_id == core.id and proposal.created_dt is not None
    assert proposal.parameters["k"] == 3 and proposal.parameters["language"] == "nl"
    assert proposal.idea_ids == [i.id for i in ideas[2:]]
    assert [doc[0] for doc in engine["docs"]] == proposal.idea_ids
    assert proposal.state is ProposalState.open
    assert db.session.get(Job, proposal.job_id).state is JobState.done
    assert [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "suggestion_proposals")
        .order_by(AuditEvent.id))] == ["suggestions.requested", "suggestions.ready"]
    page = client.get(response.location).get_data(as_text=True)
    assert "Alimentatie" in page and "Gehoord worden" in page and "Over mediation." in page


def test_accepting_three_groups_at_once_with_one_renamed_is_one_undoable_step(
    client, challenge, core, ideas, engine
):
    proposal = ask(core, challenge)
    kids, alimony, mediation = (by_name(proposal, n) for n in
                                ("Kinderen", "Alimentatie", "Mediation"))
    client.login(core)

    client.post_form(f"/c/{challenge.slug}/board/proposals/{proposal.id}", {
        "action": "accept", "group_ids": [kids.id, alimony.id, mediation.id],
        f"name-{alimony.id}": "Geld na de scheiding", f"name-{kids.id}": "Kinderen"})

    names = sorted(db.session.scalars(select(Cluster.name)))
    assert names == ["Geld na de scheiding", "Kinderen", "Mediation"]
    assert len(events(proposals.ACCEPTED_EVENT)) == 1
    assert all(cluster_of(i) is not None for i in ideas)
    db.session.refresh(proposal)
    assert proposal.state is ProposalState.closed

    response = client.post_form(f"/c/{challenge.slug}/board/proposals/{proposal.id}/undo")

    assert response.status_code == 302
    assert [cluster_of(i) for i in ideas] == [None] * 9
    assert db.session.scalars(select(Cluster)).all() == []
    db.session.expire_all()
    proposal = db.session.get(SuggestionProposal, proposal.id)
    assert proposal.state is ProposalState.open
    assert {g.state for g in proposal.groups} == {GroupState.open}
    assert events(proposals.UNDONE_EVENT)[0].details["restored"] == 9


def test_ideas_clustered_by_hand_meanwhile_are_never_moved_not_even_by_undo(
    challenge, core, ideas, engine
):
    proposal = ask(core, challenge)
    manual = services.create_cluster(core, challenge, "Met de hand")
    services.move_ideas_to_cluster(core, challenge, [ideas[3].id], manual)
    db.session.commit()

    done = proposals.accept_groups(core, proposal, [by_name(proposal, "Alimentatie").id])
    db.session.commit()

    assert (done.moved, done.skipped) == (2, 1)
    assert cluster_of(ideas[3]) == manual.id
    made = done.clusters[0].id
    # After the acceptance, one of its ideas is moved by hand again: undo leaves it there.
    services.move_ideas_to_cluster(core, challenge, [ideas[4].id], manual)
    db.session.commit()

    assert proposals.undo_acceptance(core, proposal) == 1
    db.session.commit()

    assert [cluster_of(i) for i in ideas[3:6]] == [manual.id, manual.id, None]
    assert db.session.get(Cluster, made) is None


def test_moved_and_rejected_ideas_are_accepted_where_the_team_put_them(
    client, challenge, core, ideas, engine
):
    proposal = ask(core, challenge)
    alimony, mediation = by_name(proposal, "Alimentatie"), by_name(proposal, "Mediation")
    client.login(core)
    url = f"/c/{challenge.slug}/board/proposals/{proposal.id}/groups/{alimony.id}"

    client.post_form(url, {"action": "move", "idea_ids": [ideas[3].id],
                           "group": str(mediation.id)})
    client.post_form(url, {"action": "reject", "idea_ids": [ideas[4].id]})
    page = client.get(url).get_data(as_text=True)
    proposals.accept_groups(core, proposal, [alimony.id, mediation.id])
    db.session.commit()

    assert "Idee 4" in page and "Idee 3" not in page
    clusters = {c.name: c.id for c in db.session.scalars(select(Cluster))}
    assert cluster_of(ideas[3]) == clusters["Mediation"]
    assert cluster_of(ideas[4]) is None  # rejected: stays without a cluster
    assert cluster_of(ideas[5]) == clusters["Alimentatie"]
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.in_(["suggestions.ideas_moved", "suggestions.ideas_rejected"]))
        .order_by(AuditEvent.id))] == ["suggestions.ideas_moved", "suggestions.ideas_rejected"]


def test_a_theme_is_accepted_with_all_its_sub_groups_or_sub_groups_one_by_one(
    challenge, core, ideas, engine
):
    proposal = ask(core, challenge)
    kids = by_name(proposal, "Kinderen")
    heard, schools = by_name(proposal, "Gehoord worden"), by_name(proposal, "Scholen")
    assert {heard.parent_id, schools.parent_id} == {kids.id}

    proposals.accept_groups(core, proposal, [heard.id, schools.id])
    db.session.commit()
    assert len({cluster_of(i) for i in ideas[:3]}) == 2
    proposals.undo_acceptance(core, proposal)
    db.session.commit()

    # The theme ticked together with one of its sub-groups: the theme wins.
    done = proposals.accept_groups(core, proposal, [kids.id, heard.id])
    db.session.commit()
    assert len(done.clusters) == 1 and {cluster_of(i) for i in ideas[:3]} == {
        done.clusters[0].id}


def test_renaming_without_accepting_and_setting_groups_aside(
    client, challenge, core, ideas, engine
):
    proposal = ask(core, challenge)
    alimony, mediation = by_name(proposal, "Alimentatie"), by_name(proposal, "Mediation")
    client.login(core)
    url = f"/c/{challenge.slug}/board/proposals/{proposal.id}"

    client.post_form(url, {"action": "rename", f"name-{alimony.id}": "Geld"})
    client.post_form(url, {"action": "discard", "group_ids": [mediation.id]})

    db.session.expire_all()
    assert db.session.get(SuggestedGroup, alimony.id).name == "Geld"
    assert db.session.get(SuggestedGroup, mediation.id).state is GroupState.discarded
    assert db.session.scalars(select(Cluster)).all() == []
    with pytest.raises(services.CurationError):
        proposals.accept_groups(core, db.session.get(SuggestionProposal, proposal.id),
                                [mediation.id])


@pytest.mark.parametrize("data", [
    {"action": "accept"},  # nothing ticked
    {"action": "accept", "group_ids": ["99999999999999999999"]},
    {"action": "accept", "group_ids": ["abc"]},
    {"action": "explode", "group_ids": []},
])
def test_bad_decisions_store_nothing_and_never_fail(client, challenge, core, ideas, engine,
                                                     data):
    proposal = ask(core, challenge)
    client.login(core)

    response = client.post_form(f"/c/{challenge.slug}/board/proposals/{proposal.id}", data)

    assert response.status_code in (302, 400)
    assert db.session.scalars(select(Cluster)).all() == []


def test_a_new_request_closes_the_open_proposal(challenge, core, ideas, engine):
    first = ask(core, challenge)
    second = ask(core, challenge, k=4)

    db.session.refresh(first)
    assert first.state is ProposalState.closed and second.state is ProposalState.open
    assert proposals.current_proposal(challenge).id == second.id
    assert engine["k"] == 4


def test_a_failing_computation_is_reported_on_the_page_never_lost(
    client, challenge, core, ideas, monkeypatch
):
    def broken(*args, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(themes, "suggest_themes", broken)
    proposal = ask(core, challenge)
    client.login(core)

    page = client.get(f"/c/{challenge.slug}/board/proposals/{proposal.id}").get_data(
        as_text=True)

    assert proposal.state is ProposalState.failed
    assert db.session.get(Job, proposal.job_id).state is JobState.failed
    assert "MemoryError: out of memory" in page and "Probeer opnieuw" in page
    assert db.session.scalars(select(SuggestedMember)).all() == []


def test_the_real_grouping_names_dutch_groups_with_phrases_and_summaries(challenge, core):
    from tests.curation.test_clustering import DUTCH

    author = quick_user()
    for text in DUTCH:
        make_idea(author, challenge, title=text, description=f"{text}. Dat helpt gezinnen.")
    proposal = ask(core, challenge, k=3)

    views = proposals.proposal_view(proposal)
    assert len(views) == 3 and sum(v.size for v in views) == len(DUTCH)
    for view in views:
        assert view.group.name and "," not in view.group.name
        assert view.group.summary.endswith(".")
        assert len(view.typical) == 3 and 0 < view.group.tightness <= 1
