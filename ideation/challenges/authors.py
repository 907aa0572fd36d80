"""How authors are named: the one place every page, search result, export and API asks.

A challenge chooses, when it is made, how the public sees who wrote an idea or a response:
the full name, the first name and the initial of the last name, a pseudonym the person chose,
or no names at all. ``public_name`` applies that choice; ``author_label`` adds what the viewer
may see besides (the core team and the author themselves see the real name). Nothing else
reads ``User.name`` to show an author, so a new page or export cannot forget the setting.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _

from ideation.challenges.models import AuthorDisplay, Challenge
from ideation.core.permissions import can_manage

if TYPE_CHECKING:
    from ideation.accounts.models import User


def first_name_and_initial(name: str) -> str:
    """"Eva de Vries" -> "Eva V."; a single name stays as it is."""
    words = name.split()
    if len(words) < 2:
        return name.strip()
    return f"{words[0]} {words[-1][0].upper()}."


def default_pseudonym(user: User) -> str:
    """A stable stand-in until the person chooses a pseudonym: not their id (which would tell
    how many joined before them), but a number derived from it with the secret key."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"pseudonym:{user.id}".encode(),
                      hashlib.sha256).hexdigest()
    return _("Participant %(number)s", number=int(digest[:8], 16) % 9000 + 1000)


def public_name(challenge: Challenge, user: User | None) -> str:
    """How the public of ``challenge`` sees ``user`` as an author. None is a deleted account."""
    if user is None:
        return _("Deleted participant")
    display = challenge.author_display
    if display is AuthorDisplay.full_name:
        return user.name
    if display is AuthorDisplay.first_name:
        return first_name_and_initial(user.name)
    if display is AuthorDisplay.pseudonym:
        return user.pseudonym or default_pseudonym(user)
    return _("A participant")


@dataclass(frozen=True)
class AuthorLabel:
    shown: str  # what everyone sees
    private: str | None = None  # added for the core team and the author (the real name)


def author_label(viewer: User | None, challenge: Challenge, author: User | None, *,
                 anonymous: bool = False, imported_name: str | None = None,
                 imported: bool = False) -> AuthorLabel:
    """The author of an idea or response as ``viewer`` sees it."""
    if imported:  # brought in by the team from paper or a session: no account behind it
        if imported_name and challenge.author_display is AuthorDisplay.full_name:
            return AuthorLabel(imported_name)
        if imported_name and challenge.author_display is AuthorDisplay.first_name:
            return AuthorLabel(first_name_and_initial(imported_name))
        shown = _("Added from a session")
        private = imported_name if imported_name and can_manage(viewer, challenge) else None
        return AuthorLabel(shown, private)
    shown = _("Anonymous") if anonymous else public_name(challenge, author)
    sees_more = author is not None and (
        can_manage(viewer, challenge)
        or (viewer is not None and viewer.is_authenticated and viewer.id == author.id))
    private = author.name if sees_more and author.name != shown else None
    return AuthorLabel(shown, private)


def idea_author(viewer: User | None, idea) -> AuthorLabel:  # noqa: ANN001 - an Idea
    return author_label(viewer, idea.challenge, idea.author, anonymous=idea.is_anonymous,
                        imported_name=idea.imported_author,
                        imported=idea.source in ("import", "session"))


def comment_author(viewer: User | None, challenge: Challenge, item) -> AuthorLabel:  # noqa: ANN001
    return author_label(viewer, challenge, item.author)


def explain(challenge: Challenge, user: User | None) -> str:
    """For the submit form: how this person will be named here, before they send anything."""
    display = challenge.author_display
    if display is AuthorDisplay.no_names:
        return _("In this challenge no names are shown. Others do not see who sent in an idea.")
    name = public_name(challenge, user)
    if display is AuthorDisplay.pseudonym:
        return _("In this challenge others see the name you choose. Now: %(name)s.", name=name)
    return _("Others see your idea with this name: %(name)s.", name=name)
