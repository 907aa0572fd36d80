"""Challenge rules: creating and editing challenges, planning phases, themes, progress."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import LazyString
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from ideation.accounts.models import User
from ideation.challenges.models import (
    AuthorDisplay,
    Challenge,
    Language,
    Phase,
    PhaseKind,
    Theme,
)
from ideation.core.audit import record_event
from ideation.core.permissions import can_manage, ensure_admin, ensure_can_manage
from ideation.extensions import db
from ideation.media.pipeline import ImageRejected, process_image
from ideation.media.storage import uploads_store

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EDITABLE_FIELDS = ("title", "question", "description", "language", "licence")
MAX_IMAGE_ALT = 300


class ChallengeError(ValueError):
    """A rule was broken; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def get_by_slug(slug: str) -> Challenge | None:
    """The challenge with its phases and themes, which nearly every page of it reads, in one
    statement (a shared database charges a round trip for each)."""
    return db.session.scalars(
        select(Challenge).where(Challenge.slug == slug)
        .options(joinedload(Challenge.phases), joinedload(Challenge.themes))
    ).unique().one_or_none()


def can_view(user: User | None, challenge: Challenge) -> bool:
    return challenge.is_published or can_manage(user, challenge)


def visible_challenges(user: User | None) -> list[Challenge]:
    """Published challenges, plus the unpublished ones this user manages, newest first."""
    challenges = db.session.scalars(select(Challenge).order_by(Challenge.created_dt.desc()))
    return [c for c in challenges if can_view(user, c)]


def create_challenge(actor: User | None, data: Mapping[str, Any]) -> Challenge:
    """Create a challenge with its five phases (undated). Admins only; None is the CLI."""
    if actor is not None:
        ensure_admin(actor)
    slug = str(data["slug"]).strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise ChallengeError(
            _("Use only small letters, digits and hyphens, for example scheiden-zonder-schade."),
            "slug",
        )
    if get_by_slug(slug) is not None:
        raise ChallengeError(_("Another challenge already uses this web address."), "slug")
    challenge = Challenge(
        slug=slug,
        title=data["title"].strip(),
        question=data["question"].strip(),
        description=(data.get("description") or "").strip(),
        language=Language(data.get("language") or Language.nl),
        is_published=bool(data.get("is_published", False)),
        author_display=AuthorDisplay(data.get("author_display") or AuthorDisplay.full_name),
        licence=(data.get("licence") or "CC BY 4.0").strip()[:100],
        created_by_id=actor.id if actor else None,
        phases=[Phase(kind=kind, position=i) for i, kind in enumerate(PhaseKind)],
    )
    db.session.add(challenge)
    record_event(actor, "challenge.created", challenge, challenge=challenge, new="created")
    return challenge


def update_challenge(actor: User, challenge: Challenge, data: Mapping[str, Any]) -> None:
    """Change the texts and language; publishing is a separate, audited state change."""
    ensure_can_manage(actor, challenge)
    changed = {}
    for field in EDITABLE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        value = Language(value) if field == "language" else (value or "").strip()
        if getattr(challenge, field) != value:
            changed[field] = str(value)
            setattr(challenge, field, value)
    if changed:
        record_event(actor, "challenge.updated", challenge, challenge=challenge,
                     details={"fields": sorted(changed)})
    if "is_published" in data and bool(data["is_published"]) != challenge.is_published:
        set_published(actor, challenge, bool(data["is_published"]))


def set_published(actor: User, challenge: Challenge, published: bool) -> None:
    ensure_can_manage(actor, challenge)
    old = "published" if challenge.is_published else "unpublished"
    challenge.is_published = published
    new = "published" if published else "unpublished"
    record_event(actor, "challenge.published" if published else "challenge.unpublished",
                 challenge, challenge=challenge, old=old, new=new, public=published)


def set_card_image(actor: User, challenge: Challenge, upload: FileStorage | None,
                   alt_text: str) -> None:
    """Give the challenge's card on the start page a picture, or a new text alternative.

    The picture goes through the photo pipeline (checked, turned upright, stripped of its
    metadata, re-encoded); the text alternative is required. Without a new file only the text
    changes. The files of an earlier picture stay, as with prototype versions: a page cached
    before the change may still show it.
    """
    ensure_can_manage(actor, challenge)
    alt = " ".join((alt_text or "").split())
    chosen = upload is not None and bool(upload.filename)
    if not chosen and challenge.image_key is None:
        raise ChallengeError(_("Choose a picture."), "image")
    if not alt:
        raise ChallengeError(_("Say in a few words what the picture shows, for people who "
                               "cannot see it."), "image_alt")
    if len(alt) > MAX_IMAGE_ALT:
        raise ChallengeError(_("Use at most %(num)s characters.", num=MAX_IMAGE_ALT), "image_alt")
    old = "picture" if challenge.image_key else None
    if chosen:
        assert upload is not None
        max_bytes = current_app.config["IDEATION_MAX_UPLOAD_MB"] * 1024 * 1024
        try:
            image = process_image(upload.stream, max_bytes=max_bytes)
        except ImageRejected as rejected:
            raise ChallengeError(str(rejected.message), "image") from rejected
        challenge.image_key = uploads_store().save(image)
        challenge.image_width, challenge.image_height = image.thumb_width, image.thumb_height
    challenge.image_alt = alt
    record_event(actor, "challenge.image_changed" if chosen else "challenge.image_described",
                 challenge, challenge=challenge, old=old, new="picture")


