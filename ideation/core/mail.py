"""The one mail service. Features call ``queue_mail`` inside the transaction of the change the
message reports; delivery happens after the commit (SMTP when ``IDEATION_MAIL_HOST`` is set,
otherwise ``.eml`` files in ``instance/outbox``).

Delivery, by whichever process runs it (after a response, or ``flask mail deliver``):

- Each message is claimed with a compare-and-set update of ``attempts`` before it is sent, so
  two workers that read the same row never both send it. The claim also clears
  ``last_error`` and stamps ``claimed_dt``: a row with attempts but no error and no
  ``sent_dt`` is being sent right now, and nobody else picks it up — until the claim is older
  than ``STALE_CLAIM`` (its sender crashed halfway), when it is due again.
- After a response only new messages are sent (a failing server must not slow every request
  down). Failed ones keep their error and are retried by ``flask mail deliver``, which the
  deployment runs every few minutes; after ``MAX_ATTEMPTS`` a message is given up and listed.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, after_this_request, current_app, g, has_request_context
from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update

from ideation.core.db import utcnow
from ideation.core.models import OutgoingMail
from ideation.extensions import db

MAX_ATTEMPTS = 5
# A sender that holds a claim this long without a result is taken to have crashed.
STALE_CLAIM = timedelta(minutes=15)
# Sent after a response: small, so the worker is soon free for the next request.
AFTER_REQUEST_BATCH = 10
# ValueError: a message that cannot be written (e.g. an address the server cannot take).
_MAIL_ERRORS = (smtplib.SMTPException, OSError, ValueError)


def _fields(to: str, subject: str, text: str, html: str | None) -> dict[str, Any]:
    subject = " ".join(subject.split())[:300]  # a line break would end the header
    return {"to_address": to.strip(), "subject": subject, "body_text": text, "body_html": html}


def queue_mail(to: str, subject: str, text: str, html: str | None = None) -> OutgoingMail:
    """Add a message to the outbox table; it is sent only if the surrounding change commits."""
    mail = OutgoingMail(**_fields(to, subject, text, html))
    db.session.add(mail)
    _deliver_after_this_request()
    return mail


def queue_mails(messages: Iterable[tuple[str, str, str, str | None]]) -> int:
    """``queue_mail`` for many messages (to, subject, text, html) in one statement."""
    rows = [_fields(*message) for message in messages]
    if rows:
        db.session.execute(insert(OutgoingMail), rows)
        _deliver_after_this_request()
    return len(rows)


# --- links and messages ----------------------------------------------------------------------


def path_for(endpoint: str, **values: Any) -> str:
    """The path of a page, also outside a request (a command, a delivery worker)."""
    adapter = current_app.url_map.bind("localhost",
                                       script_name=current_app.config["APPLICATION_ROOT"])
    return adapter.build(endpoint, values)


def site_url(path: str) -> str:
    """An absolute link for an e-mail: ``IDEATION_BASE_URL`` followed by ``path``."""
    return current_app.config["IDEATION_BASE_URL"].rstrip("/") + path



def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    """The message as it goes out: UTF-8 text, with the HTML version as an alternative."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_dt)
    # The same id on every attempt, so a receiver can drop a copy it already has.
    message["Message-ID"] = f"<outbox.{mail.id}.{mail.created_dt:%Y%m%d%H%M%S%f}@{domain}>"
    message.set_content(mail.body_text, charset="utf-8")
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html", charset="utf-8")
    return message


# --- transports ------------------------------------------------------------------------------


class Transport(Protocol):
    def send(self, mail: OutgoingMail, message: EmailMessage) -> None: ...


def open_smtp(config: Any, smtp_class: type[smtplib.SMTP] = smtplib.SMTP,
              smtp_ssl_class: type[smtplib.SMTP_SSL] = smtplib.SMTP_SSL) -> smtplib.SMTP:
    """Connect and log in as configured: SMTP over TLS ("ssl"), upgraded ("starttls") or
    plain ("none", for a relay on the same machine or network)."""
    host, port = config["IDEATION_MAIL_HOST"], config["IDEATION_MAIL_PORT"]
    timeout = config["IDEATION_MAIL_TIMEOUT"]
    security = config["IDEATION_MAIL_SECURITY"]
    if security == "ssl":
        connection = smtp_ssl_class(host, port, timeout=timeout,
                                    context=ssl.create_default_context())
    else:
        connection = smtp_class(host, port, timeout=timeout)
        if security == "starttls":
            connection.starttls(context=ssl.create_default_context())
    if config["IDEATION_MAIL_USERNAME"]:
        connection.login(config["IDEATION_MAIL_USERNAME"], config["IDEATION_MAIL_PASSWORD"])
    return connection


class SmtpTransport:
    def __init__(self, connection: smtplib.SMTP, envelope_from: str) -> None:
        self.connection = connection
        self.envelope_from = envelope_from

    def send(self, mail: OutgoingMail, message: EmailMessage) -> None:
        self.connection.send_message(message, from_addr=self.envelope_from,
                                     to_addrs=[mail.to_address])


