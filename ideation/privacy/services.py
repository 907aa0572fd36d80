"""The privacy statement and consent.

The statement in force is the newest ``PrivacyStatement`` row; without one, the built-in text
(version 0) below, written for a municipality running a challenge. A consent stores the version
the person agreed to and when, so it is known later what exactly they were told.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from ideation.accounts.models import User
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.permissions import ensure_admin
from ideation.extensions import db
from ideation.privacy.models import MAX_RETENTION_MONTHS, Consent, PrivacySettings, PrivacyStatement

MAX_STATEMENT = 20_000


class PrivacyError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def default_statement() -> str:
    """The built-in statement, in the current language (version 0)."""
    return "\n\n".join([
        _("What we store. Your name, your e-mail address and your password (scrambled, so "
          "nobody can read it). The ideas, photos and responses you send in, the ideas you "
          "support, the reports you make, your answers in validation rounds, your "
          "notifications and when you agreed to this statement."),
        _("Why. To run the challenge: to show your ideas, to let the core team group them "
          "and turn them into prototypes, and to tell you what became of them. We do not "
          "use your data for anything else and we do not sell it."),
        _("Who sees it. Everyone sees published ideas and responses, with your name shown "
          "as the challenge says (full name, first name, a name you chose, or no name). The "
          "core team of a challenge sees who sent in what. Nobody else sees your e-mail "
          "address. Photos are stored without their hidden data (such as the place)."),
        _("How long. Until you delete your account, or until the retention period that the "
          "administrator set has passed after the challenge closed. After that, ideas stay "
          "without any name."),
        _("Your rights. On your account page you can download all your data, change your "
          "details and delete your account. You choose whether your ideas are removed too, "
          "or stay as \"deleted participant\". Questions? Contact the organisation that runs "
          "the challenge."),
    ])


def current_statement() -> PrivacyStatement | None:
    return db.session.scalar(
        select(PrivacyStatement).order_by(PrivacyStatement.version.desc()).limit(1))


def privacy_version() -> int:
    statement = current_statement()
    return statement.version if statement is not None else 0


def statement_text(language: str) -> str:
    """The statement in force, in ``language`` (nl or en)."""
    statement = current_statement()
    if statement is None:
        with force_locale(language):
            return default_statement()
    return statement.body_en if language == "en" else statement.body_nl


def set_statement(actor: User, body_nl: str, body_en: str) -> PrivacyStatement:
    """An admin publishes a new version of the statement."""
    ensure_admin(actor)
    body_nl, body_en = body_nl.strip(), body_en.strip()
    if not body_nl:
        raise PrivacyError(_("Write the statement in Dutch."), "body_nl")
    if not body_en:
        raise PrivacyError(_("Write the statement in English."), "body_en")
    if len(body_nl) > MAX_STATEMENT or len(body_en) > MAX_STATEMENT:
        raise PrivacyError(_("The statement is too long."), "body_nl")
    newest = db.session.scalar(select(func.max(PrivacyStatement.version))) or 0
    statement = PrivacyStatement(version=newest + 1, body_nl=body_nl, body_en=body_en,
                                 created_by_id=actor.id)
    db.session.add(statement)
    record_event(actor, "privacy_statement.published", statement, new=statement.version)
    return statement


def record_consent(user: User) -> Consent:
    """``user`` agreed to the statement in force now."""
    consent = Consent(user_id=user.id, kind="privacy", statement_version=privacy_version())
    db.session.add(consent)
    return consent


def retention_months() -> int | None:
    settings = db.session.get(PrivacySettings, 1)
    return settings.retention_months if settings is not None else None


def set_retention(actor: User, months: int | None) -> None:
    """An admin sets (or clears, with None) the retention period."""
    ensure_admin(actor)
    if months is not None and not 1 <= months <= MAX_RETENTION_MONTHS:
        raise PrivacyError(_("Choose a number from 1 to %(max)s.", max=MAX_RETENTION_MONTHS),
                           "retention_months")
    settings = db.session.get(PrivacySettings, 1) or PrivacySettings(id=1)
    old = settings.retention_months
    settings.retention_months = months
    settings.updated_dt = utcnow()
    db.session.add(settings)
    if old != months:
        record_event(actor, "privacy.retention_set", settings, old=old, new=months)


TABLE_LABELS = {
    "users": _l("Your account"),
    "memberships": _l("Your roles in challenges"),
    "ideas": _l("Your ideas"),
    "idea_images": _l("The photos of your ideas"),
    "comments": _l("Your responses"),
    "supports": _l("Ideas you support"),
    "reports": _l("Your reports to the core team"),
    "notifications": _l("Your notifications"),
    "notification_preferences": _l("Your e-mail choices"),
    "consents": _l("Your consent to the privacy statement"),
    "invitations": _l("Your invitations to validation rounds"),
    "responses": _l("Your responses to validation rounds"),
    "answers": _l("Your answers in validation rounds"),
    "role_invitations": _l("Invitations into a role"),
    "outgoing_mail": _l("E-mails we sent you"),
    "audit_events": _l("What you did, from the log"),
    "concept_scores": _l("Your scores of concepts"),
}


def table_labels() -> dict[str, str]:
    """A heading per table for the readable download; other tables show their own name."""
    return {name: str(label) for name, label in TABLE_LABELS.items()}
