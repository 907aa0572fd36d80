"""Who is told, once, when their idea becomes part of a published concept or prototype."""

from __future__ import annotations

from sqlalchemy import func, select

from ideation.accounts.models import User
from ideation.concepts.models import Concept
from ideation.core.models import OutgoingMail
from ideation.core.signals import concept_published, prototype_published
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.notifications.models import Notification
from ideation.notifications.services import public_path
from tests import factories
from tests.ideas.conftest import counted_queries
from tests.notifications.conftest import grow, make_idea, quick_user


def notifications_for(user: User) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def mails() -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def publish(obj, actor=None) -> None:
    """What the concepts and prototypes services do when something becomes public."""
    signal = concept_published if isinstance(obj, Concept) else prototype_published
    signal.send(obj, actor=actor)
    db.session.commit()


def test_publishing_a_concept_tells_each_author_once_with_all_their_ideas(
        challenge, author, other):
    first = make_idea(author, challenge, title="Eén loket")
    second = make_idea(author, challenge, title="Hulp aan huis")
    third = make_idea(other, challenge, title="Praat met de kinderen")
    _cluster, concept, _prototype = grow([first, second, third])

    publish(concept)

    [mine] = notifications_for(author)
    assert mine.key == f"concept:{concept.id}"
    assert mine.kind == "idea_in_concept"
    assert mine.params == {"titles": ["Eén loket", "Hulp aan huis"],
                           "object": "Het gezinsloket", "challenge": challenge.title}
    assert mine.challenge_id == challenge.id and mine.read_dt is None
    [theirs] = notifications_for(other)
    assert theirs.params["titles"] == ["Praat met de kinderen"]


def test_the_link_is_the_internal_path_of_the_public_page(app, challenge, author):
    _cluster, concept, prototype = grow([make_idea(author, challenge)])

    publish(concept)
    publish(prototype)

    links = {n.kind: n.link for n in notifications_for(author)}
    with app.test_request_context():
        assert links == {"idea_in_concept": public_path(concept),
                         "idea_in_prototype": public_path(prototype)}
    assert links["idea_in_prototype"].startswith(f"/c/{challenge.slug}/")
    assert str(prototype.id) in links["idea_in_prototype"]


def test_publishing_again_does_not_tell_anyone_twice(challenge, author):
    _cluster, concept, _prototype = grow([make_idea(author, challenge)])
    author.email_notifications = True

    publish(concept)
    publish(concept)

    assert len(notifications_for(author)) == 1
    assert len(mails()) == 1


def test_a_concept_that_gains_a_cluster_tells_only_the_new_authors(challenge, author, other):
    cluster, concept, _prototype = grow([make_idea(author, challenge)])
    publish(concept)
    later = make_idea(other, challenge, title="Later idee")
    later.cluster_id = cluster.id
    db.session.commit()

    publish(concept)

    assert len(notifications_for(author)) == 1
    [news] = notifications_for(other)
    assert news.params["titles"] == ["Later idee"]


def test_a_prototype_is_news_of_its_own_after_its_concept(challenge, author):
    _cluster, concept, prototype = grow([make_idea(author, challenge)])

    publish(concept)
    publish(prototype)

    assert [(n.key, n.kind) for n in notifications_for(author)] == [
        (f"concept:{concept.id}", "idea_in_concept"),
        (f"prototype:{prototype.id}", "idea_in_prototype"),
    ]


def test_authors_of_anonymous_ideas_are_told_too(challenge, author):
    idea = make_idea(author, challenge)
    idea.is_anonymous = True
    _cluster, concept, _prototype = grow([idea])

    publish(concept)

    assert len(notifications_for(author)) == 1


def test_authors_of_duplicates_merged_into_an_idea_are_told_too(challenge, author, other):
    kept = make_idea(author, challenge, title="Eén loket")
    duplicate = make_idea(other, challenge, title="Één plek voor alles")
    duplicate.merged_into_id = kept.id
    _cluster, concept, _prototype = grow([kept])

    publish(concept)

    [theirs] = notifications_for(other)
    assert theirs.params["titles"] == ["Één plek voor alles"]


def test_blocked_people_are_not_told(challenge, author, other):
    _cluster, concept, _prototype = grow([make_idea(author, challenge),
                                          make_idea(other, challenge)])
    other.is_blocked = True
    other.email_notifications = True
    db.session.commit()

    publish(concept)

    assert notifications_for(other) == []
    assert len(notifications_for(author)) == 1
    assert mails() == []


