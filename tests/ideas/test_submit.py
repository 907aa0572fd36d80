"""Sending in an idea: phase, consent, photos, anonymity, pre-moderation and building on."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from ideation.challenges.models import PhaseKind
from ideation.extensions import db
from ideation.ideas import submitting, visibility
from ideation.ideas.errors import IdeaError
from ideation.ideas.models import Idea, IdeaImage, IdeaStatus
from ideation.ideas.photos import image_store
from ideation.media.pipeline import ImageRejected
from tests import factories
from tests.html import parse
from tests.ideas.conftest import exif_with_gps, jpeg_bytes, make_idea, quick_user

FORM = {"title": "Eén loket voor alle hulp", "description": "Alles op één plek, ook online.",
        "consent": "y"}


def post_idea(client, slug, photos=(), **fields):
    data = {**FORM, **fields}
    if photos:
        data["photos"] = [(io.BytesIO(raw), name) for raw, name in photos]
    return client.post_form(f"/c/{slug}/ideas/new", data, content_type="multipart/form-data")


def idea_count() -> int:
    return db.session.scalar(select(func.count(Idea.id)))


def stored_files(app) -> list[Path]:
    root = Path(app.instance_path) / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_citizen_submits_an_idea_with_a_photo_in_the_dream_phase(english, challenge, author):
    english.login(author)
    response = post_idea(english, challenge.slug, photos=[(jpeg_bytes(), "a.jpg")],
                         theme_id=str(challenge.themes[0].id))
    assert response.status_code == 302
    idea = db.session.scalar(select(Idea))
    assert response.location.endswith(f"/c/{challenge.slug}/ideas/{idea.id}")
    assert idea.status is IdeaStatus.published and idea.author_id == author.id
    assert idea.theme_id == challenge.themes[0].id
    assert len(idea.images) == 1
    page = english.get(response.location).get_data(as_text=True)
    assert "Eén loket voor alle hulp" in page and "Anna Auteur" in page


def test_citizen_cannot_submit_after_the_dream_phase_closes(english, app, author):
    late = factories.make_challenge(phase=PhaseKind.realistic)
    english.login(author)
    form_page = english.get(f"/c/{late.slug}/ideas/new").get_data(as_text=True)
    assert "Sending in ideas closed on" in form_page
    assert 'name="title"' not in form_page

    response = post_idea(english, late.slug, photos=[(jpeg_bytes(), "a.jpg")])
    assert response.status_code == 409
    assert "Sending in ideas closed on" in response.get_data(as_text=True)
    assert idea_count() == 0 and stored_files(app) == []


def test_submitting_before_the_dream_phase_says_when_it_opens(english, app, author):
    early = factories.make_challenge(phase=None)
    english.login(author)
    page = english.get(f"/c/{early.slug}/ideas/new").get_data(as_text=True)
    assert "Sending in ideas is possible from" in page


def test_service_refuses_submission_outside_the_dream_phase(app, author):
    from ideation.challenges.phases import PhaseClosed

    late = factories.make_challenge(phase=PhaseKind.agenda)
    with pytest.raises(PhaseClosed):
        submitting.submit_idea(author, late, {**FORM, "consent": True})


def test_consent_is_required_and_nothing_is_stored_without_it(english, challenge, author):
    english.login(author)
    response = post_idea(english, challenge.slug, consent="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "You can only send in your idea if you agree." in page
    assert 'aria-describedby="consent-error"' in page
    assert idea_count() == 0


def test_the_consent_checkbox_links_to_the_privacy_text_on_the_page(english, challenge, author):
    english.login(author)
    page = english.get(f"/c/{challenge.slug}/ideas/new").get_data(as_text=True)
    assert 'href="#privacy"' in page and 'id="privacy"' in page
    assert 'accept="image/jpeg,image/png,image/webp,image/heic"' in page
    assert 'enctype="multipart/form-data"' in page and "multiple" in page


TRUNCATED = jpeg_bytes((400, 300))[:600]
BAD_IMAGES = {
    "not_an_image": (b"this is a text file, not a photo" * 10, "fake.jpg"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"),
    "too_large": (b"\xff\xd8\xff" + b"0" * (1024 * 1024 + 10), "huge.jpg"),
    "truncated": (TRUNCATED, "half.jpg"),
}


@pytest.mark.parametrize("reason", sorted(BAD_IMAGES))
def test_every_bad_photo_reaches_the_user_as_its_message_and_keeps_the_text(
    database, tmp_path, reason
):
    from tests.conftest import Client, make_test_app

    app = make_test_app(database, tmp_path, IDEATION_MAX_UPLOAD_MB=1)
    with app.app_context():
        db.create_all()
        challenge = factories.make_challenge()
        author = quick_user()
        app.test_client_class = Client
        client = app.test_client()
        client.set_cookie("lang", "en")
        client.login(author)
        raw, name = BAD_IMAGES[reason]
        response = post_idea(client, challenge.slug, photos=[(jpeg_bytes(), "ok.jpg"),
                                                             (raw, name)],
                             title="Mijn getypte titel", description="Mijn lange uitleg")
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        expected = ImageRejected(reason, max_bytes=1024 * 1024).message
        with app.test_request_context(headers={"Cookie": "lang=en"}):
            assert str(expected) in page
        assert "a browser cannot keep them" in page
        assert 'id="photos-error"' in page
        assert 'value="Mijn getypte titel"' in page and "Mijn lange uitleg" in page
        assert idea_count() == 0 and stored_files(app) == []
        db.session.remove()
        db.engine.dispose()


def test_more_than_three_photos_are_refused(english, app, challenge, author):
    english.login(author)
    response = post_idea(english, challenge.slug,
                         photos=[(jpeg_bytes(), f"{i}.jpg") for i in range(4)])
    assert response.status_code == 422
    assert "at most 3 photos" in response.get_data(as_text=True)
    assert idea_count() == 0 and stored_files(app) == []


def test_gps_location_is_gone_from_the_stored_file_on_disk(english, app, challenge, author):
    english.login(author)
    raw = jpeg_bytes((320, 240), exif=exif_with_gps())
    assert b"SecretPhone" in raw
    post_idea(english, challenge.slug, photos=[(raw, "gps.jpg")])
    image = db.session.scalar(select(IdeaImage))
    store = image_store()
    for variant in ("display", "thumb"):
        path = store.path_for(image.storage_key, variant)
        data = path.read_bytes()
        assert b"SecretPhone" not in data
        with Image.open(path) as stored:
            assert not stored.getexif().get_ifd(0x8825)  # GPSInfo
            assert "exif" not in stored.info


def test_anonymous_idea_shows_anonymous_to_the_public_and_the_name_to_the_core_team(
    english, challenge, author, core
):
    idea = make_idea(author, challenge, is_anonymous=True)
    url = f"/c/{challenge.slug}/ideas/{idea.id}"
    public_page = english.get(url).get_data(as_text=True)
    assert "Anonymous" in public_page and "Anna Auteur" not in public_page

    english.login(core)
    team_page = english.get(url).get_data(as_text=True)
    assert "Anonymous" in team_page and "Anna Auteur" in team_page
    assert "only you and the core team see" in team_page


def test_anonymity_is_ignored_when_the_challenge_does_not_allow_it(english, challenge, author):
    visibility.update_settings(None, challenge, is_premoderated=False, allows_anonymous=False)
    db.session.commit()
    english.login(author)
    page = english.get(f"/c/{challenge.slug}/ideas/new").get_data(as_text=True)
    assert 'name="is_anonymous"' not in page
    post_idea(english, challenge.slug, is_anonymous="y")
    assert db.session.scalar(select(Idea)).is_anonymous is False


def test_premoderation_puts_ideas_in_pending_and_out_of_the_public_gallery(
    english, client, challenge, author, core
):
    visibility.update_settings(None, challenge, is_premoderated=True, allows_anonymous=True)
    db.session.commit()
    english.login(author)
    post_idea(english, challenge.slug, title="Wacht op controle")
    idea = db.session.scalar(select(Idea))
    assert idea.status is IdeaStatus.pending
    own_gallery = english.get(f"/c/{challenge.slug}/ideas").get_data(as_text=True)
    assert "Wacht op controle" in own_gallery and "Waiting for a check" in own_gallery

    english.logout()
    public = english.get(f"/c/{challenge.slug}/ideas").get_data(as_text=True)
    assert "Wacht op controle" not in public
    assert english.get(f"/c/{challenge.slug}/ideas/{idea.id}").status_code == 404

    english.login(core)
    response = english.post_form(f"/c/{challenge.slug}/ideas/{idea.id}/moderate",
                                 {"status": "published"})
    assert response.status_code == 302
    english.logout()
    assert "Wacht op controle" in english.get(f"/c/{challenge.slug}/ideas").get_data(
        as_text=True)


def test_building_on_an_idea_links_both_pages(english, challenge, author, other):
    first = make_idea(author, challenge, title="Eén loket")
    english.login(other)
    form = english.get(f"/c/{challenge.slug}/ideas/new?built_on={first.id}").get_data(
        as_text=True)
    built_on = parse(form).find("input", name="built_on_id")
    assert built_on.attrs["type"] == "hidden" and built_on.attrs["value"] == str(first.id)
    response = post_idea(english, challenge.slug, title="Eén loket met een chat",
                         built_on_id=str(first.id))
    second = db.session.scalar(select(Idea).where(Idea.id != first.id))
    assert second.built_on_id == first.id
    child_page = english.get(response.location).get_data(as_text=True)
    assert "Builds on:" in child_page and f"/ideas/{first.id}" in child_page
    parent_page = english.get(f"/c/{challenge.slug}/ideas/{first.id}").get_data(as_text=True)
    assert "Ideas that build on this idea" in parent_page
    assert "Eén loket met een chat" in parent_page


def test_building_on_an_idea_of_another_challenge_is_refused(app, challenge, author):
    elsewhere = make_idea(author, factories.make_challenge())
    with pytest.raises(IdeaError):
        submitting.submit_idea(author, challenge, {**FORM, "consent": True,
                                                   "built_on_id": elsewhere.id})
