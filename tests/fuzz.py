"""Hypothesis over every form and query parameter of the site (shared by ``make test`` and
``make stress``, which differ in the number of examples).

For each role the site is crawled (``tests/crawl.py``), every form and every link with a
query string becomes a target (``tests/forms.py``), and Hypothesis sends each target values
that are valid (as the page filled them in, or one of its options) mixed with hostile ones:
numbers no database column holds, digits ``int`` refuses, invalid UTF-8, NUL, very long
strings, payloads, missing and repeated fields, a broken CSRF token now and then. Every answer
must be below 500, must show no payload as markup, and when the answer is an error (4xx, a
form with its error summary, or a flashed error) nothing in the database may have changed.
"""

from __future__ import annotations

import hashlib
import io
import random
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ideation.extensions import db
from tests.forms import Target, split_query
from tests.xss import PAYLOADS, injected

# Internal queues that a request may drain whatever its outcome.
VOLATILE_TABLES = {"search_jobs", "outgoing_mail"}
# Never sent: they end the session the rest of the run needs.
SKIPPED_ACTIONS = ("/logout",)

HOSTILE_VALUES: tuple[str, ...] = (
    "99999999999999999999999", str(2**31), str(2**63), "-1", "0", "1e9", "0x1F", "1.5",
    "²", "١٢", " 7 ", "NaN", "null", "[]", "{}", "true", "\x00", "a\x00b", "%00", "\r\n",
    "\u202e\u2028", "😀", "../../../etc/passwd", "x" * 6_000, "9" * 5_000, "", "%s %(x)s 100%",
    *PAYLOADS[:6],
)
# Characters a browser can send (no lone surrogates: they are not UTF-8).
_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    targets: int = 0
    failures: list[str] = field(default_factory=list)


def fingerprint() -> str:
    """A hash of every row of every table (bar internal queues)."""
    digest = hashlib.sha256()
    connection = db.session.connection()
    for table in db.metadata.sorted_tables:
        if table.name in VOLATILE_TABLES:
            continue
        # Raw rows, without the ORM's type conversions: this runs twice per request.
        query = f'SELECT * FROM "{table.name}" ORDER BY 1'  # noqa: S608 - our own table names
        rows = connection.exec_driver_sql(query).all()
        digest.update(table.name.encode() + repr(rows).encode())
    db.session.rollback()  # end the read transaction before the next request writes
    return digest.hexdigest()


def _value(draw, original: str, choices: list[str]) -> str | bytes:
    roll = draw(st.integers(0, 9))
    if roll <= 3:
        return original
    if roll <= 5 and choices:
        return draw(st.sampled_from(choices))
    if roll == 6:
        return draw(_TEXT)
    if roll == 7:
        return draw(st.binary(min_size=1, max_size=12))  # mostly invalid UTF-8
    if roll == 8 and draw(st.integers(0, 20)) == 0:
        return "y" * 200_000  # far past the form limit
    return draw(st.sampled_from(HOSTILE_VALUES))


def draw_fields(draw, target: Target) -> list[tuple[str, str | bytes]]:
    """The fields to send: each kept, changed, left out or repeated."""
    pairs: list[tuple[str, str | bytes]] = []
    for name, original in target.fields:
        if name == "csrf_token" and draw(st.integers(0, 9)):
            pairs.append((name, original))  # mostly valid: else every answer is a 400
            continue
        times = draw(st.sampled_from((1, 1, 1, 1, 1, 0, 2)))
        pairs += [(name, _value(draw, original, target.choices.get(name, [])))
                  for _ in range(times)]
    if draw(st.integers(0, 9)) == 0:
        pairs.append((draw(st.sampled_from(("id", "page", "next", "x"))),
                      draw(st.sampled_from(HOSTILE_VALUES))))
    return pairs


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _multipart(pairs: list[tuple[str, str | bytes]], files: set[str]) -> tuple[bytes, str]:
    boundary = "fuzz-boundary-7Wq"
    body = io.BytesIO()
    for name, value in pairs:
        body.write(f"--{boundary}\r\n".encode())
        if name in files:
            body.write(f'Content-Disposition: form-data; name="{name}"; filename="x.jpg"\r\n'
                       "Content-Type: image/jpeg\r\n\r\n".encode())
        else:
            body.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        body.write(_as_bytes(value) + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def send(client, target: Target, pairs: list[tuple[str, str | bytes]], as_json: bool = False):
    if target.method == "GET":
        path, _query = split_query(target.url)
        return client.get(f"{path}?{urlencode(pairs)}")
    if as_json:  # no form here posts JSON; a JSON body must not be read as one
        return client.post(target.url, json={name: value if isinstance(value, str) else
                                             [value.decode(errors="replace"), {"x": 1}]
                                             for name, value in pairs})
    if target.multipart:
        files = {name for name, value in target.fields if value == "" and "photo" in name
                 or name.startswith("image")}
        body, content_type = _multipart(pairs, files)
    else:
        body, content_type = urlencode(pairs).encode(), "application/x-www-form-urlencoded"
    return client.post(target.url, data=body, content_type=content_type)


def _flashed_error(client) -> bool:
    with client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    return any(category == "error" for category, _message in flashes)


def fuzz_target(app: Flask, client, role: str, target: Target, examples: int,
                tally: Tally) -> None:
    """Run Hypothesis on one target; failures are collected in ``tally``."""
    tally.targets += 1

    @settings(max_examples=examples, deadline=None, database=None, derandomize=examples <= 5,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(st.data())
    def check(data) -> None:
        # Hypothesis seeds the global random module alike for every example; Whoosh names
        # its segment files with it, so identical names would collide in the index.
        random.seed()
        pairs = data.draw(st.composite(lambda draw: draw_fields(draw, target))())
        as_json = data.draw(st.integers(0, 9)) == 0
        # A GET changes nothing stored whatever it is sent (checked by the crawls' pages);
        # the fingerprint costs as much as the request, so only forms that post pay for it.
        before = fingerprint() if target.method == "POST" else None
        try:
            response = send(client, target, pairs, as_json)
        except Exception as error:  # in tests Flask raises what would be a 500
            raise AssertionError(f"500 ({type(error).__name__}: {error}): {role} "
                                 f"{target.method} {target.url} {pairs!r:.300}") from error
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()
        where = f"{role} {target.method} {target.url} {pairs!r:.300}"
        assert response.status_code < 500, f"{response.status_code}: {where}"
        assert injected(html) == [], f"payload shown as markup: {where}"
        failed = (response.status_code >= 400 or 'class="error-summary"' in html
                  or _flashed_error(client))
        if failed and before is not None:
            assert fingerprint() == before, f"data changed on an error ({response.status_code})"\
                f": {where}"

    try:
        check()
    except AssertionError as error:
        tally.failures.append(str(error).splitlines()[0][:600])


def fuzzable(targets: list[Target]) -> list[Target]:
    return [t for t in targets if not t.url.startswith(SKIPPED_ACTIONS)]
