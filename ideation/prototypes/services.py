"""Prototype rules: create from a concept, add versions, edit, change state, publish; and the
read queries of the prototype pages.

Every change checks that the actor manages the challenge and that the phase allows building
prototypes, writes an AuditEvent and flushes; the view commits.

Decisions where the brief left room:

* A version is never changed after it was made. Keeping an image in a new version makes a new
  image row that points at the same stored files, so files of old versions are never deleted.
* ``adopted`` is only set by a validation decision (``by_decision=True``); the core team moves
  a prototype between testing and parked. A decision may set any state, in any phase: the
  decision checks its own phase rule.
* A prototype can only be published when its concept is published, so the public page can
  always show where the prototype came from.
* A parked prototype gets no new versions until it is set back to testing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload
from werkzeug.datastructures import FileStorage

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, ensure_allowed
from ideation.challenges.services import can_view
from ideation.concepts.models import Concept, ConceptState
from ideation.core.audit import record_event
from ideation.core.pagination import Paginated
from ideation.core.permissions import can_manage, ensure_can_manage
from ideation.core.signals import prototype_published
from ideation.extensions import db
from ideation.ideas.models import Idea
from ideation.ideas.photos import image_store
from ideation.media.pipeline import ImageRejected, ProcessedImage, process_image
from ideation.prototypes import lineage
from ideation.prototypes.models import (
    Prototype,
    PrototypeImage,
    PrototypeKind,
    PrototypeState,
    PrototypeVersion,
)
from ideation.validation.models import Round

MAX_IMAGES = 3
IDEAS_PER_PAGE = 20
MAX_ALT_TEXT = 300


class PrototypeError(ValueError):
    """A rule was broken; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ImageUpload:
    """One image input of a form: the file (may be empty) and its text alternative."""

    file: FileStorage | None
    alt_text: str = ""

    @property
    def is_chosen(self) -> bool:
        return self.file is not None and bool(self.file.filename)


def _ensure_can_build(actor: User | None, challenge: Challenge) -> None:
    ensure_can_manage(actor, challenge)
    ensure_allowed(challenge, Action.build_prototypes)


def visible_to(viewer: User | None, prototype: Prototype) -> bool:
    """Published prototypes to everyone who may see the challenge; the rest to the team."""
    if not can_view(viewer, prototype.challenge):
        return False
    return prototype.is_published or can_manage(viewer, prototype.challenge)


# --- images ----------------------------------------------------------------------------------


def _process_images(uploads: Sequence[ImageUpload], kept: int = 0) -> list[
        tuple[ProcessedImage, str | None]]:
    """Check every chosen image before anything is stored; the first bad one stops it all.

    The error names the field ``image_<n>`` of the n-th upload (counted from 1).
    """
    chosen = [(n, upload) for n, upload in enumerate(uploads, 1) if upload.is_chosen]
    if kept + len(chosen) > MAX_IMAGES:
        raise PrototypeError(
            _("A version can have at most %(n)s images.", n=MAX_IMAGES) + " "
            + _("Choose your photos again: a browser cannot keep them."),
            f"image_{chosen[0][0]}" if chosen else "keep_image_ids")
    max_bytes = current_app.config["IDEATION_MAX_UPLOAD_MB"] * 1024 * 1024
    processed = []
    for n, upload in chosen:
        assert upload.file is not None
        try:
            image = process_image(upload.file.stream, max_bytes=max_bytes)
        except ImageRejected as rejected:
            raise PrototypeError(
                _("%(name)s: %(reason)s", name=upload.file.filename, reason=rejected.message)
                + " "
                + _("Your text is kept. Choose your photos again: a browser cannot keep them."),
                f"image_{n}",
            ) from rejected
        processed.append((image, (upload.alt_text or "").strip()[:MAX_ALT_TEXT] or None))
    return processed


def _store_images(version: PrototypeVersion,
                  processed: list[tuple[ProcessedImage, str | None]]) -> None:
    store = image_store()
    start = len(version.images)
    for offset, (image, alt_text) in enumerate(processed):
        version.images.append(PrototypeImage(
            storage_key=store.save(image), width=image.width, height=image.height,
            position=start + offset, alt_text=alt_text))


def _keep_images(version: PrototypeVersion, previous: PrototypeVersion | None,
                 keep_image_ids: Sequence[int]) -> None:
    """Copy the chosen images of ``previous`` into ``version``; the files are shared."""
    wanted = set(keep_image_ids)
    for image in previous.images if previous is not None else []:
        if image.id in wanted:
            version.images.append(PrototypeImage(
                storage_key=image.storage_key, width=image.width, height=image.height,
                position=len(version.images), alt_text=image.alt_text))


# --- creating and changing -----------------------------------------------------------------


def _clean_title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise PrototypeError(_("Give the prototype a short title."), "title")
    return title[:160]


