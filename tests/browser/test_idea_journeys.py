"""A citizen on a phone sends in an idea with a photo, finds it by search and supports another."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaImage
from tests.factories import PASSWORD, make_challenge, make_user

pytestmark = pytest.mark.browser


def _photo(tmp_path):
    path = tmp_path / "tekening.jpg"
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif.get_ifd(0x8825)[2] = (52.0, 5.0, 0.0)  # GPS latitude: must not survive
    Image.new("RGB", (1200, 900), (30, 120, 200)).save(buffer, "JPEG", exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


def test_citizen_on_a_phone_submits_with_a_photo_finds_it_and_supports_another(
    app, live_server, phone, tmp_path
):
    challenge = make_challenge(slug="scheiden-zonder-schade")
    other_author = make_user("citizen", name="Anna")
    citizen = make_user("citizen", name="Bram")
    theme = challenge.themes[0]
    other = Idea(challenge=challenge, author=other_author, theme=theme,
                 title="Eén loket voor alle hulp bij scheiding",
                 description="Ouders weten niet waar ze moeten beginnen. Eén plek helpt.")
    db.session.add(other)
    db.session.commit()

    page = phone
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mailadres").fill(citizen.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    page.goto(f"{live_server}/c/{challenge.slug}")
    page.get_by_role("link", name="Stuur je idee in").click()
    page.get_by_label("Titel").fill("Kinderen krijgen een eigen stem bij de rechter")
    page.get_by_label("Je idee").fill(
        "Een kindbehartiger praat met het kind en vertelt de rechter wat het kind wil."
    )
    page.get_by_label("Thema").select_option(label=theme.name)
    page.get_by_label("Foto's of tekeningen").set_input_files(str(_photo(tmp_path)))
    page.get_by_label("Ik vind het goed").check()
    page.get_by_role("button", name=re.compile("Stuur (je|mijn) idee")).click()
    similar = page.get_by_role("button", name="Stuur mijn idee toch in")
    if similar.count():  # shown without JavaScript or when the live hint was not seen
        page.get_by_label("Foto's of tekeningen").set_input_files(str(_photo(tmp_path)))
        page.get_by_label("Ik vind het goed").check()
        similar.click()

    expect(page.get_by_text("Bedankt! Je idee staat online.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Kinderen krijgen een eigen stem bij de rechter")
    photo = page.locator("img.idea-photo, .idea-photos img").first
    expect(photo).to_be_visible()
    stored = db.session.scalars(db.select(IdeaImage)).one()
    assert stored.width <= 1600

    page.goto(f"{live_server}/c/{challenge.slug}/ideas")
    page.get_by_label("Zoeken").fill("kind")
    page.get_by_role("button", name="Toon").click()
    result = page.get_by_role("link", name="Kinderen krijgen een eigen stem bij de rechter")
    expect(result).to_be_visible()
    expect(page.locator(".idea-card mark").first).to_have_text("Kinderen")

    page.goto(f"{live_server}/c/{challenge.slug}/ideas/{other.id}")
    page.get_by_role("button", name="Steun dit idee").click()
    expect(page.get_by_role("button", name="Je steunt dit idee (ongedaan maken)")).to_be_visible()
    expect(page.get_by_text("1 keer gesteund")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
