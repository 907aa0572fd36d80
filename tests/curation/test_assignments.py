"""Suggesting an existing cluster for loose ideas: proposals only, accepted by the core team."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideation.core.models import AuditEvent
from ideation.curation import services
from ideation.extensions import db
from ideation.ideas.models import Idea
from tests import factories
from tests.ideas.conftest import make_idea, quick_user

MEDIATION = [
    ("Gratis gesprek met een mediator", "Een mediator helpt ouders om samen afspraken te maken."),
    ("Mediation eerst proberen", "Voor de rechter: eerst een gesprek met een mediator."),
]
MONEY = [
    ("Alimentatie eerlijk berekenen", "Een rekenhulp voor alimentatie en de kosten van kinderen."),
    ("Budgetcoach bij scheiding", "Hulp met geld, schulden en alimentatie na de scheiding."),
]


@pytest.fixture
def board(challenge, core):
    """Two clusters by hand, a loose idea for each, and one that fits neither."""
    author = quick_user()
    mediation = services.create_cluster(core, challenge, "Mediation")
    money = services.create_cluster(core, challenge, "Geld")
    for cluster, texts in ((mediation, MEDIATION), (money, MONEY)):
        ids = [make_idea(author, challenge, title=t, description=d).id for t, d in texts]
        services.move_ideas_to_cluster(core, challenge, ids, cluster)
    loose_mediation = make_idea(author, challenge, title="Mediator via de gemeente",
                                description="De gemeente betaalt het eerste gesprek met een "
                                            "mediator, zodat ouders samen afspraken maken.")
    loose_money = make_idea(author, challenge, title="Rekenhulp alimentatie",
                            description="Een eerlijke rekenhulp voor de alimentatie en kosten.")
    unrelated = make_idea(author, challenge, title="Fietsenstalling bij het station",
                          description="Meer plek voor fietsen bij het station.")
    db.session.commit()
    return mediation, money, loose_mediation, loose_money, unrelated


def test_loose_ideas_are_proposed_for_the_cluster_they_fit_and_nothing_changes(
    challenge, core, board
):
    mediation, money, loose_mediation, loose_money, unrelated = board
    proposals = {a.idea.id: a.cluster.id for a in services.suggest_assignments(core, challenge)}

    assert proposals[loose_mediation.id] == mediation.id
    assert proposals[loose_money.id] == money.id
    assert unrelated.id not in proposals
    assert db.session.get(Idea, loose_mediation.id).cluster_id is None


def test_accepting_moves_only_ideas_that_are_still_loose(challenge, core, board):
    mediation, money, loose_mediation, loose_money, _unrelated = board
    services.move_ideas_to_cluster(core, challenge, [loose_money.id], mediation)  # by hand
    db.session.commit()

    moved = services.accept_assignments(
        core, challenge, [(loose_mediation.id, mediation.id), (loose_money.id, money.id)])
    db.session.commit()

    assert moved == 1
    assert db.session.get(Idea, loose_mediation.id).cluster_id == mediation.id
    assert db.session.get(Idea, loose_money.id).cluster_id == mediation.id  # the hand wins
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "cluster.ideas_moved")).all()


def test_the_board_proposes_and_accepts_through_forms(client, challenge, core, board):
    mediation, _money, loose_mediation, _loose_money, _unrelated = board
    client.login(core)
    page = client.post_form(f"/c/{challenge.slug}/board/assign")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'value="{loose_mediation.id}:{mediation.id}"' in text
    assert "Fietsenstalling" not in text

    done = client.post_form(f"/c/{challenge.slug}/board/assign/accept",
                            {"assign": [f"{loose_mediation.id}:{mediation.id}", "x:y"]})
    assert done.status_code == 302
    assert db.session.get(Idea, loose_mediation.id).cluster_id == mediation.id


@pytest.mark.parametrize("role, expected", [
    ("anonymous", 302), ("citizen", 403), ("other_core", 403), ("core_team", 200),
])
def test_only_the_core_team_may_ask_for_proposals(client, challenge, board, role, expected):
    if role == "citizen":
        client.login(quick_user())
    elif role == "other_core":
        client.login(quick_user("core_team", factories.make_challenge()))
    elif role == "core_team":
        client.login(quick_user("core_team", challenge))
    response = client.post_form(f"/c/{challenge.slug}/board/assign")
    assert response.status_code == expected
    if role == "anonymous":
        assert "/login" in response.headers["Location"]
