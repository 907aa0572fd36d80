"""Journey (a): a citizen on a phone, in Dutch, makes an account on the way to sending in an
idea with a photo, reads what happens next, and later follows the idea to a decision.

One ``goto`` of the home page and one of the confirmation link in the e-mail she receives;
then only clicks on visible links and buttons found by their accessible names. While the
citizen waits, the core team takes the idea from a cluster to a decided validation round
through the services (its own journey clicks through those pages).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from ideation.accounts.models import User
from ideation.challenges import services as challenge_services
from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.phases import today
from ideation.concepts import services as concepts
from ideation.curation import services as curation
from ideation.curation.models import ClusterState
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaImage
from ideation.prototypes import services as prototypes
from ideation.validation import invitations
from ideation.validation import services as rounds
from ideation.validation.answer_form import AnswerValue
from ideation.validation.answering import save_response
from ideation.validation.decision import decide
from tests import factories
from tests.browser.conftest import menu_link, no_horizontal_scroll
from tests.ideas.conftest import quick_user

pytestmark = pytest.mark.browser

EMAIL = "bram@example.org"
TITLE = "Kinderen krijgen een eigen stem bij de rechter"
RATIONALE = "Ouders en kinderen vinden het loket duidelijk; we gaan ermee door."


def _photo(tmp_path):
    path = tmp_path / "tekening.jpg"
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif.get_ifd(0x8825)[2] = (52.0, 5.0, 0.0)  # GPS latitude: must not survive
    Image.new("RGB", (1200, 900), (30, 120, 200)).save(buffer, "JPEG", exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


def _the_team_takes_the_idea_to_a_decision(core: User, challenge: Challenge, idea: Idea) -> None:
    """Weeks pass: the core team groups the idea, makes a plan and a prototype of it (both
    published, so the author is told), tests it with five stakeholders and decides."""
    assert challenge_services.set_phase_dates(
        None, challenge, factories.plan(PhaseKind.prototype)) == []
    cluster = curation.create_cluster(core, challenge, "Stem van het kind")
    db.session.flush()
    curation.move_ideas_to_cluster(core, challenge, [idea.id], cluster)
    curation.set_state(core, cluster, ClusterState.shortlisted)
    curation.set_published(core, cluster, True)
    concept = concepts.create_concept(core, challenge, "Een kindbehartiger",
                                      "Elk kind wordt gehoord.", "De rechtbank begint een proef.",
                                      [cluster.id])
    for state in ("realistic", "prototyping"):
        concepts.change_state(core, concept, state, "Klaar voor de volgende stap.")
    concepts.set_published(core, concept, True)
    prototype = prototypes.create_prototype(core, concept, "Proef kindbehartiger", "service",
                                            "Een kindbehartiger praat met het kind.")
    prototypes.publish(core, prototype)
    round_ = rounds.create_round(core, prototype, prototype.versions[0], "Eerste toets", "",
                                 today(), today() + timedelta(days=13), ["Ouders"], False)
    question = rounds.add_question(core, round_, {"kind": "yes_no", "text": "Werkt het?"})
    rounds.open_round(core, round_)
    invited = invitations.invite_stakeholders(core, round_, [
        invitations.Line(n, f"ouder{n}@example.org", "Ouders") for n in range(5)]).invited
    for invitation in invited:
        save_response(invitation, [AnswerValue(question.id, 1, None)], submit=True)
    rounds.close_round(core, round_)
    decide(core, round_, "adopt", RATIONALE, {})
    db.session.commit()


def _send_in_the_idea(page: Page, theme: str, photo) -> None:
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label("Je idee").fill(
        "Een kindbehartiger praat met het kind en vertelt de rechter wat het kind wil.")
    page.get_by_label("Thema").select_option(label=theme)
    page.get_by_label(re.compile("^Foto's of tekeningen")).set_input_files(str(photo))
    page.get_by_label(re.compile("^Ik vind het goed")).check()
    page.get_by_role("button", name=re.compile("^Stuur (je|mijn) idee")).click()
    anyway = page.get_by_role("button", name=re.compile("toch in$"))
    if anyway.count():  # similar ideas shown without JavaScript: send it in anyway
        page.get_by_label(re.compile("^Foto's of tekeningen")).set_input_files(str(photo))
        page.get_by_label(re.compile("^Ik vind het goed")).check()
        anyway.click()


def test_citizen_registers_sends_an_idea_with_a_photo_and_follows_it_to_a_decision(
    app, live_server, phone, tmp_path, mailbox
):
    challenge = factories.make_challenge(slug="scheiden-zonder-schade")
    challenge.title = "Scheiden zonder schade"
    core = quick_user("core_team", challenge, name="Karin Kernteam")
    theme = challenge.themes[0].name
    db.session.commit()
    page = phone
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)

    # --- from the home page to the idea form; an account is made on the way ---
    page.goto(live_server + "/")
    # A fresh phone asks for an icon too: without <link rel="icon"> that was a 404.
    expect(page.locator('link[rel="icon"]')).to_have_count(1)
    page.get_by_role("link", name="Scheiden zonder schade", exact=True).click()
    page.get_by_role("link", name=re.compile("^Stuur je idee in")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    page.get_by_role("main").get_by_role("link", name=re.compile("^Registreren")).click()
    page.get_by_label("Je naam").fill("Bram Burger")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord", exact=True).fill(factories.PASSWORD)
    page.get_by_label(re.compile("^Wachtwoord nog")).fill(factories.PASSWORD)
    page.get_by_label("Ik heb de privacyverklaring gelezen en ga akkoord").check()
    page.get_by_role("button", name=re.compile("account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kijk in je e-mail")

    # --- she confirms her address from the e-mail, and is logged in ---
    page.goto(mailbox.link_for(EMAIL, "/confirm/"))
    page.get_by_role("button", name="Bevestig mijn e-mailadres").click()
    expect(page.get_by_role("status")).to_contain_text("Je e-mailadres is bevestigd")
    page.get_by_role("link", name="Scheiden zonder schade", exact=True).click()
    page.get_by_role("link", name=re.compile("^Stuur je idee in")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("idee")

    # --- the idea with a photo; then what happens next, and "Mijn ideeën" ---
    _send_in_the_idea(page, theme, _photo(tmp_path))
    expect(page.get_by_role("status")).to_contain_text("Bedankt! Je idee staat online.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("img.idea-photo").first).to_be_visible()
    stored = db.session.scalars(db.select(IdeaImage)).one()
    assert stored.width <= 1600
    next_steps = page.get_by_role("region", name=re.compile("Wat gebeurt er nu"))
    ends = challenge.phase(PhaseKind.dream).ends_on
    expect(next_steps).to_contain_text(f"{ends.day} ")  # until when ideas come in
    assert no_horizontal_scroll(page)
    next_steps.get_by_role("link", name="Mijn ideeën").click()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()

    # --- weeks later: two notifications lead to the prototype and its decision ---
    idea = db.session.scalars(db.select(Idea).where(Idea.title == TITLE)).one()
    _the_team_takes_the_idea_to_a_decision(core, challenge, idea)
    menu_link(page, re.compile("^Meldingen")).click()
    # the plan, the prototype, and the decision on it
    expect(page.get_by_text("Nieuw", exact=True)).to_have_count(3)
    notes = page.get_by_role("listitem").filter(has_text="Proef kindbehartiger").filter(
        has_not_text="besloot")  # the decision has its own notification
    expect(notes).to_contain_text("Je idee")
    notes.get_by_role("button", name=re.compile("^Open")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proef kindbehartiger")
    decisions = page.get_by_role("region", name="Besluiten")
    expect(decisions).to_contain_text(RATIONALE)
    expect(decisions).to_contain_text("5 mensen hebben het formulier van deze ronde ingestuurd.")
    assert no_horizontal_scroll(page)

    # --- and "Mijn ideeën" in the menu says what it became part of ---
    menu_link(page, "Mijn ideeën").click()
    mine = page.get_by_role("listitem").filter(has_text=TITLE)
    expect(mine.get_by_role("link", name="Proef kindbehartiger")).to_be_visible()
    assert failed == []  # no failed request and no console error on the whole way
