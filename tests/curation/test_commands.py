"""The command line: flask cluster SLUG [--k N] [--accept] and flask duplicates SLUG."""

from __future__ import annotations

from sqlalchemy import select

from ideation.cli import cluster_command, duplicates_command
from ideation.curation import proposals
from ideation.curation.models import Cluster, ProposalState, SuggestionProposal
from ideation.extensions import db
from ideation.ideas.models import Idea
from tests.curation.test_clustering import DUTCH
from tests.ideas.conftest import make_idea, quick_user


def _dutch_ideas(challenge):
    author = quick_user()
    return [make_idea(author, challenge, title=text, description=f"{text}. Dat helpt.")
            for text in DUTCH]


def test_cluster_prints_named_groups_and_stores_a_proposal_the_board_shows(
    app, client, challenge, core
):
    _dutch_ideas(challenge)

    result = app.test_cli_runner().invoke(cluster_command, [challenge.slug, "--k", "3"])

    assert result.exit_code == 0, result.output
    proposal = db.session.scalars(select(SuggestionProposal)).one()
    assert proposal.state is ProposalState.open and proposal.requested_by_id is None
    assert proposal.parameters["k"] == 3 and proposal.parameters["via"] == "cli"
    assert "Grouping ideas" in result.output  # the progress bar (drawn only on a terminal)
    views = proposals.proposal_view(proposal)
    for view in views:
        assert f"- {view.group.name} ({view.size} ideas" in result.output
    client.login(core)
    board = client.get(f"/c/{challenge.slug}/board").get_data(as_text=True)
    assert "3 voorgestelde groepen wachten op je besluit" in board
    assert db.session.scalars(select(Cluster)).all() == []


def test_cluster_accept_makes_a_cluster_of_every_theme(app, challenge):
    ideas = _dutch_ideas(challenge)

    result = app.test_cli_runner().invoke(cluster_command, [challenge.slug, "--k", "3",
                                                            "--accept"])

    assert result.exit_code == 0, result.output
    assert "Accepted: 3 clusters with 18 ideas" in result.output
    db.session.expire_all()
    assert all(db.session.get(Idea, i.id).cluster_id for i in ideas)


def test_cluster_refuses_an_unknown_challenge_and_a_bad_k(app, challenge):
    runner = app.test_cli_runner()
    assert "no challenge with slug" in runner.invoke(cluster_command, ["nope"]).output
    assert runner.invoke(cluster_command, [challenge.slug, "--k", "1"]).exit_code != 0
    assert "te weinig ideeën" in runner.invoke(cluster_command, [challenge.slug]).output


def test_duplicates_lists_alike_pairs_most_alike_first(app, challenge):
    author = quick_user()
    first = make_idea(author, challenge, title="Meer groen", description="Bomen planten.")
    second = make_idea(author, challenge, title="Méér groen!", description="Iets anders.")
    make_idea(author, challenge, title="Fietspad", description="Veilig naar school.")

    result = app.test_cli_runner().invoke(duplicates_command, [challenge.slug,
                                                               "--threshold", "0.9"])

    assert result.exit_code == 0, result.output
    assert f"100%  #{first.id} Meer groen  |  #{second.id} Méér groen!" in result.output
    assert "1 pairs at 90% or more." in result.output
