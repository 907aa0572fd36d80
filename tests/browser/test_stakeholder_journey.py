"""Journey (c): a stakeholder answers a validation round from the personal link in her e-mail,
on a phone, in Dutch; she saves half-way and comes back later through the reminder e-mail.

The round and the invitation are made with the services; the links come from the e-mails as
delivered to the outbox folder. After opening a link, everything is done by clicking visible
buttons and labels. Names are matched loosely where the Dutch wording may still be rewritten.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import today
from ideation.concepts.models import Concept, ConceptState
from ideation.extensions import db
from ideation.prototypes.models import Prototype, PrototypeKind, PrototypeVersion
from ideation.validation import invitations, services
from ideation.validation.models import Response
from tests.browser.conftest import no_horizontal_scroll
from tests.factories import make_challenge
from tests.ideas.conftest import quick_user

pytestmark = pytest.mark.browser

TESTED = "Ouders vullen online één formulier in en krijgen binnen een week een gesprek."
SCALE = "Hoe duidelijk is het loket?"
YES_NO = "Zou je het loket gebruiken?"
CONTACT = "Hoe wil je contact?"
MISSING = "Wat mist er nog?"
SEND = re.compile(r"^(Stuur|Verstuur) mijn antwoorden")
SAVE = re.compile(r"^Opslaan")


def _open_round_with_an_invitation(email: str):
    challenge = make_challenge(slug="scheiden-zonder-schade", phase=PhaseKind.validate)
    core = quick_user("core_team", challenge, name="Karin Kernteam")
    concept = Concept(challenge=challenge, title="Eén loket", dream_big="Alles op één plek.",
                      realistic="De gemeente opent een digitaal loket.",
                      state=ConceptState.prototyping, is_published=True)
    prototype = Prototype(challenge=challenge, concept=concept, title="Digitaal loket",
                          kind=PrototypeKind.digital, is_published=True)
    prototype.versions.append(PrototypeVersion(number=1, description=TESTED))
    db.session.add(prototype)
    db.session.flush()
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
    invitations.invite_stakeholders(core, round_, [invitations.Line(1, email, "Ouders", "Petra")])
    services.open_round(core, round_)  # the invitation e-mail goes out now
    db.session.commit()
    return core, round_


def test_stakeholder_answers_by_link_on_a_phone_and_comes_back_through_the_reminder(
    app, live_server, phone, mailbox
):
    core, round_ = _open_round_with_an_invitation("petra@example.org")
    page = phone

    # --- the invitation e-mail: no account, and she knows who reads her answers ---
    page.goto(mailbox.link_for("petra@example.org", "/r/"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Digitaal loket")
    expect(page.get_by_role("link", name="Inloggen")).to_have_count(0)
    expect(page.get_by_role("link", name="Registreren")).to_have_count(0)
    privacy = page.get_by_role("region", name=re.compile("Wie ziet je antwoorden"))
    expect(privacy).to_contain_text("kernteam")
    expect(privacy).to_contain_text("“Ouders”")
    expect(page.get_by_text(TESTED)).to_be_visible()

    # --- half the form: a required question is still open, nothing is stored ---
    page.get_by_role("group", name=SCALE).get_by_label("4", exact=True).check()
    page.get_by_label(MISSING).fill("Een chat in de avond.")
    page.get_by_role("button", name=SEND).click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(YES_NO)
    expect(page.get_by_role("group", name=SCALE).get_by_label("4", exact=True)).to_be_checked()
    expect(page.get_by_label(MISSING)).to_have_value("Een chat in de avond.")
    assert db.session.scalars(db.select(Response)).first() is None

    # --- she saves to go on later ---
    page.get_by_role("group", name=YES_NO).get_by_label("Ja", exact=True).check()
    contact = page.get_by_role("group", name=CONTACT)
    contact.get_by_label("Online").check()
    contact.get_by_label("Balie").check()
    page.get_by_role("button", name=SAVE).click()
    saved = page.get_by_role("status").filter(has_text=re.compile(r"Opgeslagen\. Je kunt"))
    expect(saved).to_be_visible()
    assert no_horizontal_scroll(page)

    # --- days later the core team sends a reminder; she opens its link ---
    invitations.send_reminders(core, round_)
    db.session.commit()
    page.goto(mailbox.link_for("petra@example.org", "/r/"))
    expect(page.get_by_role("status").filter(
        has_text="Je antwoorden zijn opgeslagen, maar nog niet verstuurd.")).to_be_visible()
    expect(page.get_by_role("group", name=SCALE).get_by_label("4", exact=True)).to_be_checked()
    expect(page.get_by_role("group", name=YES_NO).get_by_label("Ja", exact=True)).to_be_checked()
    expect(contact.get_by_label("Online")).to_be_checked()
    expect(contact.get_by_label("Telefoon")).not_to_be_checked()
    expect(contact.get_by_label("Balie")).to_be_checked()
    expect(page.get_by_label(MISSING)).to_have_value("Een chat in de avond.")
    page.get_by_role("button", name=SEND).click()
    expect(page.get_by_role("status").filter(has_text="Bedankt")).to_be_visible()
    expect(page.get_by_role("button", name=SAVE)).to_have_count(0)
    assert no_horizontal_scroll(page)

    db.session.expire_all()
    sent = db.session.scalars(db.select(Response)).one()
    assert sent.submitted_dt is not None
    assert len(sent.answers) == 5  # scale, yes, two contact options, the text
