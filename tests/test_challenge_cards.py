"""The start page's challenge cards: phase and until when, ideas and people who took part, and a
picture the core team uploads (with a required text alternative) through the photo pipeline."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from ideation.challenges import services as challenge_services
from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import today
from ideation.core.models import AuditEvent
from ideation.extensions import db
from ideation.ideas import supporting
from ideation.ideas.models import IdeaStatus
from tests import factories
from tests.ideas.conftest import counted_queries, jpeg_bytes, make_idea, quick_user
from tests.test_accessibility import parse

SVG_REFUSED = "Dit soort bestand kunnen we niet gebruiken."


@pytest.fixture
def challenge(app):
    return factories.make_challenge(slug="scheiden", phase=PhaseKind.dream)


@pytest.fixture
def core(challenge):
    return quick_user("core_team", challenge, name="Karin Kernteam")


def upload(client, challenge, data: bytes | None = None, alt: str = "Twee huizen, één kind",
           name: str = "kaart.jpg"):
    return client.post_form(f"/c/{challenge.slug}/manage/image", {
        "image": (io.BytesIO(jpeg_bytes((800, 600)) if data is None else data), name),
        "image_alt": alt,
    }, content_type="multipart/form-data")


def card_image(client) -> dict[str, str | None]:
    images = parse(client.get("/")).find("img", class_="challenge-card-image")
    assert len(images) == 1
    return images[0]


# --- the picture ------------------------------------------------------------------------------


def test_core_team_uploads_a_picture_that_the_card_shows_with_its_text_alternative(
        client, challenge, core):
    client.login(core)
    response = upload(client, challenge)
    assert response.status_code == 302

    db.session.refresh(challenge)
    assert challenge.image_key and challenge.image_alt == "Twee huizen, één kind"
    image = card_image(client)
    assert image["alt"] == "Twee huizen, één kind" and image["lang"] == "nl"
    served = client.get(image["src"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    # The thumbnail of the pipeline: re-encoded and at most 400 pixels wide.
    assert Image.open(io.BytesIO(served.data)).width == 400
    assert "immutable" in served.headers["Cache-Control"]
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "challenge.image_changed"))
    assert event.actor_id == core.id


def test_a_picture_without_a_text_alternative_is_refused_and_nothing_is_stored(
        client, challenge, core):
    client.login(core)
    response = upload(client, challenge, alt="   ")
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Zeg in een paar woorden wat er op de afbeelding staat" in page
    db.session.refresh(challenge)
    assert challenge.image_key is None


def test_a_file_that_is_no_photo_is_refused_with_the_pipelines_reason(client, challenge, core):
    client.login(core)
    response = upload(client, challenge, data=b"<svg onload='alert(1)'></svg>", name="x.jpg")

    assert response.status_code == 422
    assert SVG_REFUSED in response.get_data(as_text=True)
    db.session.refresh(challenge)
    assert challenge.image_key is None


def test_only_the_text_alternative_changes_without_a_new_file_and_the_picture_can_go(
        client, challenge, core):
    client.login(core)
    upload(client, challenge)
    db.session.refresh(challenge)
    key = challenge.image_key

    client.post_form(f"/c/{challenge.slug}/manage/image", {"image_alt": "Een tekening"})
    db.session.refresh(challenge)
    assert (challenge.image_key, challenge.image_alt) == (key, "Een tekening")

    client.post_form(f"/c/{challenge.slug}/manage/image/remove")
    db.session.refresh(challenge)
    assert challenge.image_key is None and challenge.image_alt is None
    assert client.get(f"/c/{challenge.slug}/image/{key}/thumb").status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "citizen", "stakeholder"])
def test_only_the_core_team_and_admins_change_the_picture(client, challenge, role):
    if role != "anonymous":
        client.login(quick_user(role, challenge if role == "stakeholder" else None))
    response = upload(client, challenge)

    assert response.status_code == (302 if role == "anonymous" else 403)
    assert challenge.image_key is None


def test_the_picture_of_a_challenge_that_is_not_public_stays_hidden(client, app, core):
    hidden = factories.make_challenge(slug="nog-geheim", published=False)
    admin = quick_user("admin")
    client.login(admin)
    upload(client, hidden)
    db.session.refresh(hidden)
    address = f"/c/{hidden.slug}/image/{hidden.image_key}/thumb"
    assert client.get(address).headers["Cache-Control"] == "private, no-cache"

    client.logout()
    assert client.get(address).status_code == 404
    assert client.get(f"/c/{hidden.slug}/image/{'0' * 32}.jpg/huge").status_code == 404


# --- what a card says ------------------------------------------------------------------------


def card_text(client, language: str = "nl") -> str:
    client.set_cookie("lang", language)
    html = client.get("/").get_data(as_text=True)
    card = html[html.index('class="card challenge-card"'):]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card[:card.index("</li>")]))


def test_a_card_says_the_phase_until_when_and_how_many_ideas_and_people(
        client, challenge, core):
    anna, otto = quick_user(name="Anna"), quick_user(name="Otto")
    first = make_idea(anna, challenge)
    make_idea(anna, challenge, title="Een tweede idee van Anna")
    supporting.toggle_support(otto, first)
    db.session.commit()
    hidden = make_idea(quick_user(), challenge, title="Wordt verborgen")
    hidden.status = IdeaStatus.hidden
    db.session.commit()

    dream = challenge.phase(PhaseKind.dream)
    text = card_text(client)
    assert "Groot dromen" in text and f"{dream.ends_on.day}" in text
    assert "2 ideeën" in text and "2 mensen deden mee" in text  # Anna and Otto; not the hidden
    english = card_text(client, "en")
    assert "Dream big" in english and "2 ideas" in english and "2 people took part" in english


def test_a_challenge_that_has_not_started_says_when_it_starts(client, app):
    factories.make_challenge(slug="straks", phase=None)
    text = card_text(client)
    assert "Groot dromen" in text and "begint op" in text


def test_a_challenge_whose_last_phase_has_passed_is_finished(client, app):
    challenge = factories.make_challenge(slug="voorbij", planned=False)
    past = factories.plan(PhaseKind.agenda, on=today() - timedelta(days=30))
    assert not challenge_services.set_phase_dates(None, challenge, past)
    db.session.commit()
    assert "Afgelopen" in card_text(client)


def test_the_cards_are_counted_in_a_fixed_number_of_queries(client, app):
    for n in range(6):
        challenge = factories.make_challenge(slug=f"uitdaging-{n}")
        make_idea(quick_user(), challenge)
    # Each count right after a write, so neither comes from the cache.
    with counted_queries() as few:
        client.get("/")
    for n in range(6, 12):
        factories.make_challenge(slug=f"uitdaging-{n}")
    with counted_queries() as many:
        client.get("/")

    assert len(many) == len(few)
