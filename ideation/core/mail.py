"""The one mail service. Features call ``queue_mail`` inside the transaction of the change the
message reports; delivery happens after the commit (SMTP when ``IDEATION_MAIL_HOST`` is set,
otherwise ``.eml`` files in ``instance/outbox``).

Delivery needs no operator step. Each web process runs one sender thread (``Sender``, started
by the first request the process serves): a request that queued mail wakes it once the
response has gone out, and it sends everything due, in batches, until nothing is left. It
also looks for due mail every ``IDEATION_MAIL_RETRY_SECONDS`` (mail queued by a command, or
by a process that stopped before sending): a failed message is tried again after that
interval, then after 4 times as long each time (1, 4, 16, 64 minutes ... at most 6 hours
with the default of 60 s), ``MAX_ATTEMPTS`` times in all (about 18 hours), and is then given
up and listed by ``flask mail deliver``, which also sends and retries at once when run.

- Each message is claimed with a compare-and-set update of ``attempts`` before it is sent, so
  two processes that read the same row never both send it. The claim also clears
  ``last_error`` and stamps ``claimed_dt``: a row with attempts but no error and no
  ``sent_dt`` is being sent right now, and nobody else picks it up — until the claim is older
  than ``STALE_CLAIM`` (its sender crashed halfway), when it is due again.
- Once a message is sent (or given up) its body is removed: bodies carry personal links
  (``/r/<round>/<token>``) that must not stay readable in the database. The row keeps the
  address, subject and times.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, after_this_request, current_app, g, has_request_context
from sqlalchemy import ColumnElement, and_, false, func, insert, or_, select, update

from ideation.core.db import utcnow
from ideation.core.models import OutgoingMail
from ideation.extensions import db

MAX_ATTEMPTS = 8
# A sender that holds a claim this long without a result is taken to have crashed.
STALE_CLAIM = timedelta(minutes=15)
# Each wait between two attempts is this many times the one before, up to LONGEST_WAIT.
BACKOFF_FACTOR = 4
LONGEST_WAIT = timedelta(hours=6)
BATCH = 50
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


def wait_after(attempts: int) -> timedelta:
    """How long a message that failed ``attempts`` times waits before the next attempt."""
    first = timedelta(seconds=float(current_app.config["IDEATION_MAIL_RETRY_SECONDS"]))
    return min(first * BACKOFF_FACTOR ** (attempts - 1), max(first, LONGEST_WAIT))


def _due(retry: bool, backoff: bool = False) -> ColumnElement[bool]:
    """New messages; with ``retry`` also failed ones (after their wait when ``backoff``) and
    those claimed by a sender that never finished."""
    waiting = OutgoingMail.attempts == 0
    if retry:
        now = utcnow()
        failed = OutgoingMail.last_error.is_not(None)
        if backoff:
            failed = and_(failed, or_(false(), *(
                and_(OutgoingMail.attempts == n, OutgoingMail.claimed_dt <= now - wait_after(n))
                for n in range(1, MAX_ATTEMPTS))))
        waiting = or_(waiting, failed, and_(OutgoingMail.last_error.is_(None),
                                            OutgoingMail.claimed_dt < now - STALE_CLAIM))
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


def deliver_pending(limit: int = BATCH, *, retry: bool = True, backoff: bool = False,
                    after_id: int = 0) -> Delivery:
    """Send up to ``limit`` due messages (ids above ``after_id``), oldest first.

    ``retry`` False sends only messages never tried; ``backoff`` retries a failed message
    only once its wait (``wait_after``) is over, as the sender thread does (the command
    retries at once). Commits the session: claims and results are stored in their own
    transactions. Mail errors are stored on the message, not raised.
    """
    db.session.commit()  # a fresh transaction: see what other workers committed
    rows = db.session.execute(
        select(OutgoingMail.id, OutgoingMail.attempts)
        .where(_due(retry, backoff), OutgoingMail.id > after_id)
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
                    _forget_body(mail)
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
    if mail.attempts >= MAX_ATTEMPTS:
        _forget_body(mail)  # given up: nobody will send it, so nobody needs its links
    current_app.logger.warning("mail %s to %s failed (attempt %s): %s", mail.id,
                               mail.to_address, mail.attempts, mail.last_error)


def _forget_body(mail: OutgoingMail) -> None:
    """Drop the text of a message that is done with: it may hold a personal link."""
    mail.body_text = ""
    mail.body_html = None


def given_up(limit: int = 50) -> list[OutgoingMail]:
    """Messages that failed ``MAX_ATTEMPTS`` times; they stay in the table to be looked at."""
    return list(db.session.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.sent_dt.is_(None), OutgoingMail.attempts >= MAX_ATTEMPTS,
               OutgoingMail.last_error.is_not(None))
        .order_by(OutgoingMail.id).limit(limit)
    ))


# --- the sender thread ----------------------------------------------------------------------


class Sender:
    """Sends due mail from a daemon thread of its own, one per process (see the module's
    docstring). ``wake`` after a commit that queued mail; ``stop`` ends the thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive() and self._pid == os.getpid()

    def start(self) -> None:
        """Start the thread in this process (again after a fork: threads do not survive it)."""
        if self.running:
            return
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="ideation-mail-sender",
                                            daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self.start()
        self._wake.set()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        interval = float(self.app.config["IDEATION_MAIL_RETRY_SECONDS"])
        while not self._stop.is_set():
            self._wake.clear()  # a wake during the pass below makes another pass at once
            self.send_due()
            self._wake.wait(interval)

    def send_due(self) -> Delivery:
        """One pass: everything due now, in batches. Never raises (the thread must live)."""
        total = Delivery()
        with self.app.app_context():
            try:
                while not self._stop.is_set():
                    report = deliver_pending(BATCH, backoff=True, after_id=total.last_id)
                    if not report.seen:
                        break
                    total.sent += report.sent
                    total.failed += report.failed
                    total.seen += report.seen
                    total.last_id = report.last_id
            except Exception:  # noqa: BLE001 - e.g. the database is away; retried next pass
                db.session.rollback()
                self.app.logger.exception("sending mail failed; the messages stay queued")
            finally:
                db.session.remove()
        return total


def sender_of(app: Flask) -> Sender:
    return app.extensions["ideation.mail"]


def init_app(app: Flask) -> None:
    """Give the app its sender; with ``IDEATION_MAIL_BACKGROUND`` (the default) the first
    request of each process starts it, so mail left by a previous run goes out too."""
    sender = app.extensions["ideation.mail"] = Sender(app)

    @app.before_request
    def start_sender() -> None:
        if app.config["IDEATION_MAIL_BACKGROUND"]:
            sender.start()


def _deliver_after_this_request() -> None:
    """Wake the sender once the response has gone out (and the change is committed)."""
    if not has_request_context() or g.get("mail_delivery_planned"):
        return
    g.mail_delivery_planned = True
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["IDEATION_MAIL_BACKGROUND"]:
        return  # `flask mail deliver` sends (cron, or another process)

    @after_this_request
    def wake_sender(response: Any) -> Any:
        response.call_on_close(sender_of(app).wake)
        return response
