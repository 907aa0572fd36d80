"""How authors are named: each setting of a challenge holds on every page that names authors,
citizens see it before they send anything, and the core team still sees who wrote what."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from ideation.challenges.authors import first_name_and_initial, public_name
from ideation.challenges.models import AuthorDisplay, Challenge
from ideation.extensions import db
from ideation.ideas import commenting, submitting
from tests.factories import make_challenge, make_user
from tests.notifications.conftest import grow

FULL = "Eva de Vries"
PSEUDONYM = "Zonnebloem"
# What the public sees of Eva under each setting, and what it must never see.
EXPECTED = {
    AuthorDisplay.full_name: ("Eva de Vries", []),
    AuthorDisplay.first_name: ("Eva V.", ["de Vries"]),
    AuthorDisplay.pseudonym: (PSEUDONYM, ["Eva"]),
    AuthorDisplay.no_names: ("Een deelnemer", ["Eva", PSEUDONYM, "Bram"]),
}


def challenge_showing(display: AuthorDisplay) -> Challenge:
    challenge = make_challenge()
    db.session.execute(update(Challenge).where(Challenge.id == challenge.id)
                       .values(author_display=display))
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Challenge, challenge.id)


def story(display: AuthorDisplay):
    """Eva's idea with Bram's response, grown into a published concept and prototype."""
    challenge = challenge_showing(display)
    eva = make_user(name=FULL)
    eva.pseudonym = PSEUDONYM
    bram = make_user(name="Bram Jansen")
    idea = submitting.submit_idea(eva, challenge, {"title": "Een maatje", "description": "Praten.",
                                                   "consent": True})
    db.session.commit()
    commenting.comment(bram, idea, "Goed plan.")
    db.session.commit()
    _cluster, concept, prototype = grow([idea])
    pages = [f"/c/{challenge.slug}/ideas/{idea.id}",
             f"/c/{challenge.slug}/concepts/{concept.id}",
             f"/c/{challenge.slug}/prototypes/{prototype.id}"]
    return challenge, eva, pages


@pytest.mark.parametrize("display", list(AuthorDisplay))
def test_every_public_page_names_the_author_as_the_challenge_chose(client, app, display):
    challenge, eva, pages = story(display)
    shown, hidden = EXPECTED[display]

    for path in pages:
        page = client.get(path).get_data(as_text=True)
        assert shown in page, path
        for word in hidden:
            assert word not in page, (path, word)


@pytest.mark.parametrize("display", list(AuthorDisplay))
def test_the_core_team_still_sees_who_wrote_what(client, app, display):
    challenge, eva, pages = story(display)
    client.login(make_user("core_team", challenge=challenge))

    page = client.get(pages[0]).get_data(as_text=True)
    queue = client.get(f"/c/{challenge.slug}/moderation?tab=hidden").status_code

    assert FULL in page
    assert "Bram Jansen" in page
    assert queue == 200


@pytest.mark.parametrize("display", list(AuthorDisplay))
def test_citizens_see_how_they_will_be_named_before_they_send(client, app, display):
    challenge = challenge_showing(display)
    eva = make_user(name=FULL)
    client.login(eva)

    page = client.get(f"/c/{challenge.slug}/ideas/new").get_data(as_text=True)

    assert {
        AuthorDisplay.full_name: "Anderen zien je idee met deze naam: Eva de Vries.",
        AuthorDisplay.first_name: "Anderen zien je idee met deze naam: Eva V.",
        AuthorDisplay.pseudonym: "Bij deze uitdaging zien anderen de naam die jij kiest.",
        AuthorDisplay.no_names: "Bij deze uitdaging staan er geen namen bij ideeën.",
    }[display] in page
    assert ('name="pseudonym"' in page) is (display is AuthorDisplay.pseudonym)


def test_a_pseudonym_chosen_on_the_form_is_used_from_then_on(client, app):
    challenge = challenge_showing(AuthorDisplay.pseudonym)
    eva = make_user(name=FULL)
    client.login(eva)

    client.post_form(f"/c/{challenge.slug}/ideas/new", {
        "title": "Een maatje", "description": "Praten.", "consent": "y", "similar_seen": "1",
        "pseudonym": PSEUDONYM})

    assert public_name(challenge, db.session.get(type(eva), eva.id)) == PSEUDONYM


def test_public_name_applies_the_setting_and_names_deleted_accounts(app):
    challenge = challenge_showing(AuthorDisplay.first_name)
    eva = make_user(name=FULL)

    assert public_name(challenge, eva) == "Eva V."
    assert public_name(challenge, None) == "Verwijderde deelnemer"
    assert first_name_and_initial("Cher") == "Cher"


def test_the_english_pages_name_authors_the_same_way(client, app):
    _challenge, _eva, pages = story(AuthorDisplay.no_names)

    page = client.get(pages[0], headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "A participant" in page and "Eva" not in page
