"""The core team's queue: what each tab holds, and publishing, hiding, restoring, dismissing."""

from __future__ import annotations

import re

from sqlalchemy import select

from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied
from ideation.extensions import db
from ideation.ideas import commenting, submitting, visibility
from ideation.ideas.errors import IdeaError
from ideation.ideas.models import CommentStatus, IdeaStatus
from ideation.moderation import services
from ideation.moderation.models import Report, ReportStatus
from tests.ideas.conftest import counted_queries, make_idea, quick_user
from tests.moderation.conftest import add_reports


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def premoderate(challenge, core) -> None:
    visibility.update_settings(core, challenge, is_premoderated=True, allows_anonymous=True)
    db.session.commit()


def test_the_tabs_hold_pending_reported_and_hidden_items_with_their_counts(
    english, challenge, author, core, idea, comment
):
    reporters = [quick_user(name=f"Melder {n}") for n in range(3)]
    add_reports(idea, reporters[:2], "Reclame")
    add_reports(comment, reporters[2:], "Grof")
    hidden = make_idea(author, challenge, title="Al verborgen")
    services.decide_on_idea(core, hidden, "hide", "Persoonlijke gegevens")
    db.session.commit()
    premoderate(challenge, core)
    older = make_idea(author, challenge, title="Oudste wachtende")
    newer = make_idea(author, challenge, title="Nieuwste wachtende")

    queue = services.moderation_queue(core, challenge, "pending")
    assert queue.counts == {"pending": 2, "reported": 2, "hidden": 1}
    assert [e.idea for e in queue.entries] == [older, newer]  # the oldest first

    reported = services.moderation_queue(core, challenge, "reported").entries
    assert [(e.kind, len(e.reports)) for e in reported] == [("idea", 2), ("comment", 1)]
    assert reported[0].reports[0].reason == f"Reclame ({reporters[0].name})"
    assert reported[1].comment == comment and reported[1].idea == idea

    assert [(e.idea, e.hidden_reason) for e in services.moderation_queue(
        core, challenge, "hidden").entries] == [(hidden, "Persoonlijke gegevens")]

    english.login(core)
    page = english.get(f"/c/{challenge.slug}/moderation?tab=reported").get_data(as_text=True)
    assert "Waiting for a check (2)" in page and "Hidden (1)" in page
    assert 'aria-current="page"' in page and "Reported (2)" in page
    assert "Reported 2 times" in page and "Grof (Melder 2)" in page
    pending = english.get(f"/c/{challenge.slug}/moderation?tab=pending").get_data(
        as_text=True)
    assert pending.index("Oudste wachtende") < pending.index("Nieuwste wachtende")


def test_the_queue_names_the_author_of_an_anonymous_idea_to_the_core_team(english, challenge,
                                                                          author, core):
    premoderate(challenge, core)
    make_idea(author, challenge, title="Zonder naam", is_anonymous=True)
    english.login(core)
    response = english.get(f"/c/{challenge.slug}/moderation?tab=pending")
    assert response.status_code == 200
    assert f"only you and the core team see: {author.name}" in response.get_data(as_text=True)


def test_the_core_team_publishes_a_pending_idea(english, challenge, author, core):
    premoderate(challenge, core)
    idea = make_idea(author, challenge)
    english.login(core)
    response = english.post_form(f"/c/{challenge.slug}/moderation/ideas/{idea.id}",
                                 {"action": "publish", "tab": "pending"})
    assert response.status_code == 302 and response.location.endswith("tab=pending")
    db.session.refresh(idea)
    assert idea.status is IdeaStatus.published
    (event,) = events("idea.published")
    assert (event.actor_id, event.old_state, event.new_state) == (core.id, "pending",
                                                                  "published")