def _clean_kind(kind: PrototypeKind | str | None) -> PrototypeKind:
    try:
        return PrototypeKind(kind)
    except ValueError:
        raise PrototypeError(_("Choose what kind of prototype this is."), "kind") from None


def _clean_description(description: str | None) -> str:
    description = (description or "").strip()
    if not description:
        raise PrototypeError(_("Describe what a tester will see or do."), "description")
    return description


def concept_refusal(concept: Concept) -> str | None:
    """Why no prototype can be made from ``concept`` now, or None when it can."""
    if concept.state is ConceptState.parked:
        return _("This concept is parked. Reopen it before you make a prototype from it.")
    if concept.state is not ConceptState.prototyping:
        return _("Move the concept to prototyping first.")
    return None


def create_prototype(actor: User, concept: Concept, title: str, kind: PrototypeKind | str,
                     description: str, images: Sequence[ImageUpload] = ()) -> Prototype:
    """A new, unpublished prototype of a concept in state prototyping, with version 1.

    Text and images are all checked before anything is stored.
    """
    _ensure_can_build(actor, concept.challenge)
    refusal = concept_refusal(concept)
    if refusal:
        raise PrototypeError(refusal)
    title, kind = _clean_title(title), _clean_kind(kind)
    description = _clean_description(description)
    processed = _process_images(images)
    prototype = Prototype(challenge=concept.challenge, concept=concept, title=title, kind=kind,
                          state=PrototypeState.testing, is_published=False,
                          created_by_id=actor.id)
    version = PrototypeVersion(number=1, description=description, created_by_id=actor.id)
    prototype.versions.append(version)
    db.session.add(prototype)
    _store_images(version, processed)
    record_event(actor, "prototype.created", prototype, challenge=prototype.challenge,
                 new=prototype.state, details={"title": title, "concept_id": concept.id})
    return prototype


def _round_of(prototype: Prototype, round_id: int | None) -> int | None:
    """``round_id`` when it is a validation round of ``prototype``; refused otherwise."""
    if round_id is None:
        return None
    found = get_round(prototype, round_id)
    if found is None:
        raise PrototypeError(_("This validation round does not belong to this prototype."),
                             "based_on_round_id")
    return found.id


def add_version(actor: User, prototype: Prototype, description: str, changes: str,
                change_reason: str, images: Sequence[ImageUpload] = (), *,
                keep_image_ids: Sequence[int] = (),
                based_on_round_id: int | None = None) -> PrototypeVersion:
    """The next version: what a tester sees now, what changed and why (from version 2 on).

    It may keep chosen images of the latest version (same files) and add new ones, at most
    three in all. Earlier versions stay exactly as they were.
    """
    _ensure_can_build(actor, prototype.challenge)
    if prototype.state is PrototypeState.parked:
        raise PrototypeError(_("This prototype is parked. Set it back to testing first."))
    previous = prototype.latest
    number = previous.number + 1 if previous is not None else 1
    description = _clean_description(description)
    changes, change_reason = (changes or "").strip(), (change_reason or "").strip()
    if number > 1 and not changes:
        raise PrototypeError(_("Say what changed since the previous version."),
                             "changes")
    if number > 1 and not change_reason:
        raise PrototypeError(_("Say why it changed: which feedback led to it?"),
                             "change_reason")
    previous_ids = {image.id for image in previous.images} if previous is not None else set()
    if not set(keep_image_ids) <= previous_ids:
        raise PrototypeError(_("Choose images of the latest version only."), "keep_image_ids")
    round_id = _round_of(prototype, based_on_round_id)
    processed = _process_images(images, kept=len(set(keep_image_ids)))
    version = PrototypeVersion(number=number, description=description, changes=changes,
                               change_reason=change_reason, based_on_round_id=round_id,
                               created_by_id=actor.id)
    prototype.versions.append(version)
    _keep_images(version, previous, keep_image_ids)
    _store_images(version, processed)
    db.session.flush()
    record_event(actor, "prototype.version_added", prototype, challenge=prototype.challenge,
                 new=number, public=prototype.is_published,
                 details={"title": prototype.title, "number": number})
    if prototype.is_published:
        prototype_published.send(prototype, actor=actor)
    return version


def edit_prototype(actor: User, prototype: Prototype, title: str,
                   kind: PrototypeKind | str) -> None:
    """Change the title and kind. What a tester sees changes only with a new version."""
    _ensure_can_build(actor, prototype.challenge)
    title, kind = _clean_title(title), _clean_kind(kind)
    old = f"{prototype.title} | {prototype.kind.value}"
    prototype.title, prototype.kind = title, kind
    new = f"{title} | {kind.value}"
    if old != new:
        record_event(actor, "prototype.edited", prototype, challenge=prototype.challenge,
                     old=old, new=new, details={"title": title})


# The moves the core team makes by hand; a validation decision may set any state.
MANUAL_MOVES = {
    (PrototypeState.testing, PrototypeState.parked),
    (PrototypeState.parked, PrototypeState.testing),
}


