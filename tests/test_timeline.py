"""The public timeline: public audit events told as sentences, without names, newest first."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from ideation.accounts.models import User
from ideation.challenges import services as challenge_services
from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.timeline import latest_entries
from ideation.concepts import services as concepts
from ideation.concepts.models import Concept, ConceptState
from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.core.models import AuditEvent
from ideation.curation import duplicates
from ideation.curation import services as curation
from ideation.extensions import db
from ideation.ideas import submitting
from ideation.moderation import services as moderation
from ideation.prototypes.models import Prototype, PrototypeState
from ideation.validation.models import Round
from tests import factories
from tests.html import page_language
from tests.ideas.conftest import counted_queries, make_idea, quick_user
from tests.test_funnel import make_concept, make_prototype

EN = {"Accept-Language": "en"}


@pytest.fixture
def challenge(app) -> Challenge:
    return factories.make_challenge(slug="scheiden")


@pytest.fixture
def core(challenge) -> User:
    return quick_user("core_team", challenge, name="Karin Kernteam")


@pytest.fixture
def concept(challenge) -> Concept:
    return make_concept(challenge, "Eén loket")


@pytest.fixture
def prototype(concept) -> Prototype:
    return make_prototype(concept, "Digitaal loket")


def publish_concept(actor: User, concept: Concept) -> None:
    record_event(actor, "concept.published", concept, challenge=concept.challenge,
                 public=True, details={"title": concept.title})
    db.session.commit()


def make_round(prototype: Prototype, title: str = "Eerste ronde") -> Round:
    round_ = Round(challenge=prototype.challenge, prototype=prototype,
                   version=prototype.versions[0], title=title, opens_on=date.today(),
                   closes_on=date.today() + timedelta(days=7))
    db.session.add(round_)
    db.session.commit()
    return round_


def timeline_html(client, challenge: Challenge, page: int = 1, headers=EN) -> str:
    response = client.get(f"/c/{challenge.slug}/timeline?page={page}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def entries(html: str) -> list[str]:
    """The text of each timeline entry, tags removed."""
    items = re.findall(
        r'<span class="activity-text">(.*?)</span>\s*(?=<span class="activity-reason"|</li>)',
        html, re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


# --- sentences ------------------------------------------------------------------------------


def test_concept_events_read_in_english_with_the_title_and_plain_state_words(
    client, challenge, core, concept
):
    publish_concept(core, concept)
    record_event(core, "concept.state_changed", concept, challenge=challenge,
                 old=ConceptState.draft, new=ConceptState.realistic,
                 reason="De gemeente doet mee.", public=True, details={"title": "Eén loket"})
    db.session.commit()

    html = timeline_html(client, challenge)

    assert entries(html)[:2] == ["The concept “Eén loket” moved from draft to realistic.",
                                 "The concept “Eén loket” was published."]
    assert "Why:" in html and "De gemeente doet mee." in html


def test_prototype_and_round_events_read_with_title_number_and_outcome(
    client, challenge, core, prototype
):
    round_ = make_round(prototype)
    title = {"title": "Digitaal loket"}
    record_event(core, "prototype.published", prototype, challenge=challenge, public=True,
                 details=title)
    record_event(core, "prototype.version_added", prototype, challenge=challenge, public=True,
                 details={**title, "number": 2})
    round_details = {"title": "Eerste ronde", "prototype": "Digitaal loket"}
    for action in ("round.opened", "round.closed"):
        record_event(core, action, round_, challenge=challenge, public=True,
                     details=round_details)
    record_event(core, "round.decided", round_, challenge=challenge, public=True,
                 details={**round_details, "outcome": "adopt"})
    record_event(core, "prototype.state_changed", prototype, challenge=challenge,
                 old=PrototypeState.testing, new=PrototypeState.adopted, public=True,
                 reason="Iedereen was positief.", details=title)
    db.session.commit()

    assert entries(timeline_html(client, challenge))[:6] == [
        "The prototype “Digitaal loket” moved from being tested to adopted.",
        "Decision after the validation round “Eerste ronde” for the prototype "
        "“Digitaal loket”: adopt the prototype.",
        "The validation round “Eerste ronde” for the prototype “Digitaal loket” is closed.",
        "The validation round “Eerste ronde” for the prototype “Digitaal loket” is open.",
        "The prototype “Digitaal loket” has a new version: version 2.",
        "The prototype “Digitaal loket” was published.",
    ]


def test_concept_changes_made_through_the_concept_service_appear_in_the_timeline(client, app):
    challenge = factories.make_challenge(phase=PhaseKind.realistic)
    core = quick_user("core_team", challenge)
    concept = make_concept(challenge, "Eén loket", published=False, state=ConceptState.draft)
    concepts.change_state(core, concept, ConceptState.realistic, "Nog intern.")
    concepts.set_published(core, concept, True)
    concepts.change_state(core, concept, ConceptState.prototyping, "We gaan het proberen.")
    db.session.commit()

    html = timeline_html(client, challenge)

    assert entries(html)[:2] == [
        "The concept “Eén loket” moved from realistic to prototyping.",
        "The concept “Eén loket” was published."]
    assert "We gaan het proberen." in html
    assert "Nog intern." not in html  # moved while unpublished: not a public event


def test_public_events_of_ideas_clusters_phases_and_the_challenge_are_told(
    client, challenge, core
):
    author = quick_user()
    kept = make_idea(author, challenge, title="Eén loket voor ouders")
    duplicate = make_idea(author, challenge, title="Hetzelfde loket")
    duplicates.merge_duplicate(core, duplicate, kept)
    cluster = curation.create_cluster(core, challenge, "Hulp op één plek")
    curation.set_published(core, cluster, True)
    db.session.commit()

    texts = entries(timeline_html(client, challenge))

    assert texts[:4] == ["The cluster “Hulp op één plek” was published.",
                         "The idea “Hetzelfde loket” was merged with a similar idea.",
                         "New idea: “Hetzelfde loket”.",
                         "New idea: “Eén loket voor ouders”."]
    assert any(t.startswith("The planning changed: “Dream big” from ") for t in texts)


def _replan(actor: User, challenge: Challenge, shift_days: int,
            kinds: tuple[PhaseKind, ...] = tuple(PhaseKind)) -> None:
    dates = {phase.kind: (phase.starts_on + timedelta(days=shift_days),
                          phase.ends_on + timedelta(days=shift_days))
             for phase in challenge.phases if phase.kind in kinds}
    assert challenge_services.set_phase_dates(actor, challenge, dates) == []
    db.session.commit()


def test_replanning_every_phase_twice_adds_one_timeline_entry_each_time(client, challenge,
                                                                         core):
    before = entries(timeline_html(client, challenge))
    _replan(core, challenge, 7)
    _replan(core, challenge, 14)

    texts = entries(timeline_html(client, challenge))

    assert len(texts) == len(before) + 2
    dream = challenge.phase(PhaseKind.dream)
    assert texts[0].startswith(
        f"The planning changed: “Dream big” from {dream.starts_on:%B %-d, %Y} to ")
    assert texts[0].count("“") == len(PhaseKind)  # every phase named once, in one entry
    assert "“Agenda for Action” from" in texts[0]


def test_replanning_one_phase_tells_its_new_dates(client, challenge, core):
    _replan(core, challenge, 3, (PhaseKind.agenda,))
    agenda = challenge.phase(PhaseKind.agenda)

    [latest] = entries(timeline_html(client, challenge))[:1]

    assert latest == (f"The phase “Agenda for Action” is planned from "
                      f"{agenda.starts_on:%B %-d, %Y} to {agenda.ends_on:%B %-d, %Y}.")


def test_replanning_reads_in_dutch(client, challenge, core):
    _replan(core, challenge, 7)

    [latest] = entries(timeline_html(client, challenge, headers={"Accept-Language": "nl"}))[:1]

    assert latest.startswith("De planning is veranderd: “Groot dromen” van ")


def test_the_log_keeps_one_line_per_replanned_phase(client, challenge, core):
    _replan(core, challenge, 7)
    client.login(core)

    log = client.get(f"/c/{challenge.slug}/manage/log", headers=EN).get_data(as_text=True)

    assert log.count("<code>phase.planned</code>") == 2 * len(PhaseKind)  # made, then moved
    assert log.count("<code>phases.planned</code>") == 2


def test_hidden_or_withdrawn_ideas_lose_their_title_and_link(client, challenge, core):
    author = quick_user()
    hidden = make_idea(author, challenge, title="Iets lelijks")
    withdrawn = make_idea(author, challenge, title="Toch maar niet")
    moderation.decide_on_idea(core, hidden, "hide", "Niet netjes.")
    submitting.withdraw_idea(author, withdrawn)
    db.session.commit()

    html = timeline_html(client, challenge)

    assert "Iets lelijks" not in html and "Toch maar niet" not in html
    assert entries(html)[:3] == ["An idea was withdrawn by its author.",
                                 "A new idea was sent in.", "A new idea was sent in."]
    assert f"/ideas/{hidden.id}" not in html


def test_entries_link_to_the_public_page_only_while_the_object_is_public(
    client, challenge, core
):
    author = quick_user()
    idea = make_idea(author, challenge, title="Eén loket voor ouders")
    cluster = curation.create_cluster(core, challenge, "Hulp op één plek")
    curation.set_published(core, cluster, True)
    db.session.commit()

    html = timeline_html(client, challenge)
    assert f'href="/c/{challenge.slug}#cluster-{cluster.id}"' in html
    assert f'id="cluster-{cluster.id}"' in client.get(f"/c/{challenge.slug}").get_data(
        as_text=True)
    assert f'href="/c/{challenge.slug}/ideas/{idea.id}"' in html

    curation.set_published(core, cluster, False)
    db.session.commit()

    html = timeline_html(client, challenge)
    assert f"#cluster-{cluster.id}" not in html
    assert "Hulp op één plek" not in html  # its current name is not public any more
    assert "A cluster of ideas was published." in entries(html)


def test_concept_and_prototype_entries_link_when_their_pages_exist(
    app, client, challenge, core, concept, prototype
):
    publish_concept(core, concept)
    record_event(core, "prototype.published", prototype, challenge=challenge, public=True,
                 details={"title": prototype.title})
    db.session.commit()

    html = timeline_html(client, challenge)

    assert "The prototype “Digitaal loket” was published." in entries(html)
    if "concepts.show" in app.view_functions:  # built by another feature
        assert f'href="/c/{challenge.slug}/concepts/{concept.id}"' in html
    if "prototypes.show" in app.view_functions:
        assert f'href="/c/{challenge.slug}/prototypes/{prototype.id}"' in html


def test_unpublished_concept_never_appears_in_the_timeline(client, challenge, core):
    secret = make_concept(challenge, "Geheim concept", published=False)
    record_event(core, "concept.created", secret, challenge=challenge,
                 details={"title": secret.title})
    record_event(core, "concept.state_changed", secret, challenge=challenge,
                 old=ConceptState.draft, new=ConceptState.realistic, reason="Intern",
                 details={"title": secret.title})
    db.session.commit()

    html = timeline_html(client, challenge)
    page = client.get(f"/c/{challenge.slug}", headers=EN).get_data(as_text=True)

    assert "Geheim concept" not in html and "Geheim concept" not in page
    assert not any("concept" in entry for entry in entries(html))


def test_non_public_event_never_appears_even_with_a_known_action(client, challenge, core,
                                                                 concept):
    record_event(core, "concept.published", concept, challenge=challenge, public=False,
                 details={"title": "Interne werktitel"})
    db.session.commit()

    assert "Interne werktitel" not in timeline_html(client, challenge)


def test_unknown_action_is_skipped_and_never_shown_raw(client, challenge, core, concept):
    record_event(core, "concept.exploded", concept, challenge=challenge, public=True,
                 details={"title": "Ontplofte titel"})
    db.session.commit()

    html = timeline_html(client, challenge)

    assert "concept.exploded" not in html and "Ontplofte titel" not in html
    assert len(entries(html)) == 1  # only the planning of the five phases


def test_events_of_another_challenge_are_not_shown(client, challenge, core):
    other = factories.make_challenge()
    other_concept = make_concept(other, "Concept van elders")
    publish_concept(core, other_concept)

    assert "Concept van elders" not in timeline_html(client, challenge)


def test_the_timeline_never_names_who_acted(client, challenge, core, concept):
    author = quick_user(name="Anna Auteur")
    make_idea(author, challenge)
    publish_concept(core, concept)

    html = timeline_html(client, challenge)
    page = client.get(f"/c/{challenge.slug}", headers=EN).get_data(as_text=True)

    for name in ("Karin Kernteam", "Anna Auteur"):
        assert name not in html and name not in page


# --- pages ----------------------------------------------------------------------------------


def add_versions(actor: User, prototype: Prototype, n: int) -> None:
    for number in range(1, n + 1):
        record_event(actor, "prototype.version_added", prototype, challenge=prototype.challenge,
                     public=True, details={"title": prototype.title, "number": number})
    db.session.commit()


def test_challenge_page_shows_the_latest_eight_entries_and_links_to_the_timeline(
    client, challenge, core, prototype
):
    add_versions(core, prototype, 10)

    html = client.get(f"/c/{challenge.slug}", headers=EN).get_data(as_text=True)

    texts = entries(html)
    assert len(texts) == 8
    assert texts[0].endswith("version 10.") and texts[-1].endswith("version 3.")
    assert "What happened" in html
    assert f'href="/c/{challenge.slug}/timeline"' in html


def test_timeline_page_shows_twenty_entries_a_page_newest_first(client, challenge, core,
                                                                prototype):
    add_versions(core, prototype, 29)  # plus the planning of the five phases: 30 entries

    first = timeline_html(client, challenge, 1)
    second = timeline_html(client, challenge, 2)

    assert len(entries(first)) == 20 and len(entries(second)) == 10
    assert entries(first)[0].endswith("version 29.")
    assert entries(first)[-1].endswith("version 10.")
    assert entries(second)[0].endswith("version 9.")
    assert "Page 1 of 2" in first and f"/c/{challenge.slug}/timeline?page=2" in first
    assert "Page 2 of 2" in second
    assert entries(timeline_html(client, challenge, 99)) == entries(second)  # clamped


def test_challenge_without_public_events_says_so(client, app):
    quiet = factories.make_challenge(planned=False)

    assert "Nothing has happened in public yet." in timeline_html(client, quiet)
    assert "Nothing has happened in public yet." in client.get(
        f"/c/{quiet.slug}", headers=EN).get_data(as_text=True)


@pytest.mark.parametrize("role, published, status", [
    ("anonymous", True, 200),
    ("anonymous", False, 404),
    ("citizen", False, 404),
    ("stakeholder", False, 404),
    ("other_core_team", False, 404),
    ("core_team", False, 200),
    ("admin", False, 200),
])
def test_timeline_page_is_public_only_for_a_published_challenge(client, app, role, published,
                                                                 status):
    challenge = factories.make_challenge(published=published)
    if role == "other_core_team":
        client.login(quick_user("core_team", factories.make_challenge()))
    elif role in ("core_team", "stakeholder"):
        client.login(quick_user(role, challenge))
    elif role != "anonymous":
        client.login(quick_user(role))

    assert client.get(f"/c/{challenge.slug}/timeline").status_code == status


def test_unknown_challenge_timeline_is_404(client, app):
    assert client.get("/c/bestaat-niet/timeline").status_code == 404


@pytest.mark.parametrize("language, sentence", [
    ("en", "The concept “Eén loket” was published."),
    ("nl", None),  # Dutch wording comes with the translations; the page must render
])
def test_timeline_renders_in_both_languages(client, challenge, core, concept, language,
                                            sentence):
    publish_concept(core, concept)

    html = timeline_html(client, challenge, headers={"Accept-Language": language})

    assert page_language(html) == language
    assert "Eén loket" in html
    if sentence:
        assert sentence in entries(html)


def test_sentences_follow_the_language_switch(client, challenge, core, concept):
    publish_concept(core, concept)
    client.set_cookie("lang", "en")

    assert "The concept “Eén loket” was published." in entries(timeline_html(client, challenge,
                                                                             headers={}))


# --- queries --------------------------------------------------------------------------------


def add_one_of_each(core: User, challenge: Challenge, n: int) -> None:
    """n concepts, prototypes, rounds, clusters and ideas, each with public events."""
    author = quick_user()
    for i in range(n):
        concept = make_concept(challenge, f"Concept {i}")
        prototype = make_prototype(concept, f"Prototype {i}")
        round_ = make_round(prototype, f"Ronde {i}")
        publish_concept(core, concept)
        add_versions(core, prototype, 1)
        record_event(core, "prototype.version_added", prototype.versions[0],
                     challenge=challenge, public=True, details={"title": prototype.title})
        record_event(core, "round.opened", round_, challenge=challenge, public=True,
                     details={"title": round_.title, "prototype": prototype.title})
        cluster = curation.create_cluster(core, challenge, f"Cluster {i}")
        curation.set_published(core, cluster, True)
        db.session.commit()
        make_idea(author, challenge, title=f"Idee nummer {i}")


def test_timeline_runs_a_fixed_number_of_queries_whatever_the_number_of_events(
    client, challenge, core
):
    add_one_of_each(core, challenge, 1)
    with counted_queries() as few:
        timeline_html(client, challenge)
    add_one_of_each(core, challenge, 4)
    with counted_queries() as many:
        html = timeline_html(client, challenge)

    assert len(entries(html)) == 20
    assert len(many) == len(few)


def test_latest_entries_run_a_fixed_number_of_queries(app, challenge, core):
    add_one_of_each(core, challenge, 1)
    with app.test_request_context(), counted_queries() as few:
        latest_entries(challenge)
    add_one_of_each(core, challenge, 4)
    with app.test_request_context(), counted_queries() as many:
        assert len(latest_entries(challenge)) == 8

    assert len(many) == len(few)


def test_the_event_query_uses_the_index_of_public_events(app, challenge, core):
    # Public events only, by challenge and date: the challenge page does not walk past the
    # private events (one per imported or moderated idea).
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    add_one_of_each(core, challenge, 2)
    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        with app.test_request_context():
            latest_entries(challenge)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    statement, parameters = next(s for s in sent if "FROM audit_events" in s[0])

    plan = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                   parameters).all()
    assert "USING INDEX ix_audit_events_public" in " ".join(str(row) for row in plan)


def test_old_events_keep_their_order_by_date(client, challenge, core, concept):
    publish_concept(core, concept)
    earlier = db.session.query(AuditEvent).filter_by(action="concept.published").one()
    earlier.created_dt = utcnow() - timedelta(days=400)
    record_event(core, "concept.state_changed", concept, challenge=challenge,
                 old=ConceptState.realistic, new=ConceptState.prototyping, public=True,
                 details={"title": concept.title})
    db.session.commit()

    texts = entries(timeline_html(client, challenge))

    assert texts[0] == "The concept “Eén loket” moved from realistic to prototyping."
    assert texts[-1] == "The concept “Eén loket” was published."


def test_in_english_the_titles_in_the_sentences_are_marked_as_dutch(client, challenge, core,
                                                                      concept):
    publish_concept(core, concept)
    html = timeline_html(client, challenge)

    assert 'The concept “<span lang="nl">Eén loket</span>” was published.' in html


def test_a_title_with_markup_is_shown_as_text(client, challenge, core, concept):
    record_event(core, "concept.published", concept, challenge=challenge, public=True,
                 details={"title": "<b>Eén</b> loket"})
    db.session.commit()
    html = timeline_html(client, challenge)

    assert "&lt;b&gt;Eén&lt;/b&gt; loket" in html and "<b>Eén</b>" not in html
