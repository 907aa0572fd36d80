"""Fixtures for the ideas feature: quick users, a challenge in its dream phase, photos."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PIL import ExifTags, Image
from sqlalchemy import event
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from ideation.accounts.models import MembershipRole, User
from ideation.accounts.services import set_membership
from ideation.challenges.models import Challenge
from ideation.extensions import db
from ideation.ideas import submitting
from ideation.ideas.models import Idea
from tests import factories

_counter = itertools.count(1)
# A cheap hash for tests that log many people in; check_password reads the method from it.
_QUICK_HASH = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1000")


def quick_user(role: str = "citizen", challenge: Challenge | None = None,
               name: str | None = None) -> User:
    """Like factories.make_user, without the deliberately slow password hash."""
    n = next(_counter)
    user = User(email=f"{role}-{n}@example.org", name=name or f"{role.title()} {n}",
                password_hash=_QUICK_HASH, is_admin=(role == "admin"))
    db.session.add(user)
    db.session.flush()
    if role in ("core_team", "stakeholder"):
        assert challenge is not None
        set_membership(None, challenge, user, MembershipRole(role))
    db.session.commit()
    db.session.refresh(user)
    return user


def jpeg_bytes(size: tuple[int, int] = (64, 48), *, exif: Image.Exif | None = None) -> bytes:
    buf = io.BytesIO()
    params = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (200, 40, 40)).save(buf, "JPEG", **params)
    return buf.getvalue()


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 5.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 40.1)
    return exif


def photo(data: bytes | None = None, name: str = "photo.jpg") -> FileStorage:
    return FileStorage(io.BytesIO(data if data is not None else jpeg_bytes()), filename=name)


def make_idea(author: User, challenge: Challenge, *, photos: int = 0, **data: object) -> Idea:
    """An idea sent in through the service, committed."""
    values = {"title": "Eén loket voor alle hulp", "description": "Alles op één plek.",
              "consent": True, **data}
    idea = submitting.submit_idea(author, challenge, values, [photo() for _ in range(photos)])
    db.session.commit()
    return idea


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """Collect every SQL statement sent to the database inside the block."""
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


@pytest.fixture
def english(client):
    """Pages in English, so tests can compare with the English message ids."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def challenge(app) -> Challenge:
    return factories.make_challenge(slug="scheiden")


@pytest.fixture
def author(app) -> User:
    return quick_user("citizen", name="Anna Auteur")


@pytest.fixture
def other(app) -> User:
    return quick_user("citizen", name="Otto Ander")


@pytest.fixture
def core(challenge) -> User:
    return quick_user("core_team", challenge, name="Karin Kernteam")
