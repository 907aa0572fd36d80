"""Prototype rules: where a prototype may come from, versions, images, states, publishing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from ideation.challenges import services as challenge_services
from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import PhaseClosed, today
from ideation.concepts.models import ConceptState
from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied
from ideation.core.signals import prototype_published
from ideation.extensions import db
from ideation.ideas.photos import image_store
from ideation.prototypes import services
from ideation.prototypes.models import (
    Prototype,
    PrototypeImage,
    PrototypeKind,
    PrototypeState,
)
from ideation.prototypes.services import PrototypeError
from ideation.validation.models import Round
from tests import factories
from tests.ideas.conftest import exif_with_gps, jpeg_bytes, quick_user
from tests.prototypes.conftest import (
    add_cluster,
    add_concept,
    count,
    make_prototype,
    stored_files,
    upload,
)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def add_round(prototype: Prototype, title: str = "Toets met ouders") -> Round:
    found = Round(challenge=prototype.challenge, prototype=prototype,
                  version=prototype.latest, title=title, opens_on=today(),
                  closes_on=today() + timedelta(days=7))
    db.session.add(found)
    db.session.commit()
    return found


# --- where a prototype may come from -----------------------------------------------------------


@pytest.mark.parametrize("state, message", [
    (ConceptState.draft, "Move the concept to prototyping first."),
    (ConceptState.realistic, "Move the concept to prototyping first."),
    (ConceptState.parked, "This concept is parked."),
])
def test_no_prototype_from_a_concept_that_is_not_in_prototyping(app, challenge, core, state,
                                                                 message):
    concept = add_concept(challenge, [add_cluster(challenge, "A")], state=state)
    with (app.test_request_context(headers={"Accept-Language": "en"}),
          pytest.raises(PrototypeError) as refused):
        services.create_prototype(core, concept, "Proef", "service", "Je ziet een balie.")
    assert message in str(refused.value)
    db.session.rollback()
    assert count(Prototype) == 0


def test_a_prototype_from_a_concept_in_prototyping_starts_with_version_1(core, concept):
    prototype = make_prototype(core, concept, images=1)

    assert prototype.state is PrototypeState.testing and not prototype.is_published
    assert [v.number for v in prototype.versions] == [1]
    assert prototype.latest.description == "Je loopt binnen en meldt je bij de balie."
    assert prototype.latest.images[0].alt_text == "Schets 1"
    created = events("prototype.created")
    assert len(created) == 1 and not created[0].is_public
    assert created[0].details["title"] == "Proef met het loket"


def test_title_kind_and_description_are_required(app, core, concept):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for title, kind, description, field in [("", "service", "x", "title"),
                                                ("T", "rocket", "x", "kind"),
                                                ("T", "digital", "  ", "description")]:
            with pytest.raises(PrototypeError) as refused:
                services.create_prototype(core, concept, title, kind, description)
            assert refused.value.field == field
    assert count(Prototype) == 0


def test_making_prototypes_follows_the_phase(app, core):
    dreaming = factories.make_challenge(phase=PhaseKind.dream)
    member = quick_user("core_team", dreaming)
    concept = add_concept(dreaming, [add_cluster(dreaming, "A")])
    with pytest.raises(PhaseClosed):
        services.create_prototype(member, concept, "Proef", "service", "Je ziet een balie.")
    assert count(Prototype) == 0


def test_only_the_core_team_and_admins_make_prototypes(app, challenge, concept):
    for outsider in (quick_user(), quick_user("stakeholder", challenge),
                     quick_user("core_team", factories.make_challenge())):
        with pytest.raises(PermissionDenied):
            services.create_prototype(outsider, concept, "Proef", "service", "Balie.")
    assert services.create_prototype(quick_user("admin"), concept, "Proef", "service",
                                     "Balie.").latest.number == 1


# --- images --------------------------------------------------------------------------------------


def test_stored_images_carry_no_exif(app, core, concept):
    raw = jpeg_bytes((320, 240), exif=exif_with_gps())
    assert b"SecretPhone" in raw
    prototype = services.create_prototype(core, concept, "Proef", "physical", "Een folder.",
                                          [upload(raw, "gps.jpg")])
    db.session.commit()
    key = prototype.latest.images[0].storage_key
    for variant in ("display", "thumb"):
        path = image_store().path_for(key, variant)
        assert b"SecretPhone" not in path.read_bytes()
        with Image.open(path) as stored:
            assert not stored.getexif().get_ifd(0x8825)  # GPSInfo
            assert "exif" not in stored.info


def test_a_bad_image_stops_everything_and_names_its_field(app, core, concept):
    uploads = [upload(), upload(b"geen foto" * 20, "fake.jpg")]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(PrototypeError) as refused:
            services.create_prototype(core, concept, "Proef", "service", "Balie.", uploads)
        assert refused.value.field == "image_2"
        assert "fake.jpg: This file is not a photo we can read." in str(refused.value)
    db.session.rollback()
    assert count(Prototype) == 0 and stored_files(app) == []


# --- versions ------------------------------------------------------------------------------------


def test_version_2_requires_what_changed_and_why(app, core, prototype):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(PrototypeError) as no_changes:
            services.add_version(core, prototype, "Nieuw.", "", "Ouders vonden het te druk.")
        with pytest.raises(PrototypeError) as no_reason:
            services.add_version(core, prototype, "Nieuw.", "Minder tekst.", " ")
    assert no_changes.value.field == "changes" and no_reason.value.field == "change_reason"
    assert "which feedback" in str(no_reason.value)
    db.session.rollback()
    assert [v.number for v in prototype.versions] == [1]


def test_version_2_keeps_version_1_exactly_as_it_was(app, core, prototype):
    first = prototype.latest
    first_images = [(i.id, i.storage_key, i.alt_text) for i in first.images]
    version = services.add_version(core, prototype, "Nu met een wachtruimte.", "Wachtruimte erbij.",
                                   "Ouders wilden kunnen zitten.", [upload(alt="Wachtruimte")])
    db.session.commit()
    db.session.expire_all()

    assert version.number == 2 and prototype.latest.id == version.id
    assert first.description == "Je loopt binnen en meldt je bij de balie."
    assert [(i.id, i.storage_key, i.alt_text) for i in first.images] == first_images
    assert [i.alt_text for i in version.images] == ["Wachtruimte"]
    added = events("prototype.version_added")
    assert added[-1].details == {"title": prototype.title, "number": 2}
    assert not added[-1].is_public  # the prototype is not published


def test_kept_images_reuse_the_stored_files(app, core, prototype):
    first = prototype.latest
    files_before = stored_files(app)
    keep = first.images[1]
    version = services.add_version(core, prototype, "Zelfde.", "Eén schets minder.",
                                   "De eerste schets was verwarrend.", keep_image_ids=[keep.id])
    db.session.commit()

    assert [i.storage_key for i in version.images] == [keep.storage_key]
    assert version.images[0].id != keep.id and version.images[0].alt_text == keep.alt_text
    assert stored_files(app) == files_before  # no copy, nothing deleted
    assert count(PrototypeImage) == 3


def test_only_images_of_the_latest_version_can_be_kept(app, core, prototype, concept):
    other = make_prototype(core, concept, images=1, title="Ander")
    with pytest.raises(PrototypeError) as refused:
        services.add_version(core, prototype, "Zelfde.", "Iets.", "Daarom.",
                             keep_image_ids=[other.latest.images[0].id])
    assert refused.value.field == "keep_image_ids"


def test_a_version_has_at_most_three_images_kept_and_new_together(app, core, prototype):
    keep = [image.id for image in prototype.latest.images]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(PrototypeError) as refused:
            services.add_version(core, prototype, "Zelfde.", "Iets.", "Daarom.",
                                 [upload(), upload()], keep_image_ids=keep)
        assert "at most 3 images" in str(refused.value)
    assert refused.value.field == "image_1"


def test_a_version_can_name_the_round_that_led_to_it(core, prototype, concept):
    own = add_round(prototype)
    other = add_round(make_prototype(core, concept, title="Ander"))
    with pytest.raises(PrototypeError) as refused:
        services.add_version(core, prototype, "Nieuw.", "Iets.", "Daarom.",
                             based_on_round_id=other.id)
    assert refused.value.field == "based_on_round_id"
    db.session.rollback()

    version = services.add_version(core, prototype, "Nieuw.", "Iets.", "Daarom.",
                                   based_on_round_id=own.id)
    assert version.based_on_round_id == own.id


def test_a_parked_prototype_gets_no_new_version(app, core, prototype):
    services.set_state(core, prototype, PrototypeState.parked, "Te duur.")
    with pytest.raises(PrototypeError):
        services.add_version(core, prototype, "Nieuw.", "Iets.", "Daarom.")


# --- states and publishing -----------------------------------------------------------------------


def test_state_changes_need_a_reason_and_are_audited(app, core, prototype):
    with pytest.raises(PrototypeError) as refused:
        services.set_state(core, prototype, PrototypeState.parked, "  ")
    assert refused.value.field == "reason"

    services.set_state(core, prototype, PrototypeState.parked, "Geen budget.")
    services.set_state(core, prototype, "testing", "Toch budget.")
    changed = events("prototype.state_changed")
    assert [(e.old_state, e.new_state, e.reason) for e in changed] == [
        ("testing", "parked", "Geen budget."), ("parked", "testing", "Toch budget.")]
    assert not any(e.is_public for e in changed)
    assert changed[0].details == {"title": prototype.title}


def test_only_a_decision_adopts_a_prototype(app, core, prototype):
    with pytest.raises(PrototypeError) as refused:
        services.set_state(core, prototype, PrototypeState.adopted, "Goed genoeg.")
    assert refused.value.field == "state"

    services.set_state(core, prototype, PrototypeState.adopted, "De toets was positief.",
                       by_decision=True)
    assert prototype.state is PrototypeState.adopted
    with pytest.raises(PrototypeError):
        services.set_state(core, prototype, PrototypeState.parked, "Toch niet.")


def test_a_decision_may_set_the_state_after_the_building_phases(app, core, concept):
    prototype = make_prototype(core, concept)
    challenge = prototype.challenge
    challenge_services.set_phase_dates(None, challenge, factories.plan(PhaseKind.agenda))
    with pytest.raises(PhaseClosed):
        services.set_state(core, prototype, PrototypeState.parked, "Te laat.")
    services.set_state(core, prototype, PrototypeState.adopted, "Besluit.", by_decision=True)
    assert prototype.state is PrototypeState.adopted


def test_a_prototype_is_published_only_after_its_concept(app, challenge, core):
    concept = add_concept(challenge, [add_cluster(challenge, "A")], published=False)
    prototype = make_prototype(core, concept)
    with pytest.raises(PrototypeError):
        services.publish(core, prototype)
    concept.is_published = True
    services.publish(core, prototype)

    assert prototype.is_published
    published = events("prototype.published")
    assert len(published) == 1 and published[0].is_public
    assert published[0].details == {"title": prototype.title}
    services.unpublish(core, prototype)
    assert not prototype.is_published and not events("prototype.unpublished")[0].is_public


def test_state_changes_and_versions_of_a_published_prototype_are_public(app, core, concept):
    prototype = make_prototype(core, concept, publish=True)
    services.set_state(core, prototype, PrototypeState.parked, "Even pauze.")
    services.set_state(core, prototype, PrototypeState.testing, "Verder.")
    services.add_version(core, prototype, "Nieuw.", "Iets.", "Daarom.")

    assert all(e.is_public for e in events("prototype.state_changed"))
    assert events("prototype.version_added")[0].is_public


def test_edit_changes_title_and_kind_and_is_audited(app, core, prototype):
    services.edit_prototype(core, prototype, "Nieuwe titel", "digital")
    assert (prototype.title, prototype.kind) == ("Nieuwe titel", PrototypeKind.digital)
    assert events("prototype.edited")[0].new_state == "Nieuwe titel | digital"


def test_signal_fires_on_publish_and_on_a_new_version_of_a_published_prototype(
        app, core, concept):
    received = []

    def receiver(sender, **extra):
        received.append((sender.title, extra["actor"].id, len(sender.versions)))

    with prototype_published.connected_to(receiver):
        prototype = make_prototype(core, concept)
        services.add_version(core, prototype, "Nieuw.", "Iets.", "Daarom.")
        assert received == []  # not published yet

        services.publish(core, prototype)
        services.publish(core, prototype)  # already published: no second message
        services.add_version(core, prototype, "Nieuwer.", "Nog iets.", "Daarom ook.")

    assert received == [(prototype.title, core.id, 2), (prototype.title, core.id, 3)]
