"""Hostile input everywhere, for every role: stored payloads, fuzzed forms and query strings.

One data set (``tests/hostile.py``: the demo with a stored-XSS payload in every text field
people can write) and one crawl per role (anonymous, citizen, stakeholder with an account
and by personal link, core team, admin) following the links of the site:

1. No page shows a payload as markup (``tests/xss.py``: no element or attribute a payload
   brought in) and no page fails.
2. Then Hypothesis sends every form and every query string found on those pages valid and
   hostile values (``tests/fuzz.py``): no 5xx, no payload as markup in the answer, and an
   answer that is an error leaves the database as it was.

``make stress`` repeats both with more: the pages in Chromium, many more examples per form.
"""

from __future__ import annotations

from ideation.extensions import limiter
from tests.forms import targets_of
from tests.fuzz import Tally, fuzz_target, fuzzable
from tests.hostile import (
    NOT_USER_TEXT,
    ROLES,
    USER_TEXT,
    build_hostile_data,
    columns_without_payload,
    crawl_as,
    text_columns,
)
from tests.xss import injected

EXAMPLES = 3  # per form or query string; make stress: tests/stress/test_hostile_long.py


def test_every_text_column_is_either_hostile_or_explained(app):
    hostile = {f"{table}.{column}" for table, columns in USER_TEXT.items() for column in columns}

    assert text_columns() - hostile - set(NOT_USER_TEXT) == set()
    assert hostile | set(NOT_USER_TEXT) <= text_columns()


def crawl_and_fuzz(app, *, per_kind: int, examples: int) -> tuple[dict[str, int], list[str],
                                                                   Tally]:
    """Pages per role, what was wrong on them, and the fuzzing's tally."""
    limiter.enabled = False  # the limits would answer 429 to most of the fuzzing
    data = build_hostile_data(app)
    assert columns_without_payload() == []
    pages_per_role, problems, tally = {}, [], Tally()
    for role in ROLES:
        client, pages = crawl_as(app, data, role, per_kind=per_kind)
        pages_per_role[role] = len(pages)
        problems += [f"{role} {page.url}: {page.status}" for page in pages if page.is_broken]
        problems += [f"{role} {page.url}: {element}" for page in pages if page.html
                     for element in injected(page.html)]
        for target in fuzzable(targets_of(app, pages)):
            fuzz_target(app, client, role, target, examples, tally)
    print(f"pages per role: {pages_per_role}; fuzzed {tally.targets} targets with "  # noqa: T201
          f"{tally.requests} requests: {dict(sorted(tally.statuses.items()))}")
    return pages_per_role, problems, tally


def test_no_stored_payload_is_markup_and_no_input_gives_a_5xx_or_a_change_on_an_error(app):
    try:
        pages, problems, tally = crawl_and_fuzz(app, per_kind=3, examples=EXAMPLES)
    finally:
        limiter.enabled = True

    assert problems == []
    assert tally.failures == []
    assert not any(status >= 500 for status in tally.statuses)
    # The crawls reached the pages that show the payloads, and found the forms.
    assert pages["anonymous"] >= 20 and pages["core_team"] >= 60, pages
    assert pages["link"] >= 1 and pages["admin"] >= 60, pages
    assert tally.targets >= 150, tally.targets
