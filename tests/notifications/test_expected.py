"""The notifications people expect: a response to my idea or response, the outcome of a
moderation of my idea, a new report for the core team, a decision on a prototype my idea fed;
per topic in the app, by e-mail at once or weekly; an unsubscribe link in every e-mail that
works without logging in; nothing by e-mail before the address is confirmed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ideation.core.db import utcnow
from ideation.core.models import ScheduledRun
from ideation.extensions import db
from ideation.ideas import commenting
from ideation.ideas.models import IdeaStatus
from ideation.moderation import services as moderation
from ideation.notifications import digest, services
from ideation.notifications.models import Notification
from ideation.notifications.texts import Channel, Topic
from tests.mailbox import link_to, path_of, text_of
from tests.notifications.conftest import grow, make_idea, quick_user


@pytest.fixture
def core(challenge):
    return quick_user("core_team", challenge, name="Karin Kernteam")


def kinds_of(user) -> list[str]:
    return list(db.session.scalars(select(Notification.kind).where(
        Notification.user_id == user.id).order_by(Notification.id)))


def wants(user, topic: Topic, channel: Channel) -> None:
    services.set_preferences(user, {topic: channel})
    db.session.commit()


def test_a_response_to_my_idea_and_a_reply_to_my_response_are_told(app, challenge, author,
                                                                  other, mailbox):
    wants(author, Topic.reply, Channel.email)
    idea = make_idea(author, challenge)
    first = commenting.comment(other, idea, "Mooi!")
    commenting.comment(author, idea, "Dank je.", first)  # the author answers: Otto hears of it
    db.session.commit()

    assert kinds_of(author) == ["reply_to_idea"]
    assert kinds_of(other) == ["reply_to_comment"]
    message = mailbox.last_to(author.email)
    assert message["Subject"] == "Nieuwe reactie op “Eén loket voor alle hulp”"
    assert "#comment-" in text_of(message)
    assert mailbox.to(other.email) == []  # Otto chose nothing: in the app only


def test_writing_on_my_own_idea_tells_nobody(app, challenge, author):
    idea = make_idea(author, challenge)
    commenting.comment(author, idea, "Nog een aanvulling.")
    db.session.commit()

    assert kinds_of(author) == []


def test_every_email_stops_from_its_link_without_logging_in(app, client, challenge, author,
                                                           other, mailbox):
    wants(author, Topic.reply, Channel.email)
    idea = make_idea(author, challenge)
    commenting.comment(other, idea, "Eerste.")
    db.session.commit()
    path = path_of(link_to(mailbox.last_to(author.email), "/unsubscribe/"))

    page = client.get(path).get_data(as_text=True)
    assert "Wil je stoppen met de e-mails over" in page
    done = client.post_form(path)

    assert done.status_code == 200
    assert "Je krijgt geen e-mails meer over" in done.get_data(as_text=True)
    assert services.preferences(author)[Topic.reply] is Channel.app
    commenting.comment(other, idea, "Tweede.")
    db.session.commit()
    assert len(mailbox.to(author.email)) == 1  # the second response: in the app only
    assert len(kinds_of(author)) == 2


@pytest.mark.parametrize("token", ["nep", "a.b.c", "x" * 600])
def test_a_made_up_unsubscribe_link_is_a_clear_404(client, app, token):
    response = client.get(f"/unsubscribe/{token}")

    assert response.status_code == 404
    assert "Deze link werkt niet." in response.get_data(as_text=True)


def test_the_author_hears_the_outcome_of_a_moderation(app, challenge, author, core, mailbox):
    wants(author, Topic.moderation, Channel.email)
    idea = make_idea(author, challenge)

    moderation.decide_on_idea(core, idea, "hide", "Er staat een naam van een kind in.")
    db.session.commit()
    moderation.decide_on_idea(core, idea, "restore")
    db.session.commit()

    assert kinds_of(author) == ["idea_hidden", "idea_published"]
    texts = [text_of(m) for m in mailbox.to(author.email)]
    assert "De reden: Er staat een naam van een kind in." in texts[0]


def test_the_core_team_hears_of_a_new_report(app, challenge, author, other, core, mailbox):
    wants(core, Topic.report, Channel.email)
    idea = make_idea(author, challenge)

    moderation.report_idea(other, idea, "Dit hoort hier niet.")
    db.session.commit()

    assert kinds_of(core) == ["new_report"]
    assert kinds_of(other) == [] and kinds_of(author) == []
    assert "/moderation?tab=reported" in text_of(mailbox.last_to(core.email))


def test_the_authors_behind_a_prototype_hear_of_its_decision(app, challenge, author):
    from ideation.core.signals import round_decided
    from ideation.prototypes.models import PrototypeVersion
    from ideation.validation.models import Decision, Outcome, Round, RoundState

    idea = make_idea(author, challenge)
    _cluster, _concept, prototype = grow([idea])
    version = PrototypeVersion(prototype=prototype, number=1, description="Schets.")
    round_ = Round(challenge=challenge, prototype=prototype, title="Ronde",
                   state=RoundState.closed, opens_on=utcnow().date(),
                   closes_on=utcnow().date(), version=version)
    decision = Decision(round=round_, outcome=Outcome.iterate, rationale="Nog niet klaar.")
    db.session.add(decision)
    db.session.flush()

    round_decided.send(decision, actor=None)
    db.session.commit()

    [note] = db.session.scalars(select(Notification).where(Notification.user_id == author.id,
                                                           Notification.kind ==
                                                           "prototype_decision")).all()
    assert "er komt een nieuwe versie" in services.describe(note, {})


def test_no_email_goes_to_an_address_that_is_not_confirmed(app, challenge, author, other,
                                                          mailbox):
    wants(author, Topic.reply, Channel.email)
    idea = make_idea(author, challenge)
    author.email_confirmed_dt = None
    db.session.commit()

    commenting.comment(other, idea, "Mooi!")
    db.session.commit()

    assert kinds_of(author) == ["reply_to_idea"]  # in the app, yes
    assert mailbox.to(author.email) == []


def test_the_weekly_email_collects_everything_and_goes_out_by_itself(app, client, challenge,
                                                                    author, other, mailbox):
    app.config["IDEATION_SCHEDULED_JOBS"] = True
    wants(author, Topic.reply, Channel.digest)
    idea = make_idea(author, challenge)
    commenting.comment(other, idea, "Eerste.")
    commenting.comment(other, idea, "Tweede.")
    db.session.commit()
    assert mailbox.to(author.email) == []  # nothing at once

    client.get("/").close()  # any visit: the daily check runs after the response

    [weekly] = mailbox.to(author.email)
    assert weekly["Subject"] == "Je wekelijkse overzicht"
    assert text_of(weekly).count("Iemand reageerde op je idee") == 2
    assert "/unsubscribe/" in text_of(weekly)
    assert db.session.get(ScheduledRun, "notifications.digest").last_run_dt is not None
    # Within the week nothing more goes out, even when the job runs again.
    commenting.comment(other, idea, "Derde.")
    db.session.commit()
    assert digest.send_digests() == 0
    author.digest_sent_dt = utcnow() - timedelta(days=8)
    db.session.commit()
    assert digest.send_digests() == 1


def test_the_digest_command_sends_what_is_due(runner, app, challenge, author, other, mailbox):
    wants(author, Topic.moderation, Channel.digest)
    idea = make_idea(author, challenge)
    assert idea.status is IdeaStatus.published
    moderation.decide_on_idea(quick_user("core_team", challenge), idea, "hide", "Dubbel.")
    db.session.commit()

    result = runner.invoke(args=["notifications", "digest"])

    assert result.exit_code == 0, result.output
    assert "Queued 1 weekly e-mails." in result.output
    assert len(mailbox.to(author.email)) == 1
