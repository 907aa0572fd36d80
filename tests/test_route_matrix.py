"""Every route of the URL map x every role, on the demo (issue 14: "a route x role matrix
generated from the URL map"). The expectations live in tests/route_matrix.py; the URLs come
from tests/demo_site.py, the same resolver the crawler uses.

- Every (endpoint, method) of the URL map has an expectation: a new route without one fails.
- Every GET answers every role as expected (so never a 5xx), in Dutch and in English, for
  every demo object the route is sampled with: anonymous, hidden, pending, withdrawn and
  merged ideas, draft, open, closed and undecided rounds, unpublished concepts, prototypes and
  challenges.
- Every POST without a CSRF token is refused (400), for every role.
- Every POST from a role that may not send it is turned away (log-in, 403 or 404) before its
  form is even read: an empty form with a valid token gets the same answer.
"""

from __future__ import annotations

import pytest

from tests.crawl import answer
from tests.permissions import ROLES
from tests.route_matrix import OK, TABLES, expectations

METHODS = ("GET", "POST")


def _routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods & set(METHODS)}


def _rows(site, method: str):
    """(endpoint, sample name, URL, expectation) for every cell of ``method``."""
    for endpoint in sorted(TABLES[method]):
        samples = site.samples[endpoint]
        for name, expected in expectations(method, endpoint, samples).items():
            yield endpoint, name, samples[name], expected


def test_every_route_of_the_url_map_has_an_expectation_for_every_role(demo_site):
    routes = _routes(demo_site.app)
    listed = {(endpoint, method) for method in METHODS for endpoint in TABLES[method]}
    missing = sorted(routes - listed)
    assert not missing, (f"routes without an expectation: {missing}; add them to GET or POST "
                         "in tests/route_matrix.py (and a demo object for their parameters "
                         "in tests/demo_site.py: resolve_samples)")
    assert not sorted(listed - routes), "tests/route_matrix.py lists routes that do not exist"
    methods = {method for rule in demo_site.app.url_map.iter_rules() for method in rule.methods}
    assert methods <= {"GET", "POST", "HEAD", "OPTIONS"}, "a new method: extend the matrix"
    for method in METHODS:
        for endpoint, row in TABLES[method].items():
            assert all(len(expected) == len(ROLES) for expected in (
                row.values() if isinstance(row, dict) else [row])), endpoint
            if isinstance(row, dict):
                assert set(row) == set(demo_site.samples[endpoint]), (
                    f"{method} {endpoint}: the expectations name {sorted(row)}, the samples of "
                    f"tests/demo_site.py {sorted(demo_site.samples[endpoint])}")


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_the_matrix_says(demo_site, role, language):
    client = demo_site.client(role, language=language)
    column = ROLES.index(role)
    expected, actual = {}, {}
    for endpoint, name, url, row in _rows(demo_site, "GET"):
        key = f"GET {endpoint} {name} {url}"
        expected[key], actual[key] = row[column], answer(client, "GET", url)
    assert actual == expected


@pytest.mark.parametrize("role", ROLES)
def test_every_post_without_a_csrf_token_is_refused(demo_site, role):
    client = demo_site.client(role)
    actual = {f"POST {endpoint} {name}": answer(client, "POST", url, data={})
              for endpoint, name, url, _row in _rows(demo_site, "POST")}
    assert actual == dict.fromkeys(actual, 400)


@pytest.mark.parametrize("role", ROLES)
def test_every_post_from_a_role_that_may_not_send_it_is_turned_away(demo_site, role):
    client = demo_site.client(role)
    column = ROLES.index(role)
    expected, actual = {}, {}
    for endpoint, name, url, row in _rows(demo_site, "POST"):
        if row[column] == OK:
            continue
        key = f"POST {endpoint} {name}"
        expected[key] = row[column]
        actual[key] = answer(client, "POST", url, data={"csrf_token": client.csrf_token()})
    assert actual == expected
