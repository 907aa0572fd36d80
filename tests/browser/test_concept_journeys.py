"""A core-team member on a desktop turns a shortlisted cluster into a concept, scores it, and
makes a prototype with two versions; then an anonymous visitor reads the public prototype page.

The journey switches the site to English with the language button, so the test reads the
message ids (the Dutch catalogue of these pages is being written); at the end the visitor
switches back to Dutch and the public page must still work. The concept criteria are data in
the challenge's language (Dutch), so they are named in Dutch.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from ideation.challenges.models import PhaseKind
from ideation.concepts import scoring
from ideation.concepts import services as concept_services
from ideation.concepts.models import Concept, ConceptState
from ideation.curation.models import Cluster, ClusterState
from ideation.extensions import db
from ideation.ideas.models import Idea
from ideation.prototypes.models import Prototype, PrototypeImage
from tests.browser.conftest import no_horizontal_scroll
from tests.factories import PASSWORD, make_challenge
from tests.ideas.conftest import quick_user

pytestmark = pytest.mark.browser

FIRST_TEXT = "Ouders melden zich bij één balie en krijgen één vaste contactpersoon."
SECOND_TEXT = "Ouders maken online een afspraak en spreken dan hun vaste contactpersoon."


def _sketch(tmp_path):
    path = tmp_path / "schets.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 160, 90)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _shortlisted_cluster(challenge, titles):
    """A public, shortlisted cluster with published ideas (their phase is over)."""
    author = quick_user(name="Burger Bas")
    cluster = Cluster(challenge=challenge, name="Hulp op één plek", summary="",
                      state=ClusterState.shortlisted, is_published=True, position=0)
    db.session.add(cluster)
    db.session.flush()
    db.session.add_all(Idea(challenge=challenge, author=author, title=title,
                            description="Uitleg.", cluster_id=cluster.id) for title in titles)
    db.session.commit()
    return cluster


def _move_concept(page, reason, button):
    page.get_by_label("Why this change?").fill(reason)
    page.get_by_role("button", name=button).click()
    expect(page.locator(".flash-success")).to_contain_text("The concept is now")


def test_core_team_turns_a_cluster_into_a_concept_scores_it_and_makes_a_prototype_with_two_versions(  # noqa: E501
    app, live_server, page, tmp_path
):
    challenge = make_challenge(slug="scheiden-zonder-schade", phase=PhaseKind.prototype)
    core = quick_user("core_team", challenge, name="Karin Kernteam")
    colleague = quick_user("core_team", challenge, name="Bram Bestuur")
    cluster = _shortlisted_cluster(challenge, ["Eén loket voor alle hulp",
                                               "Een vaste contactpersoon",
                                               "Alles op één website"])
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # Log in through the form, in English.
    page.goto(f"{live_server}/login")
    page.get_by_role("button", name="English").click()
    page.get_by_label("E-mail address").fill(core.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # From the board to the cluster, and from there to a new concept.
    page.goto(f"{live_server}/c/{challenge.slug}/board")
    page.get_by_role("link", name=cluster.name).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(cluster.name)
    page.get_by_role("link", name="Make a concept from this cluster").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New concept")
    expect(page.get_by_label(cluster.name)).to_be_checked()
    page.get_by_label("Title").fill("Eén plek voor ouders")
    page.get_by_label("Dream big").fill("Alle hulp bij een scheiding op één plek, voor iedereen.")
    page.get_by_label("Realistic version").fill(
        "De gemeente begint een proef met één loket, samen met het wijkteam.")
    page.get_by_role("button", name="Make the concept").click()
    expect(page.locator(".flash-success")).to_contain_text("The concept is made")
    concept = db.session.scalars(db.select(Concept)).one()
    assert [c.id for c in concept.clusters] == [cluster.id]

    # Move it one step at a time, each time with a reason.
    _move_concept(page, "De tekst is nu realistisch.", "Next step: Realistic")
    _move_concept(page, "We gaan het uitproberen.", "Next step: Prototyping")
    db.session.expire_all()
    assert db.session.get(Concept, concept.id).state is ConceptState.prototyping
    log = page.locator("#history-heading ~ div table")
    expect(log).to_contain_text("De tekst is nu realistisch.")
    expect(log).to_contain_text("We gaan het uitproberen.")

    # A colleague scores on their own; Karin sees nothing of it until she has scored.
    criteria = scoring.criteria_of(challenge)
    concept_services.score_concept(colleague, db.session.get(Concept, concept.id),
                                   {c.id: 2 for c in criteria}, {})
    db.session.commit()
    page.reload()
    scores = page.locator("section[aria-labelledby=scores-heading]")
    expect(scores.get_by_role("status")).to_contain_text("1 of 2 team members have scored")
    expect(scores).to_contain_text("You see the scores of the others after you have given")
    expect(scores.get_by_text("Mean", exact=True)).to_have_count(0)
    expect(scores.get_by_text("Bram Bestuur")).to_have_count(0)
    for criterion in criteria:
        scores.get_by_role("group", name=criterion.name).get_by_label("5").check()
    page.get_by_role("button", name="Save my scores").click()
    expect(page.locator(".flash-success")).to_contain_text("Your scores are saved.")
    scores = page.locator("section[aria-labelledby=scores-heading]")
    expect(scores.get_by_role("status")).to_contain_text("2 of 2 team members have scored")
    expect(scores.get_by_text("Mean", exact=True)).to_have_count(len(criteria))
    first = scores.locator(".concept-criterion").first
    expect(first.locator(".concept-stats")).to_contain_text("3.5")
    expect(first.locator(".concept-stats")).to_contain_text("from 2 to 5")
    expect(first).to_contain_text("The team disagrees here")
    expect(first.get_by_role("row", name="Bram Bestuur")).to_contain_text("2")

    # Publish the concept, then make a prototype with one image.
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("The concept is public now.")
    page.get_by_role("link", name="Make a prototype from this concept").click()
    page.get_by_label("Title").fill("Proef met het loket")
    page.get_by_role("group", name="What kind of prototype is it?").get_by_label(
        "A service").check()
    page.get_by_label("What will a tester see or do?").fill(FIRST_TEXT)
    page.get_by_label("Image 1 (optional)").set_input_files(str(_sketch(tmp_path)))
    page.get_by_label("What is on image 1? (optional)").fill("Schets van de balie")
    page.get_by_role("button", name="Make the prototype").click()
    expect(page.locator(".flash-success")).to_contain_text("The prototype is made")
    expect(page.get_by_role("img", name="Schets van de balie")).to_be_visible()
    page.get_by_role("button", name="Publish this prototype").click()
    expect(page.locator(".flash-success")).to_contain_text("The prototype is public now.")
    prototype = db.session.scalars(db.select(Prototype)).one()
    assert db.session.scalars(db.select(PrototypeImage)).one().alt_text == "Schets van de balie"

    # Version 2: what a tester does now, what changed and why.
    page.get_by_role("link", name="Make a new version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New version: version 2")
    expect(page.get_by_label("What will a tester see or do?")).to_have_value(FIRST_TEXT)
    page.get_by_label("What will a tester see or do?").fill(SECOND_TEXT)
    page.get_by_label("What changed since the previous version?").fill(
        "Een afspraak maak je nu online.")
    page.get_by_label("Why? Which feedback led to this change?").fill(
        "Ouders wilden niet in de rij staan.")
    page.get_by_role("button", name="Save version 2").click()
    expect(page.locator(".flash-success")).to_contain_text("Version 2 is saved.")
    expect(page.get_by_role("heading", name="Version 2: the latest version")).to_be_visible()
    expect(page.get_by_text(SECOND_TEXT)).to_be_visible()
    expect(page.get_by_text("Ouders wilden niet in de rij staan.")).to_be_visible()
    expect(page.get_by_text(FIRST_TEXT)).to_have_count(0)

    page.get_by_role("link", name="Version 1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("version 1")
    expect(page.get_by_text("This is version 1; the latest is version 2.")).to_be_visible()
    expect(page.get_by_text(FIRST_TEXT)).to_be_visible()
    expect(page.get_by_role("img", name="Schets van de balie")).to_be_visible()
    page.get_by_role("link", name="See the latest version").click()

    lineage = page.locator("section.prototype-lineage")
    expect(lineage.get_by_role("heading", name="Where this prototype comes from")).to_be_visible()
    expect(lineage).to_contain_text("This prototype grew from 3 ideas of citizens in 1 cluster.")
    expect(lineage.get_by_role("listitem").filter(has_text=cluster.name)).to_contain_text(
        "3 ideas")
    expect(lineage.get_by_role("link", name="Eén plek voor ouders")).to_be_visible()

    # Anonymous: the public page shows the same lineage, also on a phone and in Dutch.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.goto(f"{live_server}/c/{challenge.slug}/prototypes/{prototype.id}")
    lineage = page.locator("section.prototype-lineage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proef met het loket")
    expect(lineage).to_contain_text("This prototype grew from 3 ideas of citizens in 1 cluster.")
    expect(lineage).to_contain_text(cluster.name)
    expect(lineage.get_by_role("link", name="Een vaste contactpersoon")).to_be_visible()
    expect(page.get_by_role("heading", name="Manage (core team)")).to_have_count(0)
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)

    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proef met het loket")
    expect(page.locator("section.prototype-lineage")).to_contain_text(cluster.name)
    expect(page.get_by_text(SECOND_TEXT)).to_be_visible()
    assert no_horizontal_scroll(page)
    assert not [e for e in errors if re.search("Content Security Policy", e)], errors
