"""A stakeholder answers a validation round from the personal link on a phone; then the core
team closes the round on a desktop and decides, answering the minority concern.

The round, its questions, the invitations and the other stakeholders' answers are made with the
services; the journey itself goes through the browser only. Both people switch the site to
English with the language button, so the test reads the message ids (the Dutch catalogue of
these pages is being written); the questions are data in the challenge's language (Dutch). At
the end the visitor switches back to Dutch and the public page must still work.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import today
from ideation.concepts.models import Concept, ConceptState
from ideation.core.models import OutgoingMail
from ideation.extensions import db
from ideation.prototypes.models import Prototype, PrototypeKind, PrototypeVersion
from ideation.validation import invitations, services
from ideation.validation.answer_form import AnswerValue
from ideation.validation.answering import save_response
from ideation.validation.models import (
    Decision,
    Disposition,
    Outcome,
    QuestionKind,
    Response,
    RoundState,
)
from tests.browser.conftest import no_horizontal_scroll
from tests.factories import PASSWORD, make_challenge
from tests.ideas.conftest import quick_user

pytestmark = pytest.mark.browser

TESTED = "Ouders vullen online één formulier in en krijgen binnen een week een gesprek."
SCALE = "Hoe duidelijk is het loket?"
YES_NO = "Zou je het loket gebruiken?"
CONTACT = "Hoe wil je contact?"
MISSING = "Wat mist er nog?"
PRIVACY = "De privacy van de kinderen is niet goed geregeld."


def _published_prototype(challenge):
    concept = Concept(challenge=challenge, title="Eén loket", dream_big="Alles op één plek.",
                      realistic="De gemeente opent een digitaal loket.",
                      state=ConceptState.prototyping, is_published=True)
    prototype = Prototype(challenge=challenge, concept=concept, title="Digitaal loket",
                          kind=PrototypeKind.digital, is_published=True)
    prototype.versions.append(PrototypeVersion(number=1, description=TESTED))
    db.session.add(prototype)
    db.session.commit()
    return prototype


def _open_round(core, prototype):
    """An open round with a scale, a yes/no, a multiple-choice and a long-text question
    (and the default objection question last), for parents and lawyers."""
    round_ = services.create_round(
        core, prototype, prototype.versions[0], "Toetsronde loket", "Probeer het loket.",
        today(), today() + timedelta(days=13), ["Ouders", "Advocaten"], False)
    for data in (
        {"kind": "scale", "text": SCALE, "required": True, "low_label": "Helemaal niet",
         "high_label": "Heel duidelijk"},
        {"kind": "yes_no", "text": YES_NO, "required": True},
        {"kind": "multiple_choice", "text": CONTACT, "options": ["Online", "Telefoon", "Balie"]},
        {"kind": "long_text", "text": MISSING},
    ):
        services.add_question(core, round_, data)
    return round_


def _others_answer(core, round_):
    """Eight invited stakeholders send their answers: six would use the counter, two lawyers
    would not, because of privacy. With the phone user's "yes" that is 2 of 9 (22 %): a
    minority the report must find."""
    lines = [invitations.Line(n, f"persoon{n}@example.org", group)
             for n, group in enumerate(["Ouders"] * 4 + ["Advocaten"] * 4, 1)]
    invited = invitations.invite_stakeholders(core, round_, lines).invited
    by_kind = {q.kind: q for q in round_.questions if not q.is_objection}
    objection = next(q for q in round_.questions if q.is_objection)
    for n, invitation in enumerate(invited):
        against = n >= 6
        values = [AnswerValue(by_kind[QuestionKind.scale].id, 4, None),
                  AnswerValue(by_kind[QuestionKind.yes_no].id, 0 if against else 1, None),
                  AnswerValue(by_kind[QuestionKind.multiple_choice].id, 0, None)]
        if against:
            values.append(AnswerValue(objection.id, None, PRIVACY))
        save_response(invitation, values, submit=True)


def _personal_link(live_server, email):
    mail = db.session.scalars(db.select(OutgoingMail)
                              .where(OutgoingMail.to_address == email)).one()
    path = re.search(r"https?://[^/\s]+(/r/\d+/[\w-]+)", mail.body_text).group(1)
    return live_server + path


def _in_english(page, url):
    page.goto(url)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_stakeholder_answers_from_a_token_link_on_a_phone_and_core_team_decides(
    app, live_server, page, phone
):
    challenge = make_challenge(slug="scheiden-zonder-schade", phase=PhaseKind.validate)
    core = quick_user("core_team", challenge, name="Karin Kernteam")
    prototype = _published_prototype(challenge)
    round_ = _open_round(core, prototype)
    invitations.invite_stakeholders(
        core, round_, [invitations.Line(1, "petra@example.org", "Ouders", "Petra")])
    services.open_round(core, round_)  # sends the invitations made while it was a draft
    _others_answer(core, round_)
    db.session.commit()
    round_id, prototype_id = round_.id, prototype.id
    link = _personal_link(live_server, "petra@example.org")

    # --- the core team, on a desktop, follows the results while the round is open ---
    _in_english(page, f"{live_server}/login")
    page.get_by_label("E-mail address").fill(core.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    results_url = f"{live_server}/c/{challenge.slug}/rounds/{round_id}/results"
    page.goto(results_url)
    expect(page.get_by_role("img", name="Bar chart. 8 people answered. Yes: 6 (75%); "
                                        "No: 2 (25%)")).to_be_visible()

    # --- the stakeholder, on a phone, from the link in the e-mail ---
    _in_english(phone, link)
    expect(phone.get_by_role("heading", name="What you test: version 1")).to_be_visible()
    expect(phone.get_by_text(TESTED)).to_be_visible()
    phone.get_by_role("group", name=SCALE).get_by_label("4", exact=True).check()
    phone.get_by_label(MISSING).fill("Een chat in de avond.")
    phone.get_by_role("button", name="Send my answers").click()  # the yes/no is still empty
    summary = phone.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(f"Answer the question “{YES_NO}”.")
    expect(phone.get_by_role("group", name=SCALE).get_by_label("4", exact=True)).to_be_checked()
    expect(phone.get_by_label(MISSING)).to_have_value("Een chat in de avond.")
    assert db.session.scalars(db.select(Response).where(
        Response.invitation.has(email="petra@example.org"))).first() is None

    phone.get_by_role("group", name=YES_NO).get_by_label("Yes", exact=True).check()
    contact = phone.get_by_role("group", name=CONTACT)
    contact.get_by_label("Online").check()
    contact.get_by_label("Balie").check()
    phone.get_by_role("button", name="Save and continue later").click()
    expect(phone.locator(".flash-success")).to_contain_text(
        "Saved. You can come back with the same link")
    phone.goto(link)
    expect(phone.get_by_role("status").filter(
        has_text="Your answers are saved, but not sent yet.")).to_be_visible()
    expect(phone.get_by_role("group", name=SCALE).get_by_label("4", exact=True)).to_be_checked()
    expect(phone.get_by_role("group", name=YES_NO).get_by_label("Yes", exact=True)).to_be_checked()
    expect(contact.get_by_label("Online")).to_be_checked()
    expect(contact.get_by_label("Telefoon")).not_to_be_checked()
    expect(contact.get_by_label("Balie")).to_be_checked()
    expect(phone.get_by_label(MISSING)).to_have_value("Een chat in de avond.")
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.locator(".flash-success")).to_contain_text(
        "Thank you! Your answers were sent.")
    expect(phone.get_by_role("button", name="Save and continue later")).to_have_count(0)
    assert no_horizontal_scroll(phone)
    db.session.expire_all()
    sent = db.session.scalars(db.select(Response).where(
        Response.invitation.has(email="petra@example.org"))).one()
    assert sent.submitted_dt is not None
    assert len(sent.answers) == 5  # scale, yes, two contact options, the text

    # --- the core team sees her answer in the results at once, closes and decides ---
    page.goto(results_url)
    expect(page.get_by_role("img", name="Bar chart. 9 people answered. Yes: 7 (78%); "
                                        "No: 2 (22%)")).to_be_visible()
    page.goto(f"{live_server}/c/{challenge.slug}/prototypes/{prototype_id}")
    page.get_by_role("link", name="Validation rounds").click()
    page.get_by_role("link", name="Toetsronde loket").click()
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_role("button", name="Close the round")).to_have_count(0)
    db.session.expire_all()
    assert services.get_round(challenge, round_id).state is RoundState.closed

    page.get_by_role("link", name="Decision", exact=True).click()
    concern_text = (f"2 of 9 people (22%) answered no to “{YES_NO}”, "
                    "while most answered yes.")
    report = page.locator("section[aria-labelledby=report-heading]")
    expect(report.get_by_role("heading", name="Minority report")).to_be_visible()
    expect(report).to_contain_text(concern_text)
    expect(report).to_contain_text(PRIVACY)
    assert page.evaluate("""() => {
        const report = document.getElementById('report-heading');
        const form = document.querySelector('form.decision-form');
        return !!(report.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING);
    }""")

    page.get_by_label(re.compile("^Iterate")).check()
    page.get_by_label("Why?").fill("De meeste mensen willen het loket; we verbeteren de privacy.")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".error-summary")).to_contain_text(
        f"Concern about “{YES_NO}”: choose whether you answer it or set it aside.")
    expect(page.get_by_label(re.compile("^Iterate"))).to_be_checked()
    expect(page.get_by_label("Why?")).to_have_value(
        "De meeste mensen willen het loket; we verbeteren de privacy.")
    assert db.session.scalars(db.select(Decision)).first() is None

    concerns = page.locator(".decision-concern")
    count = concerns.count()
    assert count >= 1
    expect(concerns.filter(has_text=concern_text)).to_have_count(1)
    for n in range(1, count + 1):
        page.get_by_role("group", name=f"What do you do with concern {n}?").get_by_label(
            "We answer this").check()
        page.get_by_label(f"How / why (concern {n})").fill(
            f"Versie 2 bewaart geen gegevens van kinderen ({n}).")
    page.get_by_role("button", name="Save the decision").click()

    expect(page).to_have_url(re.compile(
        rf"/c/{challenge.slug}/prototypes/{prototype_id}/versions/new\?round={round_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New version: version 2")
    expect(page.locator(".flash-success")).to_contain_text("Now describe version 2")
    db.session.expire_all()
    decision = db.session.scalars(db.select(Decision)).one()
    assert decision.outcome is Outcome.iterate
    assert len(decision.concerns) == count
    assert {c.disposition for c in decision.concerns} == {Disposition.answered}

    # --- anyone: the public prototype page shows the decision and the minority's answer ---
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server}/c/{challenge.slug}/prototypes/{prototype_id}")
    decisions = page.locator("section[aria-labelledby=decisions-heading]")
    expect(decisions.get_by_role("heading", name="Decisions")).to_be_visible()
    expect(decisions).to_contain_text("Decision: Iterate")
    # The concern is kept in the challenge's language (Dutch), as the public reads it.
    expect(decisions).to_contain_text(f"“{YES_NO}”")
    for concern in decision.concerns:
        expect(decisions).to_contain_text(concern.summary)
    expect(decisions).to_contain_text("Versie 2 bewaart geen gegevens van kinderen (1).")

    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    decisions = page.locator("section[aria-labelledby=decisions-heading]")
    expect(decisions).to_contain_text("Versie 2 bewaart geen gegevens van kinderen (1).")
    expect(decisions).to_contain_text(YES_NO)
