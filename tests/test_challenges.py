"""Challenges: creating, setting up, planning, themes, team and the public challenge page."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from ideation.challenges.models import AuthorDisplay, Challenge, PhaseKind, Theme
from ideation.core.models import AuditEvent
from ideation.extensions import db
from tests.factories import make_challenge, make_user


def new_challenge(**overrides: str) -> dict[str, str]:
    return {
        "slug": "samen-wonen",
        "title": "Samen wonen",
        "question": "Hoe wonen jong en oud samen?",
        "description": "Waarom deze vraag.",
        "language": "nl",
        "author_display": "first_name",
        **overrides,
    }


def details(challenge: Challenge, **overrides: str) -> dict[str, str]:
    data = {
        "title": challenge.title,
        "question": challenge.question,
        "description": challenge.description,
        "language": challenge.language.value,
    }
    if challenge.is_published:
        data["is_published"] = "y"
    return {**data, **overrides}


def phase_form(plan: dict[PhaseKind, tuple[str, str]]) -> dict[str, str]:
    data = {}
    for kind in PhaseKind:
        start, end = plan.get(kind, ("", ""))
        data[f"{kind.value}-starts_on"] = start
        data[f"{kind.value}-ends_on"] = end
    return data


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def challenge_by_slug(slug: str) -> Challenge | None:
    return db.session.scalar(select(Challenge).where(Challenge.slug == slug))


# Creating a challenge


def test_admin_creates_a_challenge_with_five_unplanned_phases(client, app):
    admin = make_user("admin")
    client.login(admin)

    response = client.post_form("/admin/challenges/new", new_challenge())

    assert response.status_code == 302
    assert response.location == "/c/samen-wonen/manage"
    challenge = challenge_by_slug("samen-wonen")
    assert challenge.title == "Samen wonen"
    assert not challenge.is_published
    assert challenge.created_by_id == admin.id
    assert [phase.kind for phase in challenge.phases] == list(PhaseKind)
    assert not any(phase.is_scheduled for phase in challenge.phases)
    assert challenge.author_display is AuthorDisplay.first_name
    [created] = events("challenge.created")
    assert (created.actor_id, created.challenge_id) == (admin.id, challenge.id)


def test_a_new_challenge_needs_a_deliberate_choice_of_how_authors_are_named(client, app):
    client.login(make_user("admin"))
    form = client.get("/admin/challenges/new").get_data(as_text=True)
    options = re.findall(r'<input[^>]*name="author_display"[^>]*>', form)
    assert len(options) == 4
    assert not [option for option in options if "checked" in option]  # no default

    response = client.post_form("/admin/challenges/new", new_challenge(author_display=""))

    assert "Kies hoe de namen van schrijvers te zien zijn." in response.get_data(as_text=True)
    assert challenge_by_slug("samen-wonen") is None


def test_slug_with_spaces_or_capitals_is_explained_and_input_kept(client, app):
    client.login(make_user("admin"))

    response = client.post_form(
        "/admin/challenges/new", new_challenge(slug="Samen Wonen!", title="Mijn titel")
    )
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Gebruik alleen kleine letters, cijfers en streepjes" in page
    assert 'value="Samen Wonen!"' in page
    assert 'value="Mijn titel"' in page
    assert db.session.scalars(select(Challenge)).all() == []


def test_slug_that_is_taken_is_refused_and_input_kept(client, app):
    make_challenge(slug="samen-wonen")
    client.login(make_user("admin"))

    response = client.post_form("/admin/challenges/new", new_challenge(title="Tweede poging"))
    page = response.get_data(as_text=True)

    assert "Een andere uitdaging gebruikt dit webadres al." in page
    assert 'value="Tweede poging"' in page
    assert len(db.session.scalars(select(Challenge)).all()) == 1


def test_new_challenge_needs_a_title_and_a_question(client, app):
    client.login(make_user("admin"))

    response = client.post_form("/admin/challenges/new", new_challenge(title="", question=""))
    page = response.get_data(as_text=True)

    assert "Geef de uitdaging een titel." in page
    assert "Schrijf de vraag van de uitdaging op." in page
    assert challenge_by_slug("samen-wonen") is None


# Setting up: details and publishing


def test_core_team_updates_details_and_publishes(client, app):
    challenge = make_challenge(published=False)
    member = make_user("core_team", challenge=challenge)
    client.login(member)

    response = client.post_form(
        f"/c/{challenge.slug}/manage/details",
        details(challenge, title="Nieuwe titel", question="Een betere vraag?", is_published="y"),
    )

    assert response.status_code == 302
    db.session.refresh(challenge)
    assert (challenge.title, challenge.question) == ("Nieuwe titel", "Een betere vraag?")
    assert challenge.is_published
    [updated] = events("challenge.updated")
    assert updated.details == {"fields": ["question", "title"]}
    [published] = events("challenge.published")
    assert (published.old_state, published.new_state) == ("unpublished", "published")
    assert published.actor_id == member.id
    assert published.is_public


def test_unpublishing_is_audited_too(client, app):
    challenge = make_challenge(published=True)
    client.login(make_user("admin"))

    data = details(challenge)
    del data["is_published"]
    client.post_form(f"/c/{challenge.slug}/manage/details", data)

    [event] = events("challenge.unpublished")
    assert (event.old_state, event.new_state) == ("published", "unpublished")
    assert not event.is_public
    assert events("challenge.updated") == []  # nothing else changed


def test_details_without_a_title_are_refused_and_input_kept(client, app):
    challenge = make_challenge()
    client.login(make_user("core_team", challenge=challenge))

    response = client.post_form(
        f"/c/{challenge.slug}/manage/details",
        details(challenge, title="", question="Getypte vraag?"),
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Geef de uitdaging een titel." in page
    assert 'value="Getypte vraag?"' in page
    db.session.refresh(challenge)
    assert challenge.title.startswith("Uitdaging")


# Planning the phases through the form


def test_core_team_plans_the_phases(client, app):
    challenge = make_challenge(planned=False)
    client.login(make_user("core_team", challenge=challenge))

    response = client.post_form(
        f"/c/{challenge.slug}/manage/phases",
        phase_form(
            {
                PhaseKind.dream: ("2026-12-01", "2026-12-31"),
                PhaseKind.realistic: ("2027-01-01", "2027-01-31"),
            }
        ),
    )

    assert response.status_code == 302
    assert response.location == f"/c/{challenge.slug}/manage#phases"
    db.session.refresh(challenge)
    assert challenge.phase(PhaseKind.dream).starts_on == date(2026, 12, 1)
    assert challenge.phase(PhaseKind.realistic).ends_on == date(2027, 1, 31)
    assert not challenge.phase(PhaseKind.agenda).is_scheduled
    assert len(events("phase.planned")) == 2


def test_invalid_date_keeps_the_typed_values_and_explains(client, app):
    challenge = make_challenge(planned=False)
    client.login(make_user("core_team", challenge=challenge))

    response = client.post_form(
        f"/c/{challenge.slug}/manage/phases",
        phase_form(
            {
                PhaseKind.dream: ("2026-12-01", "31-12-2026x"),
            }
        ),
    )
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Vul de data in als dag, maand en jaar." in page
    assert 'value="2026-12-01"' in page
    assert 'value="31-12-2026x"' in page
    db.session.refresh(challenge)
    assert challenge.phase(PhaseKind.dream).starts_on is None


def test_overlapping_phases_keep_the_typed_values_and_explain(client, app):
    challenge = make_challenge(planned=False)
    client.login(make_user("core_team", challenge=challenge))

    response = client.post_form(
        f"/c/{challenge.slug}/manage/phases",
        phase_form(
            {
                PhaseKind.dream: ("2026-12-01", "2026-12-31"),
                PhaseKind.realistic: ("2026-12-15", "2027-01-31"),
            }
        ),
    )
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Realistisch maken moet beginnen nadat Groot dromen is afgelopen." in page
    assert 'value="2026-12-15"' in page
    assert events("phase.planned") == []


# Themes


def test_core_team_adds_a_theme(client, app):
    challenge = make_challenge(themes=("Eerste thema",))
    client.login(make_user("core_team", challenge=challenge))

    response = client.post_form(
        f"/c/{challenge.slug}/manage/themes",
        {"name": " Wonen ", "description": "Een dak boven je hoofd"},
    )

    assert response.status_code == 302
    db.session.refresh(challenge)
    assert [(t.name, t.position) for t in challenge.themes] == [("Eerste thema", 0), ("Wonen", 1)]
    assert events("theme.created")[-1].new_state == "Wonen"
    assert "Het thema is toegevoegd." in client.get(response.location).get_data(as_text=True)


def test_theme_can_be_added_without_an_explanation_field(client, app):
    challenge = make_challenge(themes=())
    client.login(make_user("core_team", challenge=challenge))

    response = client.post_form(f"/c/{challenge.slug}/manage/themes", {"name": "Geld"})

    assert response.status_code == 302
    db.session.refresh(challenge)
    assert [(t.name, t.description) for t in challenge.themes] == [("Geld", "")]


def test_theme_names_are_unique_within_a_challenge(client, app):
    challenge = make_challenge(themes=("Wonen",))
    client.login(make_user("core_team", challenge=challenge))

    response = client.post_form(f"/c/{challenge.slug}/manage/themes", {"name": "wonen"})

    assert response.status_code == 422
    assert "Deze uitdaging heeft al een thema met deze naam." in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Theme)).all()) == 1


def test_core_team_removes_a_theme_and_the_rest_close_ranks(client, app):
    challenge = make_challenge(themes=("Een", "Twee", "Drie"))
    client.login(make_user("core_team", challenge=challenge))
    first = challenge.themes[0]

    response = client.post_form(f"/c/{challenge.slug}/manage/themes/{first.id}/remove")

    assert response.status_code == 302
    db.session.expire_all()
    remaining = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    assert [(t.name, t.position) for t in remaining] == [("Twee", 0), ("Drie", 1)]
    assert events("theme.removed")[0].old_state == "Een"


def test_theme_of_another_challenge_cannot_be_removed_through_this_one(client, app):
    mine = make_challenge(themes=("Mijn thema",))
    other = make_challenge(themes=("Ander thema",))
    client.login(make_user("core_team", challenge=mine))

    response = client.post_form(f"/c/{mine.slug}/manage/themes/{other.themes[0].id}/remove")

    assert response.status_code == 404
    assert len(db.session.scalars(select(Theme)).all()) == 2


# Team


def test_core_team_removes_a_stakeholder(client, app):
    challenge = make_challenge()
    stakeholder = make_user("stakeholder", challenge=challenge)
    client.login(make_user("core_team", challenge=challenge))
    membership = stakeholder.memberships[0]

    response = client.post_form(f"/c/{challenge.slug}/manage/team/{membership.id}/remove")

    assert response.status_code == 302
    db.session.expire_all()
    assert stakeholder.role_in(challenge) is None
    assert events("membership.removed")[0].old_state == "stakeholder"


# Who can see and manage


def test_unpublished_challenge_is_hidden_from_visitors_and_citizens(client, app):
    challenge = make_challenge(published=False)

    assert client.get(f"/c/{challenge.slug}").status_code == 404
    assert challenge.slug not in client.get("/").get_data(as_text=True)

    client.login(make_user())
    assert client.get(f"/c/{challenge.slug}").status_code == 404


def test_unpublished_challenge_is_visible_to_its_core_team(client, app):
    challenge = make_challenge(published=False)
    client.login(make_user("core_team", challenge=challenge))

    page = client.get(f"/c/{challenge.slug}").get_data(as_text=True)

    assert "Nog niet openbaar" in page
    assert f"/c/{challenge.slug}" in client.get("/").get_data(as_text=True)


def test_unpublished_challenge_is_visible_to_admins(client, app):
    challenge = make_challenge(published=False)
    client.login(make_user("admin"))

    assert client.get(f"/c/{challenge.slug}").status_code == 200
    assert client.get(f"/c/{challenge.slug}/manage").status_code == 200


def test_core_team_of_one_challenge_cannot_manage_another(client, app):
    mine = make_challenge()
    other = make_challenge(themes=("Ander thema",))
    client.login(make_user("core_team", challenge=mine))

    assert client.get(f"/c/{other.slug}/manage").status_code == 403
    assert client.get(f"/c/{other.slug}/manage/log").status_code == 403
    response = client.post_form(f"/c/{other.slug}/manage/themes", {"name": "Indringer"})
    assert response.status_code == 403
    response = client.post_form(f"/c/{other.slug}/manage/themes/{other.themes[0].id}/remove")
    assert response.status_code == 403
    assert [
        t.name for t in db.session.scalars(select(Theme).where(Theme.challenge_id == other.id))
    ] == ["Ander thema"]


def test_stakeholder_cannot_manage_the_challenge(client, app):
    challenge = make_challenge()
    client.login(make_user("stakeholder", challenge=challenge))

    assert client.get(f"/c/{challenge.slug}/manage").status_code == 403
    assert "De uitdaging instellen" not in client.get(f"/c/{challenge.slug}").get_data(as_text=True)


def test_audit_log_lists_the_changes_for_the_core_team(client, app):
    challenge = make_challenge(themes=("Wonen",))
    client.login(make_user("core_team", challenge=challenge))

    page = client.get(f"/c/{challenge.slug}/manage/log").get_data(as_text=True)

    assert "challenge.created" in page
    assert "theme.created" in page
    assert "Wonen" in page


# The challenge page


def test_challenge_page_shows_the_question_and_the_current_phase(client, app):
    challenge = make_challenge(phase=PhaseKind.dream)

    page = client.get(f"/c/{challenge.slug}").get_data(as_text=True)

    assert challenge.question in page
    assert page.count('aria-current="step"') == 1
    current = page[page.index('aria-current="step"') :]
    assert current.index("Groot dromen") < current.index("</li>")
    assert "Kinderen centraal" in page


def test_challenge_page_explains_that_sending_in_ideas_has_closed(client, app):
    challenge = make_challenge(phase=PhaseKind.realistic)
    dream_end = challenge.phase(PhaseKind.dream).ends_on

    page = client.get(f"/c/{challenge.slug}").get_data(as_text=True)

    assert "Ideeën insturen kon tot en met" in page
    assert str(dream_end.year) in page
    current = page[page.index('aria-current="step"') :]
    assert current.index("Realistisch maken") < current.index("</li>")


def test_challenge_page_before_any_planning_says_dates_follow(client, app):
    challenge = make_challenge(planned=False)

    page = client.get(f"/c/{challenge.slug}").get_data(as_text=True)

    assert "Deze uitdaging is nog niet begonnen." in page
    assert "Ideeën insturen kan nog niet: de data zijn nog niet bekend." in page
    assert 'aria-current="step"' not in page


def test_challenge_page_offers_set_up_only_to_those_who_manage(client, app):
    challenge = make_challenge()
    manage_link = f'href="/c/{challenge.slug}/manage"'

    assert manage_link not in client.get(f"/c/{challenge.slug}").get_data(as_text=True)
    client.login(make_user("core_team", challenge=challenge))
    assert manage_link in client.get(f"/c/{challenge.slug}").get_data(as_text=True)


def test_unknown_challenge_is_not_found(client, app):
    assert client.get("/c/bestaat-niet").status_code == 404
