"""The citizen's rights: the privacy statement and consent, "download my data", deleting an
account (everywhere: every table and column, the search index, the outbox, the uploads),
anonymising a closed challenge, and the retention period that applies itself."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import JSON, String, Text, cast, func, or_, select
from werkzeug.datastructures import FileStorage

from ideation.accounts.models import MembershipRole, User
from ideation.challenges.models import AuthorDisplay, Challenge, PhaseKind
from ideation.core.db import utcnow
from ideation.core.mail import queue_mail
from ideation.core.models import AuditEvent, ScheduledRun
from ideation.extensions import db
from ideation.ideas import commenting, submitting, supporting
from ideation.ideas.models import Idea, IdeaImage
from ideation.ideas.photos import image_store
from ideation.moderation import services as moderation
from ideation.privacy import erasure
from ideation.privacy.export import user_columns
from ideation.privacy.models import Consent
from ideation.privacy.services import record_consent, set_retention
from ideation.search import services as search
from ideation.validation.models import Invitation, RoundState
from tests.factories import PASSWORD, make_challenge, make_user, plan
from tests.html import parse
from tests.ideas.conftest import jpeg_bytes
from tests.validation.conftest import answer, make_prototype, make_round
from tests.validation.conftest import invite as invite_to_round

NAME = "Eva Zoekmans"
EMAIL = "eva.zoekmans@example.org"


# --- a person with something in every table -----------------------------------------------------


def rich_citizen(challenge: Challenge, *, name_in_text: bool) -> User:
    """Eva with an idea (with a photo), a response, a reply to her response, a support, a
    report, notifications, consent, a stakeholder invitation with answers, mail in the outbox,
    a role and a role invitation."""
    eva = make_user(email=EMAIL, name=NAME)
    other = make_user(name="Bram Anders")
    record_consent(eva)
    photo = FileStorage(io.BytesIO(jpeg_bytes()), filename="schets.jpg")
    signature = f" Groet, {NAME}." if name_in_text else ""
    own = submitting.submit_idea(eva, challenge, {
        "title": "Een maatje voor elk kind", "consent": True,
        "description": "Een vaste buddy die luistert." + signature}, [photo])
    theirs = submitting.submit_idea(other, challenge, {"title": "Ouderschapsplan in beeld",
                                                       "description": "Een tekening.",
                                                       "consent": True})
    db.session.flush()
    comment = commenting.comment(eva, theirs, "Mooi plan." + signature)
    commenting.comment(other, theirs, "Dank je!", comment)  # tells Eva: a notification
    commenting.comment(other, own, "Goed idee.")  # tells Eva again
    supporting.support(eva, theirs)
    moderation.report_idea(eva, theirs, "Dit klopt niet.")
    db.session.commit()
    prototype = make_prototype(challenge)
    round_ = make_round(prototype, state=RoundState.open, opens_in=-1)
    invitation, _token = invite_to_round(round_, EMAIL, name=NAME, user=eva)
    answer(round_, invitation, {round_.questions[0].id: "Te duur voor ons."})
    queue_mail(EMAIL, f"Hallo {NAME}", f"Beste {NAME}, dit is een bericht.")
    queue_mail("bram@example.org", "Over een idee", f"{NAME} reageerde op je idee.")
    from ideation.accounts.invitations import invite as invite_to_role

    invite_to_role(make_user("admin"), make_challenge(), EMAIL, MembershipRole.stakeholder)
    db.session.commit()
    search.apply_pending()
    return eva


def text_columns() -> list:
    return [column for table in db.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, String | Text | JSON)]


def rows_mentioning(*needles: str) -> dict[str, int]:
    """Every table and column that holds any of ``needles`` (case-insensitive), with counts."""
    found: dict[str, int] = {}
    for column in text_columns():
        value = func.lower(cast(column, Text))
        condition = or_(*(value.contains(needle.lower(), autoescape=True) for needle in needles))
        count = db.session.scalar(select(func.count()).select_from(column.table)
                                  .where(condition)) or 0
        if count:
            found[f"{column.table.name}.{column.name}"] = count
    return found


def files_mentioning(folder: Path, *needles: str) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            if any(needle.lower().encode() in data for needle in needles):
                hits.append(str(path.relative_to(folder)))
    return hits


def instance() -> Path:
    return Path(current_app.instance_path)


def delete_as(client, user: User, contributions: str):
    client.login(user)
    response = client.post_form("/account/delete", {"contributions": contributions,
                                                    "password": PASSWORD})
    response.close()  # as a server does once the answer is out: files and index follow
    return response


# --- the statement and consent ------------------------------------------------------------------


def test_the_privacy_page_has_a_sensible_default_in_both_languages(client, app):
    dutch = client.get("/privacy").get_data(as_text=True)
    english = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "Wat we bewaren." in dutch and "Hoe lang." in dutch and "Wie het ziet." in dutch
    assert "What we store." in english and "Versie 0" in dutch
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)  # in every footer


def test_an_admin_publishes_a_new_statement_and_new_consents_name_its_version(client, app):
    admin = make_user("admin")
    client.login(admin)
    response = client.post_form("/admin/privacy", {"body_nl": "Nieuwe tekst.\n\nTweede deel.",
                                                   "body_en": "New text."})
    assert response.status_code == 302
    client.logout()

    assert "Nieuwe tekst." in client.get("/privacy").get_data(as_text=True)
    client.post_form("/register", {"name": "Nieuw", "email": "nieuw@example.org",
                                   "password": PASSWORD, "confirm": PASSWORD, "privacy": "y"})
    consent = db.session.scalar(select(Consent))
    assert consent.statement_version == 1
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "privacy_statement.published")).actor_id == admin.id


def test_only_admins_set_the_statement(client, app):
    client.login(make_user())
    assert client.post_form("/admin/privacy", {"body_nl": "x", "body_en": "y"}).status_code == 403


# --- my data ------------------------------------------------------------------------------------


def test_the_download_holds_every_row_the_person_owns_table_by_table(client, app):
    challenge = make_challenge()
    eva = rich_citizen(challenge, name_in_text=False)
    client.login(eva)

    response = client.get("/account/my-data.json")
    data = json.loads(response.get_data(as_text=True))

    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    checked = set()
    for table in db.metadata.sorted_tables:
        columns = user_columns(table)
        if not columns:
            continue
        ids = set(db.session.scalars(select(table.c.id).where(
            or_(*(column == eva.id for column in columns)))))
        exported = {row["id"] for row in data.get(table.name, [])}
        assert ids <= exported, table.name
        if ids:
            checked.add(table.name)
    assert checked >= {"ideas", "comments", "supports", "reports", "notifications", "consents",
                       "invitations", "audit_events"}
    assert [row["email"] for row in data["users"]] == [EMAIL]
    for table, expected in (("idea_images", 1), ("invitations", 1), ("responses", 1),
                            ("answers", 1), ("consents", 1), ("role_invitations", 1),
                            ("notifications", 2)):
        assert len(data[table]) == expected, table
    assert {row["to_address"] for row in data["outgoing_mail"]} == {EMAIL}
    text = json.dumps(data)
    assert "password_hash" not in text and "session_token" not in text
    assert "token_hash" not in text and "body_text" not in text


def test_the_readable_page_shows_the_same_data_with_headings(client, app):
    challenge = make_challenge()
    eva = rich_citizen(challenge, name_in_text=False)
    client.login(eva)

    page = client.get("/account/my-data").get_data(as_text=True)

    assert "Je ideeën (1)" in page
    assert "Je antwoorden in toetsrondes (1)" in page
    assert "Een maatje voor elk kind" in page
    assert 'href="/account/my-data.json"' in page


def test_in_english_the_written_texts_are_marked_dutch_and_the_account_row_is_not(client, app):
    challenge = make_challenge()
    eva = rich_citizen(challenge, name_in_text=False)
    client.login(eva)

    page = parse(client.get("/account/my-data", headers={"Accept-Language": "en"}))

    marked = [element.text for element in page.find_all(lang="nl")]
    assert "Een maatje voor elk kind" in marked
    account = page.find("section", **{"aria-labelledby": "data-users"})
    assert NAME in account.text and EMAIL in account.text
    assert account.find_all(lang="nl") == []
    # Objects and lists (an audit event's details) are JSON with only their texts marked.
    assert not any(text.startswith(("{", "[")) for text in marked)


# --- deleting an account ------------------------------------------------------------------------


def test_deleting_with_contributions_removes_the_person_from_everything(client, app):
    challenge = make_challenge()
    eva = rich_citizen(challenge, name_in_text=True)
    keys = list(db.session.scalars(select(IdeaImage.storage_key)))
    photo = image_store().path_for(keys[0])
    assert photo.exists()
    assert rows_mentioning(EMAIL, NAME)  # the scan finds her before
    assert files_mentioning(instance() / "search", "zoekman")

    response = delete_as(client, eva, "remove")

    assert response.status_code == 302
    db.session.expire_all()
    assert rows_mentioning(EMAIL, NAME) == {}
    assert files_mentioning(instance() / "search", "zoekman", EMAIL) == []
    assert files_mentioning(instance(), EMAIL, NAME) == []
    assert not photo.exists()
    assert db.session.scalar(select(User).where(User.id == eva.id)) is None
    titles = set(db.session.scalars(select(Idea.title)))
    assert titles == {"Ouderschapsplan in beeld"}
    other_idea = db.session.scalar(select(Idea))
    assert (other_idea.support_count, other_idea.comment_count) == (0, 0)
    assert search.search_ideas(challenge, "maatje").total == 0
    assert client.get("/account").status_code != 200  # logged out


def test_deleting_and_keeping_contributions_shows_them_as_deleted_participant(client, app):
    challenge = make_challenge()
    eva = rich_citizen(challenge, name_in_text=False)
    own = db.session.scalar(select(Idea).where(Idea.author_id == eva.id))

    delete_as(client, eva, "keep")

    db.session.expire_all()
    assert rows_mentioning(EMAIL, NAME) == {}
    assert files_mentioning(instance(), EMAIL, NAME) == []
    kept = db.session.get(Idea, own.id)
    assert kept is not None and kept.author_id is None
    page = client.get(f"/c/{challenge.slug}/ideas/{own.id}").get_data(as_text=True)
    assert "Verwijderde deelnemer" in page
    assert db.session.scalar(select(func.count(Invitation.id))) == 1  # answers kept, no address


def test_deleting_needs_the_password_and_a_choice(client, app):
    eva = make_user(email=EMAIL, name=NAME)
    client.login(eva)

    wrong = client.post_form("/account/delete", {"contributions": "remove",
                                                 "password": "niet het wachtwoord"})
    no_choice = client.post_form("/account/delete", {"password": PASSWORD})

    assert wrong.status_code == 422 and no_choice.status_code == 422
    assert "Kies wat er met je ideeën gebeurt." in no_choice.get_data(as_text=True)
    assert db.session.get(User, eva.id) is not None


# --- anonymising and retention ------------------------------------------------------------------


def close(challenge: Challenge, days_ago: int = 1) -> Challenge:
    """Move the challenge's phases into the past: its last phase ended ``days_ago`` + 16."""
    from ideation.challenges import services as challenges

    dates = plan(PhaseKind.dream, on=utcnow().date() - timedelta(days=days_ago + 60), length=10)
    errors = challenges.set_phase_dates(None, challenge, dates)
    assert not errors, errors
    db.session.commit()
    return challenge