def set_state(actor: User, prototype: Prototype, state: PrototypeState | str, reason: str,
              *, by_decision: bool = False) -> None:
    """Move a prototype to another state, with a reason.

    The core team parks a prototype or sets it back to testing. ``adopted`` (and any other
    move) comes from a validation decision, which passes ``by_decision=True`` and its
    rationale as the reason; the decision checked its own phase rule.
    """
    ensure_can_manage(actor, prototype.challenge)
    if not by_decision:
        ensure_allowed(prototype.challenge, Action.build_prototypes)
    try:
        state = PrototypeState(state)
    except ValueError:
        raise PrototypeError(_("Choose a state."), "state") from None
    reason = (reason or "").strip()
    if not reason:
        raise PrototypeError(_("Give a reason for this change."), "reason")
    if state is prototype.state:
        return
    if not by_decision and (prototype.state, state) not in MANUAL_MOVES:
        raise PrototypeError(
            _("Only the decision of a validation round can adopt a prototype or change an "
              "adopted one."), "state")
    old = prototype.state
    prototype.state = state
    record_event(actor, "prototype.state_changed", prototype, challenge=prototype.challenge,
                 old=old, new=state, reason=reason, public=prototype.is_published,
                 details={"title": prototype.title})


def publish(actor: User, prototype: Prototype) -> None:
    """Give the prototype a public page; its concept must be public already."""
    _ensure_can_build(actor, prototype.challenge)
    if prototype.is_published:
        return
    if not prototype.concept.is_published:
        raise PrototypeError(_("Publish the concept “%(title)s” first.",
                               title=prototype.concept.title))
    prototype.is_published = True
    db.session.flush()
    record_event(actor, "prototype.published", prototype, challenge=prototype.challenge,
                 public=True, details={"title": prototype.title})
    prototype_published.send(prototype, actor=actor)


def unpublish(actor: User, prototype: Prototype) -> None:
    """Take the public page offline again (the history stays in the log)."""
    _ensure_can_build(actor, prototype.challenge)
    if not prototype.is_published:
        return
    prototype.is_published = False
    record_event(actor, "prototype.unpublished", prototype, challenge=prototype.challenge,
                 details={"title": prototype.title})


# --- reading -------------------------------------------------------------------------------


def get_prototype(challenge: Challenge, prototype_id: int) -> Prototype | None:
    """The prototype with its concept, versions and their images (three queries)."""
    return db.session.scalar(
        select(Prototype).where(Prototype.id == prototype_id,
                                Prototype.challenge_id == challenge.id)
        .options(joinedload(Prototype.concept),
                 selectinload(Prototype.versions).selectinload(PrototypeVersion.images))
    )


def get_image(image_id: int) -> PrototypeImage | None:
    """An image with its version, prototype and challenge, to decide who may see it."""
    return db.session.scalar(
        select(PrototypeImage).where(PrototypeImage.id == image_id)
        .options(joinedload(PrototypeImage.version).joinedload(PrototypeVersion.prototype)
                 .joinedload(Prototype.challenge))
    )


def get_round(prototype: Prototype, round_id: int) -> Round | None:
    """A validation round of ``prototype`` (None for an unknown id or another prototype's)."""
    found = db.session.get(Round, round_id)
    return found if found is not None and found.prototype_id == prototype.id else None


@dataclass(frozen=True)
class Row:
    prototype: Prototype
    version_count: int


def prototype_rows(challenge: Challenge) -> list[Row]:
    """Every prototype of the challenge with its concept and number of versions (two queries)."""
    counts = (select(PrototypeVersion.prototype_id, func.count(PrototypeVersion.id)
                     .label("n"))
              .group_by(PrototypeVersion.prototype_id).subquery())
    rows = db.session.execute(
        select(Prototype, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.prototype_id == Prototype.id)
        .where(Prototype.challenge_id == challenge.id)
        .options(joinedload(Prototype.concept))
        .order_by(Prototype.created_dt.desc(), Prototype.id.desc())
    ).all()
    return [Row(prototype, count) for prototype, count in rows]


def concepts_in_prototyping(challenge: Challenge) -> list[Concept]:
    """Concepts a prototype can be made from now."""
    return list(db.session.scalars(
        select(Concept).where(Concept.challenge_id == challenge.id,
                              Concept.state == ConceptState.prototyping)
        .order_by(Concept.title)
    ))


@dataclass(frozen=True)
class IdeaPage(Paginated):
    items: list[Idea]
    page: int
    per_page: int
    total: int


def ideas_behind(concept: Concept, page: int = 1, per_page: int = IDEAS_PER_PAGE) -> IdeaPage:
    """One page of the published ideas a concept grew from, with their authors (two queries)."""
    query = lineage.concept_ideas(concept)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    items = db.session.scalars(
        query.options(joinedload(Idea.author).options(lazyload(User.memberships)))
        .limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return IdeaPage(list(items), page, per_page, total)
