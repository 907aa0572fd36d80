"""Journey (b): a core-team member on a desktop, in English, takes a challenge from ideas to a
decision: moderates, clusters (one idea dragged, one moved with the keyboard only), makes a
concept, scores it, makes and publishes a prototype, builds a feedback form, invites
stakeholders, reads the results, closes the round, reads the minority report and decides.

One ``goto`` of the home page; then only clicks (and, once, keys) on visible links, buttons
and fields found by their accessible names. What others do meanwhile (a colleague scores,
stakeholders answer) is done with the services. Data of the challenge (titles, questions,
criteria) is in Dutch."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from ideation.challenges.models import PhaseKind
from ideation.concepts import scoring
from ideation.concepts import services as concept_services
from ideation.concepts.models import Concept
from ideation.curation.models import Cluster
from ideation.extensions import db
from ideation.ideas import visibility
from ideation.ideas.models import Idea, IdeaStatus
from ideation.prototypes.models import PrototypeState
from ideation.validation.answer_form import AnswerValue
from ideation.validation.answering import save_response
from ideation.validation.models import Decision, Invitation, Outcome, Round, RoundState
from tests.browser.conftest import menu_button, menu_link
from tests.factories import PASSWORD, make_challenge
from tests.ideas.conftest import quick_user

pytestmark = pytest.mark.browser

IDEAS = ["Eén loket voor alle hulp", "Alles op één website", "Hulp op één adres"]
PENDING = "Een vaste contactpersoon"
USE = "Zou je het loket gebruiken?"
INVITED = [("ouder1@example.org", "Ouders"), ("ouder2@example.org", "Ouders"),
           ("ouder3@example.org", "Ouders"), ("advocaat1@example.org", "Advocaten"),
           ("advocaat2@example.org", "Advocaten"), ("mediator@example.org", "Mediators"),
           ("gemeente@example.org", "Gemeente")]
OBJECTIONS = {"advocaat1@example.org": "De privacy van kinderen is niet geregeld.",
              "advocaat2@example.org": "Ouders moeten eerst juridisch advies krijgen."}


def _sketch(tmp_path):
    path = tmp_path / "schets.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 160, 90)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".flash-success")).to_contain_text(text)


def _stakeholders_answer(round_id: int) -> None:
    """Five of the seven invited answer: three parents would use the counter, the two lawyers
    would not, each with a reason (a minority of 2 of 5, and a group that differs)."""
    round_ = db.session.get(Round, round_id)
    use = next(q for q in round_.questions if q.text == USE)
    objection = next(q for q in round_.questions if q.is_objection)
    for invitation in db.session.scalars(db.select(Invitation).order_by(Invitation.id)):
        if invitation.email.startswith("ouder"):
            save_response(invitation, [AnswerValue(use.id, 1, None)], submit=True)
        elif invitation.email in OBJECTIONS:
            save_response(invitation, [AnswerValue(use.id, 0, None), AnswerValue(
                objection.id, None, OBJECTIONS[invitation.email])], submit=True)
    db.session.commit()


def test_core_team_takes_a_challenge_from_ideas_to_a_decision(app, live_server, browser,
                                                               tmp_path):
    challenge = make_challenge(slug="scheiden-zonder-schade", phase=PhaseKind.prototype)
    challenge.title = "Scheiden zonder schade"
    visibility.update_settings(None, challenge, is_premoderated=True, allows_anonymous=True)
    karin = quick_user("core_team", challenge, name="Karin Kernteam")
    bram = quick_user("core_team", challenge, name="Bram Bestuur")
    anna = quick_user(name="Anna Burger")
    db.session.add_all(Idea(challenge=challenge, author=anna, title=title,
                            description="Uitleg bij het idee.") for title in IDEAS)
    db.session.add(Idea(challenge=challenge, author=anna, title=PENDING,
                        description="Eén persoon die je kent.", status=IdeaStatus.pending))
    db.session.commit()

    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(live_server + "/")
        page.get_by_role("button", name="English").click()
        menu_link(page, "Log in").click()
        page.get_by_label("E-mail address").fill(karin.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Log in").click()
        # --- the workspace says what waits; moderation: the waiting idea is published ---
        menu_link(page, "Core team: Scheiden zonder schade").click()
        work = page.get_by_role("main")
        work.get_by_role("link", name=re.compile("wait.*check", re.I)).first.click()
        waiting = page.get_by_role("listitem").filter(has_text=PENDING)
        waiting.get_by_role("button", name="Publish").click()
        _flash(page, "published")
        menu_link(page, "Core team: Scheiden zonder schade").click()

        # --- the board: a new cluster from two ideas, one dragged in, one moved ---
        page.get_by_role("link", name="Board").click()
        for title in IDEAS[:2]:
            page.get_by_label(title).check()
        page.get_by_label("Name of the new cluster").fill("Hulp op één plek")
        page.get_by_role("button", name="New cluster from selection").click()
        _flash(page, "Hulp op één plek")
        cluster = db.session.scalars(db.select(Cluster)).one()
        row = page.locator(".board-idea label").filter(has_text=IDEAS[2])
        drop = page.locator(f".cluster-drop[data-cluster-id='{cluster.id}']")
        # Away from the window's edge, where Sortable would scroll the page while dragging.
        row.evaluate("el => el.scrollIntoView({block: 'center'})")
        start, end = row.bounding_box(), drop.bounding_box()
        # Sortable runs in fallback mode (mouse events): move the mouse in steps.
        page.mouse.move(start["x"] + 20, start["y"] + start["height"] / 2)
        page.mouse.down()
        page.mouse.move(start["x"] + 40, start["y"] + start["height"] / 2 + 10, steps=5)
        page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=20)
        page.mouse.up()
        moved = page.get_by_role("status").filter(has_text="moved to “Hulp op één plek”")
        expect(moved).to_be_visible()
        # The last one with the keyboard only: Tab to its box, Space, back to the select,
        # type to choose, Tab to "Move", Enter.
        checkbox = page.get_by_label(PENDING)
        select = page.get_by_label("Move selected to")
        page.get_by_role("button", name="New cluster from selection").focus()
        for _ in range(20):  # the idea cards follow the toolbar
            page.keyboard.press("Tab")
            if checkbox.evaluate("el => el === document.activeElement"):
                break
        expect(checkbox).to_be_focused()
        page.keyboard.press("Space")
        for _ in range(20):
            page.keyboard.press("Shift+Tab")
            if select.evaluate("el => el === document.activeElement"):
                break
        expect(select).to_be_focused()
        page.keyboard.type("Hulp")  # typing on a focused select picks the matching option
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Move", exact=True)).to_be_focused()
        page.keyboard.press("Enter")
        _flash(page, "Hulp op één plek")
        db.session.expire_all()
        assert {idea.cluster_id for idea in db.session.scalars(db.select(Idea))} == {cluster.id}

        # --- the cluster is shortlisted and published; a concept grows from it ---
        page.get_by_role("link", name="Hulp op één plek").first.click()
        page.get_by_label("State").select_option(label="Shortlisted")
        page.get_by_label("Show on the public challenge page").check()
        page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_role("link", name="Make a concept from this cluster").click()
        expect(page.get_by_label("Hulp op één plek")).to_be_checked()
        page.get_by_label("Title").fill("Eén plek voor ouders")
        page.get_by_label("Dream big").fill("Alle hulp bij een scheiding op één plek.")
        page.get_by_label("Realistic version").fill("De gemeente begint een proef met één loket.")
        page.get_by_role("button", name="Make the concept").click()
        _flash(page, "The concept is made")
        for step, reason in (("Realistic", "De tekst is nu realistisch."),
                             ("Prototyping", "We gaan het uitproberen.")):
            page.get_by_label("Why this change?").fill(reason)
            page.get_by_role("button", name=f"Next step: {step}").click()
            _flash(page, "The concept is now")

        # --- scores: Karin's own, then a colleague's; the team disagrees on one ---
        criteria = scoring.criteria_of(challenge)
        scores = page.get_by_role("region", name="Realism scores")
        for criterion in criteria:
            scores.get_by_role("group", name=criterion.name).get_by_label("5").check()
        page.get_by_role("button", name="Save my scores").click()
        _flash(page, "Your scores are saved.")
        concept = db.session.scalars(db.select(Concept)).one()
        concept_services.score_concept(bram, concept, {c.id: 2 for c in criteria}, {})
        db.session.commit()
        page.get_by_role("button", name="Publish", exact=True).click()
        _flash(page, "The concept is public now.")
        first = page.locator(".concept-criterion").first
        expect(first).to_contain_text("The team disagrees here")
        expect(first.get_by_role("row", name="Bram Bestuur")).to_contain_text("2")

        # --- a prototype with an image, published ---
        page.get_by_role("link", name="Make a prototype from this concept").click()
        page.get_by_label("Title").fill("Proef met het loket")
        page.get_by_role("group", name="What kind of prototype is it?").get_by_label(
            "A service").check()
        page.get_by_label("What will a tester see or do?").fill(
            "Ouders melden zich bij één balie en krijgen één vaste contactpersoon.")
        page.get_by_label("Image 1 (optional)").set_input_files(str(_sketch(tmp_path)))
        page.get_by_label("What is on image 1? (optional)").fill("Schets van de balie")
        page.get_by_role("button", name="Make the prototype").click()
        _flash(page, "The prototype is made")
        page.get_by_role("button", name="Publish this prototype").click()
        _flash(page, "The prototype is public now.")

        # --- a round: groups filled in, one question added, opened, people invited ---
        page.get_by_role("link", name="Validation rounds").click()
        page.get_by_role("link", name="New round").click()
        expect(page.get_by_text("Filled in with the usual groups.")).to_be_visible()
        page.get_by_label("Title").fill("Toetsronde loket")
        page.get_by_role("button", name="Make the round").click()
        _flash(page, "The round is made")
        page.get_by_label("Type of question").select_option(label="Yes or no")
        page.get_by_label("Question", exact=True).fill(USE)
        page.get_by_label("An answer is required").check()
        page.get_by_role("button", name="Add the question").click()
        _flash(page, "The question is added.")
        page.get_by_role("link", name="Toetsronde loket").first.click()
        page.get_by_role("button", name="Open the round").click()
        _flash(page, "The round is open.")
        page.get_by_role("link", name="Invitations").click()
        page.get_by_label("Addresses").fill("\n".join(f"{e}, {g}" for e, g in INVITED))
        page.get_by_role("button", name="Invite everyone on the list").click()
        _flash(page, "7 people are invited.")
        round_id = db.session.scalars(db.select(Round.id)).one()
        _stakeholders_answer(round_id)

        # --- results, then closing with the confirmation ---
        page.get_by_role("link", name="Toetsronde loket").first.click()
        page.get_by_role("link", name="Results", exact=True).click()
        expect(page.get_by_role("img", name="Bar chart. 5 people answered. Yes: 3 (60%); "
                                            "No: 2 (40%)")).to_be_visible()
        expect(page.get_by_text("Too few answers")).to_have_count(0)
        page.get_by_role("link", name="Toetsronde loket").first.click()
        page.get_by_role("link", name="Close the round").click()
        expect(page.get_by_text("5 of 7 invited people sent in the form.")).to_be_visible()
        expect(page.get_by_text(re.compile(r"You close the round \d+ days early"))).to_be_visible()
        page.get_by_role("button", name=re.compile("^Yes, close the round")).click()
        _flash(page, "The round is closed.")
        assert db.session.get(Round, round_id).state is RoundState.closed

        # --- the minority report: each reason once, with the concerns it supports ---
        # Concern 1: 2 of 5 say no; 2 and 3: the parents and the lawyers differ from the rest.
        page.get_by_role("link", name="Minority report").click()
        expect(page.get_by_role("heading", name=re.compile("^Concern"))).to_have_count(3)
        for reason in OBJECTIONS.values():
            item = page.get_by_role("listitem").filter(has_text=reason)
            expect(item).to_have_count(1)
            expect(item).to_contain_text("concerns 1, 3")
        page.get_by_role("link", name="Take the decision").click()

        # --- the decision answers both concerns; "iterate" leads to version 2 ---
        page.get_by_label(re.compile("^Iterate")).check()
        page.get_by_label("Why?").fill("De meeste ouders willen het loket; we regelen de privacy.")
        for number in (1, 2, 3):
            page.get_by_role("group", name=f"What do you do with concern {number}?").get_by_label(
                "We answer this").check()
            page.get_by_label(f"How / why (concern {number})").fill(
                f"Versie 2 bewaart geen gegevens van kinderen ({number}).")
        page.get_by_role("button", name="Save the decision").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("New version: version 2")
        page.get_by_label("What changed since the previous version?").fill(
            "Geen gegevens van kinderen meer.")
        page.get_by_label("Why? Which feedback led to this change?").fill(
            "Advocaten zagen een privacyprobleem.")
        page.get_by_role("button", name="Save version 2").click()
        _flash(page, "Version 2 is saved.")
        decisions = page.get_by_role("region", name="Decisions")
        expect(decisions).to_contain_text("Decision: Iterate")
        expect(decisions).to_contain_text("Versie 2 bewaart geen gegevens van kinderen (1).")
        decision = db.session.scalars(db.select(Decision)).one()
        assert decision.outcome is Outcome.iterate and len(decision.concerns) == 3
        assert decision.round.prototype.state is PrototypeState.testing
        # --- anyone: the public prototype page tells where it came from and what was decided,
        # also in Dutch ---
        menu_button(page, "Log out").click()
        menu_link(page, "Challenges").click()
        page.get_by_role("link", name="Scheiden zonder schade", exact=True).click()
        page.get_by_role("link", name="Proef met het loket", exact=True).click()
        lineage = page.get_by_role("region", name="Where this prototype comes from")
        expect(lineage).to_contain_text("This prototype grew from 4 ideas of citizens")
        expect(page.get_by_role("region", name="Decisions")).to_contain_text("Decision: Iterate")
        page.get_by_role("button", name="Nederlands").click()
        expect(page.get_by_role("region", name="Besluiten")).to_contain_text(
            "Versie 2 bewaart geen gegevens van kinderen (1).")
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()
