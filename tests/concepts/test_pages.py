"""The concept pages: new-concept form, manage page (forms keep input on errors), scores that
stay hidden until you score, the list, the public page with its lineage, criteria, languages."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import func, select

from ideation.challenges.models import PhaseKind
from ideation.concepts import scoring, services
from ideation.concepts.models import Concept, ConceptCriterion, ConceptScore, ConceptState
from ideation.curation.models import ClusterState
from ideation.extensions import db
from ideation.ideas.models import IdeaStatus
from ideation.prototypes.models import Prototype, PrototypeKind, PrototypeVersion
from tests import factories
from tests.concepts.conftest import add_ideas, make_cluster, make_concept
from tests.html import page_language, parse
from tests.ideas.conftest import quick_user
from tests.xss import PAYLOADS, injected


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def score_body(criteria, *values, **notes):
    body = {f"c{c.id}": str(v) for c, v in zip(criteria, values, strict=False)}
    body.update({f"n{criteria[int(k[1:])].id}": v for k, v in notes.items()})
    return body


# --- new concept -------------------------------------------------------------------------------


def test_the_form_lists_shortlisted_clusters_and_ticks_the_one_it_came_from(
        english, challenge, core, shortlisted):
    other = make_cluster(core, challenge, "Tweede keus")
    make_cluster(core, challenge, "Nog open", state=ClusterState.open)
    english.login(core)

    page = text(english.get(f"/c/scheiden/concepts/new?cluster={other.id}"))

    assert "<legend>Which shortlisted clusters does it grow from?</legend>" in page
    boxes = {box.attrs["value"]: box for box in parse(page).find_all("input", name="cluster_ids")}
    assert set(boxes) == {str(other.id), str(shortlisted.id)}
    assert "checked" in boxes[str(other.id)].attrs
    assert "checked" not in boxes[str(shortlisted.id)].attrs
    assert "Nog open" not in page


def test_a_cluster_page_links_to_a_new_concept_and_the_board_to_the_list(
        english, challenge, core, shortlisted):
    english.login(core)
    cluster_page = text(english.get(f"/c/scheiden/clusters/{shortlisted.id}"))
    board = text(english.get("/c/scheiden/board"))

    assert f"/c/scheiden/concepts/new?cluster={shortlisted.id}" in cluster_page
    assert "Make a concept from this cluster" in cluster_page
    assert 'href="/c/scheiden/concepts"' in board


def test_making_a_concept_leads_to_its_manage_page(english, challenge, core, shortlisted):
    english.login(core)
    response = english.post_form("/c/scheiden/concepts/new", {
        "title": "Eén loket", "dream_big": "Alle hulp op één plek.",
        "cluster_ids": [shortlisted.id]})

    concept = db.session.scalar(select(Concept))
    assert response.status_code == 302
    assert response.location == f"/c/scheiden/concepts/{concept.id}/manage"
    assert "The concept is made." in text(english.get(response.location))


def test_a_concept_without_clusters_is_refused_and_the_typed_text_is_kept(
        english, challenge, core, shortlisted):
    english.login(core)
    response = english.post_form("/c/scheiden/concepts/new", {
        "title": "Mijn titel", "dream_big": "Mijn grote droom", "realistic": "Mijn plan"})

    page = text(response)
    assert response.status_code == 422
    assert "Choose one or more shortlisted clusters." in page
    assert 'value="Mijn titel"' in page and "Mijn grote droom" in page and "Mijn plan" in page
    assert count(Concept) == 0


def test_an_open_cluster_sent_by_hand_is_refused_on_the_clusters_field(
        english, challenge, core):
    opened = make_cluster(core, challenge, "Nog open", state=ClusterState.open)
    english.login(core)

    response = english.post_form("/c/scheiden/concepts/new", {
        "title": "Titel", "dream_big": "Droom", "cluster_ids": [opened.id]})

    assert response.status_code == 422
    assert 'id="cluster_ids-error">“Nog open” is not shortlisted.' in text(response)
    assert count(Concept) == 0


def test_in_the_dream_phase_the_form_says_when_concepts_can_be_made(english, core):
    dreaming = factories.make_challenge("droom", phase=PhaseKind.dream)
    member = quick_user("core_team", dreaming)
    cluster = make_cluster(member, dreaming, "Loket")
    english.login(member)

    shown = english.get("/c/droom/concepts/new")
    posted = english.post_form("/c/droom/concepts/new", {
        "title": "Titel", "dream_big": "Droom", "cluster_ids": [cluster.id]})

    assert shown.status_code == 200 and "Working out concepts is possible from" in text(shown)
    assert posted.status_code == 409 and "Working out concepts is possible from" in text(posted)
    assert count(Concept) == 0


# --- the manage page -----------------------------------------------------------------------------


def test_a_state_change_without_reason_is_refused_with_a_message(english, challenge, core,
                                                                 concept):
    english.login(core)
    response = english.post_form(f"/c/scheiden/concepts/{concept.id}/state",
                                 {"state": "parked", "reason": ""})

    assert response.status_code == 422
    assert 'id="reason-error">Say why you make this change.' in text(response)
    db.session.refresh(concept)
    assert concept.state is ConceptState.draft


def test_skipping_a_step_on_the_page_names_the_next_step_and_keeps_the_reason(
        english, challenge, core, concept):
    english.login(core)
    response = english.post_form(f"/c/scheiden/concepts/{concept.id}/state",
                                 {"state": "prototyping", "reason": "Snel door"})

    page = text(response)
    assert response.status_code == 422
    assert "A concept cannot skip a step. Move it to “Realistic” first." in page
    assert "Snel door</textarea>" in page


def test_the_state_buttons_offer_only_the_allowed_moves(english, challenge, core,
                                                        shortlisted):
    concept = make_concept(core, challenge, [shortlisted], state=ConceptState.realistic)
    english.login(core)

    page = text(english.get(f"/c/scheiden/concepts/{concept.id}/manage"))

    buttons = [button.attrs["value"] for button in parse(page).find_all("button", name="state")]
    assert buttons == ["prototyping", "draft", "parked"]
    assert "Next step: Prototyping" in page and "Back to: Draft" in page


def test_a_state_change_on_the_page_is_saved_and_shown_in_the_log(english, challenge, core,
                                                                  shortlisted):
    concept = make_concept(core, challenge, [shortlisted], realistic="Gemeente en rechtbank.")
    english.login(core)

    response = english.post_form(f"/c/scheiden/concepts/{concept.id}/state",
                                 {"state": "realistic", "reason": "Het plan is rond"})
    page = text(english.get(response.location))

    assert "The concept is now: Realistic." in page
    assert "Het plan is rond" in page and "State changed" in page


def test_publishing_on_the_page_makes_the_public_page_visible(english, client, challenge,
                                                              core, concept):
    english.login(core)
    english.post_form(f"/c/scheiden/concepts/{concept.id}/publish", {"publish": "1"})
    english.logout()

    assert english.get(f"/c/scheiden/concepts/{concept.id}").status_code == 200


def test_editing_with_an_empty_title_keeps_the_other_fields(english, challenge, core,
                                                            concept):
    english.login(core)
    response = english.post_form(f"/c/scheiden/concepts/{concept.id}/edit", {
        "title": "", "dream_big": "Nieuwe droom", "realistic": "Nieuw plan"})

    page = text(response)
    assert response.status_code == 422
    assert "Give the concept a title." in page and "Nieuwe droom" in page
    db.session.refresh(concept)
    assert concept.dream_big == "Alle hulp in één keer."


# --- scores on the page ----------------------------------------------------------------------


def test_a_missing_score_gets_a_message_on_its_criterion_and_the_rest_is_kept(
        english, challenge, core, concept):
    criteria = scoring.criteria_of(challenge)
    english.login(core)

    response = english.post_form(f"/c/scheiden/concepts/{concept.id}/scores",
                                 score_body(criteria, 4, 0, 2, n0="Mijn notitie"))

    page = text(response)
    assert response.status_code == 422
    assert "Give “Haalbaarheid” a score from 1 to 5." in page
    assert "Give “Draagvlak bij partners” a score from 1 to 5." in page
    assert "Give “Kosten”" not in page
    (chosen,) = [radio for radio in parse(page).find_all("input", name=f"c{criteria[0].id}")
                 if "checked" in radio.attrs]
    assert chosen.attrs["type"] == "radio" and chosen.attrs["value"] == "4"
    assert "Mijn notitie" in page
    assert count(ConceptScore) == 0


def test_a_member_sees_nothing_of_others_scores_until_scoring_then_everything(
        english, challenge, core, colleague, concept):
    criteria = scoring.criteria_of(challenge)
    services.score_concept(core, concept, {c.id: 1 for c in criteria},
                           "Karins geheime notitie")
    db.session.commit()
    english.login(colleague)
    manage = f"/c/scheiden/concepts/{concept.id}/manage"

    before = text(english.get(manage))
    listed = text(english.get("/c/scheiden/concepts"))

    assert "1 of 2 team members have scored this concept." in before
    assert "You see the scores of the others after you have given your own scores." in before
    assert "Karins geheime notitie" not in before
    assert "Team member" not in before and "Mean" not in before  # no score table, no figures
    assert "Scored" not in before  # not even who scored, in the log
    assert "disagrees here" not in before
    assert "Score this concept first to see the scores." in listed
    assert "1.0" not in listed and "Karins" not in listed

    response = english.post_form(f"/c/scheiden/concepts/{concept.id}/scores",
                                 score_body(criteria, 5, 5, 5, 5))
    after = text(english.get(response.location))

    assert "Your scores are saved." in after
    assert "2 of 2 team members have scored this concept." in after
    assert "Karins geheime notitie" in after and "<th scope=\"row\">Karin Kernteam</th>" in after
    assert "The team disagrees here — discuss before deciding." in after
    assert "3.0" in text(english.get("/c/scheiden/concepts"))


def test_an_admin_sees_the_scores_but_gets_no_scoring_form(english, challenge, core, concept):
    services.score_concept(core, concept, {c.id: 2 for c in scoring.criteria_of(challenge)},
                           "Notitie")
    db.session.commit()
    english.login(quick_user("admin"))

    page = text(english.get(f"/c/scheiden/concepts/{concept.id}/manage"))

    assert "Notitie" in page and "Save my scores" not in page
    assert "Only members of the core team give scores." in page


def test_scores_never_appear_on_the_public_page(english, challenge, core, shortlisted):
    concept = make_concept(core, challenge, [shortlisted], published=True)
    services.score_concept(core, concept, {c.id: 2 for c in scoring.criteria_of(challenge)},
                           "Interne notitie")
    db.session.commit()

    english.login(core)
    page = text(english.get(f"/c/scheiden/concepts/{concept.id}"))

    assert "Interne notitie" not in page and "Realism scores" not in page


def test_the_list_is_sorted_and_filtered_from_the_query_string(english, challenge, core,
                                                               shortlisted):
    low = make_concept(core, challenge, [shortlisted], title="Laag")
    high = make_concept(core, challenge, [shortlisted], title="Hoog")
    criteria = scoring.criteria_of(challenge)
    services.score_concept(core, low, {c.id: 1 for c in criteria})
    services.score_concept(core, high, {c.id: 5 for c in criteria})
    services.change_state(core, low, ConceptState.parked, "Te duur")
    db.session.commit()
    english.login(core)

    ranked = text(english.get("/c/scheiden/concepts?sort=mean"))
    parked = text(english.get("/c/scheiden/concepts?state=parked"))

    assert ranked.index(">Hoog</a>") < ranked.index(">Laag</a>")
    assert ">Laag</a>" in parked and ">Hoog</a>" not in parked


# --- the public page -----------------------------------------------------------------------


@pytest.fixture
def lineage_concept(challenge, core):
    """A published concept from a published cluster (3 ideas, one hidden) and an unpublished
    cluster (2 ideas), with one published and one unpublished prototype."""
    public = make_cluster(core, challenge, "Kinderen horen", ideas=2, published=True)
    add_ideas(challenge, public, 1, status=IdeaStatus.hidden)
    private = make_cluster(core, challenge, "Intern cluster", ideas=2)
    concept = make_concept(core, challenge, [public, private], state=ConceptState.prototyping,
                           published=True)
    for title, published in (("Digitaal loket", True), ("Geheim prototype", False)):
        prototype = Prototype(challenge=challenge, concept=concept, title=title,
                              kind=PrototypeKind.digital, is_published=published)
        prototype.versions.append(PrototypeVersion(number=1, description="Zo werkt het."))
        db.session.add(prototype)
    db.session.commit()
    return concept


def test_the_public_page_shows_the_concept_its_public_clusters_ideas_and_prototypes(
        english, lineage_concept):
    response = english.get(f"/c/scheiden/concepts/{lineage_concept.id}")

    page = text(response)
    assert response.status_code == 200
    assert "Eén plek voor ouders" in page and "Alle hulp in één keer." in page
    assert "Prototyping" in page and "Prototypes are being made from this concept." in page
    assert "This concept grew from 4 ideas of citizens" in page and "in 2 clusters." in page
    assert ">Kinderen horen</span>:\n              2 ideas" in page
    assert "1 cluster that is not public yet:\n              2 ideas" in page
    assert "Intern cluster<" not in page  # its ideas are public, its name is not
    assert page.count('href="/c/scheiden/ideas/') == 4
    assert "Digitaal loket" in page and "Geheim prototype" not in page
    prototype = db.session.scalar(select(Prototype).where(Prototype.title == "Digitaal loket"))
    if "prototypes.show" in current_app.view_functions:
        assert f'href="/c/scheiden/prototypes/{prototype.id}"' in page


def test_the_core_team_sees_every_cluster_and_prototype_on_the_same_page(english, core,
                                                                         lineage_concept):
    english.login(core)
    page = text(english.get(f"/c/scheiden/concepts/{lineage_concept.id}"))
    assert ">Intern cluster</a>" in page and "Geheim prototype" in page
    assert "Manage this concept" in page


def test_the_ideas_are_listed_twenty_per_page(english, challenge, core):
    cluster = make_cluster(core, challenge, "Groot", ideas=25, published=True)
    concept = make_concept(core, challenge, [cluster], published=True)

    first = text(english.get(f"/c/scheiden/concepts/{concept.id}"))
    second = text(english.get(f"/c/scheiden/concepts/{concept.id}?page=2"))

    assert first.count('href="/c/scheiden/ideas/') == 20 and "Page 1 of 2" in first
    assert second.count('href="/c/scheiden/ideas/') == 5
    assert "Groot idee 24" in second


def test_an_anonymous_idea_shows_no_author_on_the_concept_page(english, challenge, core):
    cluster = make_cluster(core, challenge, "Anoniem", published=True)
    add_ideas(challenge, cluster, 1, author=quick_user(name="Verborgen Naam"),
              is_anonymous=True)
    concept = make_concept(core, challenge, [cluster], published=True)

    page = text(english.get(f"/c/scheiden/concepts/{concept.id}"))

    assert "Anoniem idee 0" in page and "Verborgen Naam" not in page


def test_an_unpublished_concept_is_not_found_for_the_public(client, challenge, concept):
    assert client.get(f"/c/scheiden/concepts/{concept.id}").status_code == 404
    client.login(quick_user())
    assert client.get(f"/c/scheiden/concepts/{concept.id}").status_code == 404


def test_the_public_page_renders_in_dutch(client, lineage_concept):
    response = client.get(f"/c/scheiden/concepts/{lineage_concept.id}")
    assert response.status_code == 200 and page_language(response) == "nl"


@pytest.mark.parametrize("path", ["", "/manage"])
def test_the_team_pages_render_in_dutch_and_english(client, challenge, core, concept, path):
    client.login(core)
    dutch = client.get(f"/c/scheiden/concepts/{concept.id}{path}")
    client.set_cookie("lang", "en")
    english = client.get(f"/c/scheiden/concepts/{concept.id}{path}")

    assert dutch.status_code == english.status_code == 200
    assert page_language(dutch) == "nl" and page_language(english) == "en"
    assert "Realistic version" in text(english)


def test_the_list_and_criteria_render_in_dutch(client, challenge, core, concept):
    client.login(core)
    listing, criteria, new = (parse(client.get(f"/c/scheiden/concepts{path}"))
                              for path in ("", "/criteria", "/new"))

    for page, heading in ((listing, "Plannen"), (criteria, "Criteria voor de scores"),
                          (new, "Nieuw concept")):
        assert page.find("html").attrs["lang"] == "nl"
        assert [h1.text for h1 in page.find_all("h1")] == [heading]
    assert concept.title in [link.text for link in listing.find("main").find_all("a")]
    assert "Concepten en hun scores (1 tot 5, hoger is beter)" in listing.text
    assert [h2.text for h2 in criteria.find_all("h2")] == [
        "Impact voor de eindgebruiker", "Haalbaarheid", "Kosten", "Draagvlak bij partners",
        "Criterium toevoegen"]
    assert "1 = erg duur, 5 = bijna gratis" in criteria.text
    labels = [label.text for label in new.find_all("label")]
    assert {"Titel", "Groot dromen", "Realistische versie"} <= set(labels)
    assert "Maak het concept" in [button.text for button in new.find_all("button")]
    for page in (listing, criteria, new):
        assert "Concepts" not in page.text and "New concept" not in page.text


# --- criteria page ---------------------------------------------------------------------------


def test_a_new_challenge_gets_its_default_criteria_on_the_criteria_page(english, challenge,
                                                                        core):
    english.login(core)
    page = text(english.get("/c/scheiden/concepts/criteria"))
    assert "Haalbaarheid" in page and "1 = erg duur, 5 = bijna gratis" in page
    assert count(ConceptCriterion) == 4


def test_removing_a_criterion_asks_for_confirmation_first(english, challenge, core, concept):
    services.score_concept(core, concept, {c.id: 3 for c in scoring.criteria_of(challenge)})
    db.session.commit()
    cost = scoring.criteria_of(challenge)[2]
    english.login(core)

    refused = english.post_form(f"/c/scheiden/concepts/criteria/{cost.id}/remove", {})

    assert refused.status_code == 422
    assert "Tick the box to confirm." in text(refused)
    assert count(ConceptCriterion) == 4 and count(ConceptScore) == 4

    done = english.post_form(f"/c/scheiden/concepts/criteria/{cost.id}/remove",
                             {f"r{cost.id}-confirm": "y"})
    assert done.status_code == 302
    assert "The criterion “Kosten” is removed." in text(english.get(done.location))
    assert count(ConceptCriterion) == 3 and count(ConceptScore) == 3


def test_a_duplicate_criterion_name_is_refused_on_the_name_field(english, challenge, core):
    services.ensure_criteria(challenge)
    db.session.commit()
    english.login(core)

    response = english.post_form("/c/scheiden/concepts/criteria",
                                 {"add-name": "Kosten", "add-help_text": "Wat het kost"})

    page = text(response)
    assert response.status_code == 422
    assert 'id="add-name-error">There is already a criterion with this name.' in page
    assert 'value="Wat het kost"' in page
    assert count(ConceptCriterion) == 4


def test_moving_a_criterion_up_on_the_page(english, challenge, core):
    criteria = services.ensure_criteria(challenge)
    db.session.commit()
    english.login(core)

    english.post_form(f"/c/scheiden/concepts/criteria/{criteria[1].id}/move",
                      {"direction": "up"})

    db.session.expire_all()
    assert [c.name for c in scoring.criteria_of(challenge)][:2] == [
        "Haalbaarheid", "Impact voor de eindgebruiker"]


def test_a_criterion_name_is_text_on_every_page_never_markup(english, challenge, core,
                                                            shortlisted):
    concept = make_concept(core, challenge, [shortlisted])
    services.add_criterion(core, challenge, PAYLOADS[1][:80])
    db.session.commit()
    english.login(core)

    for url in (f"/c/{challenge.slug}/concepts/{concept.id}/manage",
                f"/c/{challenge.slug}/concepts", f"/c/{challenge.slug}/concepts/criteria"):
        page = english.get(url)
        assert page.status_code == 200, url
        assert injected(page.get_data(as_text=True)) == [], url
