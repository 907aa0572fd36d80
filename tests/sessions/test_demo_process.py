"""The demo has a filled-in process canvas and stakeholder map on the challenge with rounds
(a round shows which parts of the map it reached) and a held session whose ideas are in the
collecting challenge, with their origin, dots and objections."""

from __future__ import annotations

from html import unescape


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


def test_a_round_shows_which_parts_of_the_map_it_reached(demo_site):
    client = demo_site.client("core_team")
    page = _page(client, demo_site.samples["validation.round"]["closed"])
    assert "Krachtenveld: wat deze ronde bereikte" in page
    reached, _sep, rest = page.partition("Niet in deze ronde")
    assert "Mediators" in reached and "Kinderen" in rest  # children were never a round group


def test_the_canvas_has_answers_a_history_and_a_drawn_map(demo_site):
    client = demo_site.client("core_team")
    page = _page(client, "/c/samen-ouder-blijven/process")
    assert "Een Agenda voor Actie met werkende prototypes" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "Grootouders" in page
    assert '<option value="Mediators">' in page  # the rounds' group names, to link entries
    history = _page(client, "/c/scheiden-zonder-schade/process/ambition/history")
    assert "Versie 2" in history and "Versie 1" in history


def test_the_held_session_is_public_and_its_ideas_carry_their_origin(demo_site):
    anonymous = demo_site.client("anonymous")
    approach = _page(anonymous, "/c/scheiden-zonder-schade/approach")
    assert "Ouderavond op De Regenboog" in approach
    results = _page(anonymous, demo_site.samples["sessions.results"]["held"])
    assert "De meerderheid kiest voor een vast aanspreekpunt" in results
    assert "Niet elke school" not in results  # objections: core team only
    team = _page(demo_site.client("core_team"), demo_site.samples["sessions.results"]["held"])
    assert "Niet elke school heeft daar tijd of geld voor." in team
