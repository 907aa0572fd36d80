"""The mail service: real SMTP delivery to a local server, the outbox folder, retries, claims."""

from __future__ import annotations

import email
import socket
import stat
import threading
import time
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from ideation.core import mail
from ideation.core.models import OutgoingMail
from ideation.core.security import public
from ideation.extensions import db


class Collector:
    """An aiosmtpd handler that keeps what arrives, or refuses it while ``refuse`` is set."""

    def __init__(self) -> None:
        self.received: list[tuple[object, object, EmailMessage]] = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd
        if self.refuse:
            return "554 5.7.1 Not now, please"
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((session.peer, envelope, message))
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [message for _peer, _envelope, message in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on this machine; the app is configured to send to it."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(IDEATION_MAIL_HOST="127.0.0.1", IDEATION_MAIL_PORT=controller.port,
                      IDEATION_MAIL_SECURITY="none", IDEATION_MAIL_TIMEOUT=5,
                      IDEATION_MAIL_FROM="Uitdaging Scheiden <noreply@example.nl>")
    yield collector
    controller.stop()


def queue(n: int = 1, **values: str) -> list[OutgoingMail]:
    mails = [mail.queue_mail(values.get("to", f"burger{i}@example.org"),
                             values.get("subject", f"Bericht {i}"),
                             values.get("text", "Hallo."), values.get("html"))
             for i in range(n)]
    db.session.commit()
    return mails


def fresh(row: OutgoingMail) -> OutgoingMail:
    """The row as stored now (delivery runs in its own transactions)."""
    db.session.expire_all()
    return db.session.get(OutgoingMail, row.id)


# --- delivery over SMTP ----------------------------------------------------------------------


def test_queued_mail_arrives_over_smtp_with_headers_utf8_text_and_html(smtp_server):
    [row] = queue(to="anna@example.org", subject="Je idee “Eén loket” is nu een prototype",
                  text="Hallo Anna,\n\nJe idee „Eén loket” is verder — zie ✓ hier.",
                  html="<p>Hallo Anna, je idee is <strong>verder</strong>.</p>")

    report = mail.deliver_pending()

    assert (report.sent, report.failed) == (1, 0)
    [(_peer, envelope, message)] = smtp_server.received
    assert envelope.rcpt_tos == ["anna@example.org"]
    assert envelope.mail_from == "noreply@example.nl"
    assert message["From"] == "Uitdaging Scheiden <noreply@example.nl>"
    assert message["To"] == "anna@example.org"
    assert message["Subject"] == "Je idee “Eén loket” is nu een prototype"
    assert message["Date"] and message["Message-ID"].endswith("@example.nl>")
    text = message.get_body(preferencelist=("plain",))
    # SMTP carries lines ending in CRLF.
    assert text.get_content().replace("\r\n", "\n") == (
        "Hallo Anna,\n\nJe idee „Eén loket” is verder — zie ✓ hier.\n")
    assert text.get_content_charset() == "utf-8"
    html = message.get_body(preferencelist=("html",))
    assert "<strong>verder</strong>" in html.get_content()
    stored = fresh(row)
    assert stored.sent_dt is not None and stored.attempts == 1 and stored.last_error is None
    assert (stored.body_text, stored.body_html) == ("", None)  # sent: the text is not kept


def test_a_text_only_message_has_no_html_part(smtp_server):
    queue(text="Alleen tekst.")

    mail.deliver_pending()

    [message] = smtp_server.messages()
    assert not message.is_multipart()
    assert message.get_content_type() == "text/plain"


def test_one_batch_uses_one_connection_and_sends_each_message_once(smtp_server):
    queue(3)

    assert mail.deliver_pending().sent == 3
    assert mail.deliver_pending().sent == 0

    assert len(smtp_server.received) == 3
    assert len({peer for peer, _envelope, _message in smtp_server.received}) == 1


def test_a_rolled_back_change_sends_nothing(smtp_server):
    mail.queue_mail("anna@example.org", "Niet doorgegaan", "Dit werd teruggedraaid.")
    db.session.rollback()

    report = mail.deliver_pending()

    assert report.seen == 0
    assert smtp_server.received == []
    assert db.session.scalar(select(OutgoingMail.id)) is None


