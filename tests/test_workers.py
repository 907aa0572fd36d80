"""Two gunicorn workers, as ``make run`` serves: rate limits hold as configured across both
(in the default set-up and through Redis), and mail goes out by itself, retried after a
failure, with nobody running ``flask mail deliver``.

Each test starts gunicorn on a free port over the test's own database and instance folder.
"""

# ruff: noqa: F811 - the shared fixtures are injected by parameter name

from __future__ import annotations

import email
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from ideation.core.models import OutgoingMail
from ideation.extensions import db
from ideation.validation.models import QuestionKind, RoundState
from tests import factories
from tests.servers import Browser, Gunicorn, free_port, server_environment
from tests.validation.conftest import (  # noqa: F401 - shared fixtures
    challenge,
    core,
    invite,
    make_round,
    prototype,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        return False


def _settings(app, storage: str) -> dict[str, str]:
    settings = {"LOGIN_RATE_LIMIT": "10 per minute", "TOKEN_RATE_LIMIT": "30 per minute"}
    if storage == "redis":
        if not _redis_answers():
            pytest.skip(f"no Redis at {REDIS_URL}: the Redis storage was not tested")
        settings["REDIS_URL"] = REDIS_URL
        # Other test runs may share this Redis: counters of their own.
        Path(app.instance_path, "config.py").write_text(
            f"RATELIMIT_KEY_PREFIX = 'ideation-test-{uuid.uuid4().hex}'\n")
    return settings


@pytest.mark.parametrize("storage", ["default", "redis"])
def test_limits_hold_across_two_workers_and_a_block_refuses_the_right_password(
        app, storage, prototype):
    user = factories.make_user(email="anna@example.org")
    round_id = make_round(prototype, state=RoundState.open, opens_in=-1).id
    with Gunicorn(server_environment(app, **_settings(app, storage))) as server:
        visitor = Browser(server.base)
        tries = [visitor.submit("/login", {"email": user.email, "password": "fout"})[0]
                 for _ in range(16)]
        # Then the right password, until both workers have answered log-ins (which one
        # accepts a connection is up to the kernel): every answer must be "too many".
        right_password = [Browser(server.base).login(user.email, factories.PASSWORD)]
        while len(server.pids_that_served("POST", "/login")) < 2 and len(right_password) < 60:
            right_password.append(Browser(server.base).login(user.email, factories.PASSWORD))
        with ThreadPoolExecutor(4) as pool:
            # A hit on a link is counted atomically, so 40 at once must still give exactly 30.
            links = list(pool.map(
                lambda _n: Browser(server.base).get(f"/r/{round_id}/{'x' * 43}")[0],
                range(40)))
        login_workers = server.pids_that_served("POST", "/login")
        link_workers = server.pids_that_served("GET", f"/r/{round_id}/")

    assert tries == [200] * 10 + [429] * 6  # 10 per minute, whichever worker answers
    assert set(right_password) == {429}  # blocked is blocked, also for the right password
    assert sorted(links) == [404] * 30 + [429] * 10
    # Proof that both workers counted: each served some of the requests.
    assert len(login_workers) == 2 and len(link_workers) == 2, (login_workers, link_workers)


class FlakyServer:
    """An aiosmtpd handler that refuses the first ``refusals`` messages (as a full or broken
    server does), then keeps what arrives."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.received: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 Try again later"
        self.received.append(email.message_from_bytes(envelope.original_content,
                                                      policy=policy.default))
        return "250 OK"


def test_opening_a_round_mails_all_23_invitations_and_retries_refused_ones_by_itself(
        app, core, prototype):
    round_ = make_round(prototype, questions=[{"kind": QuestionKind.yes_no,
                                               "text": "Zou je het loket gebruiken?"}])
    addresses = [f"belanghebbende{n}@example.org" for n in range(23)]
    for number, address in enumerate(addresses):
        invite(round_, address, round_.groups[number % len(round_.groups)], sent=False)
    smtp = FlakyServer(refusals=3)
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = server_environment(app, MAIL_HOST="127.0.0.1", MAIL_PORT=str(controller.port),
                             MAIL_SECURITY="none", MAIL_RETRY_SECONDS="0.5")
    try:
        with Gunicorn(env) as server:
            team = Browser(server.base)
            assert team.login(core.email, factories.PASSWORD) == 302
            page = f"/c/{prototype.challenge.slug}/rounds/{round_.id}"
            status, _body, _headers = team.submit(page + "/open", {}, form_page=page)
            assert status == 302
            deadline = time.monotonic() + 60
            while len(smtp.received) < 23 and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        controller.stop()

    assert sorted(message["To"] for message in smtp.received) == sorted(addresses)
    assert all("/r/" in message.get_body().get_content() for message in smtp.received)
    db.session.expire_all()
    rows = db.session.scalars(select(OutgoingMail)).all()
    assert len(rows) == 23 and all(row.sent_dt is not None for row in rows)
    assert sorted(row.attempts for row in rows) == [1] * 20 + [2] * 3  # 3 refused, then sent
    assert all(row.body_text == "" for row in rows)  # sent: the personal links are gone
