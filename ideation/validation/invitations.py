"""Invitations to a validation round: personal token links, inviting one address, a pasted list
or a CSV file, revoking and re-issuing links, reminders, and the rounds a person is invited to.

Rules where the brief left room:

* A pasted list or file is checked as a whole first: one bad line stores nothing, and every
  bad line is reported with its number. An address already invited to the round is skipped,
  not refused; the same address twice in one list with the same group is skipped too, with
  another group it is refused (which group was meant cannot be guessed).
* The e-mail goes out only while the round is open; a draft round's invitations are sent by
  ``send_pending_invitations`` when it opens.
* Re-issuing a link gives a new token (the old link stops working) and lifts a revocation, so
  it is also the way to undo "revoke".
* Reminders go to sent, not revoked invitations without submitted answers, at most once per 24
  hours per invitation, and only while the round accepts answers.
* The audit log records counts per action, never addresses or tokens.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ideation.accounts.models import MembershipRole, User
from ideation.accounts.services import normalise_email
from ideation.challenges.phases import today
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.i18n import local_date
from ideation.core.mail import path_for, queue_mail, site_url
from ideation.core.pagination import Paginated
from ideation.core.signals import round_opened
from ideation.extensions import db
from ideation.validation.models import Invitation, Response, Round, RoundState, StakeholderGroup
from ideation.validation.services import effective_state, ensure_can_run, is_accepting_answers

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")
MAX_LINES = 1000
MAX_NAME = 100
REMINDER_INTERVAL = timedelta(hours=24)
PER_PAGE = 100
# Column names a CSV header may use (Dutch Excel users write the Dutch ones).
CSV_COLUMNS = {"email": "email", "e-mail": "email", "e-mailadres": "email",
               "emailadres": "email", "group": "group", "groep": "group",
               "name": "name", "naam": "name"}


class InvitationError(ValueError):
    """A rule was broken; ``field`` names the form field, ``problems`` the bad lines."""

    def __init__(self, message: str, field: str | None = None,
                 problems: Sequence[LineProblem] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.problems = list(problems)


@dataclass(frozen=True)
class Line:
    """One address to invite, as typed: its line number, address, group name and name."""

    number: int
    email: str
    group: str = ""
    name: str = ""
    extra: bool = False  # more values than address, group and name


@dataclass(frozen=True)
class LineProblem:
    number: int
    reason: str
    field: str = "email"  # "email", "group" or "name": the single-address form's field


@dataclass
class InviteResult:
    invited: list[Invitation] = field(default_factory=list)
    skipped: list[LineProblem] = field(default_factory=list)  # already invited
    sent: int = 0


@dataclass(frozen=True)
class ReminderResult:
    sent: int
    skipped: int  # reminded less than 24 hours ago
    stopped: int = 0  # asked for no more reminders


# --- tokens ----------------------------------------------------------------------------------


def token_for(invitation: Invitation) -> str:
    """The personal token: an HMAC of the secret key, the id and the nonce (43 characters).

    Recomputed, never stored: a reminder repeats the same link, and a copy of the database
    alone does not give anyone a working link.
    """
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"invitation:{invitation.id}:{invitation.token_nonce}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(invitation: Invitation) -> None:
    """Give a flushed invitation a fresh nonce: a new link, and the old one no longer works."""
    invitation.token_nonce = secrets.token_hex(16)
    invitation.token_hash = hash_token(token_for(invitation))


def find_invitation(round_id: int, token: str) -> Invitation | None:
    """The invitation of this token in round ``round_id``; None for any other token."""
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None or invitation.round_id != round_id:
        return None
    if not hmac.compare_digest(token_for(invitation), token):
        return None
    return invitation


def link_state(invitation: Invitation, on: date | None = None) -> str:
    """What a valid personal link leads to: "revoked", "closed", "not_open" or "open"."""
    if invitation.revoked_dt is not None:
        return "revoked"
    if effective_state(invitation.round, on) is RoundState.closed:
        return "closed"
    return "open" if is_accepting_answers(invitation.round, on) else "not_open"


def closed_on(round_: Round) -> date | datetime:
    """When the round stopped accepting answers: closed early by the team, or its last day."""
    closed = round_.closed_dt
    if round_.state is RoundState.closed and closed and closed.date() <= round_.closes_on:
        return closed
    return round_.closes_on


def link_for(invitation: Invitation) -> str:
    """The absolute personal link, for e-mails (works outside a request too)."""
    return site_url(path_for("validation.token_answer", round_id=invitation.round_id,
                             token=token_for(invitation)))


# --- checking what was typed -----------------------------------------------------------------


def parse_pasted(text: str) -> list[Line]:
    """One address a line: "address, group" or "address; group" (a tab works too), and
    optionally a name after the group. Empty lines are ignored."""
    lines = []
    for number, raw in enumerate((text or "").splitlines(), 1):
        if not raw.strip():
            continue
        parts = [part.strip() for part in re.split(r"[,;\t]", raw)]
        parts += [""] * (3 - len(parts))
        lines.append(Line(number, parts[0], parts[1], parts[2],
                          extra=any(parts[3:])))
    return lines


def parse_csv(data: bytes) -> list[Line]:
    """Rows of a CSV file with a header naming the columns email, group and (optional) name;
    comma or semicolon separated, UTF-8 with or without BOM."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvitationError(_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try "
                                "again."), "csv_file") from error
    if not text.strip() or "\x00" in text:
        raise InvitationError(_("The file is empty or is not a CSV file."), "csv_file")
    # Dutch Excel saves "CSV" with semicolons; the header line tells which one was used.
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [CSV_COLUMNS.get(name.strip().lower(), "") for name in next(reader)]
        if "email" not in header:
            raise InvitationError(_("The first line of the file must name the columns: "
                                    "email, group, name."), "csv_file")
        lines = []
        for values in reader:
            row = dict(zip(header, values, strict=False))
            if not any(value.strip() for value in values):
                continue
            lines.append(Line(reader.line_num, row.get("email", "").strip(),
                              row.get("group", "").strip(), row.get("name", "").strip(),
                              extra=any(value.strip() for value in values[len(header):])))
    except csv.Error as error:
        raise InvitationError(_("Line %(line)s of the file cannot be read.",
                                line=reader.line_num), "csv_file") from error
    return lines


