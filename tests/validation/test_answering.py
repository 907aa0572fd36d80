"""Answering a round: save and come back, send with errors and complete, one response per
invitation, anonymity, answering from an account, and "my rounds"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ideation.challenges.phases import today
from ideation.core.db import utcnow
from ideation.core.models import AuditEvent
from ideation.extensions import db
from ideation.validation import answering
from ideation.validation.answer_form import AnswerValue
from ideation.validation.models import Answer, QuestionKind, Response, RoundState
from tests.html import parse
from tests.ideas.conftest import quick_user
from tests.validation.conftest import invite, make_round, question_of

SCALE, YES_NO = QuestionKind.scale, QuestionKind.yes_no
SINGLE, MULTIPLE = QuestionKind.single_choice, QuestionKind.multiple_choice
SHORT, LONG = QuestionKind.short_text, QuestionKind.long_text


def q(round_, kind, objection=False):
    return f"q{question_of(round_, kind, objection=objection).id}"


def complete(round_, **changes):
    """A form with every required question answered."""
    data = {q(round_, SCALE): "4", q(round_, YES_NO): "yes", q(round_, SINGLE): "1",
            q(round_, MULTIPLE): ["0", "2"], q(round_, SHORT): "Handig",
            q(round_, LONG, True): "Als mijn gegevens gedeeld worden.", "action": "send"}
    data.update(changes)
    return data


def responses():
    return db.session.scalar(select(func.count(Response.id)))


@pytest.fixture
def invited(open_round):
    return invite(open_round, "ouder@example.org", "Ouders")


@pytest.fixture
def page(open_round, invited):
    return f"/r/{open_round.id}/{invited[1]}"


# --- save, send, send again --------------------------------------------------------------------


def test_saving_keeps_half_an_answer_without_counting_it(english, open_round, invited, page):
    response = english.post_form(page, {q(open_round, SHORT): "Half", "action": "save"},
                                 follow_redirects=True)

    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Saved. You can come back with the same link until" in text
    stored = invited[0].response
    assert stored.submitted_dt is None
    assert [(a.question_id, a.text) for a in stored.answers] == [
        (question_of(open_round, SHORT).id, "Half")]
    assert 'value="Half"' in text  # the same link opens the saved answers again


def test_sending_with_required_answers_missing_shows_errors_and_keeps_what_was_typed(
        english, open_round, invited, page):
    english.post_form(page, {q(open_round, SHORT): "Half", "action": "save"})

    response = english.post_form(page, {q(open_round, SHORT): "Heel", q(open_round, SCALE): "3",
                                        "action": "send"})

    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Answer the question “Zou je het loket gebruiken?”." in text
    page = parse(text)
    assert page.find("input", name=q(open_round, SHORT)).attrs["value"] == "Heel"
    scale = question_of(open_round, SCALE).id
    (chosen,) = [radio for radio in page.find_all("input", name=f"q{scale}")
                 if "checked" in radio.attrs]
    assert chosen.attrs["value"] == "3" and chosen.attrs["type"] == "radio"
    db.session.refresh(invited[0].response)
    assert invited[0].response.submitted_dt is None
    assert [a.text for a in invited[0].response.answers] == ["Half"]


def test_sending_a_complete_form_stores_one_row_per_value_and_thanks(english, open_round,
                                                                    invited, page):
    response = english.post_form(page, complete(open_round), follow_redirects=True)

    assert "Thank you! Your answers were sent." in response.get_data(as_text=True)
    stored = invited[0].response
    assert stored.submitted_dt is not None
    assert stored.group_id == invited[0].group_id
    multiple = question_of(open_round, MULTIPLE).id
    assert sorted(a.choice for a in stored.answers if a.question_id == multiple) == [0, 2]
    assert {a.choice for a in stored.answers
            if a.question_id == question_of(open_round, YES_NO).id} == {1}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response.submitted"))
    assert event.actor_id is None and not event.is_public
    assert "ouder@example.org" not in str(event.details)


def test_the_whole_journey_save_then_errors_then_complete_makes_one_response(
        client, open_round, invited, page):
    client.post_form(page, {q(open_round, SHORT): "Eerst", "action": "save"})
    client.post_form(page, {q(open_round, SHORT): "Dan", "action": "send"})
    client.post_form(page, complete(open_round))

    assert responses() == 1
    assert invited[0].response.submitted_dt is not None


def test_sending_again_replaces_the_answers_of_the_same_response(client, open_round, invited,
                                                                  page):
    client.post_form(page, complete(open_round))
    first = invited[0].response.id

    client.post_form(page, complete(open_round, **{q(open_round, SCALE): "2",
                                                  q(open_round, MULTIPLE): ["3"]}))

    db.session.expire_all()
    assert responses() == 1
    stored = db.session.get(Response, first)
    scale = question_of(open_round, SCALE).id
    multiple = question_of(open_round, MULTIPLE).id
    assert [a.choice for a in stored.answers if a.question_id == scale] == [2]
    assert [a.choice for a in stored.answers if a.question_id == multiple] == [3]
    assert db.session.scalar(select(func.count(Answer.id)).where(
        Answer.response_id == first, Answer.question_id == multiple)) == 1


def test_a_sent_response_cannot_be_turned_back_into_a_saved_one(english, open_round, invited,
                                                                 page):
    english.post_form(page, complete(open_round))

    shown = english.get(page).get_data(as_text=True)
    response = english.post_form(page, {q(open_round, SHORT): "Terug", "action": "save"})

    assert "Save and continue later" not in shown
    assert "You sent your answers on" in shown
    assert response.status_code == 422
    assert "You already sent your answers." in response.get_data(as_text=True)
    assert invited[0].response.submitted_dt is not None


def test_a_wrong_option_is_refused_and_nothing_is_stored(english, open_round, page):
    response = english.post_form(page, complete(open_round, **{q(open_round, SINGLE): "9"}))

    assert response.status_code == 422
    assert responses() == 0


def test_nothing_is_stored_after_the_round_closed(open_round, invited):
    with pytest.raises(answering.AnsweringError):
        answering.save_response(invited[0], [AnswerValue(question_of(open_round, SHORT).id,
                                                         None, "Te laat")],
                                submit=True, on=open_round.closes_on + timedelta(days=1))
    assert responses() == 0


def test_a_revoked_invitation_cannot_store_answers(open_round, invited):
    invited[0].revoked_dt = utcnow()
    with pytest.raises(answering.AnsweringError):
        answering.save_response(invited[0], [], submit=False)


# --- anonymity ---------------------------------------------------------------------------------


def test_the_stakeholder_may_stay_anonymous_when_the_round_allows_it(english, prototype):
    round_ = make_round(prototype, state=RoundState.open, opens_in=-1, allow_anonymous=True)
    invitation, token = invite(round_, "stil@example.org", "Ouders")
    url = f"/r/{round_.id}/{token}"

    shown = english.get(url).get_data(as_text=True)
    english.post_form(url, {"is_anonymous": "y", "action": "send"})

    assert "Do not show my name or e-mail address to the organisers" in shown
    assert invitation.response.is_anonymous is True
    again = english.get(url).get_data(as_text=True)
    assert re.search(r'<input [^>]*\bchecked\b[^>]*name="is_anonymous"', again)


def test_without_permission_for_anonymity_the_box_is_absent_and_ignored(english, open_round,
                                                                          invited, page):
    shown = english.get(page).get_data(as_text=True)
    english.post_form(page, complete(open_round, is_anonymous="y"))

    assert "Do not show my name" not in shown
    assert invited[0].response.is_anonymous is False


# --- answering with an account, and "my rounds" ------------------------------------------------


def test_an_invited_account_answers_without_the_link(english, open_round):
    user = quick_user("citizen")
    invitation, _token = invite(open_round, user.email, "Ouders", user=user)
    english.login(user)

    shown = english.get(f"/rounds/{open_round.id}/answer")
    response = english.post_form(f"/rounds/{open_round.id}/answer", complete(open_round),
                                 follow_redirects=True)

    assert shown.headers["Referrer-Policy"] == "no-referrer"  # its images carry the token
    assert response.status_code == 200
    assert "Thank you! Your answers were sent." in response.get_data(as_text=True)
    assert invitation.response.submitted_dt is not None


def test_an_invitation_made_before_the_account_existed_is_found_by_address(client, open_round):
    invitation, _token = invite(open_round, "later@example.org", "Ouders")
    user = quick_user("citizen")
    user.email = "later@example.org"
    db.session.commit()
    client.login(user)

    assert client.get(f"/rounds/{open_round.id}/answer").status_code == 200


def test_an_account_without_an_invitation_finds_nothing(client, open_round, invited):
    client.login(quick_user("citizen"))
    assert client.get(f"/rounds/{open_round.id}/answer").status_code == 404
    assert client.get("/rounds/999/answer").status_code == 404


def test_answering_from_an_account_needs_a_login(client, open_round):
    response = client.get(f"/rounds/{open_round.id}/answer")
    assert response.status_code == 302 and "/login" in response.location
    assert client.get("/rounds").status_code == 302


def test_my_rounds_lists_only_my_rounds_with_their_status(english, prototype, open_round):
    me = quick_user("citizen")
    someone = quick_user("citizen")
    later = make_round(prototype, state=RoundState.open, opens_in=5, title="Later ronde")
    ended = make_round(prototype, state=RoundState.closed, opens_in=-20, title="Oude ronde")
    draft = make_round(prototype, title="Concept ronde")
    gone = make_round(prototype, state=RoundState.open, opens_in=-1, title="Ingetrokken ronde")
    mine, _token = invite(open_round, me.email, "Ouders", user=me)
    invite(later, me.email, "Ouders")  # by address only
    invite(ended, me.email, "Ouders", user=me)
    invite(draft, me.email, "Ouders", user=me, sent=False)
    revoked, _token = invite(gone, me.email, "Ouders", user=me)
    revoked.revoked_dt = utcnow()
    other_round = make_round(prototype, state=RoundState.open, opens_in=-1, title="Niet van mij")
    invite(other_round, someone.email, "Ouders", user=someone)
    db.session.commit()
    english.login(me)
    english.post_form(f"/rounds/{open_round.id}/answer",
                      {q(open_round, SHORT): "Half", "action": "save"})

    text = english.get("/rounds").get_data(as_text=True)

    assert "Toetsronde loket" in text and "Later ronde" in text and "Oude ronde" in text
    assert "Niet van mij" not in text
    assert "Concept ronde" not in text
    assert "Ingetrokken ronde" not in text
    assert "Saved, not sent" in text
    assert "This round opens on" in text
    assert f"/rounds/{open_round.id}/answer" in text
    assert f"/rounds/{later.id}/answer" not in text
    assert text.index("Closed rounds") < text.index("Oude ronde")
    assert mine.response.submitted_dt is None


def test_my_rounds_renders_in_dutch_and_when_empty(client):
    client.login(quick_user("citizen"))
    assert client.get("/rounds").status_code == 200


def test_the_answering_page_renders_in_dutch(client, page):
    assert client.get(page).status_code == 200
    assert client.post_form(page, {"action": "send"}).status_code == 422


def test_a_round_that_closes_today_still_accepts_answers(client, prototype):
    last_day = make_round(prototype, state=RoundState.open, opens_in=-13, days=14)
    assert last_day.closes_on == today()
    invitation, token = invite(last_day, "laatste@example.org", "Ouders")

    client.post_form(f"/r/{last_day.id}/{token}", {"action": "save"})

    assert invitation.response is not None
