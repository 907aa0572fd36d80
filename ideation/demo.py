"""The demo challenge, in the style of Scheiden zonder Schade. Texts are our own.

Loading is idempotent: what exists is kept. Demo passwords are generated on first load and kept
in the instance folder (never in the repository), so every run can print how to log in.
"""

from __future__ import annotations

import io
import json
import os
import random
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from ideation.accounts.models import MembershipRole, User
from ideation.accounts.services import create_user, find_user_by_email, set_membership
from ideation.challenges import services as challenges
from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.phases import today
from ideation.extensions import db

SLUG = "scheiden-zonder-schade"

CHALLENGE = {
    "slug": SLUG,
    "title": "Scheiden zonder schade",
    "question": "Hoe zorgen we dat kinderen zo min mogelijk last hebben van de scheiding van "
                "hun ouders?",
    "description": (
        "Elk jaar maken ongeveer zeventigduizend kinderen mee dat hun ouders uit elkaar gaan. "
        "Voor de meeste kinderen gaat dat redelijk goed. Maar voor een flinke groep wordt de "
        "scheiding een lange strijd, met stress, ruzie en soms geen contact meer met een ouder.\n\n"
        "Wij willen dat veranderen, samen met ouders, kinderen, advocaten, mediators, "
        "gemeenten en hulpverleners. Daarom vragen we jou: wat zou helpen? Denk groot. "
        "Een klein idee is ook welkom.\n\n"
        "Het kernteam bundelt de ideeën tot thema's. Met de beste ideeën maken we concepten en "
        "prototypes, die we samen met ouders en professionals testen. Alles komt samen in een "
        "Agenda voor Actie. Op deze pagina zie je steeds hoe ver we zijn."
    ),
    "language": "nl",
    "is_published": True,
}

THEMES = [
    ("Eerste hulp bij scheiden", "Waar vind je hulp en informatie als het net misgaat?"),
    ("Kinderen centraal", "Hoe horen we wat kinderen zelf nodig hebben?"),
    ("Minder juridische strijd", "Hoe voorkomen we dat ouders tegenover elkaar komen te staan?"),
    ("Samen ouder blijven", "Goede afspraken over zorg, contact en opvoeding."),
    ("Geld en wonen", "Twee huizen, één inkomen minder: wat maakt het haalbaar?"),
]

# (phase, days from today to start, length in days): the demo is in its dream phase.
PLAN = [
    (PhaseKind.dream, -21, 49),
    (PhaseKind.realistic, 28, 35),
    (PhaseKind.prototype, 63, 56),
    (PhaseKind.validate, 119, 42),
    (PhaseKind.agenda, 161, 28),
]

ACCOUNTS = [
    ("beheerder@example.org", "Bea Beheerder", "admin"),
    ("kernteam@example.org", "Kees Kernteam", "core_team"),
    ("belanghebbende@example.org", "Bo Belanghebbende", "stakeholder"),
    ("burger@example.org", "Bram Burger", "citizen"),
]


def _credentials_file() -> Path:
    return Path(current_app.instance_path) / "demo-accounts.json"


def _load_credentials() -> dict[str, str]:
    path = _credentials_file()
    return json.loads(path.read_text()) if path.exists() else {}


def _save_credentials(credentials: dict[str, str]) -> None:
    path = _credentials_file()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(credentials, handle, indent=2)


def _ensure_account(email: str, name: str, role: str, credentials: dict[str, str]) -> User:
    user = find_user_by_email(email)
    if user is None:
        credentials[email] = secrets.token_urlsafe(12)
        user = create_user(email, name, credentials[email], is_admin=(role == "admin"))
    elif email not in credentials:  # the file was lost: issue a fresh password
        credentials[email] = secrets.token_urlsafe(12)
        user.set_password(credentials[email])
    return user


def _ensure_challenge() -> Challenge:
    challenge = challenges.get_by_slug(SLUG)
    if challenge is not None:
        return challenge
    challenge = challenges.create_challenge(None, CHALLENGE)
    start = today()
    dates = {kind: (start + timedelta(days=offset), start + timedelta(days=offset + length - 1))
             for kind, offset, length in PLAN}
    challenges.set_phase_dates(None, challenge, dates)
    for name, description in THEMES:
        challenges.add_theme(None, challenge, name, description)
    return challenge


def _give_card_picture(team_member: User, challenge: Challenge) -> None:
    """The picture on the challenge's card, uploaded as the core team would."""
    from ideation.ideas.demo_content import sketch

    drawing = sketch("samen", random.Random(SLUG))  # noqa: S311 - a repeatable demo picture
    upload = FileStorage(io.BytesIO(drawing), filename="kaart.png", content_type="image/png")
    challenges.set_card_image(team_member, challenge, upload,
                              "Een tekening van een gezin dat samen een route uitstippelt")


# Later features (ideas, clusters, ...) add their demo content here.
DEMO_EXTENSIONS: list[Callable[[Challenge, dict[str, User]], None]] = []


def load_demo(*, if_empty: bool = False, echo: Callable[[str], None] = print) -> None:
    if if_empty and db.session.query(Challenge.id).first() is not None:
        echo("The database already has challenges; demo not loaded.")
        _print_accounts(echo)
        return
    challenge = _ensure_challenge()
    credentials = _load_credentials()
    users: dict[str, User] = {}
    for email, name, role in ACCOUNTS:
        users[role] = _ensure_account(email, name, role, credentials)
        if role in ("core_team", "stakeholder") and users[role].role_in(challenge) is None:
            set_membership(None, challenge, users[role], MembershipRole(role))
            db.session.flush()
            db.session.refresh(users[role])
    if challenge.image_key is None:
        _give_card_picture(users["core_team"], challenge)
    for extend in DEMO_EXTENSIONS:
        extend(challenge, users)
    db.session.commit()
    _save_credentials(credentials)
    echo(f"Demo challenge ready: /c/{SLUG}")
    _print_accounts(echo)


def _print_accounts(echo: Callable[[str], None]) -> None:
    credentials = _load_credentials()
    if not credentials:
        return
    echo("Log in at /login as:")
    for email, _name, role in ACCOUNTS:
        if email in credentials:
            echo(f"  {role:<12} {email:<28} password: {credentials[email]}")
