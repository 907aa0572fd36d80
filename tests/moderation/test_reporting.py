"""Reporting an idea or a response: who may, once per person, never your own, with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied
from ideation.extensions import db
from ideation.moderation import services
from ideation.moderation.models import Report, ReportStatus
from tests.ideas.conftest import make_idea


def reports() -> list[Report]:
    return list(db.session.scalars(select(Report).order_by(Report.id)))


def test_a_logged_in_person_reports_an_idea_and_is_thanked(english, challenge, idea, reporter):
    english.login(reporter)
    page = english.get(f"/c/{challenge.slug}/ideas/{idea.id}").get_data(as_text=True)
    assert f"/c/{challenge.slug}/ideas/{idea.id}/report" in page

    form = english.get(f"/c/{challenge.slug}/ideas/{idea.id}/report")
    assert form.status_code == 200 and "What is wrong with it?" in form.get_data(as_text=True)
    response = english.post_form(f"/c/{challenge.slug}/ideas/{idea.id}/report",
                                 {"reason": "Dit noemt de naam van een kind."})
    assert response.status_code == 302
    assert response.location.endswith(f"/c/{challenge.slug}/ideas/{idea.id}")
    assert "Thanks, the core team will look at it" in english.get(
        response.location).get_data(as_text=True)

    (report,) = reports()
    assert (report.idea_id, report.comment_id, report.reporter_id, report.status) == (
        idea.id, None, reporter.id, ReportStatus.open)
    assert report.challenge_id == challenge.id
    assert report.reason == "Dit noemt de naam van een kind."


def test_a_logged_in_person_reports_a_comment(english, challenge, idea, comment, reporter):
    english.login(reporter)
    url = f"/c/{challenge.slug}/ideas/{idea.id}/comments/{comment.id}/report"
    assert url in english.get(f"/c/{challenge.slug}/ideas/{idea.id}").get_data(as_text=True)
    response = english.post_form(url, {"reason": "Grof"})
    assert response.status_code == 302 and response.location.endswith(f"#comment-{comment.id}")
    (report,) = reports()
    assert (report.idea_id, report.comment_id) == (None, comment.id)


def test_reporting_twice_is_refused_kindly_and_keeps_one_open_report(
    english, challenge, idea, reporter
):
    english.login(reporter)
    url = f"/c/{challenge.slug}/ideas/{idea.id}/report"
    english.post_form(url, {"reason": "Eerste keer"})
    again = english.post_form(url, {"reason": "Tweede keer"}, follow_redirects=True)
    assert "You have already reported this" in again.get_data(as_text=True)
    # The form is not even offered a second time.
    assert english.get(url).status_code == 302
    assert [r.reason for r in reports()] == ["Eerste keer"]


def test_a_person_may_report_again_after_the_first_report_was_dismissed(
    app, challenge, idea, reporter, core
):
    first = services.report_idea(reporter, idea, "Reclame")
    services.dismiss_report(core, first)
    services.report_idea(reporter, idea, "Nog steeds reclame")
    db.session.commit()
    assert [r.status for r in reports()] == [ReportStatus.dismissed, ReportStatus.open]


def test_reporting_your_own_idea_or_comment_is_refused(english, challenge, idea, comment,
                                                      author):
    english.login(author)
    page = english.get(f"/c/{challenge.slug}/ideas/{idea.id}").get_data(as_text=True)
    assert "/report" not in page  # no report links on your own idea and response
    response = english.post_form(f"/c/{challenge.slug}/ideas/{idea.id}/report",
                                 {"reason": "Test"}, follow_redirects=True)
    assert "You cannot report your own idea." in response.get_data(as_text=True)
    response = english.post_form(
        f"/c/{challenge.slug}/ideas/{idea.id}/comments/{comment.id}/report",
        {"reason": "Test"}, follow_redirects=True)
    assert "You cannot report your own response." in response.get_data(as_text=True)
    assert reports() == []


def test_a_report_needs_a_reason_and_the_form_keeps_what_was_typed(english, challenge, idea,
                                                                   reporter):
    english.login(reporter)
    url = f"/c/{challenge.slug}/ideas/{idea.id}/report"
    response = english.post_form(url, {"reason": "   "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="reason-error"' in page and "Tell the core team what is wrong." in page
    assert 'aria-invalid="true"' in page

    too_long = "Te lang. " * 120
    response = english.post_form(url, {"reason": too_long})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Use at most 1000 characters." in page
    assert too_long.strip() in page  # what was typed is still there
    assert reports() == []


def test_hidden_or_pending_items_cannot_be_reported(english, challenge, author, reporter, core,
                                                   idea, comment):
    hidden = make_idea(author, challenge, title="Verborgen")
    services.decide_on_idea(core, hidden, "hide", "Reden")
    services.decide_on_comment(core, comment, "hide", "Grof")
    db.session.commit()
    english.login(reporter)
    assert english.get(f"/c/{challenge.slug}/ideas/{hidden.id}/report").status_code == 404
    assert english.get(
        f"/c/{challenge.slug}/ideas/{idea.id}/comments/{comment.id}/report").status_code == 404
    with pytest.raises(PermissionDenied):
        services.report_idea(reporter, hidden, "Toch")


def test_a_report_writes_an_audit_event_for_the_core_team_only(app, challenge, idea, reporter):
    report = services.report_idea(reporter, idea, "Reclame")
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.created"))
    assert (event.actor_id, event.object_type, event.object_id) == (reporter.id, "reports",
                                                                    report.id)
    assert (event.challenge_id, event.new_state, event.reason) == (challenge.id, "open",
                                                                   "Reclame")
    assert event.details == {"idea_id": idea.id} and event.is_public is False


def test_a_report_is_about_exactly_one_item(app, challenge, idea, comment, reporter):
    db.session.add(Report(challenge_id=challenge.id, idea_id=idea.id, comment_id=comment.id,
                          reporter_id=reporter.id, reason="Beide"))
    with pytest.raises(Exception, match="(?i)check"):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count(Report.id))) == 0