def test_an_admin_anonymises_a_closed_challenge_keeping_its_content(client, app):
    challenge = make_challenge()
    eva = rich_citizen(challenge, name_in_text=False)
    close(challenge)
    admin = make_user("admin")
    client.login(admin)

    response = client.post_form(f"/c/{challenge.slug}/manage/anonymise")

    assert response.status_code == 302
    db.session.expire_all()
    ideas_left = db.session.scalars(select(Idea).where(Idea.challenge_id == challenge.id)).all()
    assert len(ideas_left) == 2 and all(i.author_id is None for i in ideas_left)
    assert db.session.get(Challenge, challenge.id).anonymised_dt is not None
    assert db.session.scalar(select(Invitation)).email.startswith("deleted-")
    assert db.session.get(User, eva.id) is not None  # the account itself is not touched


def test_an_open_challenge_cannot_be_anonymised(client, app):
    challenge = make_challenge()
    client.login(make_user("admin"))

    client.post_form(f"/c/{challenge.slug}/manage/anonymise")

    assert db.session.get(Challenge, challenge.id).anonymised_dt is None


def test_retention_runs_by_itself_after_a_response_once_a_day(client, app):
    app.config["IDEATION_SCHEDULED_JOBS"] = True
    old = make_challenge()
    citizen = rich_citizen(old, name_in_text=False)
    close(old, days_ago=400)
    recent = close(make_challenge(), days_ago=10)
    stale = make_user(email="weg@example.org")
    stale.last_login_dt = utcnow() - timedelta(days=800)
    set_retention(make_user("admin"), 12)
    db.session.commit()

    client.get("/").close()  # any visit; the work happens after the response

    db.session.expire_all()
    assert db.session.get(Challenge, old.id).anonymised_dt is not None
    assert db.session.get(Challenge, recent.id).anonymised_dt is None
    assert db.session.scalar(select(User).where(User.email == "weg@example.org")) is None
    assert db.session.get(User, citizen.id) is not None  # logged in recently enough
    assert db.session.get(ScheduledRun, "privacy.retention").last_run_dt is not None
    assert erasure.run_retention().challenges == 0  # nothing left to do


