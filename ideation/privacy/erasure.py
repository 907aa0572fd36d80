"""Deleting an account, anonymising a closed challenge, and the retention period.

Deleting is done with explicit statements, not left to ``ON DELETE`` (SQLite does not enforce
foreign keys here), and it is found from the schema: every column that points at the person is
emptied (when it may be empty) or its row deleted, so a table added later is covered without
anyone remembering it. Besides those: stakeholder invitations and role invitations to the
address, the outbox (messages to the address, and the name or address in other messages),
the audit log's free text, the search index and the photo files.

The person chooses what happens to what they wrote: removed with them, or kept under
"deleted participant" (no link to anyone).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import String, cast, delete, func, literal, or_, select, update

from ideation.accounts.models import Membership, RoleInvitation, User
from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.phases import is_closed, today
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.mail import outbox_folder
from ideation.core.models import AuditEvent, OutgoingMail
from ideation.core.permissions import PermissionDenied, ensure_admin
from ideation.extensions import db
from ideation.ideas.commenting import count_public_comments
from ideation.ideas.models import Comment, Idea, IdeaImage, Support
from ideation.ideas.photos import image_store
from ideation.ideas.supporting import count_supporters
from ideation.notifications.models import Notification
from ideation.privacy.export import user_columns
from ideation.search.models import SearchJob
from ideation.search.services import queue_ideas
from ideation.validation.models import Answer, Invitation, Round


@dataclass
class Erasure:
    """What a deletion left to do after the commit: files and search entries."""

    image_keys: list[str] = field(default_factory=list)
    unindexed: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def finish_in_background(self):  # noqa: ANN201 - a callable for call_on_close
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def run() -> None:
            with app.app_context():
                self.finish()
        return run

    def finish(self) -> None:
        """After the commit: remove the photo files and the search entries (never raises)."""
        store = image_store()
        for key in self.image_keys:
            try:
                store.delete(key)
            except (OSError, ValueError):
                current_app.logger.exception("could not remove photo %s", key)
        from ideation.search.services import apply_pending, purge_ideas

        try:
            apply_pending()  # the ideas whose responses went: their new text first
            for challenge_id, idea_ids in self.unindexed.items():
                purge_ideas(challenge_id, idea_ids)
        except Exception:  # noqa: BLE001 - the rows are gone; a rebuild drops them too
            db.session.rollback()
            current_app.logger.exception("could not purge the search index")


def _placeholder_address():  # noqa: ANN202 - an SQL expression
    """An address nobody has, unique per invitation (the round's addresses are unique)."""
    return literal("deleted-", String) + cast(Invitation.id, String) + literal("@invalid", String)


def _deleted_label() -> str:
    from flask_babel import force_locale
    from flask_babel import gettext as _

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _("Deleted participant")


def _scrub_text(column, needles: list[str], replacement: str) -> None:  # noqa: ANN001
    """Replace every needle in a text column of every row that holds it."""
    for needle in needles:
        if not needle:
            continue
        db.session.execute(
            update(column.table).where(column.contains(needle, autoescape=True))
            .values({column.name: func.replace(column, needle, replacement)})
            .execution_options(synchronize_session=False))


def _scrub_mentions(needles: list[str], replacement: str) -> list[int]:
    """Take the person's address and full name out of what others wrote about them (ideas,
    responses, answers); returns the ideas whose search entries must be written again."""
    needles = [needle for needle in needles if needle]
    if not needles:
        return []
    idea_ids = set(db.session.scalars(select(Idea.id).where(
        or_(*(or_(Idea.title.contains(n, autoescape=True),
                  Idea.description.contains(n, autoescape=True)) for n in needles)))))
    idea_ids |= set(db.session.scalars(select(Comment.idea_id).where(
        or_(*(Comment.body.contains(n, autoescape=True) for n in needles)))))
    for column in (Idea.title, Idea.description, Comment.body, Answer.text):
        _scrub_text(column, needles, replacement)
    return sorted(idea_ids)


def _remove_outbox_files(address: str) -> None:
    folder = outbox_folder()
    if not folder.exists():
        return
    needle = address.encode()
    for path in folder.glob("*.eml"):
        try:
            if needle in path.read_bytes().lower():
                path.unlink()
        except OSError:
            current_app.logger.exception("could not check %s", Path(path).name)


def delete_account(actor: User, user: User, *, keep_contributions: bool,
                   reason: str | None = None) -> Erasure:
    """Delete ``user`` (by themselves, or by an admin giving a ``reason``) everywhere. Returns
    what to finish after the commit (``Erasure.finish``)."""
    by_admin = actor.id != user.id
    if by_admin:
        ensure_admin(actor)
    erasure = Erasure()
    address, name = user.email, user.name
    label = _deleted_label()
    own_ideas = list(db.session.execute(
        select(Idea.id, Idea.challenge_id).where(Idea.author_id == user.id)))
    own_comments = list(db.session.execute(
        select(Comment.id, Comment.idea_id).where(Comment.author_id == user.id)))
    supported = list(db.session.scalars(select(Support.idea_id).where(Support.user_id == user.id)))
    touched = {idea_id for _c, idea_id in own_comments} | set(supported)

    stakeholder = or_(Invitation.user_id == user.id, Invitation.email == address)
    if keep_contributions:
        db.session.execute(update(Invitation).where(stakeholder).values(
            email=_placeholder_address(), name="", user_id=None
        ).execution_options(synchronize_session=False))
        queue_ideas(sorted({idea_id for idea_id, _ch in own_ideas} | touched))
    else:
        idea_ids = [idea_id for idea_id, _ch in own_ideas]
        erasure.image_keys = list(db.session.scalars(
            select(IdeaImage.storage_key).where(IdeaImage.idea_id.in_(idea_ids))))
        for idea_id, challenge_id in own_ideas:
            erasure.unindexed[challenge_id].append(idea_id)
        _delete_comments([c for c, _i in own_comments])
        _delete_ideas(idea_ids)
        _delete_invitations(stakeholder)
        touched -= set(idea_ids)
        queue_ideas(sorted(touched))
        # Their responses on other ideas leave those ideas' index entries too.
        for challenge_id in set(db.session.scalars(
                select(Idea.challenge_id).where(Idea.id.in_(touched)))):
            erasure.unindexed[challenge_id]  # noqa: B018 - merge that index as well
    db.session.execute(delete(RoleInvitation).where(RoleInvitation.email == address)
                       .execution_options(synchronize_session=False))
    _clear_user_columns(user.id)
    db.session.flush()
    _recount(touched)
    db.session.execute(delete(OutgoingMail).where(
        or_(OutgoingMail.to_address == address, OutgoingMail.to_address == user.pending_email))
        .execution_options(synchronize_session=False))
    # The event names the account by its number only (and the admin who deleted it, if any);
    # the scrub below also takes the person's name out of the admin's reason.
    record_event(actor if by_admin else None, "user.deleted", user, reason=reason, details={
        "contributions": "kept" if keep_contributions else "removed",
        "by": "admin" if by_admin else "self"})
    db.session.flush()
    # A short name ("Jan") would also match inside other words; the address always counts.
    needles = [address, name if len(name) >= 4 else ""]
    for column in (OutgoingMail.subject, OutgoingMail.body_text, OutgoingMail.body_html,
                   AuditEvent.reason):
        _scrub_text(column, needles, label)
    # Only a full name ("Eva Zoekmans") is taken out of others' words; a first name alone
    # could be anyone.
    mentioned = _scrub_mentions([address, name if " " in name.strip() else ""], label)
    queue_ideas(mentioned)
    _remove_outbox_files(address)
    user_id = user.id
    db.session.expunge(user)
    db.session.execute(delete(User).where(User.id == user_id)
                       .execution_options(synchronize_session=False))
    return erasure


def _clear_user_columns(user_id: int) -> None:
    """Every other column that points at the person: emptied, or its row deleted."""
    for table in db.metadata.sorted_tables:
        if table.name == "users":
            continue
        for column in user_columns(table):
            condition = column == user_id
            if column.nullable:
                db.session.execute(update(table).where(condition).values({column.name: None})
                                   .execution_options(synchronize_session=False))
            else:
                db.session.execute(delete(table).where(condition)
                                   .execution_options(synchronize_session=False))


def _delete_comments(comment_ids: list[int]) -> None:
    if not comment_ids:
        return
    replies = select(Comment.id).where(Comment.parent_id.in_(comment_ids))
    from ideation.moderation.models import Report

    everything = [*comment_ids, *db.session.scalars(replies)]
    db.session.execute(delete(Report).where(Report.comment_id.in_(everything))
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Comment).where(Comment.id.in_(everything))
                       .execution_options(synchronize_session=False))