# --- failures and retries --------------------------------------------------------------------


def test_a_refusing_server_leaves_the_message_for_a_retry_that_sends_it(smtp_server):
    [row] = queue()
    smtp_server.refuse = True

    report = mail.deliver_pending()

    assert (report.sent, report.failed) == (0, 1)
    stored = fresh(row)
    assert stored.sent_dt is None and stored.attempts == 1
    assert "554" in stored.last_error and "Not now" in stored.last_error
    # Only new mail: the failed one is not picked up.
    smtp_server.refuse = False
    assert mail.deliver_pending(retry=False).seen == 0

    assert mail.deliver_pending().sent == 1

    stored = fresh(row)
    assert stored.sent_dt is not None and stored.attempts == 2 and stored.last_error is None
    assert len(smtp_server.received) == 1


def test_no_server_at_all_is_recorded_as_an_error(app):
    [row] = queue(2)[:1]
    app.config.update(IDEATION_MAIL_HOST="127.0.0.1", IDEATION_MAIL_PORT=free_port(),
                      IDEATION_MAIL_SECURITY="none", IDEATION_MAIL_TIMEOUT=2)

    report = mail.deliver_pending()

    assert (report.sent, report.failed) == (0, 2)
    assert "Connection" in fresh(row).last_error or "refused" in fresh(row).last_error


def test_a_message_is_given_up_after_eight_attempts_and_stays_listed_without_its_body(smtp_server):
    [row] = queue()
    smtp_server.refuse = True

    for _ in range(mail.MAX_ATTEMPTS + 2):
        mail.deliver_pending()

    stored = fresh(row)
    assert stored.attempts == mail.MAX_ATTEMPTS and stored.sent_dt is None
    assert [m.id for m in mail.given_up()] == [row.id]
    assert mail.count_due() == 0
    assert (stored.body_text, stored.body_html) == ("", None)  # nobody will send it now


# --- two workers -----------------------------------------------------------------------------


def test_a_claim_succeeds_once_for_the_state_that_was_read(app):
    [row] = queue()

    assert mail.claim(row.id, 0) is True
    assert mail.claim(row.id, 0) is False
    db.session.commit()
    stored = fresh(row)
    assert stored.attempts == 1
    # Claimed but not finished: nobody else picks it up, not even a retry run.
    assert mail.count_due(retry=True) == 0


def test_two_deliverers_at_the_same_time_send_every_message_once(app, smtp_server):
    rows = queue(30)
    start = threading.Barrier(2)
    reports: list[mail.Delivery] = []
    errors: list[BaseException] = []

    def worker() -> None:
        with app.app_context():
            try:
                start.wait()
                reports.append(mail.deliver_pending(limit=100))
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(report.sent for report in reports) == 30
    ids = [message["Message-ID"] for message in smtp_server.messages()]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert all(fresh(row).attempts == 1 for row in rows)


# --- the outbox folder -----------------------------------------------------------------------