def _clean_email(raw: str) -> str | None:
    try:
        return normalise_email(validate_email(raw, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def _find_group(groups: Sequence[StakeholderGroup], name: str) -> StakeholderGroup | None | str:
    """The group called ``name`` (any case); None when the round has none; or the reason."""
    if name:
        for group in groups:
            if group.name.casefold() == name.casefold():
                return group
        return _("There is no group “%(name)s” in this round.", name=name)
    if len(groups) > 1:
        return _("Choose a group.")
    return groups[0] if groups else None


@dataclass(frozen=True)
class _Checked:
    number: int
    email: str
    group: StakeholderGroup | None
    name: str


def _check_line(line: Line, groups: Sequence[StakeholderGroup]) -> _Checked | LineProblem:
    email = _clean_email(line.email)
    if email is None:
        reason = (_("“%(address)s” is not a valid e-mail address.", address=line.email)
                  if line.email else _("Enter an e-mail address."))
        return LineProblem(line.number, reason, "email")
    if line.extra:
        return LineProblem(line.number, _("Write only the address, the group and a name."))
    group = _find_group(groups, line.group)
    if isinstance(group, str):
        return LineProblem(line.number, group, "group")
    if len(line.name) > MAX_NAME:
        return LineProblem(line.number, _("Use at most %(max)d characters for the name.",
                                          max=MAX_NAME), "name")
    return _Checked(line.number, email, group, line.name)


def _check_lines(round_: Round, lines: Iterable[Line]) -> tuple[
        list[_Checked], list[LineProblem], list[LineProblem]]:
    """New invitations, bad lines, and lines skipped because the address is already invited."""
    invited = set(db.session.scalars(
        select(Invitation.email).where(Invitation.round_id == round_.id)))
    seen: dict[str, _Checked] = {}
    new: list[_Checked] = []
    problems: list[LineProblem] = []
    skipped: list[LineProblem] = []
    for line in lines:
        checked = _check_line(line, round_.groups)
        if isinstance(checked, LineProblem):
            problems.append(checked)
        elif checked.email in invited:
            skipped.append(LineProblem(line.number, _("%(address)s is already invited.",
                                                      address=checked.email)))
        elif checked.email in seen and seen[checked.email].group != checked.group:
            problems.append(LineProblem(line.number, _(
                "%(address)s is also on line %(line)s, with another group.",
                address=checked.email, line=seen[checked.email].number), "group"))
        elif checked.email in seen:
            skipped.append(LineProblem(line.number, _("%(address)s is also on line %(line)s.",
                                                      address=checked.email,
                                                      line=seen[checked.email].number)))
        else:
            seen[checked.email] = checked
            new.append(checked)
    return new, problems, skipped


# --- inviting --------------------------------------------------------------------------------


def _ensure_can_invite(actor: User | None, round_: Round) -> None:
    ensure_can_run(actor, round_.challenge)
    if effective_state(round_) is RoundState.closed:
        raise InvitationError(_("This round is closed. Nobody can be invited any more."))


def _accounts_by_email(emails: Sequence[str]) -> dict[str, int]:
    rows = db.session.execute(select(func.lower(User.email), User.id)
                              .where(func.lower(User.email).in_(emails)))
    return {email: user_id for email, user_id in rows}


def invite_stakeholders(actor: User, round_: Round, lines: Sequence[Line]) -> InviteResult:
    """Invite every address of ``lines`` to ``round_``; all or nothing.

    Raises InvitationError with ``problems`` (each bad line and why) when any line is bad.
    The e-mails go out now when the round is open, otherwise when it opens.
    """
    _ensure_can_invite(actor, round_)
    if not lines:
        raise InvitationError(_("Enter at least one e-mail address."), "addresses")
    if len(lines) > MAX_LINES:
        raise InvitationError(_("Invite at most %(max)d addresses at once.", max=MAX_LINES),
                              "addresses")
    new, problems, skipped = _check_lines(round_, lines)
    if problems:
        raise InvitationError(_("Nothing was stored. Correct the lines below and try again."),
                              "addresses", problems)
    accounts = _accounts_by_email([item.email for item in new])
    result = InviteResult(skipped=skipped)
    for item in new:
        invitation = Invitation(round=round_, group=item.group, email=item.email,
                                name=item.name, user_id=accounts.get(item.email),
                                token_nonce="", token_hash=secrets.token_hex(32))
        db.session.add(invitation)
        result.invited.append(invitation)
    db.session.flush()  # the token needs the id
    for invitation in result.invited:
        _new_token(invitation)
        result.sent += _send_if_open(invitation)
    record_event(actor, "invitation.created", round_, challenge=round_.challenge,
                 details={"count": len(result.invited), "skipped": len(skipped),
                          "sent": result.sent})
    db.session.flush()
    return result


def _mail_facts(invitation: Invitation) -> dict[str, str]:
    round_ = invitation.round
    return {"prototype": round_.prototype.title, "challenge": round_.challenge.title,
            "date": local_date(round_.closes_on), "link": link_for(invitation)}


def _answer_window(round_: Round, facts: dict[str, str]) -> str:
    if round_.opens_on > today():
        return _("You can answer from %(start)s until %(date)s. You can save your answers and "
                 "come back later.", start=local_date(round_.opens_on), **facts)
    return _("You can answer until %(date)s. You can save your answers and come back later.",
             **facts)


def _greeting(invitation: Invitation) -> str:
    return _("Hello %(name)s,", name=invitation.name) if invitation.name else _("Hello,")


def _queue_link_mail(invitation: Invitation, *, reminder: bool = False) -> None:
    """The invitation (or reminder) with the personal link, in the challenge's language."""
    with force_locale(invitation.round.challenge.language.value):
        facts = _mail_facts(invitation)
        if reminder:
            subject = _("Reminder: test a prototype: %(prototype)s", **facts)
            lead = [_("You have not sent your answers about %(prototype)s yet. You can answer "
                      "until %(date)s.", **facts)]
        else:
            subject = _("Test a prototype: %(prototype)s", **facts)
            lead = [_("The core team of “%(challenge)s” asks you to test a prototype and say "
                      "what you think of it: %(prototype)s.", **facts),
                    _answer_window(invitation.round, facts)]
        text = "\n\n".join([
            _greeting(invitation), *lead,
            _("Your personal link:") + "\n" + facts["link"],
            _("You need no account. The link is only for you: please do not share it."),
            "-- \n" + _("No more reminders about this round (no log-in needed): %(link)s",
                        link=stop_link_for(invitation)),
        ])
    queue_mail(invitation.email, subject, text)


def stop_link_for(invitation: Invitation) -> str:
    """The link in every e-mail of a round that stops its reminders: the personal token, so
    it works without an account, and stops nothing until its page's button is pressed."""
    return site_url(path_for("validation.stop_reminders", round_id=invitation.round_id,
                             token=token_for(invitation)))


def stop_reminders(invitation: Invitation) -> bool:
    """The invited person wants no more reminders about this round; False when they had
    already asked. The core team sees it on the invitations page."""
    if invitation.reminders_stopped_dt is not None:
        return False
    invitation.reminders_stopped_dt = utcnow()
    record_event(None, "invitation.reminders_stopped", invitation,
                 challenge=invitation.round.challenge, details={"round": invitation.round_id})
    db.session.flush()
    return True


def _send_if_open(invitation: Invitation) -> int:
    if invitation.round.state is not RoundState.open:
        return 0
    _queue_link_mail(invitation)
    invitation.sent_dt = utcnow()
    return 1


def send_pending_invitations(round_: Round, actor: User | None = None) -> int:
    """Send the e-mail of every invitation not sent yet (and not revoked); call it when the
    round opens. Returns how many were sent."""
    pending = list(db.session.scalars(
        select(Invitation).where(Invitation.round_id == round_.id,
                                 Invitation.sent_dt.is_(None),
                                 Invitation.revoked_dt.is_(None))
        .order_by(Invitation.id)))
    sent = sum(_send_if_open(invitation) for invitation in pending)
    if sent:
        record_event(actor, "invitation.sent", round_, challenge=round_.challenge,
                     details={"count": sent})
        db.session.flush()
    return sent


@round_opened.connect
def _on_round_opened(round_: Round, *, actor: User | None = None, **extra: object) -> None:
    send_pending_invitations(round_, actor)


def revoke_invitation(actor: User, invitation: Invitation) -> None:
    """Withdraw the personal link: it stops working at once. Answers already sent stay."""
    _ensure_can_invite(actor, invitation.round)
    if invitation.revoked_dt is not None:
        raise InvitationError(_("This link was already withdrawn."))
    invitation.revoked_dt = utcnow()
    record_event(actor, "invitation.revoked", invitation, challenge=invitation.round.challenge,
                 new="revoked", details={"round": invitation.round_id})
    db.session.flush()


def reissue_invitation(actor: User, invitation: Invitation) -> None:
    """Give a new link (the old one stops working) and send it when the round is open. Also
    restores a withdrawn invitation; answers saved so far stay with it."""
    _ensure_can_invite(actor, invitation.round)
    was_revoked = invitation.revoked_dt is not None
    invitation.revoked_dt = None
    invitation.sent_dt = None
    _new_token(invitation)
    _send_if_open(invitation)
    record_event(actor, "invitation.reissued", invitation, challenge=invitation.round.challenge,
                 old="revoked" if was_revoked else None, new="active",
                 details={"round": invitation.round_id})
    db.session.flush()


def send_reminders(actor: User, round_: Round, *, now: datetime | None = None) -> ReminderResult:
    """Remind everyone who was sent the link and has not sent answers (saved is not sent),
    at most once per 24 hours each."""
    _ensure_can_invite(actor, round_)
    if not is_accepting_answers(round_):
        raise InvitationError(_("Reminders can be sent only while the round accepts answers."))
    now = now or utcnow()
    unanswered = list(db.session.scalars(
        select(Invitation).outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.round_id == round_.id, Invitation.revoked_dt.is_(None),
               Invitation.sent_dt.is_not(None), Response.submitted_dt.is_(None))
        .order_by(Invitation.id)))
    waiting = [i for i in unanswered if i.reminders_stopped_dt is None]
    due = [i for i in waiting if i.reminded_dt is None or now - i.reminded_dt >= REMINDER_INTERVAL]
    for invitation in due:
        _queue_link_mail(invitation, reminder=True)
        invitation.reminded_dt = now
        invitation.reminder_count += 1
    result = ReminderResult(sent=len(due), skipped=len(waiting) - len(due),
                            stopped=len(unanswered) - len(waiting))
    record_event(actor, "invitation.reminded", round_, challenge=round_.challenge,
                 details={"sent": result.sent, "skipped": result.skipped,
                          "stopped": result.stopped})
    db.session.flush()
    return result


# --- reading ---------------------------------------------------------------------------------


def get_invitation(round_: Round, invitation_id: int) -> Invitation | None:
    invitation = db.session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.round_id == round_.id else None


@dataclass
class InvitationPage(Paginated):
    items: list[Invitation]
    page: int
    per_page: int
    total: int


@dataclass(frozen=True)
class InvitationCounts:
    total: int
    sent: int
    saved: int
    submitted: int
    revoked: int


def invitation_page(round_: Round, page: int = 1, per_page: int = PER_PAGE) -> InvitationPage:
    """The round's invitations, newest last, with group and response loaded in batches."""
    query = select(Invitation).where(Invitation.round_id == round_.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = list(db.session.scalars(
        query.options(joinedload(Invitation.group), selectinload(Invitation.response))
        .order_by(Invitation.id).offset((page - 1) * per_page).limit(per_page)))
    return InvitationPage(items, page, per_page, total)


def invitation_counts(round_: Round) -> InvitationCounts:
    row = db.session.execute(
        select(func.count(Invitation.id), func.count(Invitation.sent_dt),
               func.count(Response.id) - func.count(Response.submitted_dt),
               func.count(Response.submitted_dt), func.count(Invitation.revoked_dt))
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.round_id == round_.id)).one()
    return InvitationCounts(*row)


def _invitations_of(user: User) -> Select[tuple[Invitation]]:
    """Live invitations of ``user``: by account, or by its address for invitations made
    before the account existed. Draft rounds are left out: their e-mails were not sent."""
    return (select(Invitation).join(Round, Round.id == Invitation.round_id)
            .where(or_(Invitation.user_id == user.id,
                       Invitation.email == normalise_email(user.email)),
                   Invitation.revoked_dt.is_(None), Round.state != RoundState.draft))


def has_rounds(user: User) -> bool:
    """Whether "My rounds" is worth a place in ``user``'s menu: a stakeholder of a challenge,
    or invited to a round under this account. By the indexed account column only, as it is
    asked on every page; an address invited before its account existed finds the page
    through the e-mail's link, which works without logging in."""
    if any(m.role is MembershipRole.stakeholder for m in user.memberships):
        return True
    return db.session.scalar(
        select(Invitation.id).join(Round, Round.id == Invitation.round_id)
        .where(Invitation.user_id == user.id, Invitation.revoked_dt.is_(None),
               Round.state != RoundState.draft).limit(1)) is not None


def invitation_for_user(user: User, round_id: int) -> Invitation | None:
    return db.session.scalar(_invitations_of(user).where(Invitation.round_id == round_id)
                             .order_by(Invitation.id).limit(1))


@dataclass(frozen=True)
class MyRound:
    invitation: Invitation
    round: Round
    status: str  # "new", "saved" or "sent"
    is_open: bool  # accepting answers now
    opens_later: bool


def answer_status(invitation: Invitation) -> str:
    response = invitation.response
    if response is None:
        return "new"
    return "saved" if response.submitted_dt is None else "sent"


def my_rounds(user: User) -> tuple[list[MyRound], list[MyRound]]:
    """The rounds ``user`` is invited to: (open or opening later, closed), by closing date."""
    invitations = db.session.scalars(_invitations_of(user).options(
        joinedload(Invitation.round).joinedload(Round.prototype),
        joinedload(Invitation.round).joinedload(Round.challenge),
        selectinload(Invitation.response)))
    current: list[MyRound] = []
    closed: list[MyRound] = []
    on = today()
    for invitation in invitations:
        round_ = invitation.round
        if effective_state(round_, on) is RoundState.closed:
            closed.append(MyRound(invitation, round_, answer_status(invitation), False, False))
        else:
            accepting = is_accepting_answers(round_, on)
            current.append(MyRound(invitation, round_, answer_status(invitation), accepting,
                                   not accepting and round_.opens_on > on))
    current.sort(key=lambda item: (item.round.closes_on, item.round.id))
    closed.sort(key=lambda item: (item.round.closes_on, item.round.id), reverse=True)
    return current, closed