@pytest.mark.parametrize("months", [None, 12])
def test_the_retention_command_applies_the_setting(runner, app, months):
    old = close(make_challenge(), days_ago=400)
    if months:
        set_retention(make_user("admin"), months)
    db.session.commit()

    result = runner.invoke(args=["privacy", "retention"])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert (db.session.get(Challenge, old.id).anonymised_dt is not None) is bool(months)


def test_each_author_display_setting_is_kept_in_the_new_challenge_form(client, app):
    # How authors are named is chosen when a challenge is made; see test_authors.py for pages.
    client.login(make_user("admin"))
    client.post_form("/admin/challenges/new", {
        "slug": "anoniem", "title": "Anoniem", "question": "Hoe?", "language": "nl",
        "author_display": "no_names"})

    assert db.session.scalar(select(Challenge)).author_display is AuthorDisplay.no_names


# --- an admin deletes someone else's account ----------------------------------------------------


def test_an_admin_finds_a_person_and_deletes_their_account_everywhere(client, app):
    challenge = make_challenge()
    eva = rich_citizen(challenge, name_in_text=True)
    make_user(name="Bram Boven", email="bram.boven@example.org")
    admin = make_user("admin")
    client.login(admin)

    found = client.get("/admin/people?q=zoekmans").get_data(as_text=True)
    person = client.get(f"/admin/people/{eva.id}").get_data(as_text=True)
    response = client.post_form(f"/admin/people/{eva.id}", {
        "contributions": "remove", "confirm_email": EMAIL.upper(),
        "reason": f"{NAME} vroeg het per e-mail op 3 maart."})
    response.close()

    assert NAME in found and "Bram Boven" not in found
    assert "1 account" in found
    assert "Verwijder dit account" in person and "Ideeën" in person
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/people")
    db.session.expire_all()
    assert db.session.get(User, eva.id) is None
    assert rows_mentioning(EMAIL, NAME) == {}  # the reason lost her name as well
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deleted"))
    assert event.actor_id == admin.id
    assert event.details == {"contributions": "removed", "by": "admin"}
    assert event.reason == "Verwijderde deelnemer vroeg het per e-mail op 3 maart."
    assert db.session.get(User, admin.id) is not None


