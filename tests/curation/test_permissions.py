"""Permission matrix of the curation feature: every route x every role -> the expected answer.

One test per role walks the whole table in order (the core team's changes build on each
other); a failure shows every cell of that role that differs. DONE: the change was accepted and
we were sent back (also when the service explained why nothing changed, as undo does without a
move to undo). "concept" is an unpublished challenge: only its core team and admins see it.
"""

from __future__ import annotations

import pytest

from ideation.curation import proposals, services, themes
from ideation.curation.models import Cluster
from ideation.curation.themes import FoundGroup
from ideation.extensions import db
from ideation.jobs.models import Job
from ideation.jobs.services import dispatch
from tests import factories
from tests.ideas.conftest import make_idea, quick_user
from tests.permissions import DONE, NO, NOT_SEEN, ROLES, make_person, walk_matrix

# fmt: off
MATRIX = [
    # method, path,                                 body
    ("GET",  "/c/open/board",                         None,      (*NO, 200, 200)),
    ("GET",  "/c/open/board?all=y&q=Idee&theme=1",    None,      (*NO, 200, 200)),
    ("GET",  "/c/concept/board",                      None,      (*NOT_SEEN, 200, 200)),
    ("GET",  "/c/open/clusters/{a}",                  None,      (*NO, 200, 200)),
    ("POST", "/c/open/clusters/{a}",                  "edit",    (*NO, DONE, DONE)),
    ("POST", "/c/open/clusters/{a}",                  "no_name", (*NO, 422, 422)),
    ("POST", "/c/open/board/move",                    "move",    (*NO, DONE, DONE)),
    ("POST", "/c/open/board/new",                     "new",     (*NO, DONE, DONE)),
    ("POST", "/c/open/board/undo",                    "empty",   (*NO, DONE, DONE)),
    ("GET",  "/c/open/board/proposals/{p}",           None,      (*NO, 200, 200)),
    ("GET",  "/c/open/board/proposals/{p}/status",    None,      (*NO, 200, 200)),
    ("GET",  "/c/open/board/proposals/{p}/groups/{g}", None,     (*NO, 200, 200)),
    ("POST", "/c/open/board/proposals/{p}",           "accept",  (*NO, DONE, DONE)),
    ("POST", "/c/open/board/proposals/{p}/undo",      "empty",   (*NO, DONE, DONE)),
    ("POST", "/c/open/board/proposals/{p}",           "accept",  (*NO, DONE, DONE)),
    ("GET",  "/c/open/board/duplicates?threshold=60", None,      (*NO, 200, 200)),
    ("POST", "/c/open/board/duplicates/merge",        "empty",   (*NO, DONE, DONE)),
    ("POST", "/c/open/board/suggest",                 "empty",   (*NO, DONE, DONE)),
    ("POST", "/c/open/board/proposals/{p}/close",     "empty",   (*NO, DONE, DONE)),
    ("POST", "/c/open/clusters/{a}/split",            "split",   (*NO, DONE, DONE)),
    ("POST", "/c/open/clusters/{b}/merge",            "merge",   (*NO, DONE, DONE)),
    ("POST", "/c/open/clusters/{b}/unmerge",          "empty",   (*NO, DONE, DONE)),
    ("GET",  "/c/open/clusters/{foreign}",            None,      (*NO, 404, 404)),
]
# fmt: on


def fake_engine(docs, language, k=None, *, seed=0, progress=None):
    """One group of the last idea it is given."""
    last = [docs[-1][0]]
    return [FoundGroup(member_ids=last, scores=[1.0], tightness=1.0, name="Voorstel",
                       typical_ids=last)]


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, role, monkeypatch):
    monkeypatch.setattr(themes, "suggest_themes", fake_engine)
    challenge = factories.make_challenge("open")
    concept = factories.make_challenge("concept", published=False)
    other = factories.make_challenge("ander")
    builder = quick_user("core_team", challenge)
    ideas = [make_idea(quick_user(), challenge, title=f"Idee {n}") for n in range(4)]
    a = services.create_cluster(builder, challenge, "A")
    b = services.create_cluster(builder, challenge, "B")
    foreign = services.create_cluster(quick_user("core_team", other), other, "Elders")
    services.move_ideas_to_cluster(builder, challenge, [ideas[3].id], b)
    db.session.commit()
    proposal = proposals.request_suggestions(builder, challenge)
    db.session.commit()
    dispatch(db.session.get(Job, proposal.job_id))
    group = proposal.groups[0]
    ids = {"a": a.id, "b": b.id, "foreign": foreign.id, "p": proposal.id, "g": group.id}
    bodies = {
        "edit": {"name": "A2", "summary": "", "state": "open"},
        "no_name": {"name": "", "state": "open"},
        "move": {"idea_ids": [ideas[0].id], "cluster": str(a.id)},
        "new": {"idea_ids": [ideas[1].id], "name": "Nieuw"},
        "empty": {},
        "accept": {"action": "accept", "group_ids": [group.id]},
        "split": {"idea_ids": [ideas[0].id], "new_name": "Apart"},
        "merge": {"into": a.id},
    }
    person = make_person(role, challenge, concept, other)
    if person is not None:
        assert client.login(person).status_code == 302

    expected, actual = walk_matrix(client, MATRIX, role, ids, bodies)

    assert actual == expected
    db.session.expire_all()
    clusters = {c.name: c for c in db.session.scalars(db.select(Cluster))}
    placed = [clusters_name(clusters, idea.cluster_id) for idea in ideas]
    if role in ("core_team", "admin"):
        # move then split; new cluster then undo; suggestion accepted, undone, accepted again;
        # merge then unmerge
        assert placed == ["Apart", None, "Voorstel", "B"]
        assert clusters["B"].merged_into_id is None and "A2" in clusters
    else:
        assert placed == [None, None, None, "B"] and set(clusters) == {"A", "B", "Elders"}


def clusters_name(clusters, cluster_id):
    return next((name for name, c in clusters.items() if c.id == cluster_id), None)
