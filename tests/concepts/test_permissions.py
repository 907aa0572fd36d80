"""Permission matrix of the concepts feature: every route x every role -> the expected answer.

One test per role walks the whole table in order (later rows build on earlier changes); a
failure shows every cell of that role that differs. DONE: the change was accepted and we were
sent back. "verborgen" is an unpublished challenge: only its core team and admins see it.
Admins may look at scores but not give them (403).
"""

from __future__ import annotations

import pytest

from ideation.challenges.models import PhaseKind
from ideation.concepts import scoring
from ideation.extensions import db
from tests import factories
from tests.concepts.conftest import make_cluster, make_concept
from tests.ideas.conftest import quick_user
from tests.permissions import DONE, NO, NOT_SEEN, ROLES, make_person, walk_matrix

EVERYONE = (200, 200, 200, 200, 200, 200)
TEAM_ONLY = (404, 404, 404, 404, 200, 200)  # a public page that is not published yet

# fmt: off
MATRIX = [
    # method, path,                                      body,        statuses
    ("GET",  "/c/open/concepts",                           None,        (*NO, 200, 200)),
    ("GET",  "/c/open/concepts?sort=disagreement&state=draft", None,    (*NO, 200, 200)),
    ("GET",  "/c/open/concepts?sort=zzz&state=bogus",      None,        (*NO, 200, 200)),
    ("GET",  "/c/verborgen/concepts",                      None,        (*NOT_SEEN, 200, 200)),
    ("GET",  "/c/open/concepts/new",                       None,        (*NO, 200, 200)),
    ("GET",  "/c/open/concepts/new?cluster={cluster}",     None,        (*NO, 200, 200)),
    ("POST", "/c/open/concepts/new",                       "new",       (*NO, DONE, DONE)),
    ("POST", "/c/open/concepts/new",                       "no_title",  (*NO, 422, 422)),
    ("GET",  "/c/open/concepts/{public}",                  None,        EVERYONE),
    ("GET",  "/c/open/concepts/{draft}",                   None,        TEAM_ONLY),
    ("GET",  "/c/open/concepts/{foreign}",                 None,        (404,) * 6),
    ("GET",  "/c/open/concepts/9999",                      None,        (404,) * 6),
    ("GET",  "/c/verborgen/concepts/{hidden}",             None,        TEAM_ONLY),
    ("GET",  "/c/open/concepts/{draft}/manage",            None,        (*NO, 200, 200)),
    ("GET",  "/c/open/concepts/{foreign}/manage",          None,        (*NO, 404, 404)),
    ("POST", "/c/open/concepts/{draft}/edit",              "edit",      (*NO, DONE, DONE)),
    ("POST", "/c/open/concepts/{draft}/edit",              "no_title",  (*NO, 422, 422)),
    ("POST", "/c/open/concepts/{draft}/clusters",          "clusters",  (*NO, DONE, DONE)),
    ("POST", "/c/open/concepts/{draft}/state",             "state",     (*NO, DONE, DONE)),
    ("POST", "/c/open/concepts/{draft}/state",             "no_reason", (*NO, 422, 422)),
    ("POST", "/c/open/concepts/{draft}/publish",           "publish",   (*NO, DONE, DONE)),
    ("POST", "/c/open/concepts/{draft}/scores",            "scores",    (*NO, DONE, 403)),
    ("POST", "/c/open/concepts/{draft}/scores",            "empty",     (*NO, 422, 403)),
    ("GET",  "/c/open/concepts/criteria",                  None,        (*NO, 200, 200)),
    ("POST", "/c/open/concepts/criteria",                  "add",       (*NO, DONE, DONE)),
    ("POST", "/c/open/concepts/criteria/{first}",          "rename",    (*NO, DONE, DONE)),
    ("POST", "/c/open/concepts/criteria/{first}/move",     "down",      (*NO, DONE, DONE)),
    ("POST", "/c/open/concepts/criteria/{last}/remove",    "empty",     (*NO, 422, 422)),
    ("POST", "/c/open/concepts/criteria/{last}/remove",    "confirm",   (*NO, DONE, DONE)),
    ("POST", "/c/open/concepts/criteria/{foreign_criterion}", "rename", (*NO, 404, 404)),
]
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, role):
    challenge = factories.make_challenge("open", phase=PhaseKind.realistic)
    hidden = factories.make_challenge("verborgen", published=False, phase=PhaseKind.realistic)
    other = factories.make_challenge("ander", phase=PhaseKind.realistic)
    builder = quick_user("core_team", challenge)
    cluster = make_cluster(builder, challenge, "Loket", ideas=2)
    public = make_concept(builder, challenge, [cluster], title="Publiek")
    draft = make_concept(builder, challenge, [cluster], title="Concept",
                         realistic="De gemeente, met de partners.")
    hidden_builder = quick_user("core_team", hidden)
    hidden_concept = make_concept(hidden_builder, hidden,
                                  [make_cluster(hidden_builder, hidden, "Verborgen")])
    other_builder = quick_user("core_team", other)
    foreign = make_concept(other_builder, other, [make_cluster(other_builder, other, "Elders")])
    public.is_published = True  # straight in the model: the publish route is tested below
    db.session.commit()
    criteria = scoring.criteria_of(challenge)
    ids = {"cluster": cluster.id, "public": public.id, "draft": draft.id, "foreign": foreign.id,
           "hidden": hidden_concept.id, "first": criteria[0].id, "last": criteria[-1].id,
           "foreign_criterion": scoring.criteria_of(other)[0].id}
    bodies = {
        "new": {"title": "Nieuw", "dream_big": "Droom", "cluster_ids": [cluster.id]},
        "no_title": {"title": "", "dream_big": "Droom", "cluster_ids": [cluster.id]},
        "edit": {"title": "Concept 2", "dream_big": "Droom", "realistic": "Wie, wat."},
        "clusters": {"cluster_ids": [cluster.id]},
        "state": {"state": "realistic", "reason": "Besproken"},
        "no_reason": {"state": "parked", "reason": ""},
        "publish": {"publish": "1"},
        "scores": {f"c{c.id}": "3" for c in criteria},
        "empty": {},
        "add": {"add-name": "Snelheid", "add-help_text": "1 = traag, 5 = snel"},
        "rename": {f"e{criteria[0].id}-name": "Impact",
                   f"e{ids['foreign_criterion']}-name": "Impact"},
        "down": {"direction": "down"},
        "confirm": {f"r{criteria[-1].id}-confirm": "y"},
    }
    person = make_person(role, challenge, hidden, other)
    if person is not None:
        assert client.login(person).status_code == 302

    expected, actual = walk_matrix(client, MATRIX, role, ids, bodies)

    assert actual == expected
