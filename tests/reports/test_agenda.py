"""The Agenda voor Actie: the demo's agenda shows every part the issue asks for, its PDF reads
back with its outline, and the core team's changes follow the rules (role, phase, reasons),
notify the people behind an action and its followers, and reach the funnel."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from ideation.challenges.models import PhaseKind
from ideation.challenges.services import progress_funnel
from ideation.concepts.models import Concept, ConceptState
from ideation.core.models import AuditEvent
from ideation.curation.models import Cluster
from ideation.extensions import db
from ideation.ideas.models import Idea
from ideation.notifications.models import Notification
from ideation.reports import services
from ideation.reports.demo_content import ACTIONS, CONCLUSIONS, SLUG
from ideation.reports.models import ActionStatus, Agenda
from tests import factories
from tests.ideas.conftest import quick_user

EN = {"Accept-Language": "en"}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def demo_agenda(demo_site) -> str:
    client = demo_site.client("anonymous")
    response = client.get(f"/c/{SLUG}/agenda")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_demo_agenda_shows_every_part_generated_from_the_data(demo_agenda):
    text = _text(demo_agenda)
    for heading in ("De vraag en de ambitie", "Hoe de uitdaging ging", "Wat mensen bedachten",
                    "Plannen, proefversies en testen", "Acties", "Conclusies", "Bedankt"):
        assert heading in text, heading
    assert "Hoe maken we de weg door een scheiding korter" in text  # the question
    assert "Groot dromen" in text and "Agenda voor Actie" in text  # the phases with dates
    assert "Eén loket voor scheiden" in text and "Samen afspraken maken" in text  # clusters
    assert "Het digitale scheidingsloket" in text  # the concept
    assert "Versie 1" in text and "Versie 2" in text  # the prototype's versions
    assert 'class="chart"' in demo_agenda and "results-table" in demo_agenda  # charts + tables
    assert "Wat een kleinere groep vond" in text  # the minority concerns and their answers
    assert CONCLUSIONS.split(".")[0] in text
    for title, owner, *_rest in ACTIONS:
        assert title in text and owner in text
    for word in ("Begonnen", "Klaar", "Gestopt", "Gepland"):
        assert word in text, word
    assert "De regels voor advocaten staan dit nu niet toe" in text  # the stop reason
    assert "De belknop staat sinds deze week op elke pagina." in text  # a progress update
    assert "Geschiedenis van deze actie" in text


def test_the_thank_you_names_only_people_who_allowed_it_and_never_an_anonymous_author(
        demo_site, demo_agenda):
    from ideation.accounts.models import User

    with demo_site.app.app_context():
        allowed = db.session.scalars(select(User).where(User.thanks_by_name.is_(True))).all()
        others = db.session.scalars(select(User).where(User.thanks_by_name.is_(False))).all()
        names = [f"{u.name.split()[0]} {u.name.split()[-1][0]}." for u in allowed]
        other_names = {u.name for u in others}
    thanks = _text(demo_agenda.split('id="agenda-thanks"')[1])
    assert names and all(name in thanks for name in names)
    assert not any(name in thanks for name in other_names)


def test_the_challenge_page_links_to_the_agenda_and_its_funnel_counts_actions(demo_site):
    page = demo_site.client("anonymous").get(f"/c/{SLUG}").get_data(as_text=True)
    assert f'href="/c/{SLUG}/agenda"' in page
    assert re.search(r'funnel-actions_started">.*?>1<', page, re.S)
    assert re.search(r'funnel-actions_done">.*?>1<', page, re.S)


def test_the_pdf_is_a_stored_file_with_selectable_text_and_headings_as_outline(demo_site):
    response = demo_site.client("anonymous").get(f"/c/{SLUG}/agenda.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    for title, *_rest in ACTIONS:
        assert title in re.sub(r"\s+", " ", text)
    assert re.search(r"Proefversies\s+1\b", text)  # the number of prototypes

    def titles(outline) -> list[str]:
        found = []
        for item in outline:
            found += titles(item) if isinstance(item, list) else [item.title]
        return found

    outline = titles(reader.outline)
    assert "Acties" in outline and "Bedankt" in outline
    assert all(title in outline for title, *_rest in ACTIONS)


# --- the rules, on a challenge of their own --------------------------------------------------


@pytest.fixture
def ending(app):
    challenge = factories.make_challenge("einde", phase=PhaseKind.agenda)
    core = quick_user("core_team", challenge)
    db.session.commit()
    return challenge, core


def _write(client, core, slug="einde"):
    client.login(core)
    client.post_form(f"/c/{slug}/agenda/edit", {"introduction": "Inleiding.",
                                               "conclusions": ""})
    client.post_form(f"/c/{slug}/agenda/actions/new", {"title": "Open het loket",
                                                       "owner": "De gemeente"})
    return db.session.scalar(select(Agenda).where(Agenda.challenge_id.is_not(None)))


def test_a_citizen_cannot_write_the_agenda(client, ending):
    challenge, _core = ending
    client.login(quick_user("citizen"))
    assert client.post_form("/c/einde/agenda/edit", {"introduction": "x"}).status_code == 403
    assert client.get("/c/einde/agenda").status_code == 404  # nothing public yet


def test_the_core_team_writes_publishes_and_the_agenda_becomes_public(client, ending, app):
    challenge, core = ending
    agenda = _write(client, core)
    assert agenda is not None and len(agenda.actions) == 1
    response = client.post_form("/c/einde/agenda/publish", {})
    assert response.status_code == 302
    client.logout()
    assert client.get("/c/einde/agenda").status_code == 200
    assert client.get("/c/einde/agenda.pdf").status_code == 200  # made by the (inline) job
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "agenda.published", AuditEvent.is_public.is_(True)))


def test_writing_the_agenda_is_refused_outside_its_phases_with_the_reason(client, app):
    challenge = factories.make_challenge("vroeg", phase=PhaseKind.dream)
    core = quick_user("core_team", challenge)
    db.session.commit()
    client.login(core)
    response = client.post_form("/c/vroeg/agenda/edit", {"introduction": "Mijn tekst"})
    assert response.status_code == 409
    assert "Mijn tekst" in response.get_data(as_text=True)  # what they typed stays


def test_stopping_an_action_needs_a_reason_and_keeps_what_was_typed(client, ending):
    _challenge, core = ending
    agenda = _write(client, core)
    action = agenda.actions[0]
    response = client.post_form(f"/c/einde/agenda/actions/{action.id}/status",
                                {"status": "stopped", "reason": ""}, headers=EN)
    assert response.status_code == 422
    assert "Say why the action stopped." in response.get_data(as_text=True)


def test_a_status_change_tells_followers_and_the_authors_behind_the_action(client, ending):
    challenge, core = ending
    author = quick_user("citizen")
    bystander = quick_user("citizen")
    follower = quick_user("citizen")
    cluster = Cluster(challenge_id=challenge.id, name="Groep", is_published=True)
    db.session.add(cluster)
    db.session.flush()
    db.session.add(Idea(challenge_id=challenge.id, author_id=author.id, title="Mijn idee",
                        description="Tekst", cluster_id=cluster.id))
    cluster_concept = Concept(challenge_id=challenge.id, title="Plan", dream_big="Groot",
                              state=ConceptState.realistic, is_published=True,
                              clusters=[cluster])
    db.session.add(cluster_concept)
    db.session.commit()
    agenda = services.start_agenda(core, challenge)
    services.update_texts(core, agenda, "Inleiding.", "")
    action = services.add_action(core, agenda, {"title": "Actie", "owner": "Gemeente",
                                                "concept_ids": [cluster_concept.id]})
    services.publish(core, agenda)
    services.follow(follower, challenge, True)
    services.change_status(core, action, ActionStatus.started)
    db.session.commit()
    told = {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.kind == "action_status"))}
    assert follower.id in told and author.id in told  # following, and an idea behind it
    assert bystander.id not in told
    counts = {stage.key: stage.count for stage in progress_funnel(challenge)}
    assert counts["actions_started"] == 1 and counts["actions_done"] == 0
    history = [change.new_status for change in action.history]
    assert history == [ActionStatus.planned, ActionStatus.started]


def test_progress_updates_wait_until_the_agenda_is_public(client, ending):
    challenge, core = ending
    agenda = services.start_agenda(core, challenge)
    action = services.add_action(core, agenda, {"title": "Actie", "owner": "Gemeente"})
    with pytest.raises(services.AgendaError):
        services.post_update(core, action, "Het gaat goed.")


def test_the_api_is_rate_limited_by_its_setting_and_says_so_in_json(client, app):
    factories.make_challenge("open")
    app.config["IDEATION_API_RATE_LIMIT"] = "3 per minute"
    answers = [client.get("/api/v1/challenges/open/ideas") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "error" in answers[-1].get_json()


def test_the_licence_is_set_per_challenge_and_travels_with_the_open_data(client, ending):
    challenge, core = ending
    client.login(core)
    response = client.post_form("/c/einde/manage/details", {
        "title": challenge.title, "question": challenge.question, "language": "nl",
        "is_published": "y", "licence": "CC0 1.0"})
    assert response.status_code == 302
    client.logout()
    assert client.get("/c/einde/open-data.json").get_json()["licence"] == "CC0 1.0"
    assert client.get("/api/v1/challenges/einde").get_json()["licence"] == "CC0 1.0"
