"""The rate-limit counters: one SQLite file that every process of a host shares (the default),
kept over a restart; a block lasts until its window has passed, whatever the password."""

from __future__ import annotations

import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from ideation.core.ratelimit import SQLiteStorage
from tests.factories import PASSWORD, make_user


def test_the_default_storage_is_a_file_in_the_instance_folder(app):
    from ideation.extensions import limiter

    assert app.config["RATELIMIT_STORAGE_URI"] == (
        f"sqlite:///{app.instance_path}/rate-limits.sqlite3")
    assert isinstance(limiter.storage, SQLiteStorage)


def test_two_storages_on_one_file_count_together_and_a_new_one_remembers(tmp_path):
    uri = f"sqlite:///{tmp_path}/counters.sqlite3"
    first, second = (FixedWindowRateLimiter(storage_from_string(uri)) for _ in range(2))
    item = parse("5 per minute")

    hits = [limiter.hit(item, "login", "192.0.2.1") for limiter in (first, second) * 3]

    assert hits == [True] * 5 + [False]
    restarted = FixedWindowRateLimiter(storage_from_string(uri))
    assert restarted.test(item, "login", "192.0.2.1") is False
    assert restarted.test(item, "login", "192.0.2.2") is True  # another address: its own count


def test_a_window_that_has_passed_starts_again(tmp_path):
    limiter = FixedWindowRateLimiter(storage_from_string(f"sqlite:///{tmp_path}/c.sqlite3"))
    item = parse("2 per 1 second")
    assert [limiter.hit(item, "k") for _ in range(3)] == [True, True, False]

    reset_at = limiter.get_window_stats(item, "k").reset_time
    time.sleep(max(0.0, reset_at - time.time()) + 0.05)

    assert limiter.hit(item, "k") is True


def test_after_a_block_the_right_password_waits_until_the_window_has_passed(client, app):
    app.config["IDEATION_LOGIN_RATE_LIMIT"] = "3 per 2 second"
    user = make_user()
    assert client.login(user, "wrong password").status_code == 200
    window_started_before = time.monotonic()  # the first failure was counted by now
    for _attempt in range(2):
        assert client.login(user, "wrong password").status_code == 200
    assert client.login(user, PASSWORD).status_code == 429
    assert client.login(user, PASSWORD).status_code == 429

    time.sleep(max(0.0, window_started_before + 2.1 - time.monotonic()))

    assert client.login(user, PASSWORD).status_code == 302