def test_without_a_host_messages_are_written_to_the_outbox_for_the_owner_only(app):
    app.config["IDEATION_MAIL_HOST"] = ""
    [row] = queue(to="anna@example.org", subject="Eén bericht", text="Tekst met ë.",
                  html="<p>Tekst</p>")

    assert mail.deliver_pending().sent == 1

    [path] = (mail.outbox_folder()).iterdir()
    assert path.name.endswith(f"-{row.id}.eml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "anna@example.org"
    assert message["Subject"] == "Eén bericht"
    assert message.get_body(preferencelist=("plain",)).get_content() == "Tekst met ë.\n"
    assert message.get_body(preferencelist=("html",)) is not None
    assert fresh(row).sent_dt is not None


# --- connection security ---------------------------------------------------------------------


class FakeSMTP:
    """Records what the mail service asks of the connection (only the TLS choice is faked)."""

    def __init__(self, host, port, timeout=None, context=None) -> None:
        self.calls = [("connect", type(self).__name__, host, port, timeout)]
        self.context = context

    def starttls(self, context=None) -> None:
        self.calls.append(("starttls", context is not None))

    def login(self, user, password) -> None:
        self.calls.append(("login", user, password))


class FakeSMTPSSL(FakeSMTP):
    pass


def settings(**values: object) -> dict:
    return {"IDEATION_MAIL_HOST": "smtp.example.nl", "IDEATION_MAIL_PORT": 587,
            "IDEATION_MAIL_TIMEOUT": 7, "IDEATION_MAIL_SECURITY": "starttls",
            "IDEATION_MAIL_USERNAME": "", "IDEATION_MAIL_PASSWORD": "", **values}


def test_starttls_upgrades_a_plain_connection_with_certificate_checks():
    connection = mail.open_smtp(settings(), FakeSMTP, FakeSMTPSSL)

    assert connection.calls == [("connect", "FakeSMTP", "smtp.example.nl", 587, 7),
                                ("starttls", True)]


def test_ssl_connects_with_tls_from_the_start():
    connection = mail.open_smtp(settings(IDEATION_MAIL_SECURITY="ssl", IDEATION_MAIL_PORT=465),
                                FakeSMTP, FakeSMTPSSL)

    assert connection.calls == [("connect", "FakeSMTPSSL", "smtp.example.nl", 465, 7)]
    assert connection.context is not None


def test_the_connection_logs_in_only_when_a_user_name_is_set():
    anonymous = mail.open_smtp(settings(IDEATION_MAIL_SECURITY="none"), FakeSMTP, FakeSMTPSSL)
    named = mail.open_smtp(settings(IDEATION_MAIL_USERNAME="ideation",
                                    IDEATION_MAIL_PASSWORD="geheim"), FakeSMTP, FakeSMTPSSL)

    assert [call[0] for call in anonymous.calls] == ["connect"]
    assert named.calls[-1] == ("login", "ideation", "geheim")


# --- the sender thread: after the response, and retries without anyone running a command ----


def wait_for(condition, timeout: float = 15.0) -> None:
    """Poll ``condition`` (the sender works in its own thread) until true or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def sender(app):
    """The app's sender thread switched on, retrying after a fifth of a second."""
    app.config.update(IDEATION_MAIL_BACKGROUND=True, IDEATION_MAIL_RETRY_SECONDS=0.2)
    yield mail.sender_of(app)
    mail.sender_of(app).stop()


@pytest.fixture
def queueing_route(app):
    """A page that queues ``?n=`` messages and commits (or rolls back when asked)."""

    @public
    def send_note():
        from flask import request

        for number in range(int(request.args.get("n", "1"))):
            mail.queue_mail(f"ouder{number}@example.org", "Na het antwoord",
                            "Verstuurd na het antwoord.")
        if request.args.get("undo"):
            db.session.rollback()
        else:
            db.session.commit()
        return "ok"

    app.add_url_rule("/test/send-note", view_func=send_note)
    return "/test/send-note"


def test_all_mail_queued_in_a_request_goes_out_after_the_response_without_a_command(
        client, smtp_server, sender, queueing_route):
    response = client.get(queueing_route + "?n=23")

    assert response.status_code == 200
    assert smtp_server.received == []  # the response did not wait for the mail
    response.close()  # the server has sent the response
    wait_for(lambda: len(smtp_server.received) == 23)
    assert sorted(envelope.rcpt_tos[0] for _p, envelope, _m in smtp_server.received) == sorted(
        f"ouder{n}@example.org" for n in range(23))
    assert mail.count_due() == 0


def test_a_request_that_rolls_back_sends_nothing_after_the_response(
        client, smtp_server, sender, queueing_route):
    client.get(queueing_route + "?undo=1").close()

    assert sender.send_due().seen == 0
    assert smtp_server.received == []


def test_a_failing_server_does_not_break_the_request(client, app, sender, queueing_route):
    app.config.update(IDEATION_MAIL_HOST="127.0.0.1", IDEATION_MAIL_PORT=free_port(),
                      IDEATION_MAIL_SECURITY="none", IDEATION_MAIL_TIMEOUT=2,
                      IDEATION_MAIL_RETRY_SECONDS=60)

    response = client.get(queueing_route)
    response.close()

    assert response.status_code == 200
    wait_for(lambda: fresh_rows()[0].last_error is not None)
    [row] = fresh_rows()
    assert row.sent_dt is None and row.attempts == 1


def fresh_rows() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def test_a_refusing_server_is_retried_automatically_until_the_message_is_sent(
        client, smtp_server, sender, queueing_route):
    smtp_server.refuse = True
    client.get(queueing_route).close()
    wait_for(lambda: fresh_rows()[0].attempts >= 2)  # refused, and refused again

    smtp_server.refuse = False

    wait_for(lambda: len(smtp_server.received) == 1)
    # The sender stores the result just after the server took the message.
    wait_for(lambda: fresh_rows()[0].sent_dt is not None)
    [row] = fresh_rows()
    assert row.last_error is None and row.attempts >= 2


def test_the_first_request_of_a_process_starts_the_sender_for_mail_left_before(
        client, app, smtp_server, sender):
    queue(2)  # e.g. queued by a command, or by a process that stopped before sending

    client.get("/healthz")

    wait_for(lambda: len(smtp_server.received) == 2)


def test_each_wait_between_attempts_is_four_times_longer_up_to_six_hours(app):
    app.config["IDEATION_MAIL_RETRY_SECONDS"] = 60
    waits = [mail.wait_after(n).total_seconds() / 60 for n in range(1, mail.MAX_ATTEMPTS)]

    assert waits == [1, 4, 16, 64, 256, 360, 360]


def test_a_failed_message_waits_its_turn_in_the_thread_but_not_for_the_command(
        app, smtp_server):
    app.config["IDEATION_MAIL_RETRY_SECONDS"] = 60
    [row] = queue()
    smtp_server.refuse = True
    mail.deliver_pending()
    smtp_server.refuse = False

    assert mail.deliver_pending(backoff=True).seen == 0  # tried a moment ago: wait a minute
    stored = fresh(row)
    stored.claimed_dt -= timedelta(seconds=61)
    db.session.commit()
    assert mail.deliver_pending(backoff=True).sent == 1


def test_the_command_retries_a_failed_message_at_once(app, smtp_server):
    [row] = queue()
    smtp_server.refuse = True
    mail.deliver_pending()
    smtp_server.refuse = False

    assert mail.deliver_pending().sent == 1
    assert fresh(row).attempts == 2


# --- the commands ----------------------------------------------------------------------------


def test_flask_mail_deliver_sends_retries_and_lists_what_was_given_up(runner, smtp_server):
    [given_up] = queue(to="weg@example.org")
    given_up.attempts, given_up.last_error = mail.MAX_ATTEMPTS, "SMTPDataError: 554 gone"
    queue(2)

    result = runner.invoke(args=["mail", "deliver"])

    assert result.exit_code == 0, result.output
    assert "Sent 2, failed 0" in result.output
    assert f"#{given_up.id} to weg@example.org: SMTPDataError: 554 gone" in result.output
    assert len(smtp_server.received) == 2


def test_a_message_whose_sender_crashed_is_sent_again_once_the_claim_is_stale(
    runner, smtp_server
):
    [row] = queue()
    assert mail.claim(row.id, 0)  # a worker took it and then stopped (a crash)
    db.session.commit()

    fresh_claim = runner.invoke(args=["mail", "deliver"])
    assert "Sent 0" in fresh_claim.output  # it may still be on its way: leave it alone
    row = fresh(row)
    row.claimed_dt -= mail.STALE_CLAIM + timedelta(seconds=1)
    db.session.commit()
    stale_claim = runner.invoke(args=["mail", "deliver"])

    assert "Sent 1" in stale_claim.output
    assert len(smtp_server.received) == 1
    assert fresh(row).attempts == 2 and fresh(row).sent_dt is not None


def test_flask_mail_send_test_reports_delivery(runner, smtp_server):
    result = runner.invoke(args=["mail", "send-test", "beheer@example.nl"])

    assert result.exit_code == 0, result.output
    assert "Sent a test message to beheer@example.nl" in result.output
    [(_peer, envelope, _message)] = smtp_server.received
    assert envelope.rcpt_tos == ["beheer@example.nl"]


def test_flask_mail_send_test_reports_the_error_when_it_fails(runner, smtp_server):
    smtp_server.refuse = True

    result = runner.invoke(args=["mail", "send-test", "beheer@example.nl"])

    assert result.exit_code == 1
    assert "failed" in result.output and "554" in result.output
