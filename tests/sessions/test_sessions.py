"""Live sessions: the core team plans and runs them; participants join by code without an
account, send ideas, spend dots and object; closing brings the ideas into the challenge."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import Action, check, today
from ideation.core.models import AuditEvent
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.ideas.visibility import update_settings
from ideation.process import services as process
from ideation.sessions import services
from ideation.sessions.models import Stage
from tests.factories import make_challenge, make_user


@pytest.fixture
def challenge(app):
    return make_challenge(phase=PhaseKind.dream)


@pytest.fixture
def core(challenge):
    return make_user("core_team", challenge=challenge)


def _plan(core, challenge, **extra):
    data = {"title": "Sessie op school", "held_on": today(), "place": "De Regenboog",
            "phase": "dream", "dots": 2, **extra}
    session = services.plan_session(core, challenge, data)
    db.session.commit()
    return session


def _open(core, challenge, **extra):
    session = _plan(core, challenge, **extra)
    services.advance(core, session)
    db.session.commit()
    return session


def test_core_team_plans_a_session_with_a_short_join_code_and_an_audit_event(challenge, core):
    session = _plan(core, challenge)
    assert session.stage is Stage.planned
    assert re.fullmatch(r"[A-Z2-9]{6}", session.join_code)
    assert db.session.query(AuditEvent).filter_by(action="session.planned").count() == 1


def test_a_citizen_cannot_plan_a_session(challenge):
    from ideation.core.permissions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.plan_session(make_user(), challenge, {"title": "x", "held_on": today(),
                                                        "phase": "dream"})


def test_a_session_without_title_is_refused_with_a_clear_message(challenge, core):
    with pytest.raises(services.SessionError) as error:
        services.plan_session(core, challenge, {"title": " ", "held_on": today(),
                                                "phase": "dream"})
    assert error.value.field == "title"


def test_join_codes_are_found_whatever_the_case_and_spacing(challenge, core):
    session = _open(core, challenge)
    code = session.join_code.lower()
    assert services.find_open_session(f"{code[:3]} {code[3:]}") == session
    assert services.find_open_session("ZZZZZZZ") is None


def test_a_planned_session_cannot_be_joined(challenge, core):
    session = _plan(core, challenge)
    assert services.find_open_session(session.join_code) is None


def test_participants_send_ideas_only_while_the_dream_phase_allows(app, core):
    closed = make_challenge(phase=PhaseKind.realistic)
    team = make_user("core_team", challenge=closed)
    session = _open(team, closed)
    person = services.join(session, "Anna")
    with pytest.raises(services.SessionError) as error:
        services.send_idea(session, person, "Een idee")
    assert str(error.value) == check(closed, Action.submit_idea).reason  # the web form's words


def test_dots_are_limited_per_participant(challenge, core):
    session = _open(core, challenge)
    person = services.join(session, "")
    item = services.send_idea(session, person, "Een idee", "Uitleg")
    services.advance(core, session)
    services.spend_dot(session, person, item.id)
    services.spend_dot(session, person, item.id)
    with pytest.raises(services.SessionError):
        services.spend_dot(session, person, item.id)
    assert services.dot_counts(session) == {item.id: 2}


def test_objections_only_for_leading_ideas_and_anonymous(challenge, core):
    session = _open(core, challenge)
    person = services.join(session, "Anna")
    items = [services.send_idea(session, person, f"Idee {n}") for n in range(5)]
    services.advance(core, session)
    services.spend_dot(session, person, items[4].id)
    services.advance(core, session)
    with pytest.raises(services.SessionError):
        services.object_to(session, items[0].id, "Nee")
    objection = services.object_to(session, items[4].id, "Te duur")
    assert not hasattr(objection, "participant_id")


def test_closing_brings_ideas_into_the_challenge_with_origin_dots_and_objections(challenge, core):
    entry = process.add_entry(core, challenge, {"name": "Ouders", "kind": "end_user",
                                                "interest": 5, "influence": 2})
    session = _open(core, challenge, group_ids=[entry.id])
    person = services.join(session, "Anna")
    item = services.send_idea(session, person, "Vast aanspreekpunt", "Op school")
    services.add_paper_cards(core, session, "Kaartje: van papier")
    services.advance(core, session)
    services.spend_dot(session, person, item.id)
    services.advance(core, session)
    services.object_to(session, item.id, "Geen tijd op school")
    created = services.close_session(core, session, "De meerderheid kiest het aanspreekpunt.")
    db.session.commit()
    assert len(created) == 2
    idea = next(i for i in created if i.title == "Vast aanspreekpunt")
    assert (idea.source, idea.live_session_id, idea.session_dots) == ("session", session.id, 1)
    assert idea.support_count == 0  # dots are counted apart from online supports
    assert idea.imported_author == "Anna" and idea.status is IdeaStatus.published
    origin = services.origin_of(idea, with_objections=True)
    assert [o.text for o in origin.objections] == ["Geen tijd op school"]
    assert services.held_sessions(challenge) == [session]
    assert services.groups_heard_in_sessions(challenge) == {entry.id}
    assert db.session.query(AuditEvent).filter_by(action="session.closed",
                                                  is_public=True).count() == 1


def test_closing_in_a_premoderated_challenge_leaves_the_ideas_pending(challenge, core):
    update_settings(None, challenge, is_premoderated=True, allows_anonymous=True)
    session = _open(core, challenge)
    services.send_idea(session, services.join(session, ""), "Een idee")
    created = services.close_session(core, session, "")
    assert created[0].status is IdeaStatus.pending


def test_a_closed_session_cannot_be_closed_again_or_move_on(challenge, core):
    session = _open(core, challenge)
    services.close_session(core, session, "")
    with pytest.raises(services.SessionError):
        services.close_session(core, session, "")
    with pytest.raises(services.SessionError):
        services.advance(core, session)


# --- routes -------------------------------------------------------------------------------------


def test_three_phones_join_send_vote_object_and_the_results_show_it(client, challenge, core,
                                                                    app):
    session = _open(core, challenge)
    code, slug = session.join_code, challenge.slug
    phones = [app.test_client() for _ in range(3)]
    for n, phone in enumerate(phones):
        phone.__class__ = client.__class__
        page = phone.get("/join").get_data(as_text=True)
        assert "Join" in page or "Doe mee" in page
        response = phone.post_form("/join", {"code": code.lower(), "nickname": f"P{n}"})
        assert response.status_code == 302, response.get_data(as_text=True)
        assert phone.post_form(f"/join/{code}/idea", {"title": f"Idee {n}"}).status_code == 302
    assert phones[0].post_form(f"/join/{code}/idea", {"title": ""}).status_code == 400
    client.login(core)
    feed = client.get(f"/c/{slug}/sessions/{session.id}/screen/feed")
    assert "Idee 2" in feed.get_data(as_text=True)
    again = client.get(f"/c/{slug}/sessions/{session.id}/screen/feed",
                       headers={"If-None-Match": feed.headers["ETag"]})
    assert again.status_code == 304
    assert client.post_form(f"/c/{slug}/sessions/{session.id}/advance").status_code == 302
    ideas = services.session_ideas(session)
    for phone in phones:
        assert phone.post_form(f"/join/{code}/dot", {"idea": ideas[1].id}).status_code == 302
    client.post_form(f"/c/{slug}/sessions/{session.id}/advance")
    assert phones[2].post_form(f"/join/{code}/objection",
                               {"idea": ideas[1].id, "text": "Te duur"}).status_code == 302
    response = client.post_form(f"/c/{slug}/sessions/{session.id}/close",
                                {"summary": "De meerderheid kiest Idee 1."})
    assert response.status_code == 302
    client.logout()
    results = client.get(f"/c/{slug}/sessions/{session.id}/results").get_data(as_text=True)
    assert "De meerderheid kiest Idee 1." in results and "Idee 1" in results
    assert "Te duur" not in results  # objections are for the core team
    idea = db.session.query(Idea).filter_by(title="Idee 1").one()
    client.login(core)
    page = client.get(f"/c/{slug}/ideas/{idea.id}").get_data(as_text=True)
    assert "Te duur" in page and session.title in page


def test_a_wrong_code_says_so_and_keeps_what_was_typed(client, challenge):
    response = client.post_form("/join", {"code": "QQQQQQ", "nickname": "Bo"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'value="Bo"' in page


def test_a_phone_without_joining_is_sent_to_the_join_page(client, challenge, core):
    session = _open(core, challenge)
    response = client.get(f"/join/{session.join_code}")
    assert response.status_code == 302 and "/join?code=" in response.headers["Location"]


def test_joining_posts_are_rate_limited_per_participant(challenge, core, tmp_path):
    from tests.conftest import make_test_app  # noqa: F401 - settings through the app below

    session = _open(core, challenge)
    from flask import current_app

    current_app.config["IDEATION_SESSION_POST_RATE_LIMIT"] = "2 per minute"
    client = current_app.test_client()
    from tests.conftest import Client

    client.__class__ = Client
    assert client.post_form("/join", {"code": session.join_code}).status_code == 302
    codes = [client.post_form(f"/join/{session.join_code}/idea",
                              {"title": f"Idee {n}"}).status_code for n in range(3)]
    assert codes == [302, 302, 429]


def test_core_team_pages_answer_and_others_are_refused(client, challenge, core):
    session = _open(core, challenge)
    slug = challenge.slug
    urls = [f"/c/{slug}/sessions", f"/c/{slug}/sessions/new", f"/c/{slug}/sessions/{session.id}",
            f"/c/{slug}/sessions/{session.id}/screen", f"/c/{slug}/sessions/{session.id}/kit"]
    client.login(make_user())
    assert {client.get(url).status_code for url in urls} == {403}
    client.logout()
    client.login(core)
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
    kit = client.get(f"/c/{slug}/sessions/{session.id}/kit").get_data(as_text=True)
    assert "<svg" in kit and session.join_code in kit
    assert client.get(f"/c/{slug}/sessions/{session.id}/results").status_code == 404


def test_planning_through_the_form_keeps_what_was_typed_on_an_error(client, challenge, core):
    client.login(core)
    response = client.post_form(f"/c/{challenge.slug}/sessions/new",
                                {"title": "", "held_on": "", "place": "Buurthuis",
                                 "phase": "dream", "dots": "3"})
    assert response.status_code == 400 and "Buurthuis" in response.get_data(as_text=True)
    response = client.post_form(f"/c/{challenge.slug}/sessions/new",
                                {"title": "Sessie", "held_on": str(today() + timedelta(days=2)),
                                 "phase": "dream", "dots": "3"})
    assert response.status_code == 302


def test_paper_cards_take_the_same_path(client, challenge, core):
    session = _plan(core, challenge)
    client.login(core)
    response = client.post_form(f"/c/{challenge.slug}/sessions/{session.id}/cards",
                                {"cards": "Eén loket: alles op één plek\nEen buddy"})
    assert response.status_code == 302
    assert [i.title for i in services.session_ideas(session)] == ["Eén loket", "Een buddy"]