def test_deleting_someone_else_needs_their_address_a_reason_and_a_choice(client, app):
    eva = make_user(email=EMAIL, name=NAME)
    client.login(make_user("admin"))

    wrong = client.post_form(f"/admin/people/{eva.id}", {
        "contributions": "keep", "confirm_email": "iemand@example.org", "reason": "Gevraagd"})
    empty = client.post_form(f"/admin/people/{eva.id}", {})

    assert wrong.status_code == 422 and empty.status_code == 422
    page = wrong.get_data(as_text=True)
    assert "Dit is niet het e-mailadres van dit account." in page
    assert "Gevraagd" in page  # what the admin typed stays
    assert "Schrijf op waarom dit account wordt verwijderd." in empty.get_data(as_text=True)
    assert db.session.get(User, eva.id) is not None


def test_an_admin_deletes_their_own_account_from_their_account_page_only(client, app):
    admin = make_user("admin")
    client.login(admin)

    page = client.get(f"/admin/people/{admin.id}").get_data(as_text=True)
    refused = client.post_form(f"/admin/people/{admin.id}", {
        "contributions": "keep", "confirm_email": admin.email, "reason": "Weg"})

    assert 'href="/account/delete"' in page
    assert refused.status_code == 422
    assert db.session.get(User, admin.id) is not None


