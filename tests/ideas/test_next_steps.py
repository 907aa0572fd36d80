"""After sending in an idea the author reads what happens next and when (issue 13): whether the
core team checks it first, until when ideas come in, what the core team does after that, and
where to follow the idea ("My ideas", notifications, e-mail)."""

from __future__ import annotations

import re

import pytest
from babel.dates import format_date

from ideation.challenges import services as challenge_services
from ideation.challenges.models import PhaseKind
from ideation.extensions import db
from ideation.ideas import visibility
from tests import factories
from tests.ideas.conftest import make_idea, quick_user


def _panel(page: str) -> str:
    start = page.find('<section class="status-box next-steps"')
    return page[start:page.index("</section>", start)] if start >= 0 else ""


def _sent_page(client, challenge, author, **fields) -> str:
    client.login(author)
    response = client.post_form(f"/c/{challenge.slug}/ideas/new", {
        "title": "Kinderen krijgen een eigen stem", "consent": "y", "similar_seen": "1",
        "description": "Een kindbehartiger praat met het kind.", **fields})
    assert response.status_code == 302
    return client.get(response.location).get_data(as_text=True)


def test_after_sending_an_idea_the_author_reads_what_happens_next_and_when(
        english, challenge, author):
    panel = _panel(_sent_page(english, challenge, author))
    dream = challenge.phase(PhaseKind.dream)
    realistic = challenge.phase(PhaseKind.realistic)

    assert "What happens next" in panel
    assert "Your idea is online." in panel
    assert f"until {format_date(dream.ends_on, 'long', locale='en')}" in panel
    assert f"From {format_date(realistic.starts_on, 'long', locale='en')} the core team" in panel
    assert re.search(r'<a href="/my/ideas">My ideas</a>', panel)
    assert '<a href="/notifications">Notifications</a>' in panel
    assert "Do you also want an e-mail? Tick it on your account page." in panel


def test_with_pre_moderation_the_author_reads_that_the_core_team_checks_first(
        english, challenge, author):
    visibility.update_settings(None, challenge, is_premoderated=True, allows_anonymous=True)
    db.session.commit()

    panel = _panel(_sent_page(english, challenge, author))

    assert "The core team checks your idea first. After that, everyone can see it." in panel
    assert "Your idea is online." not in panel


def test_an_author_who_chose_e_mail_updates_is_told_so(english, challenge, author):
    author.email_notifications = True
    db.session.commit()

    panel = _panel(_sent_page(english, challenge, author))

    assert "You also get an e-mail, as you chose." in panel
    assert "/profile" not in panel


def test_what_happens_next_reads_in_dutch(client, challenge, author):
    page = _sent_page(client, challenge, author)

    assert "Bedankt! Je idee staat online." in page
    assert "Wat gebeurt er nu?" in _panel(page)
    assert "Mijn ideeën" in _panel(page)


@pytest.mark.parametrize("who", ["anonymous", "other_citizen", "core_team"])
def test_only_the_author_sees_what_happens_next(client, challenge, author, who):
    idea = make_idea(author, challenge)
    if who != "anonymous":
        client.login(quick_user("core_team", challenge) if who == "core_team" else quick_user())

    page = client.get(f"/c/{challenge.slug}/ideas/{idea.id}").get_data(as_text=True)

    assert _panel(page) == ""


def test_once_ideas_are_no_longer_collected_the_panel_gives_way_to_my_ideas(
        client, challenge, author):
    idea = make_idea(author, challenge)
    assert challenge_services.set_phase_dates(None, challenge,
                                              factories.plan(PhaseKind.realistic)) == []
    db.session.commit()
    client.login(author)

    page = client.get(f"/c/{challenge.slug}/ideas/{idea.id}").get_data(as_text=True)

    assert _panel(page) == ""