def test_nothing_is_said_about_an_unpublished_concept(challenge, author):
    _cluster, concept, _prototype = grow([make_idea(author, challenge)], published=False)

    publish(concept)

    assert notifications_for(author) == []


def test_nothing_is_kept_when_the_publication_is_rolled_back(challenge, author):
    _cluster, concept, _prototype = grow([make_idea(author, challenge)])
    author.email_notifications = True
    db.session.commit()

    concept_published.send(concept, actor=None)
    db.session.rollback()

    assert notifications_for(author) == []
    assert mails() == []


def test_many_authors_are_told_in_a_fixed_number_of_queries(challenge, author):
    idea = make_idea(author, challenge)
    _cluster, concept, _prototype = grow([idea])
    people = [User(email=f"burger{i}@example.org", name=f"Burger {i}", password_hash="x",
                   email_notifications=True) for i in range(500)]
    db.session.add_all(people)
    db.session.flush()
    db.session.add_all(Idea(challenge_id=challenge.id, author_id=person.id, title=f"Idee {i}",
                            description="Tekst.", status=IdeaStatus.published,
                            cluster_id=idea.cluster_id) for i, person in enumerate(people))
    db.session.commit()

    with counted_queries() as statements:
        concept_published.send(concept, actor=None)
        db.session.flush()

    assert len(statements) < 20
    assert db.session.scalar(select(func.count(Notification.id))) == 501
    assert len(mails()) == 500


# --- e-mail copies ---------------------------------------------------------------------------


def test_only_people_who_agreed_get_an_email(app, challenge, author, other):
    author.email_notifications = True
    author.locale = "en"  # the e-mail is in the reader's language, not the publisher's
    _cluster, _concept, prototype = grow([make_idea(author, challenge, title="Eén loket"),
                                          make_idea(other, challenge)])

    with app.test_request_context(headers={"Accept-Language": "en"}):
        publish(prototype)

    [message] = mails()
    assert message.to_address == author.email
    assert message.body_html is None
    assert "Your idea “Eén loket” is now part of the prototype “Loket op proef”." \
        in message.body_text


def test_each_email_is_written_in_the_language_of_its_reader(
        app, challenge, dutch_catalogue):
    dutch = quick_user("citizen", name="Daan")
    english = quick_user("citizen", name="Emma")
    dutch.locale, english.locale = "nl", "en"
    dutch.email_notifications = english.email_notifications = True
    _cluster, _concept, prototype = grow([make_idea(dutch, challenge, title="Eén loket"),
                                          make_idea(english, challenge, title="Help at home")])

    # The person publishing reads English; each reader still gets their own language.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        publish(prototype)

    by_address = {message.to_address: message for message in mails()}
    to_english, to_dutch = by_address[english.email], by_address[dutch.email]
    assert to_english.subject == "Your idea is now part of a prototype"
    assert to_dutch.subject == "Je idee is nu onderdeel van een prototype"
    assert "Your idea “Help at home” is now part of the prototype “Loket op proef”." \
        in to_english.body_text
    assert "Je idee “Eén loket” is nu onderdeel van het prototype" in to_dutch.body_text
    link = f"http://localhost:8000/c/{challenge.slug}/prototypes/{prototype.id}"
    assert link in to_english.body_text
    assert "Stop these e-mails (no log-in needed): http://localhost:8000/unsubscribe/" \
        in to_english.body_text
    assert "http://localhost:8000/account/notifications" in to_english.body_text


def test_a_person_without_a_language_gets_the_platform_language(
        app, challenge, author, dutch_catalogue):
    author.email_notifications = True
    _cluster, _concept, prototype = grow([make_idea(author, challenge)])

    with app.test_request_context(headers={"Accept-Language": "en"}):
        publish(prototype)

    [message] = mails()
    assert message.subject == "Je idee is nu onderdeel van een prototype"


def test_publishing_through_the_concepts_service_tells_the_authors(challenge, author):
    from ideation.challenges import services as challenge_services
    from ideation.challenges.models import PhaseKind
    from ideation.concepts import services as concepts

    _cluster, concept, _prototype = grow([make_idea(author, challenge)], published=False)
    challenge_services.set_phase_dates(None, challenge, factories.plan(PhaseKind.realistic))
    core = quick_user("core_team", challenge)

    concepts.set_published(core, concept, True)
    db.session.commit()

    [told] = notifications_for(author)
    assert told.key == f"concept:{concept.id}"
