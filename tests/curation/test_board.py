"""The board, the cluster page, suggestions and the public list of clusters, through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ideation.challenges.services import progress_funnel
from ideation.core.db import utcnow
from ideation.curation import services
from ideation.curation.models import Cluster, ClusterState
from ideation.extensions import db
from ideation.ideas import submitting
from ideation.ideas.models import Idea
from ideation.moderation import services as moderation
from tests import factories
from tests.ideas.conftest import counted_queries, make_idea, quick_user


@pytest.fixture
def author(app):
    return quick_user()


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")
    return client


def add_ideas(challenge, author, count, **fields):
    """Many ideas at once, straight into the database (the service is tested elsewhere)."""
    now = utcnow()
    ideas = [Idea(challenge_id=challenge.id, author_id=author.id, title=f"Idee {n:04d}",
                  description="Tekst", theme_id=challenge.themes[n % 2].id,
                  created_dt=now - timedelta(minutes=count - n), **fields)
             for n in range(count)]
    db.session.add_all(ideas)
    db.session.commit()
    return ideas


def cluster_of(idea_id):
    return db.session.get(Idea, idea_id).cluster_id


def test_board_with_2000_ideas_shows_a_page_with_a_bounded_number_of_queries(
    english, challenge, core, author
):
    ideas = add_ideas(challenge, author, 2000)
    for n in range(10):
        cluster = services.create_cluster(core, challenge, f"Cluster {n}")
        services.move_ideas_to_cluster(core, challenge, [i.id for i in ideas[n * 20:(n + 1) * 20]],
                                       cluster)
    db.session.commit()
    english.login(core)
    english.get(f"/c/{challenge.slug}/board")  # warm up: the CSRF token, the session

    with counted_queries() as statements:
        response = english.get(f"/c/{challenge.slug}/board")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert html.count('class="board-idea"') == services.BOARD_PER_PAGE
    assert "(1800)" in html and "Show more" in html
    assert html.count('class="cluster-card"') == 10
    assert "20 ideas" in html
    # user, roles, challenge, phases, themes, count, page, photos, clusters, counts, first
    # members, merged, last move, open proposal, last acceptance; none per idea or cluster;
    # in the menu: the core team's challenges and whether the user has rounds
    assert len(statements) <= 20, "\n".join(statements)


def test_hidden_pending_and_withdrawn_ideas_never_reach_the_board(client, challenge, core, author):
    shown = make_idea(author, challenge, title="Zichtbaar idee")
    hidden = make_idea(author, challenge, title="Verborgen idee")
    clustered_then_hidden = make_idea(author, challenge, title="Later verborgen")
    withdrawn = make_idea(author, challenge, title="Teruggetrokken idee")
    cluster = services.create_cluster(core, challenge, "Groep")
    services.move_ideas_to_cluster(core, challenge, [clustered_then_hidden.id], cluster)
    moderation.decide_on_idea(core, hidden, "hide", "Reden")
    moderation.decide_on_idea(core, clustered_then_hidden, "hide", "Reden")
    submitting.withdraw_idea(author, withdrawn)
    db.session.commit()
    client.login(core)

    for query in ("", "?all=y"):
        html = client.get(f"/c/{challenge.slug}/board{query}").get_data(as_text=True)
        assert shown.title in html
        for title in ("Verborgen idee", "Later verborgen", "Teruggetrokken idee"):
            assert title not in html
    assert "0 ideeën" in client.get(f"/c/{challenge.slug}/board").get_data(as_text=True)


def test_board_filters_by_theme_and_title(client, challenge, core, author):
    make_idea(author, challenge, title="Eén loket", theme_id=challenge.themes[0].id)
    make_idea(author, challenge, title="Kindbehartiger", theme_id=challenge.themes[1].id)
    client.login(core)

    by_theme = client.get(f"/c/{challenge.slug}/board?theme={challenge.themes[1].id}")
    by_title = client.get(f"/c/{challenge.slug}/board?q=LOKET").get_data(as_text=True)

    assert "Kindbehartiger" in by_theme.get_data(as_text=True)
    assert "Eén loket" not in by_theme.get_data(as_text=True)
    assert "Eén loket" in by_title and "Kindbehartiger" not in by_title


def test_moving_with_checkboxes_works_without_javascript(client, challenge, core, author):
    first, second = make_idea(author, challenge), make_idea(author, challenge)
    cluster = services.create_cluster(core, challenge, "Loket")
    db.session.commit()
    client.login(core)

    response = client.post_form(f"/c/{challenge.slug}/board/move", {
        "idea_ids": [first.id, second.id], "cluster": str(cluster.id),
        "next": f"/c/{challenge.slug}/board?theme=1"})

    assert response.status_code == 302
    assert response.location == f"/c/{challenge.slug}/board?theme=1"
    assert (cluster_of(first.id), cluster_of(second.id)) == (cluster.id, cluster.id)
    assert "2 ideeën" in client.get(response.location).get_data(as_text=True)


def test_moving_refuses_a_foreign_next_address(client, challenge, core, author):
    idea = make_idea(author, challenge)
    cluster = services.create_cluster(core, challenge, "Loket")
    db.session.commit()
    client.login(core)

    response = client.post_form(f"/c/{challenge.slug}/board/move", {
        "idea_ids": [idea.id], "cluster": str(cluster.id), "next": "//evil.example/"})

    assert response.location == f"/c/{challenge.slug}/board"


def test_moving_by_fetch_answers_json_with_the_new_counts(client, challenge, core, author):
    idea = make_idea(author, challenge)
    cluster = services.create_cluster(core, challenge, "Loket")
    db.session.commit()
    client.login(core)

    response = client.post_form(f"/c/{challenge.slug}/board/move",
                                {"idea_ids": [idea.id], "cluster": str(cluster.id)},
                                headers={"Accept": "application/json"})
    refused = client.post_form(f"/c/{challenge.slug}/board/move",
                               {"idea_ids": [idea.id], "cluster": "abc"},
                               headers={"Accept": "application/json"})

    assert response.status_code == 200
    assert response.json["ok"] is True and response.json["counts"] == {str(cluster.id): 1}
    assert refused.status_code == 422 and refused.json["ok"] is False


def test_moving_to_a_cluster_of_another_challenge_is_not_found(client, challenge, core, author):
    idea = make_idea(author, challenge)
    elsewhere = factories.make_challenge()
    foreign = Cluster(challenge=elsewhere, name="Elders")
    db.session.add(foreign)
    db.session.commit()
    client.login(core)

    response = client.post_form(f"/c/{challenge.slug}/board/move",
                                {"idea_ids": [idea.id], "cluster": str(foreign.id)})

    assert response.status_code == 404
    assert cluster_of(idea.id) is None


def test_new_cluster_from_selection_and_undo_of_the_move(client, challenge, core, author):
    idea = make_idea(author, challenge)
    client.login(core)

    client.post_form(f"/c/{challenge.slug}/board/new",
                     {"idea_ids": [idea.id], "name": "Nieuwe groep"})
    cluster = db.session.scalars(db.select(Cluster)).one()
    assert cluster.name == "Nieuwe groep" and cluster_of(idea.id) == cluster.id

    response = client.post_form(f"/c/{challenge.slug}/board/undo")

    assert response.status_code == 302
    assert cluster_of(idea.id) is None


def test_cluster_page_edits_name_summary_state_and_publishing(client, challenge, core):
    cluster = services.create_cluster(core, challenge, "Loket")
    db.session.commit()
    client.login(core)
    url = f"/c/{challenge.slug}/clusters/{cluster.id}"

    assert client.get(url).status_code == 200
    response = client.post_form(url, {"name": "Eén loket", "summary": "Alles op één plek.",
                                      "state": "shortlisted", "is_published": "y"})
    refused = client.post_form(url, {"name": "", "state": "open"})

    assert response.status_code == 302
    db.session.refresh(cluster)
    assert (cluster.name, cluster.summary, cluster.state, cluster.is_published) == (
        "Eén loket", "Alles op één plek.", ClusterState.shortlisted, True)
    assert refused.status_code == 422


def test_merge_unmerge_and_split_through_the_cluster_page(client, challenge, core, author):
    ideas = [make_idea(author, challenge, title=f"Idee {n}") for n in range(3)]
    keep = services.create_cluster(core, challenge, "Houden")
    absorb = services.create_cluster(core, challenge, "Opgaan")
    services.move_ideas_to_cluster(core, challenge, [ideas[0].id], keep)
    services.move_ideas_to_cluster(core, challenge, [ideas[1].id, ideas[2].id], absorb)
    db.session.commit()
    client.login(core)
    base = f"/c/{challenge.slug}/clusters"

    client.post_form(f"{base}/{absorb.id}/merge", {"into": keep.id})
    assert [cluster_of(i.id) for i in ideas] == [keep.id] * 3
    assert "Samenvoegen ongedaan maken" in client.get(f"{base}/{absorb.id}").get_data(as_text=True)

    client.post_form(f"{base}/{absorb.id}/unmerge")
    assert [cluster_of(i.id) for i in ideas] == [keep.id, absorb.id, absorb.id]

    client.post_form(f"{base}/{absorb.id}/split", {"idea_ids": [ideas[2].id],
                                                   "new_name": "Apart"})
    apart = db.session.scalars(db.select(Cluster).where(Cluster.name == "Apart")).one()
    assert cluster_of(ideas[2].id) == apart.id


def test_public_page_lists_only_published_clusters_with_their_number_of_ideas(
    client, challenge, core, author
):
    ideas = [make_idea(author, challenge) for _ in range(3)]
    public = services.create_cluster(core, challenge, "Openbaar cluster", "Wat ze delen.")
    private = services.create_cluster(core, challenge, "Intern cluster")
    services.move_ideas_to_cluster(core, challenge, [i.id for i in ideas[:2]], public)
    services.move_ideas_to_cluster(core, challenge, [ideas[2].id], private)
    services.set_published(core, public, True)
    db.session.commit()

    html = client.get(f"/c/{challenge.slug}").get_data(as_text=True)

    assert "Openbaar cluster" in html and "Wat ze delen." in html and "2 ideeën" in html
    assert "Intern cluster" not in html
    assert "/board" not in html  # the board link is for the core team only
    funnel = {stage.key: stage.count for stage in progress_funnel(challenge)}
    assert funnel["clusters"] == 1  # the public count leaves the internal cluster out


def test_core_team_sees_the_board_link_on_the_challenge_page(client, challenge, core):
    client.login(core)

    assert f"/c/{challenge.slug}/board" in client.get(f"/c/{challenge.slug}").get_data(
        as_text=True)


def test_board_explains_when_curation_is_closed(client, app):
    from ideation.challenges.models import PhaseKind

    challenge = factories.make_challenge(phase=PhaseKind.validate)
    core = quick_user("core_team", challenge)
    idea = Idea(challenge_id=challenge.id, title="Idee", description="Tekst")
    db.session.add(idea)
    db.session.add(Cluster(challenge=challenge, name="Groep"))
    db.session.commit()
    cluster = db.session.scalars(db.select(Cluster)).one()
    client.login(core)

    page = client.get(f"/c/{challenge.slug}/board").get_data(as_text=True)
    response = client.post_form(f"/c/{challenge.slug}/board/move",
                                {"idea_ids": [idea.id], "cluster": str(cluster.id)})

    assert "Ideeën in groepen zetten kon tot en met" in page
    assert response.status_code == 302
    assert cluster_of(idea.id) is None


def test_the_board_filters_by_source_and_text_and_opens_a_cluster_in_place(
    client, challenge, core, author
):
    web = make_idea(author, challenge, title="Van de website", description="Fietsen stallen.")
    imported = make_idea(author, challenge, title="Van papier", description="Fietsen ook.")
    session = make_idea(author, challenge, title="Uit de sessie", description="Bankjes.")
    imported.source, session.source = "import", "session"
    cluster = services.create_cluster(core, challenge, "Groot")
    many = add_ideas(challenge, author, 7)
    services.move_ideas_to_cluster(core, challenge, [i.id for i in many], cluster)
    db.session.commit()
    client.login(core)
    url = f"/c/{challenge.slug}/board"

    def titles(query):
        html = client.get(url + query).get_data(as_text=True)
        return {t for t in ("Van de website", "Van papier", "Uit de sessie") if t in html}

    assert titles("?source=import") == {"Van papier"}
    assert titles("?source=session") == {"Uit de sessie"}
    assert titles("?source=web") == {"Van de website"}
    assert titles("?q=fietsen") == {"Van de website", "Van papier"}
    assert titles("?source=nonsense") == {"Van de website", "Van papier", "Uit de sessie"}
    closed = client.get(url).get_data(as_text=True)
    opened = client.get(f"{url}?open={cluster.id}").get_data(as_text=True)
    assert "Toon hier alle 7 ideeën" in closed and closed.count("Idee 000") == 5
    assert opened.count("Idee 000") == 7 and "Sluiten" in opened
    assert web.id and client.get(f"{url}?open=99999999999999999999").status_code == 200
