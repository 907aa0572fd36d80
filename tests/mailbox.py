"""A real SMTP server (aiosmtpd) for tests that follow links from the e-mails people receive.

Import the fixture where it is needed: ``from tests.mailbox import mailbox  # noqa: F401``.
"""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from email import policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from ideation.core import mail
from ideation.extensions import db

LINK = re.compile(r"https?://\S+")


class Mailbox:
    """Keeps every message the app sends; ``to(address)`` delivers what waits first."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            self.received.append(message)
        return "250 OK"

    def deliver(self) -> None:
        """Send whatever the outbox holds now (the app also does this after each response)."""
        while mail.deliver_pending(100).seen:
            pass
        db.session.commit()

    def to(self, address: str) -> list[EmailMessage]:
        self.deliver()
        with self._lock:
            return [m for m in self.received if address.lower() in m["To"].lower()]

    def last_to(self, address: str) -> EmailMessage:
        messages = self.to(address)
        assert messages, f"no e-mail to {address}"
        return messages[-1]

    def link_for(self, address: str, fragment: str, timeout: float = 30.0) -> str:
        """The link with ``fragment`` in the newest message to ``address`` that has one,
        waiting for it: a live server sends some mail only after its answer has gone out."""
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed(self.to(address)):
                found = [link for link in links_in(message) if fragment in urlsplit(link).path]
                if found:
                    return found[0]
            assert time.monotonic() < deadline, f"no e-mail to {address} with {fragment}"
            time.sleep(0.1)


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def links_in(message: EmailMessage) -> list[str]:
    return LINK.findall(text_of(message))


def path_of(link: str) -> str:
    """The part of a link a test client requests."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link_to(message: EmailMessage, fragment: str) -> str:
    """The one link in ``message`` whose path contains ``fragment``."""
    [link] = [link for link in links_in(message) if fragment in urlsplit(link).path]
    return link


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(app):
    """The app sends its mail over SMTP to a server on this machine; links in it point at
    ``IDEATION_BASE_URL`` (a browser test sets it to the live server)."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(IDEATION_MAIL_HOST="127.0.0.1", IDEATION_MAIL_PORT=controller.port,
                      IDEATION_MAIL_SECURITY="none", IDEATION_MAIL_TIMEOUT=5)
    yield box
    controller.stop()
