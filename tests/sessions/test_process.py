"""Process design: the canvas (versioned, audited), the stakeholder map (SVG and table), what a
round reached of the map, the end-user check and the public summary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ideation.challenges import services as challenge_services
from ideation.challenges.models import PhaseKind
from ideation.challenges.phases import today
from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied
from ideation.extensions import db
from ideation.process import services
from ideation.process.models import CanvasField
from ideation.sessions import services as sessions
from tests.factories import make_challenge, make_user


@pytest.fixture
def challenge(app):
    return make_challenge(phase=PhaseKind.dream)


@pytest.fixture
def core(challenge):
    return make_user("core_team", challenge=challenge)


def test_each_answer_is_versioned_with_who_and_when_and_audited(challenge, core):
    services.save_answer(core, challenge, CanvasField.result, "Een agenda")
    services.save_answer(core, challenge, CanvasField.result, "Een agenda")  # unchanged
    services.save_answer(core, challenge, CanvasField.result, "Een betere agenda")
    db.session.commit()
    versions = services.history(challenge, CanvasField.result)
    assert [(v.version, v.text, v.author_id) for v in versions] == [
        (2, "Een betere agenda", core.id), (1, "Een agenda", core.id)]
    assert services.canvas(challenge)[CanvasField.result].text == "Een betere agenda"
    assert db.session.query(AuditEvent).filter_by(action="canvas.answered").count() == 2


def test_only_the_core_team_edits_the_canvas(challenge):
    with pytest.raises(PermissionDenied):
        services.save_answer(make_user(), challenge, CanvasField.result, "x")


def test_the_public_summary_leaves_out_the_names_of_dissenters(client, challenge, core):
    services.save_answer(core, challenge, CanvasField.result, "Een agenda voor actie")
    services.save_answer(core, challenge, CanvasField.outsiders, "Advocaat Jansen")
    db.session.commit()
    page = client.get(f"/c/{challenge.slug}/approach").get_data(as_text=True)
    assert "Een agenda voor actie" in page and "Jansen" not in page
    assert f"/c/{challenge.slug}/approach" in client.get(
        f"/c/{challenge.slug}").get_data(as_text=True)


def test_map_entries_need_a_name_and_a_place_from_1_to_5(challenge, core):
    with pytest.raises(services.ProcessError) as error:
        services.add_entry(core, challenge, {"name": "", "kind": "partner", "interest": 3,
                                             "influence": 3})
    assert error.value.field == "name"
    with pytest.raises(services.ProcessError) as error:
        services.add_entry(core, challenge, {"name": "X", "kind": "partner", "interest": 9,
                                             "influence": 3})
    assert error.value.field == "interest"


def test_the_map_page_draws_an_svg_and_a_table_with_the_same_numbers(client, challenge, core):
    client.login(core)
    response = client.post_form(f"/c/{challenge.slug}/process/map", {
        "name": "Ouders", "kind": "end_user", "interest": "5", "influence": "2"})
    assert response.status_code == 302
    page = client.get(f"/c/{challenge.slug}/process").get_data(as_text=True)
    assert 'role="img"' in page and "<title id=\"map-title\">" in page
    assert "<th scope=\"row\" lang=\"nl\">Ouders</th>" in page
    entry = services.map_entries(challenge)[0]
    assert entry.group_name == "Ouders"  # the name, when no group name is given
    edit = client.post_form(f"/c/{challenge.slug}/process/map/{entry.id}", {
        "name": "Ouders", "kind": "end_user", "interest": "4", "influence": "3",
        "group_name": "Vaders en moeders"})
    assert edit.status_code == 302 and entry.group_name == "Vaders en moeders"
    bad = client.post_form(f"/c/{challenge.slug}/process/map", {
        "name": "", "kind": "partner", "interest": "3", "influence": "3", "note": "bewaard"})
    assert bad.status_code == 400 and "bewaard" in bad.get_data(as_text=True)
    assert client.post_form(f"/c/{challenge.slug}/process/map/{entry.id}/remove"
                            ).status_code == 302
    assert services.map_entries(challenge) == []


def test_saving_an_answer_through_the_page_and_its_history(client, challenge, core):
    client.login(core)
    response = client.post_form(f"/c/{challenge.slug}/process/result",
                                {"result-text": "Een agenda"})
    assert response.status_code == 302
    history = client.get(f"/c/{challenge.slug}/process/result/history")
    assert "Een agenda" in history.get_data(as_text=True)
    assert client.get(f"/c/{challenge.slug}/process/nonsense/history").status_code == 404


def test_non_members_are_refused(client, challenge):
    client.login(make_user())
    assert client.get(f"/c/{challenge.slug}/process").status_code == 403
    assert client.post_form(f"/c/{challenge.slug}/process/result",
                            {"result-text": "x"}).status_code == 403


def _end_user(challenge, core):
    return services.add_entry(core, challenge, {"name": "Ouders", "kind": "end_user",
                                                "interest": 5, "influence": 2})


def test_the_end_user_check_warns_when_the_phase_closes_soon(app, core, challenge):
    entry = _end_user(challenge, core)
    phase = challenge.phase(PhaseKind.dream)
    assert services.end_user_warning(challenge, on=phase.ends_on - timedelta(days=30)) is None
    warning = services.end_user_warning(challenge, on=phase.ends_on - timedelta(days=2))
    assert warning is not None and warning.missing == [entry]


def test_no_warning_once_a_session_with_the_end_users_brought_in_ideas(app, core, challenge):
    entry = _end_user(challenge, core)
    session = sessions.plan_session(core, challenge, {
        "title": "Sessie", "held_on": today(), "phase": "dream", "group_ids": [entry.id]})
    sessions.advance(core, session)
    sessions.send_idea(session, sessions.join(session, ""), "Een idee")
    sessions.close_session(core, session, "")
    on = challenge.phase(PhaseKind.dream).ends_on
    assert services.end_user_warning(challenge, on=on) is None


def test_the_workspace_shows_the_end_user_warning(client, app, challenge, core):
    _end_user(challenge, core)
    start = today() - timedelta(days=5)
    challenge_services.set_phase_dates(None, challenge, {
        PhaseKind.dream: (start, today() + timedelta(days=3))})
    db.session.commit()
    client.login(core)
    page = client.get(f"/c/{challenge.slug}/team").get_data(as_text=True)
    assert "Ouders" in page and f"/c/{challenge.slug}/sessions/new" in page
    assert f"/c/{challenge.slug}/process" in page and f"/c/{challenge.slug}/sessions" in page