class OutboxTransport:
    """Writes each message as ``<UTC timestamp>-<id>.eml``, readable by the owner only."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.folder = folder

    def send(self, mail: OutgoingMail, message: EmailMessage) -> None:
        path = self.folder / f"{utcnow():%Y%m%dT%H%M%S%fZ}-{mail.id}.eml"
        partial = path.with_suffix(".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        os.replace(partial, path)  # a reader never sees half a message


def outbox_folder() -> Path:
    return Path(current_app.instance_path) / "outbox"


@contextmanager
def _transport() -> Iterator[Transport]:
    config = current_app.config
    if not config["IDEATION_MAIL_HOST"]:
        yield OutboxTransport(outbox_folder())
        return
    connection = open_smtp(config)  # one connection for the whole batch
    try:
        yield SmtpTransport(connection, parseaddr(config["IDEATION_MAIL_FROM"])[1])
    finally:
        try:
            connection.quit()
        except _MAIL_ERRORS:
            connection.close()


# --- delivery --------------------------------------------------------------------------------


@dataclass
class Delivery:
    """What one call of ``deliver_pending`` did."""

    sent: int = 0
    failed: int = 0
    seen: int = 0  # due messages looked at, including those another worker claimed first
    last_id: int = 0  # pass as ``after_id`` to go on with the next batch in the same run


def _due(retry: bool) -> ColumnElement[bool]:
    waiting = OutgoingMail.attempts == 0
    if retry:  # failed before, or claimed by a sender that never finished
        stale = utcnow() - STALE_CLAIM
        waiting = or_(waiting, OutgoingMail.last_error.is_not(None),
                      OutgoingMail.claimed_dt < stale)
    return and_(OutgoingMail.sent_dt.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS, waiting)


def count_due(retry: bool = True) -> int:
    return db.session.scalar(select(func.count(OutgoingMail.id)).where(_due(retry))) or 0


def claim(mail_id: int, seen_attempts: int) -> bool:
    """Take a message for sending; False when another worker took it since we read it."""
    result = db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.sent_dt.is_(None),
               OutgoingMail.attempts == seen_attempts)
        .values(attempts=OutgoingMail.attempts + 1, last_error=None, claimed_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def deliver_pending(limit: int = 50, *, retry: bool = True, after_id: int = 0) -> Delivery:
    """Send up to ``limit`` due messages (ids above ``after_id``), oldest first.

    ``retry`` False sends only messages never tried. Commits the session: claims and results
    are stored in their own transactions. Mail errors are stored on the message, not raised.
    """
    db.session.commit()  # a fresh transaction: see what other workers committed
    rows = db.session.execute(
        select(OutgoingMail.id, OutgoingMail.attempts)
        .where(_due(retry), OutgoingMail.id > after_id)
        .order_by(OutgoingMail.id).limit(limit)
    ).all()
    report = Delivery(seen=len(rows), last_id=rows[-1][0] if rows else after_id)
    claimed = [mail_id for mail_id, attempts in rows if claim(mail_id, attempts)]
    db.session.commit()
    if claimed:
        _send(claimed, report)
    return report


def deliver_message(mail_id: int) -> OutgoingMail | None:
    """Send one message now, whatever its state (``flask mail send-test``)."""
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None or mail.sent_dt is not None or not claim(mail.id, mail.attempts):
        return mail
    db.session.commit()
    _send([mail_id], Delivery())
    return db.session.get(OutgoingMail, mail_id)


def _send(mail_ids: Sequence[int], report: Delivery) -> None:
    mails = db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.id.in_(mail_ids)).order_by(OutgoingMail.id)
    ).all()
    sender = current_app.config["IDEATION_MAIL_FROM"]
    try:
        with _transport() as transport:
            for mail in mails:
                try:
                    transport.send(mail, build_message(mail, sender))
                except _MAIL_ERRORS as error:
                    _failed(mail, error, report)
                else:
                    mail.sent_dt = utcnow()
                    report.sent += 1
                db.session.commit()  # each result at once: a crash later cannot undo it
    except _MAIL_ERRORS as error:  # no connection, or it broke off: the rest failed too
        for mail in mails:
            if mail.sent_dt is None and mail.last_error is None:
                _failed(mail, error, report)
        db.session.commit()


def _failed(mail: OutgoingMail, error: BaseException, report: Delivery) -> None:
    mail.last_error = f"{type(error).__name__}: {error}"[:2000]
    report.failed += 1
    current_app.logger.warning("mail %s to %s failed (attempt %s): %s", mail.id,
                               mail.to_address, mail.attempts, mail.last_error)


def given_up(limit: int = 50) -> list[OutgoingMail]:
    """Messages that failed ``MAX_ATTEMPTS`` times; they stay in the table to be looked at."""
    return list(db.session.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.sent_dt.is_(None), OutgoingMail.attempts >= MAX_ATTEMPTS,
               OutgoingMail.last_error.is_not(None))
        .order_by(OutgoingMail.id).limit(limit)
    ))


# --- after a response ------------------------------------------------------------------------


def _deliver_after_this_request() -> None:
    """Send new mail once the response has gone out, so the person does not wait for it."""
    if not has_request_context() or g.get("mail_delivery_planned"):
        return
    g.mail_delivery_planned = True
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def deliver_on_close(response: Any) -> Any:
        response.call_on_close(lambda: deliver_in_background(app))
        return response


def deliver_in_background(app: Flask) -> None:
    """Deliver new messages in a context (and session) of its own; never raises."""
    with app.app_context():
        try:
            deliver_pending(AFTER_REQUEST_BATCH, retry=False)
        except Exception:  # noqa: BLE001 - the messages stay queued for `flask mail deliver`
            db.session.rollback()
            app.logger.exception("delivering mail failed; the messages stay queued")