def _delete_ideas(idea_ids: list[int]) -> None:
    """Ideas and everything that hangs on them (SQLite enforces no ON DELETE here)."""
    if not idea_ids:
        return
    from ideation.moderation.models import Report

    comments = select(Comment.id).where(Comment.idea_id.in_(idea_ids))
    for statement in (
        delete(Report).where(or_(Report.idea_id.in_(idea_ids), Report.comment_id.in_(comments))),
        update(Comment).where(Comment.idea_id.in_(idea_ids)).values(parent_id=None),
        delete(Comment).where(Comment.idea_id.in_(idea_ids)),
        delete(Support).where(Support.idea_id.in_(idea_ids)),
        delete(IdeaImage).where(IdeaImage.idea_id.in_(idea_ids)),
        delete(SearchJob).where(SearchJob.idea_id.in_(idea_ids)),
        update(Idea).where(Idea.built_on_id.in_(idea_ids)).values(built_on_id=None),
        update(Idea).where(Idea.merged_into_id.in_(idea_ids)).values(merged_into_id=None),
        delete(Idea).where(Idea.id.in_(idea_ids)),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))


def _delete_invitations(condition) -> None:  # noqa: ANN001
    from ideation.validation.models import Answer, Response

    invitations = select(Invitation.id).where(condition)
    responses = select(Response.id).where(Response.invitation_id.in_(invitations))
    for statement in (delete(Answer).where(Answer.response_id.in_(responses)),
                      delete(Response).where(Response.id.in_(responses)),
                      delete(Invitation).where(Invitation.id.in_(invitations))):
        db.session.execute(statement.execution_options(synchronize_session=False))


