"""The prototype pages: making prototypes and versions through the forms, reading old
versions, the manage actions, the images, in English and Dutch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ideation.challenges.phases import today
from ideation.core.models import AuditEvent
from ideation.extensions import db
from ideation.media.pipeline import ImageRejected
from ideation.prototypes import services
from ideation.prototypes.models import Prototype, PrototypeImage, PrototypeState
from ideation.validation.models import Round
from tests.html import page_language
from tests.prototypes.conftest import (
    add_cluster,
    add_concept,
    count,
    file_field,
    is_checked,
    make_prototype,
    stored_files,
    version_count,
)

MULTIPART = {"content_type": "multipart/form-data"}


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")
    return client


def new_url(concept) -> str:
    return f"/c/{concept.challenge.slug}/concepts/{concept.id}/prototypes/new"


def page_url(prototype, suffix: str = "") -> str:
    return f"/c/{prototype.challenge.slug}/prototypes/{prototype.id}{suffix}"


def text(response) -> str:
    return response.get_data(as_text=True)


# --- making a prototype --------------------------------------------------------------------------


def test_core_team_makes_a_prototype_with_images_and_alt_texts(english, core, concept):
    english.login(core)
    form = english.get(new_url(concept))
    assert form.status_code == 200
    assert "<legend>What kind of prototype is it?</legend>" in text(form)

    response = english.post_form(new_url(concept), {
        "title": "Proef met het loket", "kind": "service",
        "description": "Je meldt je bij de balie.", "image_1": file_field(),
        "alt_1": "De balie", "image_3": file_field(name="plan.jpg"), "alt_3": "Plattegrond",
    }, **MULTIPART)

    prototype = db.session.scalar(select(Prototype))
    assert response.status_code == 302 and response.location.endswith(page_url(prototype))
    assert [i.alt_text for i in prototype.latest.images] == ["De balie", "Plattegrond"]
    page = text(english.get(page_url(prototype)))
    assert "Proef met het loket" in page and "Not public yet" in page
    assert 'alt="De balie"' in page and 'alt="Plattegrond"' in page


def test_a_rejected_image_keeps_what_was_typed_and_stores_nothing(english, app, core,
                                                                  concept):
    english.login(core)
    response = english.post_form(new_url(concept), {
        "title": "Mijn getypte titel", "kind": "digital",
        "description": "Mijn lange uitleg", "image_1": file_field(),
        "image_2": file_field(b"dit is geen foto" * 20, "nep.jpg"), "alt_2": "Mijn alt-tekst",
    }, **MULTIPART)

    page = text(response)
    assert response.status_code == 422
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(ImageRejected("not_an_image").message) in page
    assert 'id="image_2-error"' in page and "a browser cannot keep them" in page
    assert 'value="Mijn getypte titel"' in page and "Mijn lange uitleg" in page
    assert 'value="Mijn alt-tekst"' in page
    assert is_checked(page, "kind", "digital")
    assert count(Prototype) == 0 and stored_files(app) == []


def test_missing_fields_are_shown_with_the_input_kept(english, core, concept):
    english.login(core)
    response = english.post_form(new_url(concept), {"title": "Alleen een titel"}, **MULTIPART)

    page = text(response)
    assert response.status_code == 422
    assert "Please check the form" in page
    assert "Choose what kind of prototype this is." in page
    assert "Describe what a tester will see or do." in page
    assert 'value="Alleen een titel"' in page
    assert count(Prototype) == 0


def test_the_form_says_why_a_concept_cannot_have_a_prototype_yet(english, challenge, core):
    from ideation.concepts.models import ConceptState

    concept = add_concept(challenge, [add_cluster(challenge, "A")], state=ConceptState.realistic)
    english.login(core)
    page = english.get(new_url(concept))
    assert "Move the concept to prototyping first." in text(page)
    assert 'name="title"' not in text(page)

    response = english.post_form(new_url(concept), {
        "title": "Toch", "kind": "service", "description": "Balie."}, **MULTIPART)
    assert response.status_code == 422 and count(Prototype) == 0


def test_outside_the_building_phases_the_form_says_when_and_stores_nothing(english, core,
                                                                             concept):
    from ideation.challenges import services as challenge_services
    from ideation.challenges.models import PhaseKind
    from tests.factories import plan

    challenge_services.set_phase_dates(None, concept.challenge, plan(PhaseKind.realistic))
    db.session.commit()
    english.login(core)
    assert "Making prototypes is possible from" in text(english.get(new_url(concept)))

    response = english.post_form(new_url(concept), {
        "title": "Proef", "kind": "service", "description": "Balie."}, **MULTIPART)
    assert response.status_code == 409
    assert "Making prototypes is possible from" in text(response)
    assert count(Prototype) == 0


# --- versions ------------------------------------------------------------------------------------


def test_the_new_version_form_is_prefilled_with_the_latest_version(english, core, prototype):
    english.login(core)
    page = text(english.get(page_url(prototype, "/versions/new")))

    assert "New version: version 2" in page
    assert "Je loopt binnen en meldt je bij de balie." in page
    for image in prototype.latest.images:
        assert is_checked(page, "keep_image_ids", image.id)


def test_version_2_through_the_form_needs_what_changed_and_why(english, core, prototype):
    english.login(core)
    response = english.post_form(page_url(prototype, "/versions/new"),
                                 {"description": "Nieuw."}, **MULTIPART)
    assert response.status_code == 422
    assert "Say what changed since the previous version." in text(response)
    assert "Say why it changed: which feedback led to it?" in text(response)
    assert version_count() == 1


def test_old_versions_stay_readable_with_their_own_text_and_images(english, core, prototype):
    first_images = list(prototype.latest.images)
    english.login(core)
    response = english.post_form(page_url(prototype, "/versions/new"), {
        "description": "Nu met een wachtruimte.", "changes": "Wachtruimte erbij.",
        "change_reason": "Ouders wilden kunnen zitten.",
        "keep_image_ids": [str(first_images[0].id)],
        "image_1": file_field(), "alt_1": "De wachtruimte",
    }, **MULTIPART)
    assert response.status_code == 302

    db.session.expire_all()
    latest = prototype.latest
    assert latest.number == 2
    assert [i.alt_text for i in latest.images] == ["Schets 1", "De wachtruimte"]
    assert latest.images[0].storage_key == first_images[0].storage_key

    old = text(english.get(page_url(prototype, "/versions/1")))
    assert "This is version 1; the latest is version 2." in old
    assert "Je loopt binnen en meldt je bij de balie." in old
    assert "Nu met een wachtruimte." not in old
    assert 'alt="Schets 1"' in old and 'alt="Schets 2"' in old
    assert "De wachtruimte" not in old

    show = text(english.get(page_url(prototype)))
    assert "Nu met een wachtruimte." in show and "Wachtruimte erbij." in show
    assert "Ouders wilden kunnen zitten." in show
    assert 'alt="Schets 2"' not in show
    assert page_url(prototype, "/versions/1") in show
    second = text(english.get(page_url(prototype, "/versions/2")))
    assert "This is the latest version." in second and "What changed since version 1" in second


def add_round(prototype, title: str) -> Round:
    found = Round(challenge=prototype.challenge, prototype=prototype, version=prototype.latest,
                  title=title, opens_on=today(), closes_on=today() + timedelta(days=7))
    db.session.add(found)
    db.session.commit()
    return found


def test_a_version_from_a_round_names_the_round(english, core, prototype):
    tested = add_round(prototype, "Toets met ouders")
    english.login(core)
    url = page_url(prototype, f"/versions/new?round={tested.id}")
    page = text(english.get(url))
    assert "Feedback from the validation round “Toets met ouders”:" in page

    response = english.post_form(url, {
        "description": "Nieuw.", "changes": "Minder tekst.",
        "change_reason": "Feedback from the validation round “Toets met ouders”: te veel tekst",
    }, **MULTIPART)
    assert response.status_code == 302
    db.session.expire_all()
    assert prototype.latest.based_on_round_id == tested.id


def test_a_round_of_another_prototype_is_refused(english, core, concept, prototype):
    other = make_prototype(core, concept, title="Ander")
    foreign = add_round(other, "Toets elders")
    english.login(core)
    url = page_url(prototype, f"/versions/new?round={foreign.id}")
    assert english.get(url).status_code == 404
    assert english.get(page_url(prototype, "/versions/new?round=abc")).status_code == 404
    response = english.post_form(url, {"description": "Nieuw.", "changes": "Iets.",
                                       "change_reason": "Daarom."}, **MULTIPART)
    assert response.status_code == 404 and version_count() == 2


def test_an_unknown_version_is_not_found(english, core, prototype):
    english.login(core)
    assert english.get(page_url(prototype, "/versions/2")).status_code == 404


# --- the manage actions --------------------------------------------------------------------------


def test_state_change_without_reason_is_shown_on_the_page_with_the_choice_kept(
        english, core, prototype):
    english.login(core)
    response = english.post_form(page_url(prototype, "/state"), {"state": "parked"})
    page = text(response)
    assert response.status_code == 422
    assert "Give a reason for this change." in page
    assert is_checked(page, "state", "parked")
    db.session.expire_all()
    assert prototype.state is PrototypeState.testing

    response = english.post_form(page_url(prototype, "/state"),
                                 {"state": "parked", "reason": "Geen budget."})
    assert response.status_code == 302
    db.session.expire_all()
    assert prototype.state is PrototypeState.parked
    assert "Parked" in text(english.get(page_url(prototype)))


def test_adopted_cannot_be_chosen_by_hand(english, core, prototype):
    english.login(core)
    response = english.post_form(page_url(prototype, "/state"),
                                 {"state": "adopted", "reason": "Mooi."})
    assert response.status_code == 422
    db.session.expire_all()
    assert prototype.state is PrototypeState.testing


def test_publishing_makes_the_page_public(english, client, core, prototype):
    assert client.get(page_url(prototype)).status_code == 404
    english.login(core)
    response = english.post_form(page_url(prototype, "/publish"))
    assert response.status_code == 302
    english.logout()

    page = english.get(page_url(prototype))
    assert page.status_code == 200
    assert "Not public yet" not in text(page) and "Manage (core team)" not in text(page)
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "prototype.published"))
    assert event.is_public


def test_publishing_before_the_concept_is_refused_with_a_message(english, challenge, core):
    concept = add_concept(challenge, [add_cluster(challenge, "A")], published=False)
    prototype = make_prototype(core, concept)
    english.login(core)
    response = english.post_form(page_url(prototype, "/publish"), follow_redirects=True)
    assert "Publish the concept “Eén loket” first." in text(response)
    db.session.expire_all()
    assert not prototype.is_published


def test_edit_changes_title_and_kind(english, core, prototype):
    english.login(core)
    form = text(english.get(page_url(prototype, "/edit")))
    assert is_checked(form, "kind", "service")
    response = english.post_form(page_url(prototype, "/edit"),
                                 {"title": "Digitaal loket", "kind": "digital"})
    assert response.status_code == 302
    db.session.expire_all()
    assert prototype.title == "Digitaal loket" and prototype.kind.value == "digital"

    response = english.post_form(page_url(prototype, "/edit"), {"title": "", "kind": "digital"})
    assert response.status_code == 422 and "Give the prototype a short title." in text(response)


def test_the_team_list_shows_every_prototype_and_the_concepts_ready_for_one(
        english, core, concept, prototype):
    make_prototype(core, concept, title="Tweede proef", publish=True)
    english.login(core)
    page = text(english.get(f"/c/{concept.challenge.slug}/prototypes"))
    assert "Proef met het loket" in page and "Tweede proef" in page
    assert '<th scope="col">Versions</th>' in page
    assert new_url(concept) in page


# --- images --------------------------------------------------------------------------------------


def image_url(prototype, image: PrototypeImage, variant: str = "display") -> str:
    return page_url(prototype, f"/images/{image.id}/{variant}")


def test_images_are_served_only_when_the_prototype_is_visible(client, core, prototype):
    image = prototype.latest.images[0]
    assert client.get(image_url(prototype, image)).status_code == 404
    client.login(core)
    response = client.get(image_url(prototype, image, "thumb"))
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert client.get(image_url(prototype, image, "huge")).status_code == 404
    client.logout()

    services.publish(core, prototype)
    db.session.commit()
    response = client.get(image_url(prototype, image))
    assert response.status_code == 200 and response.data.startswith(b"\xff\xd8")
    assert response.headers["Cache-Control"] == "public, max-age=3600"


def test_an_image_of_another_prototype_is_not_served_under_this_one(client, core, concept,
                                                                     prototype):
    other = make_prototype(core, concept, images=1, title="Ander")
    client.login(core)
    assert client.get(image_url(prototype, other.latest.images[0])).status_code == 404


# --- languages -----------------------------------------------------------------------------------


def test_pages_render_in_english(english, core, prototype):
    english.login(core)
    services.add_version(core, prototype, "Nieuw.", "Iets.", "Daarom.")
    db.session.commit()
    show = text(english.get(page_url(prototype)))
    assert page_language(show) == "en"
    assert "Where this prototype comes from" in show and "All versions" in show
    assert "Being tested" in show and "A service" in show
    assert f'href="{page_url(prototype, "/rounds")}"' in show  # the team's link to its rounds


@pytest.mark.parametrize("suffix", ["", "/versions/1", "/versions/new", "/edit"])
def test_pages_render_in_dutch(client, core, prototype, suffix):
    client.login(core)
    response = client.get(page_url(prototype, suffix), headers={"Accept-Language": "nl"})
    assert response.status_code == 200
    assert page_language(response) == "nl"


def test_team_list_and_new_form_render_in_dutch(client, core, concept):
    client.login(core)
    for url in (f"/c/{concept.challenge.slug}/prototypes", new_url(concept)):
        response = client.get(url, headers={"Accept-Language": "nl"})
        assert response.status_code == 200 and page_language(response) == "nl"



HUGE = "9" * 25


@pytest.mark.parametrize("path", ["/prototypes/{huge}", "/prototypes/{id}/versions/{huge}",
                                  "/prototypes/{id}/versions/new?round={huge}",
                                  "/prototypes/{id}/images/{huge}/thumb",
                                  "/concepts/{huge}/prototypes/new"])
def test_huge_ids_are_not_found(client, core, prototype, path):
    client.login(core)
    url = f"/c/{prototype.challenge.slug}" + path.format(huge=HUGE, id=prototype.id)
    assert client.get(url).status_code == 404
