"""Moderation rules: reporting an item, and the core team's decisions on ideas, comments and
reports; plus the queue the core team works from.

Every function takes the acting user and plain data, checks the permission, changes the models,
writes an AuditEvent and flushes; the view commits. The core team changes an idea's or a
comment's status only through ``decide_on_idea`` and ``decide_on_comment``, so the rules of
what may be hidden, and with which reason, live in one place.

Decisions where the brief left room:

* Only published items can be reported: pending and hidden ones are already with the core team.
* A second open report by the same person on the same item is refused kindly; the first one
  is still waiting, and the core team sees it.
* A decision on an item (publish, hide, restore) resolves all its open reports. Dismissing a
  report dismisses every open report of that item: the core team judges the item, and one
  click should clear it from the queue.
* The reason a comment was hidden is read from its ``comment.hidden`` audit event; comments
  have no column for it (ideas do: ``hidden_reason``).
* The reported tab shows an item only while it is still public, so an item hidden elsewhere
  (the idea page) does not linger there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from flask_babel import gettext as _
from sqlalchemy import Select, func, literal_column, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, lazyload

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.models import AuditEvent
from ideation.core.pagination import Paginated
from ideation.core.permissions import PermissionDenied, ensure_can_manage
from ideation.core.signals import idea_moderated, report_made
from ideation.extensions import db
from ideation.ideas.commenting import count_public_comments
from ideation.ideas.errors import IdeaError
from ideation.ideas.models import Comment, CommentStatus, Idea, IdeaStatus
from ideation.ideas.visibility import visible_to
from ideation.moderation.models import REASON_MAX, Report, ReportStatus

PER_PAGE = 30
# The queue shows people's names only; their memberships load when someone asks.
_NAME_ONLY = (lazyload(User.memberships),)
TABS = ("pending", "reported", "hidden")
Tab = Literal["pending", "reported", "hidden"]

# action -> (the states it starts from, the state it leads to)
IDEA_ACTIONS = {
    "publish": ({IdeaStatus.pending}, IdeaStatus.published),
    "hide": ({IdeaStatus.published, IdeaStatus.pending}, IdeaStatus.hidden),
    "restore": ({IdeaStatus.hidden}, IdeaStatus.published),
}
COMMENT_ACTIONS = {
    "hide": ({CommentStatus.published}, CommentStatus.hidden),
    "restore": ({CommentStatus.hidden}, CommentStatus.published),
}


class ModerationError(IdeaError):
    """A rule was broken; ``field`` names the form field the message belongs to."""


class AlreadyReported(ModerationError):
    """The person has an open report on this item already."""


# --- reporting ------------------------------------------------------------------------------


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(_("Tell the core team what is wrong."), "reason")
    if len(reason) > REASON_MAX:
        raise ModerationError(_("Use at most 1000 characters."), "reason")
    return reason


def _open_report_exists(reporter: User, item: Idea | Comment) -> bool:
    column = Report.comment_id if isinstance(item, Comment) else Report.idea_id
    return db.session.scalar(
        select(Report.id).where(Report.reporter_id == reporter.id, column == item.id,
                                Report.status == ReportStatus.open)
    ) is not None


def check_can_report(reporter: User | None, item: Idea | Comment) -> None:
    """Refuse reporting what is not public (PermissionDenied), your own item, or twice.

    Views call it before showing the form, so nobody types a reason for nothing.
    """
    if reporter is None or not reporter.is_authenticated:
        raise PermissionDenied()
    idea = item.idea if isinstance(item, Comment) else item
    if idea.status is not IdeaStatus.published or not visible_to(reporter, idea):
        raise PermissionDenied()
    if isinstance(item, Comment):
        parent = item.parent
        if item.status is not CommentStatus.published or (
                parent is not None and parent.status is not CommentStatus.published):
            raise PermissionDenied()
    if item.author_id == reporter.id:
        raise ModerationError(_("You cannot report your own response.")
                              if isinstance(item, Comment)
                              else _("You cannot report your own idea."))
    if _open_report_exists(reporter, item):
        raise AlreadyReported(_("You have already reported this. "
                                "The core team will look at it."))


def _file_report(reporter: User, item: Idea | Comment, reason: str | None) -> Report:
    check_can_report(reporter, item)
    reason = _clean_reason(reason)
    comment = item if isinstance(item, Comment) else None
    idea = comment.idea if comment is not None else item
    report = Report(challenge_id=idea.challenge_id, reporter_id=reporter.id, reason=reason,
                    idea=None if comment is not None else idea, comment=comment)
    try:
        with db.session.begin_nested():  # a double click racing itself meets the unique index
            db.session.add(report)
    except IntegrityError:
        raise AlreadyReported(_("You have already reported this. "
                                "The core team will look at it.")) from None
    record_event(reporter, "report.created", report, challenge=idea.challenge,
                 new=ReportStatus.open, reason=reason,
                 details={f"{'comment' if comment else 'idea'}_id": item.id})
    report_made.send(report, actor=reporter)
    return report


def report_idea(reporter: User, idea: Idea, reason: str | None) -> Report:
    """Ask the core team to look at a published idea; not your own, once while it is open."""
    return _file_report(reporter, idea, reason)


def report_comment(reporter: User, comment: Comment, reason: str | None) -> Report:
    """Ask the core team to look at a public response; not your own, once while it is open."""
    return _file_report(reporter, comment, reason)


# --- decisions ------------------------------------------------------------------------------


def _close_reports(actor: User, challenge: Challenge, status: ReportStatus, note: str | None,
                   *, idea: Idea | None = None, comment: Comment | None = None) -> list[Report]:
    """Resolve or dismiss every open report of one item, each with its own audit event."""
    item = Report.idea_id == idea.id if idea is not None else (
        Report.comment_id == comment.id)  # type: ignore[union-attr]
    reports = db.session.scalars(
        select(Report).where(item, Report.status == ReportStatus.open).order_by(Report.id)
    ).all()
    now = utcnow()
    for report in reports:
        report.status, report.resolved_dt = status, now
        report.resolved_by_id, report.resolution_note = actor.id, note or None
        record_event(actor, f"report.{status.value}", report, challenge=challenge,
                     old=ReportStatus.open, new=status, reason=note or None)
    return list(reports)


def decide_on_idea(actor: User, idea: Idea, action: str, reason: str | None = None) -> None:
    """Publish a pending idea, hide one with a reason the author reads, or restore a hidden one.

    The one way an idea's status changes by the core team's hand (the queue and the idea page
    both call it). A decision resolves the idea's open reports. Repeating a decision (a double
    click) is quietly accepted.
    """
    ensure_can_manage(actor, idea.challenge)
    if action not in IDEA_ACTIONS:
        raise ModerationError(_("Choose publish, hide or restore."), "action")
    starts_from, target = IDEA_ACTIONS[action]
    if idea.status is target:
        return
    if idea.status not in starts_from:
        raise ModerationError(_("This is not possible for an idea with this status."), "action")
    reason = (reason or "").strip()
    if target is IdeaStatus.hidden and not reason:
        raise ModerationError(_("Tell the author why the idea is hidden."), "reason")
    old = idea.status
    idea.status = target
    idea.hidden_reason = reason if target is IdeaStatus.hidden else None
    record_event(actor, f"idea.{target.value}", idea, challenge=idea.challenge, old=old,
                 new=target, reason=reason or None)
    idea_moderated.send(idea, actor=actor, status=target, reason=reason or None)
    _close_reports(actor, idea.challenge, ReportStatus.resolved, idea.hidden_reason, idea=idea)


def decide_on_comment(actor: User, comment: Comment, action: str,
                      reason: str | None = None) -> None:
    """Hide a response with a reason its author reads, or restore it; resolves its reports.

    Replies under a hidden comment disappear from the public with it, so ``comment_count`` is
    counted again rather than decremented by one.
    """
    idea = comment.idea
    challenge = idea.challenge
    ensure_can_manage(actor, challenge)
    if action not in COMMENT_ACTIONS:
        raise ModerationError(_("Choose hide or restore."), "action")
    starts_from, target = COMMENT_ACTIONS[action]
    if comment.status is target:
        return
    if comment.status not in starts_from:
        raise ModerationError(_("This is not possible for a response with this status."),
                              "action")
    reason = (reason or "").strip()
    if target is CommentStatus.hidden and not reason:
        raise ModerationError(_("Tell the author why the response is hidden."), "reason")
    old = comment.status
    comment.status = target
    db.session.flush()
    idea.comment_count = count_public_comments(idea)
    record_event(actor, f"comment.{target.value}", comment, challenge=challenge, old=old,
                 new=target, reason=reason or None, details={"idea_id": idea.id})
    _close_reports(actor, challenge, ReportStatus.resolved,
                   reason if target is CommentStatus.hidden else None, comment=comment)


def dismiss_report(actor: User, report: Report, note: str | None = None) -> list[Report]:
    """Keep the item as it is: dismiss this report and the other open reports of its item."""
    ensure_can_manage(actor, report.challenge)
    if report.status is not ReportStatus.open:
        return []
    return _close_reports(actor, report.challenge, ReportStatus.dismissed,
                          (note or "").strip() or None,
                          idea=report.idea, comment=report.comment)


# --- the queue ------------------------------------------------------------------------------


@dataclass
class QueueEntry:
    """One item in the queue: an idea, or a comment with the idea it belongs to."""

    idea: Idea
    comment: Comment | None = None
    reports: list[Report] = field(default_factory=list)
    hidden_reason: str | None = None

    @property
    def kind(self) -> str:
        return "comment" if self.comment is not None else "idea"


@dataclass(frozen=True)
class Queue(Paginated):
    tab: str
    entries: list[QueueEntry]
    counts: dict[str, int]
    page: int
    per_page: int
    total: int


def _pending_query(challenge: Challenge) -> Select:
    return select(Idea).where(Idea.challenge_id == challenge.id,
                              Idea.status == IdeaStatus.pending)


def _reported_groups(challenge: Challenge) -> Select:
    """Open reports per item that is still public: item, number of reports, first report."""
    comment_idea = aliased(Idea)
    return (
        select(Report.idea_id, Report.comment_id, func.count(Report.id).label("n"),
               func.min(Report.created_dt).label("first_dt"))
        .outerjoin(Idea, Report.idea_id == Idea.id)
        .outerjoin(Comment, Report.comment_id == Comment.id)
        .outerjoin(comment_idea, Comment.idea_id == comment_idea.id)
        .where(Report.challenge_id == challenge.id, Report.status == ReportStatus.open,
               or_(Idea.status == IdeaStatus.published,
                   (Comment.status == CommentStatus.published)
                   & (comment_idea.status == IdeaStatus.published)))
        .group_by(Report.idea_id, Report.comment_id)
    )


def _hidden_items(challenge: Challenge) -> Select:
    ideas = select(literal_column("'idea'").label("kind"), Idea.id.label("id"),
                   Idea.created_dt.label("dt")).where(
        Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.hidden)
    comments = (select(literal_column("'comment'"), Comment.id, Comment.created_dt)
                .join(Idea, Comment.idea_id == Idea.id)
                .where(Idea.challenge_id == challenge.id,
                       Comment.status == CommentStatus.hidden))
    return union_all(ideas, comments)  # type: ignore[return-value]


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def tab_counts(challenge: Challenge) -> dict[str, int]:
    return {"pending": _count(_pending_query(challenge)),
            "reported": _count(_reported_groups(challenge)),
            "hidden": _count(_hidden_items(challenge))}  # type: ignore[arg-type]


def tab_with_work(counts: dict[str, int]) -> str:
    """The tab to open: reports first (something public may be wrong), then ideas waiting
    for a check; with nothing to do, the waiting tab."""
    return next((tab for tab in ("reported", "pending") if counts[tab]), "pending")


def waiting_count(actor: User | None, challenge: Challenge) -> int:
    """Pending ideas plus reported items: what the core team still has to look at."""
    ensure_can_manage(actor, challenge)
    return _count(_pending_query(challenge)) + _count(_reported_groups(challenge))


def hidden_comment_reasons(comment_ids: list[int]) -> dict[int, str]:
    """The reason each hidden comment was hidden, from its latest ``comment.hidden`` event."""
    if not comment_ids:
        return {}
    rows = db.session.execute(
        select(AuditEvent.object_id, AuditEvent.reason)
        .where(AuditEvent.object_type == Comment.__tablename__,
               AuditEvent.action == "comment.hidden", AuditEvent.object_id.in_(comment_ids))
        .order_by(AuditEvent.created_dt, AuditEvent.id)
    ).all()
    return {object_id: reason for object_id, reason in rows if reason}


def _comments_by_id(ids: list[int]) -> dict[int, Comment]:
    if not ids:
        return {}
    comments = db.session.scalars(
        select(Comment).where(Comment.id.in_(ids))
        .options(joinedload(Comment.author).options(*_NAME_ONLY), joinedload(Comment.idea))
    ).unique().all()
    return {c.id: c for c in comments}


def _ideas_by_id(ids: list[int]) -> dict[int, Idea]:
    if not ids:
        return {}
    ideas = db.session.scalars(
        select(Idea).where(Idea.id.in_(ids))
        .options(joinedload(Idea.author).options(*_NAME_ONLY))
    ).unique().all()
    return {i.id: i for i in ideas}


def _pending_entries(challenge: Challenge, limit: int, offset: int) -> list[QueueEntry]:
    ideas = db.session.scalars(
        _pending_query(challenge).options(joinedload(Idea.author).options(*_NAME_ONLY))
        .order_by(Idea.created_dt, Idea.id).limit(limit).offset(offset)
    ).unique().all()
    return [QueueEntry(idea) for idea in ideas]


def _reported_entries(challenge: Challenge, limit: int, offset: int) -> list[QueueEntry]:
    """Most reported first, then the longest waiting; all reports of the page in one query."""
    groups = db.session.execute(
        _reported_groups(challenge)
        .order_by(literal_column("n").desc(), literal_column("first_dt"),
                  Report.idea_id, Report.comment_id)
        .limit(limit).offset(offset)
    ).all()
    idea_ids = [g.idea_id for g in groups if g.idea_id is not None]
    comment_ids = [g.comment_id for g in groups if g.comment_id is not None]
    reports = db.session.scalars(
        select(Report)
        .where(Report.challenge_id == challenge.id, Report.status == ReportStatus.open,
               or_(Report.idea_id.in_(idea_ids), Report.comment_id.in_(comment_ids)))
        .options(joinedload(Report.reporter).options(*_NAME_ONLY))
        .order_by(Report.created_dt, Report.id)
    ).unique().all()
    comments = _comments_by_id(comment_ids)
    ideas = _ideas_by_id(idea_ids)
    entries: dict[tuple[int | None, int | None], QueueEntry] = {}
    for g in groups:
        if g.idea_id is not None:
            entries[(g.idea_id, None)] = QueueEntry(ideas[g.idea_id])
        else:
            comment = comments[g.comment_id]
            entries[(None, g.comment_id)] = QueueEntry(comment.idea, comment)
    for report in reports:
        entries[(report.idea_id, report.comment_id)].reports.append(report)
    return list(entries.values())


def _hidden_entries(challenge: Challenge, limit: int, offset: int) -> list[QueueEntry]:
    items = _hidden_items(challenge).subquery()
    rows = db.session.execute(
        select(items).order_by(items.c.dt.desc(), items.c.id.desc()).limit(limit).offset(offset)
    ).all()
    ideas = _ideas_by_id([row.id for row in rows if row.kind == "idea"])
    comment_ids = [row.id for row in rows if row.kind == "comment"]
    comments = _comments_by_id(comment_ids)
    reasons = hidden_comment_reasons(comment_ids)
    entries = []
    for row in rows:
        if row.kind == "idea":
            idea = ideas[row.id]
            entries.append(QueueEntry(idea, hidden_reason=idea.hidden_reason))
        else:
            comment = comments[row.id]
            entries.append(QueueEntry(comment.idea, comment, hidden_reason=reasons.get(row.id)))
    return entries


_ENTRIES = {"pending": _pending_entries, "reported": _reported_entries,
            "hidden": _hidden_entries}


def moderation_queue(actor: User | None, challenge: Challenge, tab: str | None = None,
                     page: int = 1, per_page: int = PER_PAGE) -> Queue:
    """One page of a queue tab, with the number of items on every tab (core team, admin).
    Without a (known) tab: the tab where work waits.

    The number of queries does not grow with the page: counts, one page query, and one query
    each for the reports, ideas and comments on it.
    """
    ensure_can_manage(actor, challenge)
    counts = tab_counts(challenge)
    tab = tab if tab in TABS else tab_with_work(counts)
    total = counts[tab]
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    entries = _ENTRIES[tab](challenge, per_page, (page - 1) * per_page) if total else []
    return Queue(tab, entries, counts, page, per_page, total)
