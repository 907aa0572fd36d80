"""Permission matrix: every route of the ideas feature x every role -> the expected answer.

"citizen" is the author of the ideas; "other_citizen" is anyone else with an account.
LOGIN means: sent to the log-in page. DONE means: the change was made and we were redirected.
"""

from __future__ import annotations

import pytest

from ideation.extensions import db
from ideation.ideas import commenting
from ideation.moderation import services as moderation
from tests import factories
from tests.ideas.conftest import make_idea, quick_user

LOGIN, DONE = "login", "done"
ROLES = ("anonymous", "citizen", "other_citizen", "other_core_team", "core_team", "admin")

IDEA_FORM = {"title": "Titel", "description": "Tekst", "theme_id": "", "consent": "y"}

# (method, path, form data, expected per role in the order of ROLES)
ROUTES = {
    "gallery": ("GET", "/c/{slug}/ideas", None, [200, 200, 200, 200, 200, 200]),
    "new form": ("GET", "/c/{slug}/ideas/new", None, [LOGIN, 200, 200, 200, 200, 200]),
    "send in": ("POST", "/c/{slug}/ideas/new", IDEA_FORM, [LOGIN, DONE, DONE, DONE, DONE, DONE]),
    "idea page": ("GET", "/c/{slug}/ideas/{idea}", None, [200, 200, 200, 200, 200, 200]),
    "hidden idea page": ("GET", "/c/{slug}/ideas/{hidden}", None,
                         [404, 200, 404, 404, 200, 200]),
    "edit form": ("GET", "/c/{slug}/ideas/{idea}/edit", None, [LOGIN, 200, 403, 403, 403, 403]),
    "edit": ("POST", "/c/{slug}/ideas/{idea}/edit", IDEA_FORM, [LOGIN, DONE, 403, 403, 403, 403]),
    "withdraw": ("POST", "/c/{slug}/ideas/{idea}/withdraw", {},
                 [LOGIN, DONE, 403, 403, 403, 403]),
    "withdraw hidden": ("POST", "/c/{slug}/ideas/{hidden}/withdraw", {},
                        [LOGIN, DONE, 404, 404, 403, 403]),
    "support": ("POST", "/c/{slug}/ideas/{idea}/support", {},
                [LOGIN, DONE, DONE, DONE, DONE, DONE]),
    "comment": ("POST", "/c/{slug}/ideas/{idea}/comments", {"body": "Mooi"},
                [LOGIN, DONE, DONE, DONE, DONE, DONE]),
    "comment edit form": ("GET", "/c/{slug}/ideas/{idea}/comments/{comment}/edit", None,
                          [LOGIN, 200, 403, 403, 403, 403]),
    "comment edit": ("POST", "/c/{slug}/ideas/{idea}/comments/{comment}/edit", {"body": "Ja"},
                     [LOGIN, DONE, 403, 403, 403, 403]),
    "moderate": ("POST", "/c/{slug}/ideas/{idea}/moderate", {"status": "hidden", "reason": "x"},
                 [LOGIN, 403, 403, 403, DONE, DONE]),
    "settings form": ("GET", "/c/{slug}/ideas/settings", None, [LOGIN, 403, 403, 403, 200, 200]),
    "settings": ("POST", "/c/{slug}/ideas/settings", {"is_premoderated": "y"},
                 [LOGIN, 403, 403, 403, DONE, DONE]),
    "photo": ("GET", "/media/ideas/{photo}/thumb", None, [200, 200, 200, 200, 200, 200]),
    "photo of hidden idea": ("GET", "/media/ideas/{hidden_photo}/display", None,
                             [404, 200, 404, 404, 200, 200]),
    "my ideas": ("GET", "/my/ideas", None, [LOGIN, 200, 200, 200, 200, 200]),
}

CASES = [(route, role, expected[i]) for route, (_m, _p, _d, expected) in ROUTES.items()
         for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("route", "role", "expected"), CASES,
                         ids=[f"{route}-{role}" for route, role, _e in CASES])
def test_permission_matrix(client, route, role, expected):
    challenge = factories.make_challenge(slug="scheiden")
    elsewhere = factories.make_challenge(slug="elders")
    author = quick_user()
    core = quick_user("core_team", challenge)
    photos = 1 if "photo" in route else 0  # storing photos is slow-ish; only where needed
    idea = make_idea(author, challenge, photos=photos)
    hidden = make_idea(author, challenge, photos=photos, title="Verborgen")
    moderation.decide_on_idea(core, hidden, "hide", "Reden")
    comment = commenting.comment(author, idea, "Eerste reactie")
    db.session.commit()
    users = {"citizen": author, "other_citizen": quick_user(),
             "other_core_team": quick_user("core_team", elsewhere), "core_team": core,
             "admin": quick_user("admin")}
    if role != "anonymous":
        client.login(users[role])

    method, path, data, _expected = ROUTES[route]
    url = path.format(slug=challenge.slug, idea=idea.id, hidden=hidden.id, comment=comment.id,
                      photo=idea.images[0].storage_key if photos else "",
                      hidden_photo=hidden.images[0].storage_key if photos else "")
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post_form(url, data, content_type="multipart/form-data")

    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in response.location
    elif expected == DONE:
        assert response.status_code == 302 and "/login" not in response.location
    else:
        assert response.status_code == expected
