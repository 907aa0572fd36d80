"""The second demo challenge shows the whole chain: ideas, clusters, scored concepts, a prototype
with two versions, a decided validation round and an open one."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from ideation.accounts.models import User
from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.phases import current_phase
from ideation.concepts.models import Concept, ConceptCriterion, ConceptScore, ConceptState
from ideation.core.models import AuditEvent, OutgoingMail
from ideation.curation.models import Cluster, ClusterState
from ideation.extensions import db
from ideation.ideas.models import Idea
from ideation.notifications.models import Notification
from ideation.prototypes.models import Prototype, PrototypeImage, PrototypeVersion
from ideation.validation.demo_content import (
    CONCEPTS,
    CONCERN_ANSWERS,
    DECISION,
    PROTOTYPE_TITLE,
    SLUG,
    VERSION_TWO,
)
from ideation.validation.minority import minority_report
from ideation.validation.models import (
    Answer,
    Decision,
    DecisionConcern,
    Invitation,
    Outcome,
    Response,
    Round,
    RoundState,
)

LINK = re.compile(r"belanghebbende@example\.org can answer round 2 without logging in: (\S+)")
STAKEHOLDER = "belanghebbende@example.org"


@pytest.fixture
def demo_output(loaded_demo: str) -> str:
    return loaded_demo


def _challenge() -> Challenge:
    return db.session.scalar(select(Challenge).where(Challenge.slug == SLUG))


def _prototype() -> Prototype:
    return db.session.scalar(select(Prototype).join(Challenge).where(
        Challenge.slug == SLUG, Prototype.title == PROTOTYPE_TITLE))


def _rounds() -> list[Round]:
    """The rounds of the demo's first prototype (the online plan)."""
    return list(db.session.scalars(select(Round).where(Round.prototype_id == _prototype().id)
                                   .order_by(Round.id)))


def _password(output: str, email: str) -> str:
    line = next(x for x in output.splitlines() if email in x and "password:" in x)
    return line.split("password:")[1].strip()


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_second_demo_is_in_its_prototype_phase_with_clusters_and_two_scored_concepts(
        demo_output):
    challenge = _challenge()
    assert challenge.is_published and challenge.language.value == "nl"
    assert current_phase(challenge).kind is PhaseKind.prototype
    ideas = db.session.scalars(select(Idea).where(Idea.challenge_id == challenge.id)).all()
    assert 35 <= len(ideas) <= 45
    assert len({idea.author_id for idea in ideas}) >= 5
    clusters = db.session.scalars(select(Cluster).where(Cluster.challenge_id == challenge.id)
                                  ).all()
    assert len(clusters) == 4 and all(c.is_published for c in clusters)
    assert sum(c.state is ClusterState.shortlisted for c in clusters) == 3
    assert sum(idea.cluster_id is not None for idea in ideas) >= 30

    concepts = db.session.scalars(select(Concept).where(
        Concept.challenge_id == challenge.id, Concept.title.in_([t.title for t in CONCEPTS]))
        .order_by(Concept.id)).all()
    assert [c.title for c in concepts] == [text.title for text in CONCEPTS]
    assert all(c.is_published and c.dream_big and c.realistic for c in concepts)
    assert [c.state for c in concepts] == [ConceptState.prototyping, ConceptState.prototyping]
    core = db.session.scalar(select(User).where(User.email == "kernteam@example.org"))
    criteria = db.session.scalars(select(ConceptCriterion.id).where(
        ConceptCriterion.challenge_id == challenge.id)).all()
    assert len(criteria) == 4
    for concept in concepts:
        scored = db.session.scalars(select(ConceptScore.criterion_id).where(
            ConceptScore.concept_id == concept.id, ConceptScore.user_id == core.id)).all()
        assert sorted(scored) == sorted(criteria)