def test_the_people_pages_speak_english_too(client, app):
    eva = make_user(email=EMAIL, name=NAME)
    english = client
    english.set_cookie("lang", "en")
    english.login(make_user("admin"))

    listing = english.get("/admin/people").get_data(as_text=True)
    person = english.get(f"/admin/people/{eva.id}").get_data(as_text=True)

    assert "<h1>People</h1>" in listing and NAME in listing
    assert "Delete this account" in person


@pytest.mark.parametrize("role", ["citizen", "core_team"])
def test_only_admins_see_and_delete_accounts(client, app, role):
    eva = make_user(email=EMAIL, name=NAME)
    challenge = make_challenge()
    member = make_user(role, challenge=challenge if role == "core_team" else None)
    client.login(member)

    assert client.get("/admin/people").status_code == 403
    assert client.get(f"/admin/people/{eva.id}").status_code == 403
    assert client.post_form(f"/admin/people/{eva.id}", {
        "contributions": "keep", "confirm_email": EMAIL, "reason": "x"}).status_code == 403
    assert db.session.get(User, eva.id) is not None


def test_deleting_takes_the_full_name_out_of_what_others_wrote_about_the_person(client, app):
    challenge = make_challenge()
    eva = make_user(email=EMAIL, name=NAME)
    bram = make_user(name="Bram Anders")
    idea = submitting.submit_idea(bram, challenge, {
        "title": "Een buddy zoals Eva", "consent": True,
        "description": f"Samen bedacht met {NAME} ({EMAIL}). Eva had het eerste idee."})
    db.session.flush()
    commenting.comment(bram, idea, f"Vraag het {NAME} maar.")
    db.session.commit()
    search.apply_pending()
    assert search.search_ideas(challenge, "zoekmans").total == 1

    delete_as(client, eva, "remove")

    db.session.expire_all()
    assert rows_mentioning(EMAIL, NAME) == {}
    kept = db.session.get(Idea, idea.id)
    assert kept.description == ("Samen bedacht met Verwijderde deelnemer (Verwijderde "
                                "deelnemer). Eva had het eerste idee.")  # a first name stays
    search.apply_pending()
    assert search.search_ideas(challenge, "zoekmans").total == 0
    assert search.search_ideas(challenge, "buddy").total == 1