def _recount(idea_ids: set[int]) -> None:
    for idea in db.session.scalars(select(Idea).where(Idea.id.in_(idea_ids))):
        idea.comment_count = count_public_comments(idea)
        idea.support_count = count_supporters(idea)


# --- anonymising a challenge ------------------------------------------------------------------


def anonymise_challenge(actor: User | None, challenge: Challenge) -> int:
    """Keep a closed challenge's content and remove every person from it: authors,
    supporters, reporters, stakeholders' addresses, notifications. Admins only (None: the
    retention run). Returns the number of ideas it touched."""
    if actor is not None:
        ensure_admin(actor)
    if not is_closed(challenge):
        raise PermissionDenied()
    ideas = select(Idea.id).where(Idea.challenge_id == challenge.id)
    rounds = select(Round.id).where(Round.challenge_id == challenge.id)
    count = db.session.scalar(select(func.count(Idea.id)).where(
        Idea.challenge_id == challenge.id)) or 0
    from ideation.moderation.models import Report

    for statement in (
        update(Idea).where(Idea.challenge_id == challenge.id)
        .values(author_id=None, imported_author=None),
        update(Comment).where(Comment.idea_id.in_(ideas)).values(author_id=None),
        delete(Support).where(Support.idea_id.in_(ideas)),  # the counts stay on the ideas
        update(Report).where(Report.challenge_id == challenge.id)
        .values(reporter_id=None, resolved_by_id=None),
        update(Invitation).where(Invitation.round_id.in_(rounds)).values(
            email=_placeholder_address(), name="", user_id=None),
        delete(Notification).where(Notification.challenge_id == challenge.id),
        delete(RoleInvitation).where(RoleInvitation.challenge_id == challenge.id),
        update(AuditEvent).where(AuditEvent.challenge_id == challenge.id)
        .values(actor_id=None),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    challenge.anonymised_dt = utcnow()
    record_event(actor, "challenge.anonymised", challenge, challenge=challenge,
                 new="anonymised", details={"ideas": count})
    return count


# --- retention --------------------------------------------------------------------------------


@dataclass
class RetentionRun:
    challenges: int = 0
    accounts: int = 0
    erasures: list[Erasure] = field(default_factory=list)


def _closed_on(challenge: Challenge):  # noqa: ANN202 - a date or None
    try:
        return challenge.phase(PhaseKind.agenda).ends_on
    except LookupError:
        return None


def apply_retention(months: int | None, *, limit: int = 500) -> RetentionRun:
    """Anonymise challenges closed longer than ``months`` ago and delete accounts unused that
    long (not admins, not in any team), keeping their contributions without a name. None:
    nothing to do. The caller commits, then finishes each erasure."""
    run = RetentionRun()
    if not months:
        return run
    cutoff = today() - timedelta(days=round(months * 30.44))
    for challenge in db.session.scalars(select(Challenge).where(
            Challenge.anonymised_dt.is_(None)).order_by(Challenge.id)):
        closed_on = _closed_on(challenge)
        if closed_on is not None and closed_on < cutoff and is_closed(challenge):
            anonymise_challenge(None, challenge)
            run.challenges += 1
    moment = utcnow() - timedelta(days=round(months * 30.44))
    in_team = select(Membership.user_id)
    stale = db.session.scalars(
        select(User).where(User.is_admin.is_(False), User.id.not_in(in_team),
                           func.coalesce(User.last_login_dt, User.created_dt) < moment)
        .order_by(User.id).limit(limit)).all()
    for user in stale:
        run.erasures.append(delete_account(user, user, keep_contributions=True))
        run.accounts += 1
    return run


def run_retention() -> RetentionRun:
    """Apply the retention period now: commit, then remove files and index entries."""
    from ideation.privacy.services import retention_months

    run = apply_retention(retention_months())
    db.session.commit()
    for done in run.erasures:
        done.finish()
    return run