def test_the_demo_prototype_has_two_versions_a_decided_round_and_an_open_round(demo_output):
    prototype = _prototype()
    assert prototype.title == PROTOTYPE_TITLE and prototype.is_published
    version_one, version_two = prototype.versions
    assert (version_one.number, version_two.number) == (1, 2)
    assert version_two.description == VERSION_TWO
    assert version_two.changes and version_two.change_reason
    for version in (version_one, version_two):
        assert len(version.images) == 1 and version.images[0].alt_text

    first, second = _rounds()
    assert version_two.based_on_round_id == first.id
    assert first.state is RoundState.closed and first.version == version_one
    submitted = db.session.scalars(select(Response).where(
        Response.round_id == first.id, Response.submitted_dt.is_not(None))).all()
    assert len(submitted) == 24
    assert len({response.group_id for response in submitted}) == 4
    decision = first.decision
    assert decision.outcome is Outcome.iterate and decision.rationale == DECISION
    report = minority_report(first)
    assert len(report.concerns) == len(CONCERN_ANSWERS)  # a known answer: 4 concerns
    assert any(c.kind == "group" and c.count == 3 for c in report.concerns)  # the lawyers
    assert {c.key for c in decision.concerns} == {c.key for c in report.concerns}
    assert all(c.answer.strip() for c in decision.concerns)
    assert {c.disposition.value for c in decision.concerns} == {"answered", "set_aside"}

    assert second.state is RoundState.open and second.version == version_two
    assert second.copied_from_id == first.id
    assert [q.text for q in second.questions] == [q.text for q in first.questions]
    emails = db.session.scalars(select(Invitation.email).where(
        Invitation.round_id == second.id)).all()
    assert STAKEHOLDER in emails and len(emails) >= 4

    # Through the services, so the audit log and the public timeline have every step.
    public = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.challenge_id == prototype.challenge_id, AuditEvent.is_public.is_(True))))
    assert {"idea.submitted", "cluster.published", "concept.published",
            "concept.state_changed", "prototype.published", "prototype.version_added",
            "round.opened", "round.closed", "round.decided"} <= public
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "response.submitted")) >= 27


def test_the_demo_citizen_is_told_their_idea_is_part_of_the_prototype(demo_output, client):
    citizen = db.session.scalar(select(User).where(User.email == "burger@example.org"))
    kinds = db.session.scalars(select(Notification.kind).where(
        Notification.user_id == citizen.id)).all()
    assert "idea_in_prototype" in kinds and "idea_in_concept" in kinds

    client.login("burger@example.org", _password(demo_output, "burger@example.org"))
    page = client.get("/my/ideas", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert PROTOTYPE_TITLE in page


def test_the_public_prototype_page_shows_lineage_versions_and_the_decision_in_english(
        demo_output, client):
    prototype = _prototype()
    response = client.get(f"/c/{SLUG}/prototypes/{prototype.id}",
                          headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Where this prototype comes from" in page
    assert CONCEPTS[0].title in page
    assert "Eén plan voor twee huizen" in page and "Praten zonder ruzie" in page
    assert "All versions" in page and "Version 2: the latest version" in page
    assert "Decisions" in page
    assert "versie 2 en testen die opnieuw" in page  # the rationale
    assert "printversie voor de rechter en het akkoord" in page  # the lawyers' answer


def test_the_public_prototype_page_and_challenge_page_render_in_dutch(demo_output, client):
    prototype = _prototype()
    page = client.get(f"/c/{SLUG}/prototypes/{prototype.id}",
                      headers={"Accept-Language": "nl"})
    assert page.status_code == 200 and PROTOTYPE_TITLE in page.get_data(as_text=True)
    assert client.get(f"/c/{SLUG}", headers={"Accept-Language": "nl"}).status_code == 200
    timeline = client.get(f"/c/{SLUG}/timeline", headers={"Accept-Language": "en"})
    assert f"The prototype “{PROTOTYPE_TITLE}” has a new version: version 2." in re.sub(
        r"<[^>]+>", "", timeline.get_data(as_text=True))


def test_the_demo_stakeholder_sees_round_two_on_my_rounds(demo_output, client):
    client.login(STAKEHOLDER, _password(demo_output, STAKEHOLDER))
    response = client.get("/rounds", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    first, second = _rounds()
    open_part = page.split("Closed rounds")[0]
    assert second.title in open_part and first.title not in open_part


def test_the_printed_link_opens_round_two_without_logging_in(demo_output, client):
    link = LINK.search(demo_output)
    assert link, demo_output
    url = urlsplit(link.group(1))
    assert f"{url.scheme}://{url.netloc}" == "http://localhost:8000"  # IDEATION_BASE_URL
    response = client.get(url.path, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert VERSION_TWO[:40] in response.get_data(as_text=True)


def test_loading_the_demo_twice_adds_nothing_and_prints_the_link_again(demo_output, runner):
    models = (Challenge, User, Idea, Cluster, Concept, ConceptScore, Prototype,
              PrototypeVersion, PrototypeImage, Round, Invitation, Response, Answer, Decision,
              DecisionConcern, AuditEvent, Notification, OutgoingMail)
    before = {model.__name__: _count(model) for model in models}
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert {model.__name__: _count(model) for model in models} == before
    assert LINK.search(again.output).group(1) == LINK.search(demo_output).group(1)
