"""The notifications page, the count in the navigation, "my ideas" and the e-mail consent."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from ideation.accounts.models import User
from ideation.core.signals import concept_published, prototype_published
from ideation.extensions import db
from ideation.notifications.models import Notification
from tests import factories
from tests.html import page_language, parse
from tests.ideas.conftest import counted_queries
from tests.notifications.conftest import grow, make_idea, quick_user


def notify(user: User, *, title: str = "Loket op proef", link: str = "/c/scheiden",
           kind: str = "idea_in_prototype", key: str | None = None) -> Notification:
    notification = Notification(user_id=user.id, key=key or f"test:{title}", kind=kind,
                                link=link, params={"titles": ["Eén loket"], "object": title,
                                                   "challenge": "Scheiden zonder schade"})
    db.session.add(notification)
    db.session.commit()
    return notification


def path_of(response) -> str:
    return urlsplit(response.location).path


# --- who may do what -------------------------------------------------------------------------


ROLES = ["citizen", "stakeholder", "core_team_elsewhere", "core_team", "admin"]


def person(role: str, challenge) -> User:
    if role == "core_team_elsewhere":
        return quick_user("core_team", factories.make_challenge())
    return quick_user(role, challenge if role in ("stakeholder", "core_team") else None)


def test_anonymous_visitors_are_sent_to_log_in(client, author):
    item = notify(author)
    token = client.csrf_token()

    for response in (client.get("/notifications"),
                     client.post("/notifications/read", data={"csrf_token": token}),
                     client.post(f"/notifications/{item.id}/open", data={"csrf_token": token})):
        assert response.status_code == 302 and path_of(response) == "/login"
    assert db.session.get(Notification, item.id).read_dt is None


@pytest.mark.parametrize("role", ROLES)
def test_every_logged_in_role_reads_only_their_own_notifications(client, challenge, author,
                                                                   role):
    reader = person(role, challenge)
    own = notify(reader, title="Voor mij")
    foreign = notify(author, title="Van een ander")
    client.login(reader)

    page = client.get("/notifications", headers={"Accept-Language": "en"})
    opened_foreign = client.post_form(f"/notifications/{foreign.id}/open")

    assert page.status_code == 200
    assert "Voor mij" in page.get_data(as_text=True)
    assert "Van een ander" not in page.get_data(as_text=True)
    assert opened_foreign.status_code == 404
    assert db.session.get(Notification, foreign.id).read_dt is None
    assert db.session.get(Notification, own.id).read_dt is None


def test_opening_an_unknown_notification_is_not_found(client, author):
    client.login(author)

    assert client.post_form("/notifications/999999/open").status_code == 404


# --- the list --------------------------------------------------------------------------------


def test_the_list_is_newest_first_and_says_which_are_new_in_words(english, author):
    older = notify(author, title="Eerste prototype")
    notify(author, title="Tweede prototype")
    older.read_dt = older.created_dt
    db.session.commit()
    english.login(author)

    html = english.get("/notifications").get_data(as_text=True)

    assert html.index("Tweede prototype") < html.index("Eerste prototype")
    assert html.count(">New<") == 1
    assert html.index(">New<") < html.index("Tweede prototype")
    assert "Your idea “Eén loket” is now part of the prototype “Tweede prototype”." in text(html)
    assert "Mark all as read" in html


def test_looking_at_the_list_does_not_mark_anything_read(client, author):
    item = notify(author)
    client.login(author)

    client.get("/notifications")

    db.session.expire_all()
    assert db.session.get(Notification, item.id).read_dt is None


def test_opening_one_marks_it_read_and_goes_to_its_page(client, author):
    item = notify(author, link="/c/scheiden/prototypes/7")
    client.login(author)

    response = client.post_form(f"/notifications/{item.id}/open")

    assert response.status_code == 302 and path_of(response) == "/c/scheiden/prototypes/7"
    db.session.expire_all()
    assert db.session.get(Notification, item.id).read_dt is not None


@pytest.mark.parametrize("link", ["https://evil.example/x", "//evil.example/x",
                                  "/\\evil.example", "javascript:alert(1)"])
def test_opening_never_leads_outside_the_site(client, author, link):
    item = notify(author, link=link)
    client.login(author)

    response = client.post_form(f"/notifications/{item.id}/open")

    assert response.status_code == 302
    assert urlsplit(response.location).netloc in ("", "localhost")
    assert path_of(response) == "/notifications"


def test_mark_all_as_read_touches_only_the_readers_notifications(client, author, other):
    mine = [notify(author, title="Een"), notify(author, title="Twee")]
    theirs = notify(other)
    client.login(author)

    response = client.post_form("/notifications/read")

    assert response.status_code == 302 and path_of(response) == "/notifications"
    db.session.expire_all()
    assert all(db.session.get(Notification, n.id).read_dt for n in mine)
    assert db.session.get(Notification, theirs.id).read_dt is None


def test_twenty_notifications_per_page(english, author):
    for number in range(25):
        notify(author, title=f"Prototype {number:02d}")
    english.login(author)

    first = english.get("/notifications").get_data(as_text=True)
    second = english.get("/notifications?page=2").get_data(as_text=True)

    assert first.count("is now part of the prototype") == 20
    assert "Prototype 24" in first and "Prototype 04" not in first
    assert second.count("is now part of the prototype") == 5
    assert "Page 2 of 2" in second
    assert english.get("/notifications?page=abc").status_code == 200


def test_an_empty_list_says_what_will_appear(english, author):
    english.login(author)

    html = english.get("/notifications").get_data(as_text=True)

    assert "You have no notifications yet." in html
    assert "Mark all as read" not in html


def test_the_text_is_written_in_the_language_of_the_reader_at_that_moment(
        client, author, dutch_catalogue):
    notify(author, title="Loket op proef")
    client.login(author)

    client.set_cookie("lang", "en")
    in_english = client.get("/notifications").get_data(as_text=True)
    client.set_cookie("lang", "nl")
    in_dutch = client.get("/notifications").get_data(as_text=True)

    english_sentence = "Your idea “Eén loket” is now part of the prototype “Loket op proef”."
    assert english_sentence in text(in_english)
    assert "Je idee “Eén loket” is nu onderdeel van het prototype “Loket op proef”." in text(
        in_dutch)
    # The titles keep their own language inside the English sentence (WCAG 3.1.2).
    assert '“<span lang="nl">Loket op proef</span>”' in in_english


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_the_page_works_in_dutch(client, author):
    notify(author)
    client.login(author)

    response = client.get("/notifications", headers={"Accept-Language": "nl"})

    assert response.status_code == 200
    assert page_language(response) == "nl"


# --- the count in the navigation -------------------------------------------------------------


def test_the_navigation_counts_unread_notifications_with_one_query(english, author):
    notify(author, title="Een")
    notify(author, title="Twee")
    read = notify(author, title="Drie")
    read.read_dt = read.created_dt
    db.session.commit()
    english.login(author)

    with counted_queries() as statements:
        html = english.get("/my/ideas").get_data(as_text=True)

    assert 'Notifications (2<span class="visually-hidden"> unread</span>)' in html
    counts = [s for s in statements if "count(notifications.id)" in s.lower()]
    assert len(counts) == 1


def test_the_navigation_shows_no_count_when_all_is_read(english, author):
    english.login(author)

    html = english.get("/my/ideas").get_data(as_text=True)

    assert ">Notifications</a>" in html


def test_anonymous_visitors_see_no_notifications_link(english):
    assert "/notifications" not in english.get("/").get_data(as_text=True)


# --- my ideas --------------------------------------------------------------------------------


def test_my_ideas_says_which_prototype_an_idea_is_part_of_once_it_is_published(
        english, app, challenge, author):
    idea = make_idea(author, challenge, title="Eén loket")
    cluster, concept, prototype = grow([idea], published=False)
    english.login(author)

    before = english.get("/my/ideas").get_data(as_text=True)
    assert "Loket op proef" not in before
    assert "Het gezinsloket" not in before
    assert "Your idea is in the cluster “Eén plek voor hulp”." in text(before)

    concept.is_published = prototype.is_published = True
    concept_published.send(concept, actor=None)
    prototype_published.send(prototype, actor=None)
    db.session.commit()
    after = english.get("/my/ideas").get_data(as_text=True)

    with app.test_request_context():
        from ideation.notifications.services import public_path

        link = public_path(prototype)
    assert "Your idea is part of the prototype “Loket op proef”." in parse(after).text
    prototype_link = parse(after).find("a", href=link)
    assert prototype_link.text == "Loket op proef" and prototype_link.attrs["lang"] == "nl"
    assert "Your idea is in the cluster" not in after
    assert "Eén loket" in after  # the existing content stays


def test_my_ideas_names_the_concept_while_no_prototype_is_public(english, challenge, author):
    idea = make_idea(author, challenge)
    _cluster, concept, prototype = grow([idea])
    prototype.is_published = False
    db.session.commit()
    english.login(author)

    html = english.get("/my/ideas").get_data(as_text=True)

    assert "Your idea is part of the concept “" in html and "Het gezinsloket" in html
    assert "Loket op proef" not in html


def test_my_ideas_works_in_dutch(client, challenge, author):
    grow([make_idea(author, challenge)])
    client.login(author)

    response = client.get("/my/ideas", headers={"Accept-Language": "nl"})

    assert response.status_code == 200
    assert "Loket op proef" in response.get_data(as_text=True)


# --- consent to e-mail -----------------------------------------------------------------------


def test_the_email_settings_page_stores_a_choice_per_topic(english, author):
    english.login(author)
    form = english.get("/account/notifications").get_data(as_text=True)
    assert "Someone responds to my idea or my response" in form
    assert "Someone reports an idea or response" not in form  # for the core team only

    english.post_form("/account/notifications", {"reply": "email", "progress": "digest",
                                                 "decision": "app", "moderation": "email",
                                                 "actions": "app"})

    db.session.expire_all()
    from ideation.notifications import services
    from ideation.notifications.texts import Channel, Topic

    assert services.preferences(db.session.get(User, author.id)) == {
        Topic.reply: Channel.email, Topic.progress: Channel.digest,
        Topic.decision: Channel.app, Topic.moderation: Channel.email,
        Topic.actions: Channel.app}


@pytest.mark.parametrize(("ticked", "stored"), [({}, False),
                                                ({"email_notifications": "y"}, True)])
def test_registering_asks_for_email_updates_and_leaves_the_box_empty(english, ticked,
                                                                     stored):
    form = english.get("/register").get_data(as_text=True)
    assert "Also send me updates about my ideas by e-mail" in form

    english.post_form("/register", {"name": "Nieuw", "email": "nieuw@example.org",
                                    "password": factories.PASSWORD,
                                    "confirm": factories.PASSWORD, "privacy": "y", **ticked})

    user = db.session.scalar(select(User).where(User.email == "nieuw@example.org"))
    assert user is not None and user.email_notifications is stored
