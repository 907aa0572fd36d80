"""Every person finds every page by clicking (issue 13): the demo is crawled as each person
from where they start (tests/crawl.py), and

- no link, form target, redirect or image answers 404, 403 or 5xx;
- every page passes the request-level page checks (tests/crawl.py: PAGE_CHECKS);
- every page the route x role matrix (tests/route_matrix.py) opens to a person is reached by
  some link, except the pages listed below with the reason why no link leads there.
"""

from __future__ import annotations

from urllib.request import urlopen

import pytest

from tests.crawl import CRAWL_ROLES, html_pages
from tests.route_matrix import may_use

# Pages no link leads to, for everyone, and why.
NOT_LINKED = {
    "core.healthz": "for the load balancer and monitoring, not for people",
    "core.readyz": "for the load balancer and monitoring, not for people",
    "static": "style sheets, scripts and the icon that pages load, not pages",
    "ideas.similar": "JSON for the live hint on the idea form (static/js/similar-ideas.js)",
    "curation.proposal_status": "JSON for the progress bar while suggestions are computed "
                                "(static/js/job-progress.js), not a page",
    "validation.token_answer": "the personal link comes by e-mail (the stakeholder_link crawl "
                               "starts there)",
    "validation.token_image": "the images of the page behind the personal link",
    "validation.stop_reminders": "at the end of every round e-mail, and on the page behind the "
                                 "personal link while the answers are not sent",
    "accounts.confirm_email": "the confirmation link comes by e-mail",
    "sessions.screen_feed": "the changing part of the projector view, fetched by "
                            "static/js/live-feed.js; without JavaScript the view reloads itself",
    "accounts.registered": "where registering leads (a redirect after the form), not a link",
    **{f"api.{name}": "the JSON API: its paths are in /api/v1/openapi.json, which the "
                      "challenge page links to; not pages"
       for name in ("challenges", "challenge", "ideas", "clusters", "concepts", "prototypes",
                    "decisions", "actions")},
}

# Pages a person may open but that are not theirs to find, and why.
NOT_FOR = {
    **{(role, "validation.my_rounds"): "not invited to any round: the menu offers the page to "
                                       "those who are" for role in ("citizen", "core_team",
                                                                     "admin")},
    **{(role, "accounts.forgot_password"): "logged in, so the password is known; the page is "
                                           "linked from the log-in page"
       for role in ("citizen", "stakeholder", "core_team", "admin")},
    ("citizen", "ideas.edit_comment"): "the demo's responses are older than the 15 minutes in "
                                       "which their author may change them (the page says so)",
    **{(role, "validation.minority_answers"): "the page of all reasons is linked from a "
                                              "minority with more than 50 (the demo's have a "
                                              "few, all on the report)"
       for role in ("core_team", "admin")},
}


def pages_for(role: str) -> set[str]:
    """What ``role`` may open by the matrix; the stakeholder without an account is anonymous
    with a personal link."""
    if role == "stakeholder_link":
        return may_use("anonymous")
    return may_use(role)


def expected_reached(role: str) -> set[str]:
    skip = set(NOT_LINKED)
    if role == "stakeholder_link":
        skip -= {"validation.token_answer", "validation.token_image",
                 "validation.stop_reminders"}
    return {endpoint for endpoint in pages_for(role) - skip if (role, endpoint) not in NOT_FOR}


@pytest.mark.parametrize("role", CRAWL_ROLES)
def test_no_link_leads_to_a_missing_page_or_an_error(demo_crawls, role):
    crawl = demo_crawls[role]
    assert [(p.url, p.status, p.found_on) for p in crawl.broken()] == []


@pytest.mark.parametrize("role", CRAWL_ROLES)
def test_every_crawled_page_passes_the_page_checks(demo_crawls, role):
    assert demo_crawls[role].problems == []


@pytest.mark.parametrize("role", CRAWL_ROLES)
def test_every_page_a_person_may_use_is_reached_by_a_link(demo_crawls, role):
    crawl = demo_crawls[role]
    orphans = sorted(expected_reached(role) - crawl.reached())
    assert orphans == [], f"no link leads {role} to: {orphans}"


@pytest.mark.parametrize("role", CRAWL_ROLES)
def test_a_crawl_stays_on_the_pages_the_person_may_use(demo_crawls, role):
    crawl = demo_crawls[role]
    assert crawl.reached() <= pages_for(role)
    assert [(p.url, p.status, p.found_on) for p in crawl.pages if p.status == 403] == []


def test_the_exceptions_name_real_routes_only(demo_site):
    endpoints = {rule.endpoint for rule in demo_site.app.url_map.iter_rules()}
    assert set(NOT_LINKED) <= endpoints
    assert {endpoint for _role, endpoint in NOT_FOR} <= endpoints


def test_the_crawled_pages_open_on_a_live_server_for_checks_in_a_browser(demo_site,
                                                                        demo_crawls):
    pages = html_pages(demo_crawls)
    assert {role for role, _url in pages} == set(CRAWL_ROLES)
    anonymous = next(url for role, url in pages if role == "anonymous" and url != "/")
    with demo_site.serve() as base, urlopen(base + anonymous) as response:  # noqa: S310
        assert response.status == 200 and b'<html lang="nl">' in response.read(300)
