"""Personal links /r/<round id>/<token>: who gets in, what the others see, the images behind a
link, the headers that keep a token private, and the rate limit."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from babel.dates import format_date

from ideation.challenges.phases import today
from ideation.core.db import utcnow
from ideation.extensions import db
from ideation.ideas.photos import image_store
from ideation.prototypes.models import PrototypeImage
from ideation.validation import invitations
from ideation.validation.models import RoundState
from tests.ideas.conftest import jpeg_bytes
from tests.validation.conftest import invite, make_round


def link(round_, token):
    return f"/r/{round_.id}/{token}"


@pytest.fixture
def invited(open_round):
    return invite(open_round, "ouder@example.org", "Ouders")


def test_a_token_is_43_unguessable_url_safe_characters_and_finds_its_invitation(
        open_round, invited):
    invitation, token = invited

    assert len(token) == 43
    assert invitations.TOKEN_RE.fullmatch(token)
    assert invitation.token_hash == invitations.hash_token(token)
    assert token not in (invitation.token_hash, invitation.token_nonce)
    assert invitations.find_invitation(open_round.id, token) == invitation


def test_the_same_invitation_always_gets_the_same_link_so_reminders_can_repeat_it(invited):
    invitation, token = invited
    assert invitations.token_for(invitation) == token


def _header_links(page: str) -> list[str]:
    header = page[page.index('<header'):page.index('</header>')]
    return re.findall(r'href="([^"]+)"', header)


def test_a_personal_link_asks_for_no_account_and_says_who_sees_the_answers(
        english, open_round, invited):
    _invitation, token = invited

    page = english.get(link(open_round, token)).get_data(as_text=True)

    assert not any(href.startswith(("/login", "/register")) for href in _header_links(page))
    assert "Log in" not in page and "Register" not in page
    assert "<h2 id=\"privacy-heading\">Who sees your answers</h2>" in page
    text = re.sub(r"<[^>]+>", "", page)  # the title inside is marked as Dutch: <span lang>
    assert f"The core team of “{open_round.challenge.title}” reads your answers." in text
    assert "They see your name and e-mail address with your answers." in page
    assert "You are invited as one of the group “Ouders”." in page
    assert "Your answers are never published with your name. No account is needed." in page


def test_a_round_that_allows_anonymous_answers_says_the_choice_is_theirs(english, prototype):
    round_ = make_round(prototype, state=RoundState.open, opens_in=-1, allow_anonymous=True)
    _invitation, token = invite(round_, "anoniem@example.org")

    page = english.get(link(round_, token)).get_data(as_text=True)

    assert "You choose below whether they also see your name and e-mail address." in page
    assert "They see your name" not in page
    assert "You are invited as one of the group" not in page  # invited without a group


def test_the_notice_of_a_closed_link_asks_for_no_account_either(english, prototype):
    closed = make_round(prototype, state=RoundState.closed, opens_in=-20)
    _invitation, token = invite(closed, "laat@example.org", "Ouders")

    page = english.get(link(closed, token)).get_data(as_text=True)

    assert "This round is closed" in page
    assert not any(href.startswith(("/login", "/register")) for href in _header_links(page))


def test_the_privacy_lines_read_in_dutch(client, open_round, invited):
    _invitation, token = invited

    page = client.get(link(open_round, token),
                      headers={"Accept-Language": "nl"}).get_data(as_text=True)

    assert "Wie ziet je antwoorden" in page
    assert "Je bent uitgenodigd als iemand uit de groep “Ouders”." in page
    assert "Inloggen" not in page and "Registreren" not in page


def test_a_correct_link_shows_the_prototype_and_the_form(english, open_round, invited):
    _invitation, token = invited

    response = english.get(link(open_round, token))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Digitaal loket" in page
    assert "Een eerste schets van het loket." in page  # version 1's description
    assert "Hoe duidelijk is het loket?" in page
    assert "Send my answers" in page


def test_the_link_page_sends_no_referrer_and_is_never_cached(client, open_round, invited):
    _invitation, token = invited

    for url in (link(open_round, token), link(open_round, "x" * 43)):
        response = client.get(url)
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"


# A random token of the real shape, fixed so that parallel test workers collect the same tests.
@pytest.mark.parametrize("token", [
    "guess", "a" * 43, "52ml6KIkL3BFEtePjLh2MrQVuKTvBdvdMRq_Qr7LFr4", "' OR 1=1 --", "é" * 43])
def test_a_guessed_token_gets_a_friendly_404(english, open_round, invited, token):
    response = english.get(link(open_round, token))

    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)


def test_a_token_of_nul_characters_is_refused(english, open_round, invited):
    # Every NUL in a request is a 400 (ideation.core.security.refuse_nul_characters).
    response = english.get(link(open_round, "%00" * 20))

    assert response.status_code == 400
    assert "Hoe duidelijk" not in response.get_data(as_text=True)


def test_a_path_instead_of_a_token_is_not_found(client, open_round):
    assert client.get(link(open_round, "../../etc/passwd")).status_code == 404


def test_a_token_of_another_round_does_not_work_here(english, open_round, prototype, invited):
    _invitation, token = invited
    other = make_round(prototype, state=RoundState.open, opens_in=-1, title="Andere ronde")

    response = english.get(link(other, token))

    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)
    assert "Andere ronde" not in response.get_data(as_text=True)


def test_a_revoked_link_says_it_was_withdrawn(english, open_round, invited):
    invitation, token = invited
    invitation.revoked_dt = utcnow()
    db.session.commit()

    response = english.get(link(open_round, token))

    assert response.status_code == 410
    assert "This link was withdrawn by the organisers" in response.get_data(as_text=True)


def test_a_reissued_invitation_has_a_new_link_and_the_old_one_is_dead(
        english, open_round, invited, core):
    invitation, old = invited
    invitations.reissue_invitation(core, invitation)
    db.session.commit()
    new = invitations.token_for(invitation)

    assert new != old
    assert english.get(link(open_round, old)).status_code == 404
    assert english.get(link(open_round, new)).status_code == 200


def test_after_the_closing_date_the_link_thanks_and_says_when_it_closed(english, prototype):
    ended = make_round(prototype, state=RoundState.open, opens_in=-10, days=5)
    _invitation, token = invite(ended, "laat@example.org", "Ouders")

    response = english.get(link(ended, token))

    page = response.get_data(as_text=True)
    assert response.status_code == 410
    closed = format_date(ended.closes_on, "long", locale="en")
    assert f"This round closed on {closed}. Thank you." in page
    assert "Send my answers" not in page


def test_a_round_closed_by_the_team_closes_the_link(english, open_round, invited):
    _invitation, token = invited
    open_round.state = RoundState.closed
    open_round.closed_dt = utcnow()
    db.session.commit()

    response = english.get(link(open_round, token))

    assert response.status_code == 410
    # The day the team closed it, not the planned last day.
    assert f"closed on {format_date(today(), 'long', locale='en')}" in response.get_data(
        as_text=True)


def test_before_the_opening_date_the_link_says_when_the_round_opens(english, prototype):
    later = make_round(prototype, state=RoundState.open, opens_in=3)
    _invitation, token = invite(later, "vroeg@example.org", "Ouders")

    response = english.get(link(later, token))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This round opens on" in page
    assert "Send my answers" not in page


def test_the_dutch_link_pages_render(client, open_round, invited):
    _invitation, token = invited
    assert client.get(link(open_round, token)).status_code == 200
    assert client.get(link(open_round, "y" * 43)).status_code == 404


def test_too_many_requests_from_one_address_are_refused(app, client, open_round, invited):
    app.config["IDEATION_TOKEN_RATE_LIMIT"] = "3 per minute"
    _invitation, token = invited

    responses = [client.get(link(open_round, guess))
                 for guess in ("a" * 43, "b" * 43, token, token)]

    assert [r.status_code for r in responses] == [404, 404, 200, 429]
    assert responses[-1].headers["Referrer-Policy"] == "no-referrer"
    assert client.post_form(link(open_round, token), {"action": "save"}).status_code == 429


def test_image_requests_are_rate_limited_too(app, client, open_round, invited, prototype):
    app.config["IDEATION_TOKEN_RATE_LIMIT"] = "2 per minute"
    _invitation, token = invited
    image = stored_image(prototype.versions[0])

    statuses = [client.get(image_url(open_round, token, image)).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


# --- images behind a link ----------------------------------------------------------------------


def stored_image(version, position=0):
    key = f"{secrets.token_hex(16)}.jpg"
    for variant in ("display", "thumb"):
        path = image_store().path_for(key, variant)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(jpeg_bytes())
    image = PrototypeImage(version=version, storage_key=key, width=64, height=48,
                           position=position, alt_text="Schets van het loket")
    db.session.add(image)
    db.session.commit()
    return image


def image_url(round_, token, image, variant="display"):
    return f"{link(round_, token)}/images/{image.id}/{variant}"


def test_the_link_page_shows_the_images_of_the_tested_version(client, open_round, invited,
                                                              prototype):
    _invitation, token = invited
    image = stored_image(prototype.versions[0])

    page = client.get(link(open_round, token)).get_data(as_text=True)

    assert image_url(open_round, token, image) in page
    assert 'alt="Schets van het loket"' in page
    response = client.get(image_url(open_round, token, image))
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert client.get(image_url(open_round, token, image, "thumb")).status_code == 200


def test_a_link_serves_no_image_of_another_version(client, open_round, invited, prototype):
    _invitation, token = invited
    other_version = stored_image(prototype.versions[1])

    assert client.get(image_url(open_round, token, other_version)).status_code == 404


def test_images_need_a_working_link_and_a_known_variant(client, open_round, invited,
                                                        prototype):
    invitation, token = invited
    image = stored_image(prototype.versions[0])

    assert client.get(image_url(open_round, "z" * 43, image)).status_code == 404
    assert client.get(image_url(open_round, token, image, "original")).status_code == 404
    invitation.revoked_dt = utcnow()
    db.session.commit()
    assert client.get(image_url(open_round, token, image)).status_code == 404


def test_link_state_follows_the_round_dates(open_round, invited):
    invitation, _token = invited

    assert invitations.link_state(invitation) == "open"
    assert invitations.link_state(invitation, today() + timedelta(days=30)) == "closed"
    assert invitations.link_state(invitation, today() - timedelta(days=5)) == "not_open"