def test_hiding_needs_a_reason_and_the_queue_keeps_the_error_with_the_field(
    english, challenge, idea, core, reporter
):
    add_reports(idea, [reporter])
    english.login(core)
    response = english.post_form(f"/c/{challenge.slug}/moderation/ideas/{idea.id}",
                                 {"action": "hide", "reason": "  ", "tab": "reported"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="reason-idea-{idea.id}-error"' in page
    assert "Tell the author why the idea is hidden." in page
    db.session.refresh(idea)
    assert idea.status is IdeaStatus.published and events("idea.hidden") == []


def test_a_hidden_idea_shows_its_reason_to_the_author_and_disappears_for_the_public(
    english, challenge, author, core, reporter
):
    idea = make_idea(author, challenge, title="Te persoonlijk", photos=1)
    key = idea.images[0].storage_key
    add_reports(idea, [reporter])
    english.login(core)
    english.post_form(f"/c/{challenge.slug}/moderation/ideas/{idea.id}",
                      {"action": "hide", "reason": "Er staat een naam van een kind in."})
    db.session.refresh(idea)
    assert idea.status is IdeaStatus.hidden
    report = db.session.scalar(select(Report))
    assert report.status is ReportStatus.resolved and report.resolved_by_id == core.id
    assert report.resolution_note == "Er staat een naam van een kind in."

    english.logout()
    assert english.get(f"/c/{challenge.slug}/ideas/{idea.id}").status_code == 404
    assert "Te persoonlijk" not in english.get(
        f"/c/{challenge.slug}/ideas").get_data(as_text=True)
    assert english.get(f"/media/ideas/{key}/display").status_code == 404
    english.login(reporter)
    assert english.get(f"/c/{challenge.slug}/ideas/{idea.id}").status_code == 404

    english.logout()
    english.login(author)
    for url in ("/my/ideas", f"/c/{challenge.slug}/ideas/{idea.id}"):
        assert "Er staat een naam van een kind in." in english.get(url).get_data(as_text=True)


def test_the_core_team_restores_a_hidden_idea(english, challenge, idea, core):
    services.decide_on_idea(core, idea, "hide", "Even nakijken")
    db.session.commit()
    english.login(core)
    page = english.get(f"/c/{challenge.slug}/moderation?tab=hidden").get_data(as_text=True)
    assert "Even nakijken" in page and 'value="restore"' in page
    response = english.post_form(f"/c/{challenge.slug}/moderation/ideas/{idea.id}",
                                 {"action": "restore", "tab": "hidden"})
    assert response.status_code == 302
    db.session.refresh(idea)
    assert idea.status is IdeaStatus.published and idea.hidden_reason is None
    english.logout()
    assert english.get(f"/c/{challenge.slug}/ideas/{idea.id}").status_code == 200
    restored = events("idea.published")[-1]
    assert (restored.old_state, restored.new_state) == ("hidden", "published")


def test_a_decision_that_does_not_fit_the_status_is_refused(app, challenge, author, core):
    withdrawn = make_idea(author, challenge)
    submitting.withdraw_idea(author, withdrawn)
    try:
        services.decide_on_idea(core, withdrawn, "hide", "Reden")
    except services.ModerationError as error:
        assert error.field == "action"
    else:
        raise AssertionError("hiding a withdrawn idea should be refused")
    idea = make_idea(author, challenge)
    services.decide_on_idea(core, idea, "hide", "Reden")
    services.decide_on_idea(core, idea, "hide", "Reden")  # a double click changes nothing
    assert len(events("idea.hidden")) == 1


def test_dismissing_keeps_the_item_and_closes_all_its_open_reports(english, challenge, idea,
                                                                   core):
    reporters = [quick_user(), quick_user()]
    add_reports(idea, reporters)
    first = db.session.scalars(select(Report).order_by(Report.id)).first()
    english.login(core)
    response = english.post_form(f"/c/{challenge.slug}/moderation/reports/{first.id}/dismiss",
                                 {"tab": "reported"})
    assert response.status_code == 302
    assert [r.status for r in db.session.scalars(select(Report))] == [ReportStatus.dismissed] * 2
    db.session.refresh(idea)
    assert idea.status is IdeaStatus.published
    assert len(events("report.dismissed")) == 2
    assert services.moderation_queue(core, challenge, "reported").counts["reported"] == 0


def test_hiding_a_comment_hides_it_and_its_replies_from_the_public_thread(
    english, challenge, idea, comment, author, core, reporter
):
    reply = commenting.comment(reporter, idea, "Een antwoord erop", comment)
    other = commenting.comment(reporter, idea, "Een losse reactie")
    db.session.commit()
    add_reports(comment, [reporter])
    english.login(core)
    response = english.post_form(f"/c/{challenge.slug}/moderation/comments/{comment.id}",
                                 {"action": "hide", "reason": "Scheldwoorden",
                                  "tab": "reported"})
    assert response.status_code == 302
    db.session.refresh(comment)
    db.session.refresh(idea)
    assert comment.status is CommentStatus.hidden
    assert idea.comment_count == 1  # only the loose response is still public
    assert db.session.scalar(select(Report)).status is ReportStatus.resolved

    english.logout()
    public = english.get(f"/c/{challenge.slug}/ideas/{idea.id}").get_data(as_text=True)
    assert "Een scherpe reactie" not in public and reply.body not in public
    assert other.body in public and "Responses (1)" in public
    assert "Scheldwoorden" not in public

    english.login(author)  # the author sees it is hidden, and why
    own = english.get(f"/c/{challenge.slug}/ideas/{idea.id}").get_data(as_text=True)
    assert "Hidden by the core team" in own and "Scheldwoorden" in own

    english.logout()
    english.login(core)
    english.post_form(f"/c/{challenge.slug}/moderation/comments/{comment.id}",
                      {"action": "restore", "tab": "hidden"})
    db.session.refresh(idea)
    assert idea.comment_count == 3


def test_a_reply_under_a_hidden_comment_is_refused(app, challenge, idea, comment, core,
                                                    reporter):
    services.decide_on_comment(core, comment, "hide", "Grof")
    try:
        commenting.comment(reporter, idea, "Toch reageren", comment)
    except IdeaError as error:
        assert error.field == "parent_id"
    else:
        raise AssertionError("a reply under a hidden response should be refused")


def test_every_moderation_action_is_audited_with_old_and_new_state_and_reason(
    app, challenge, author, core, comment, idea, reporter
):
    services.report_comment(reporter, comment, "Grof")
    services.decide_on_comment(core, comment, "hide", "Scheldwoorden")
    services.decide_on_comment(core, comment, "restore")
    report = services.report_idea(reporter, idea, "Reclame")
    services.dismiss_report(core, report)
    services.decide_on_idea(core, idea, "hide", "Reclame voor een bedrijf")
    services.decide_on_idea(core, idea, "restore")
    db.session.commit()
    log = [(e.action, e.object_type, e.old_state, e.new_state, e.reason) for e in
           db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id.in_(
               [core.id, reporter.id])).order_by(AuditEvent.id))]
    assert log == [
        ("report.created", "reports", None, "open", "Grof"),
        ("comment.hidden", "comments", "published", "hidden", "Scheldwoorden"),
        ("report.resolved", "reports", "open", "resolved", "Scheldwoorden"),
        ("comment.published", "comments", "hidden", "published", None),
        ("report.created", "reports", None, "open", "Reclame"),
        ("report.dismissed", "reports", "open", "dismissed", None),
        ("idea.hidden", "ideas", "published", "hidden", "Reclame voor een bedrijf"),
        ("idea.published", "ideas", "hidden", "published", None),
    ]
    assert all(e.challenge_id == challenge.id for e in db.session.scalars(select(AuditEvent)))


