"""The challenge page's funnel (ideas to validated prototypes) and its lists of published
concepts and prototypes: live counts of public things only."""

from __future__ import annotations

import re

import pytest

from ideation.challenges.models import Challenge
from ideation.challenges.services import progress_funnel
from ideation.concepts.models import Concept, ConceptState
from ideation.curation import services as curation
from ideation.extensions import db
from ideation.ideas import submitting
from ideation.prototypes.models import (
    Prototype,
    PrototypeKind,
    PrototypeState,
    PrototypeVersion,
)
from tests import factories
from tests.html import page_language
from tests.ideas.conftest import make_idea, quick_user

EN = {"Accept-Language": "en"}


def make_concept(challenge: Challenge, title: str = "Eén loket", *, published: bool = True,
                 state: ConceptState = ConceptState.realistic) -> Concept:
    concept = Concept(challenge=challenge, title=title, dream_big="Alles kan.",
                      realistic="De gemeente begint.", state=state, is_published=published)
    db.session.add(concept)
    db.session.commit()
    return concept


def make_prototype(concept: Concept, title: str = "Digitaal loket", *, published: bool = True,
                   state: PrototypeState = PrototypeState.testing) -> Prototype:
    prototype = Prototype(challenge=concept.challenge, concept=concept, title=title,
                          kind=PrototypeKind.digital, state=state, is_published=published,
                          versions=[PrototypeVersion(number=1, description="Je klikt op.")])
    db.session.add(prototype)
    db.session.commit()
    return prototype


def funnel_item(html: str, key: str) -> str:
    """The text of one funnel stage as a screen reader reads it (tags removed)."""
    match = re.search(rf'<li class="funnel-stage funnel-{key}">(.*?)</li>', html, re.S)
    assert match, f"no funnel stage {key}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def counts(challenge: Challenge) -> dict[str, int]:
    return {stage.key: stage.count for stage in progress_funnel(challenge)}


@pytest.fixture
def challenge(app) -> Challenge:
    return factories.make_challenge(slug="scheiden")  # dream: ideas can come in


@pytest.fixture
def concept(challenge) -> Concept:
    return make_concept(challenge)


def test_funnel_lists_the_later_stages_after_ideas_and_clusters_in_order(challenge):
    keys = [stage.key for stage in progress_funnel(challenge)]

    # Ideas and clusters register when their modules are imported (the app imports ideas
    # first); the later stages always follow them, in this order.
    assert set(keys[:2]) == {"ideas", "clusters"}
    assert keys[2:] == ["concepts", "prototypes", "validated", "actions_started",
                        "actions_done"]


def test_funnel_counts_published_concepts_in_any_state_and_never_unpublished_ones(challenge):
    make_concept(challenge, "Realistisch")
    make_concept(challenge, "Geparkeerd", state=ConceptState.parked)
    make_concept(challenge, "Verborgen", published=False)
    make_concept(factories.make_challenge(), "Andere uitdaging")

    assert counts(challenge)["concepts"] == 2


def test_funnel_counts_published_prototypes_and_validated_means_published_and_adopted(
    challenge, concept
):
    make_prototype(concept, "Test")
    make_prototype(concept, "Aangenomen", state=PrototypeState.adopted)
    make_prototype(concept, "Aangenomen maar verborgen", published=False,
                   state=PrototypeState.adopted)
    make_prototype(concept, "Geparkeerd", state=PrototypeState.parked)

    stages = counts(challenge)

    assert stages["prototypes"] == 3
    assert stages["validated"] == 1


def test_challenge_page_reads_each_count_together_with_its_label(client, challenge, concept):
    make_concept(challenge, "Tweede")
    make_prototype(concept, state=PrototypeState.adopted)
    author = quick_user()
    make_idea(author, challenge)

    html = client.get(f"/c/{challenge.slug}", headers=EN).get_data(as_text=True)

    assert '<ol class="funnel"' in html
    assert funnel_item(html, "ideas") == "1 Ideas"
    assert funnel_item(html, "concepts") == "2 Concepts"
    assert funnel_item(html, "prototypes") == "1 Prototypes"
    assert funnel_item(html, "validated") == "1 Validated"


def test_funnel_counts_are_live_after_each_change(client, challenge, concept):
    hidden = make_concept(challenge, "Nog niet af", published=False)
    url = f"/c/{challenge.slug}"
    assert funnel_item(client.get(url, headers=EN).get_data(as_text=True), "concepts") \
        == "1 Concepts"

    hidden.is_published = True
    db.session.commit()

    assert funnel_item(client.get(url, headers=EN).get_data(as_text=True), "concepts") \
        == "2 Concepts"


def test_funnel_counts_only_published_ideas(challenge):
    author = quick_user()
    make_idea(author, challenge)
    withdrawn = make_idea(author, challenge, title="Toch niet")
    submitting.withdraw_idea(author, withdrawn)
    db.session.commit()

    assert counts(challenge)["ideas"] == 1


def test_challenge_page_lists_published_concepts_and_prototypes_with_their_state(
    app, client, challenge, concept
):
    parked = make_concept(challenge, "Later misschien", state=ConceptState.parked)
    prototype = make_prototype(concept, "Digitaal loket", state=PrototypeState.adopted)

    html = client.get(f"/c/{challenge.slug}", headers=EN).get_data(as_text=True)

    assert 'id="concepts-heading">Concepts</h2>' in html
    assert 'id="prototypes-heading">Prototypes</h2>' in html
    assert "Eén loket" in html and "(realistic)" in html
    assert "Later misschien" in html and "(parked)" in html
    assert "Digitaal loket" in html and "(adopted)" in html
    # Links appear once the public pages exist (other features build them).
    if "concepts.show" in app.view_functions:
        assert f'href="/c/{challenge.slug}/concepts/{parked.id}"' in html
    if "prototypes.show" in app.view_functions:
        assert f'href="/c/{challenge.slug}/prototypes/{prototype.id}"' in html


def test_unpublished_concept_and_prototype_are_not_listed_on_the_challenge_page(
    client, challenge
):
    secret = make_concept(challenge, "Geheim concept", published=False)
    make_prototype(secret, "Geheim prototype", published=False)

    html = client.get(f"/c/{challenge.slug}", headers=EN).get_data(as_text=True)

    assert "Geheim concept" not in html and "Geheim prototype" not in html
    assert 'id="concepts-heading"' not in html and 'id="prototypes-heading"' not in html
    assert funnel_item(html, "concepts") == "0 Concepts"
    assert funnel_item(html, "prototypes") == "0 Prototypes"


def test_unpublished_cluster_is_not_listed_on_the_challenge_page(client, challenge):
    core = quick_user("core_team", challenge)
    curation.create_cluster(core, challenge, "Intern cluster")
    db.session.commit()

    assert "Intern cluster" not in client.get(f"/c/{challenge.slug}").get_data(as_text=True)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_challenge_page_with_funnel_and_lists_renders_in_both_languages(
    client, challenge, concept, language
):
    make_prototype(concept)

    response = client.get(f"/c/{challenge.slug}", headers={"Accept-Language": language})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert page_language(html) == language
    assert "Eén loket" in html and "Digitaal loket" in html
