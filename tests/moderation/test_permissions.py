"""Permission matrix: every moderation route x every role -> the expected answer.

"author" wrote the idea and the response; "citizen" is anyone else with an account.
LOGIN: sent to the log-in page. DONE: the change was made and we were redirected.
REFUSED: sent back to the idea with a message, and nothing was stored.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideation.extensions import db
from ideation.ideas import commenting
from ideation.moderation import services
from ideation.moderation.models import Report
from tests import factories
from tests.ideas.conftest import make_idea, quick_user

LOGIN, DONE, REFUSED = "login", "done", "refused"
ROLES = ("anonymous", "author", "citizen", "stakeholder", "other_core_team", "core_team",
         "admin")
TEAM_ONLY_PAGE = [LOGIN, 403, 403, 403, 403, 200, 200]
TEAM_ONLY_ACTION = [LOGIN, 403, 403, 403, 403, DONE, DONE]
REPORT = {"reason": "Dit hoort hier niet"}

# (method, path, form data, expected per role in the order of ROLES)
ROUTES = {
    "queue": ("GET", "/c/{slug}/moderation", None, TEAM_ONLY_PAGE),
    "queue reported": ("GET", "/c/{slug}/moderation?tab=reported", None, TEAM_ONLY_PAGE),
    "queue hidden": ("GET", "/c/{slug}/moderation?tab=hidden", None, TEAM_ONLY_PAGE),
    "hide idea": ("POST", "/c/{slug}/moderation/ideas/{idea}",
                  {"action": "hide", "reason": "Reden"}, TEAM_ONLY_ACTION),
    "restore idea": ("POST", "/c/{slug}/moderation/ideas/{hidden}", {"action": "restore"},
                     TEAM_ONLY_ACTION),
    "hide comment": ("POST", "/c/{slug}/moderation/comments/{comment}",
                     {"action": "hide", "reason": "Reden"}, TEAM_ONLY_ACTION),
    "dismiss": ("POST", "/c/{slug}/moderation/reports/{report}/dismiss", {}, TEAM_ONLY_ACTION),
    "report idea form": ("GET", "/c/{slug}/ideas/{idea}/report", None,
                         [LOGIN, REFUSED, 200, 200, 200, 200, 200]),
    "report idea": ("POST", "/c/{slug}/ideas/{idea}/report", REPORT,
                    [LOGIN, REFUSED, DONE, DONE, DONE, DONE, DONE]),
    "report comment form": ("GET", "/c/{slug}/ideas/{idea}/comments/{comment}/report", None,
                            [LOGIN, REFUSED, 200, 200, 200, 200, 200]),
    "report comment": ("POST", "/c/{slug}/ideas/{idea}/comments/{comment}/report", REPORT,
                       [LOGIN, REFUSED, DONE, DONE, DONE, DONE, DONE]),
    "report hidden idea": ("POST", "/c/{slug}/ideas/{hidden}/report", REPORT,
                           [LOGIN, 404, 404, 404, 404, 404, 404]),
}

CASES = [(route, role, expected[i]) for route, (_m, _p, _d, expected) in ROUTES.items()
         for i, role in enumerate(ROLES)]


def count_reports() -> int:
    return db.session.scalar(select(func.count(Report.id))) or 0


@pytest.mark.parametrize(("route", "role", "expected"), CASES,
                         ids=[f"{route}-{role}" for route, role, _e in CASES])
def test_permission_matrix(client, route, role, expected):
    challenge = factories.make_challenge(slug="scheiden")
    elsewhere = factories.make_challenge(slug="elders")
    author, bystander = quick_user(), quick_user()
    core = quick_user("core_team", challenge)
    idea = make_idea(author, challenge)
    hidden = make_idea(author, challenge, title="Verborgen")
    services.decide_on_idea(core, hidden, "hide", "Reden")
    comment = commenting.comment(author, idea, "Eerste reactie")
    report = services.report_idea(bystander, idea, "Reclame")
    db.session.commit()
    users = {"author": author, "citizen": quick_user(),
             "stakeholder": quick_user("stakeholder", challenge),
             "other_core_team": quick_user("core_team", elsewhere), "core_team": core,
             "admin": quick_user("admin")}
    if role != "anonymous":
        client.login(users[role])

    method, path, data, _expected = ROUTES[route]
    url = path.format(slug=challenge.slug, idea=idea.id, hidden=hidden.id, comment=comment.id,
                      report=report.id)
    before = count_reports()
    response = client.get(url) if method == "GET" else client.post_form(url, data)

    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in response.location
    elif expected == DONE:
        assert response.status_code == 302 and "/login" not in response.location
    elif expected == REFUSED:
        assert response.status_code == 302
        assert response.location.split("#")[0].endswith(f"/ideas/{idea.id}")
        assert count_reports() == before
    else:
        assert response.status_code == expected