def test_only_the_core_team_and_admins_get_the_queue(app, challenge, author):
    for person in (author, quick_user("stakeholder", challenge)):
        try:
            services.moderation_queue(person, challenge)
        except PermissionDenied:
            pass
        else:
            raise AssertionError(f"{person} should not see the queue")
    assert services.moderation_queue(quick_user("admin"), challenge).tab == "pending"


def test_the_reported_tab_needs_the_same_few_queries_for_many_reports(
    english, challenge, author, core
):
    reporters = [quick_user() for _ in range(4)]

    def add_items(count: int) -> None:
        for n in range(count):
            idea = make_idea(author, challenge, title=f"Idee {n}")
            add_reports(idea, reporters[: 1 + n % 4])
            item = commenting.comment(author, idea, f"Reactie {n}")
            db.session.commit()
            add_reports(item, reporters[:2])

    statements: list[str] = []

    def page_queries() -> int:
        db.session.expire_all()
        with counted_queries() as collected:
            response = english.get(f"/c/{challenge.slug}/moderation?tab=reported")
        assert response.status_code == 200
        statements[:] = collected
        return len(collected)

    english.login(core)
    add_items(2)
    few = page_queries()
    add_items(13)  # 30 items, 75 reports: one full page
    many = page_queries()
    assert many == few, (few, many)
    # user, challenge and phases (twice: login check, page), three tab counts, the page of
    # groups, its reports, comments and ideas, and in the menu: the challenges whose core
    # team the user is in, whether they have rounds, and the unread notifications
    assert many <= 16, "\n".join(s[:90].replace("\n", " ") for s in statements)
    assert services.moderation_queue(core, challenge, "reported").counts["reported"] == 30


def test_the_challenge_page_count_adds_pending_and_reported_items_for_the_team_only(
    app, challenge, author, core, idea, reporter
):
    add_reports(idea, [reporter])
    premoderate(challenge, core)
    make_idea(author, challenge)
    assert services.waiting_count(core, challenge) == 2
    with app.test_request_context():  # nobody logged in: the template global says 0
        from flask import render_template_string
        assert render_template_string("{{ moderation_waiting(c) }}", c=challenge) == "0"


def _tab_the_moderation_link_opens(client, challenge) -> str:
    page = client.get(f"/c/{challenge.slug}").get_data(as_text=True)
    link = re.search(rf'href="(/c/{challenge.slug}/moderation[^"]*)">Moderation', page)[1]
    queue = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    return re.search(r'tab=(\w+)"\s*aria-current="page"', queue)[1]


def test_the_moderation_link_opens_the_list_that_has_something_waiting(
    english, challenge, author, core, idea
):
    english.login(core)
    premoderate(challenge, core)
    make_idea(author, challenge, title="Wacht op een blik")

    assert _tab_the_moderation_link_opens(english, challenge) == "pending"  # no reports yet

    add_reports(idea, [quick_user(name="Melder")], "Reclame")
    assert _tab_the_moderation_link_opens(english, challenge) == "reported"  # reports first


def test_the_queue_shows_an_anonymous_idea_with_its_author_to_core_team_and_admin(
    english, challenge, author, core
):
    premoderate(challenge, core)
    make_idea(author, challenge, title="Stil idee", is_anonymous=True)
    admin = quick_user("admin", name="Ada Beheer")

    for person in (core, admin):
        english.login(person)
        response = english.get(f"/c/{challenge.slug}/moderation")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Stil idee" in page and "Anonymous" in page
        assert "only you and the core team see: Anna Auteur" in page
        english.logout()