def remove_card_image(actor: User, challenge: Challenge) -> None:
    """The card goes back to showing no picture."""
    ensure_can_manage(actor, challenge)
    if challenge.image_key is None:
        raise ChallengeError(_("This challenge has no picture."))
    challenge.image_key = challenge.image_alt = None
    challenge.image_width = challenge.image_height = None
    record_event(actor, "challenge.image_removed", challenge, challenge=challenge,
                 old="picture", new=None)


PhaseDates = Mapping[PhaseKind, tuple[date | None, date | None]]


def set_phase_dates(actor: User | None, challenge: Challenge, dates: PhaseDates) -> list[str]:
    """Plan the phases. Each planned phase needs both dates; phases follow each other in order.

    Returns the list of error messages (empty when saved). Each changed phase is audited for
    the core team's log ("phase.planned", with its old and new dates); the public timeline gets
    one "phases.planned" event per re-planning, listing the phases that changed.
    """
    if actor is not None:
        ensure_can_manage(actor, challenge)
    # Phases left out keep their dates, so the plan is checked as it will be saved.
    planned = {p.kind: dates.get(p.kind, (p.starts_on, p.ends_on)) for p in challenge.phases}
    errors = validate_phase_dates(planned)
    if errors:
        return errors
    changed = []
    for phase in challenge.phases:
        start, end = dates.get(phase.kind, (phase.starts_on, phase.ends_on))
        if (start, end) == (phase.starts_on, phase.ends_on):
            continue
        old = _span(phase.starts_on, phase.ends_on)
        phase.starts_on, phase.ends_on = start, end
        record_event(actor, "phase.planned", phase, challenge=challenge, old=old,
                     new=_span(start, end), details={"phase": phase.kind.value})
        changed.append({"phase": phase.kind.value, "span": _span(start, end)})
    if changed:
        record_event(actor, "phases.planned", challenge, challenge=challenge,
                     public=challenge.is_published, details={"phases": changed})
    return []


def _span(start: date | None, end: date | None) -> str | None:
    if start is None and end is None:
        return None
    return f"{start.isoformat() if start else ''}/{end.isoformat() if end else ''}"


def validate_phase_dates(dates: PhaseDates) -> list[str]:
    errors: list[str] = []
    previous: tuple[PhaseKind, date] | None = None
    for kind in PhaseKind:
        start, end = dates.get(kind, (None, None))
        label = kind.label
        if (start is None) != (end is None):
            errors.append(_("%(phase)s: fill in both a start and an end date.", phase=label))
            continue
        if start is None or end is None:
            continue
        if start > end:
            errors.append(_("%(phase)s: the end date is before the start date.", phase=label))
            continue
        if previous is not None and start <= previous[1]:
            errors.append(_("%(phase)s must start after %(previous)s ends.", phase=label,
                            previous=previous[0].label))
        previous = (kind, end)
    return errors


def add_theme(actor: User | None, challenge: Challenge, name: str, description: str = "") -> Theme:
    if actor is not None:
        ensure_can_manage(actor, challenge)
    name = name.strip()
    if any(t.name.lower() == name.lower() for t in challenge.themes):
        raise ChallengeError(_("This challenge already has a theme with this name."), "name")
    theme = Theme(name=name, description=(description or "").strip(),
                  position=len(challenge.themes))
    challenge.themes.append(theme)
    record_event(actor, "theme.created", theme, challenge=challenge, new=name)
    return theme


def remove_theme(actor: User, theme: Theme) -> None:
    challenge = theme.challenge
    ensure_can_manage(actor, challenge)
    for check in THEME_REMOVAL_CHECKS:
        message = check(theme)
        if message:
            raise ChallengeError(message, "name")
    record_event(actor, "theme.removed", theme, challenge=challenge, old=theme.name)
    challenge.themes.remove(theme)
    for position, remaining in enumerate(challenge.themes):
        remaining.position = position


# Features that refer to themes (ideas) register a check that refuses removal while in use.
THEME_REMOVAL_CHECKS: list[Callable[[Theme], str | None]] = []


@dataclass(frozen=True)
class FunnelStage:
    key: str
    label: LazyString
    count: int


# The funnel's stages in the order of the method; features register a counter for their key.
FUNNEL_ORDER = ("ideas", "clusters", "concepts", "prototypes", "validated", "actions_started",
                "actions_done")
FUNNEL_STAGES: dict[str, tuple[LazyString, Callable[[Challenge], int]]] = {}


def register_funnel_stage(key: str, label: LazyString,
                          counter: Callable[[Challenge], int]) -> None:
    """Counters must count public things only: the funnel is shown to everyone."""
    if key not in FUNNEL_ORDER:
        raise ValueError(f"unknown funnel stage {key!r}; add it to FUNNEL_ORDER")
    FUNNEL_STAGES.setdefault(key, (label, counter))


def progress_funnel(challenge: Challenge) -> list[FunnelStage]:
    """Live counts from ideas to validated prototypes, as far as those features exist."""
    return [FunnelStage(key, FUNNEL_STAGES[key][0], FUNNEL_STAGES[key][1](challenge))
            for key in FUNNEL_ORDER if key in FUNNEL_STAGES]
