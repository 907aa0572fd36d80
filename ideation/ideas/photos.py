"""The photos of an idea: all checked before anything is stored, then stored in order."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from ideation.extensions import db
from ideation.ideas.errors import IdeaError
from ideation.ideas.models import Idea, IdeaImage
from ideation.media.pipeline import ImageRejected, ProcessedImage, process_image
from ideation.media.storage import ImageStore, uploads_store

MAX_PHOTOS = 3


def image_store() -> ImageStore:
    return uploads_store()


def process_photos(photos: Sequence[FileStorage]) -> list[ProcessedImage]:
    """Check every photo before anything is stored; the first bad one stops the submission."""
    chosen = [photo for photo in photos if photo is not None and photo.filename]
    if len(chosen) > MAX_PHOTOS:
        raise IdeaError(_("You can add at most %(n)s photos.", n=MAX_PHOTOS) + " "
                        + _("Choose your photos again: a browser cannot keep them."), "photos")
    max_bytes = current_app.config["IDEATION_MAX_UPLOAD_MB"] * 1024 * 1024
    processed = []
    for photo in chosen:
        try:
            processed.append(process_image(photo.stream, max_bytes=max_bytes))
        except ImageRejected as rejected:
            raise IdeaError(
                _("%(name)s: %(reason)s", name=photo.filename, reason=rejected.message) + " "
                + _("Your text is kept. Choose your photos again: a browser cannot keep them."),
                "photos",
            ) from rejected
    return processed


def store_photos(idea: Idea, processed: list[ProcessedImage], alt_text: str | None) -> None:
    store = image_store()
    start = len(idea.images)
    for offset, image in enumerate(processed):
        key = store.save(image)
        idea.images.append(IdeaImage(storage_key=key, width=image.width, height=image.height,
                                     position=start + offset, alt_text=alt_text))


def image_for_key(key: str) -> IdeaImage | None:
    return db.session.scalar(
        select(IdeaImage).where(IdeaImage.storage_key == key)
        .options(joinedload(IdeaImage.idea).joinedload(Idea.challenge))
    )
