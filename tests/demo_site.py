"""The demo site, loaded once per test run, and the people who use it.

The crawler (``tests/crawl.py``) walks it and the route x role matrix
(``tests/route_matrix.py``) requests every route of it. Both take their URLs from one place:
``samples``, which fills in the parameters of every route of the URL map with objects of the
demo, by a short name of what the object shows ("hidden", "draft", ...).

The demo is loaded with ``flask demo``, as a person would; on top of it the tests add one
thing the demo does not need: a second core team, running an unpublished challenge of its own
("core team of another challenge").
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request_started, request_tearing_down, url_for
from sqlalchemy import ColumnElement, Select, select
from werkzeug.serving import make_server

from ideation.accounts.models import Membership, MembershipRole, User
from ideation.accounts.services import create_user, set_membership
from ideation.challenges import services as challenge_services
from ideation.challenges.models import Challenge, Theme
from ideation.concepts.models import Concept, ConceptCriterion
from ideation.curation.models import Cluster, SuggestionProposal
from ideation.demo import SLUG as DREAM_SLUG
from ideation.extensions import db
from ideation.ideas.models import Comment, CommentStatus, Idea, IdeaImage, IdeaStatus
from ideation.moderation.models import Report, ReportStatus
from ideation.notifications.models import Notification
from ideation.process.models import StakeholderMapEntry
from ideation.prototypes.models import Prototype, PrototypeImage, PrototypeVersion
from ideation.reports.demo_content import SLUG as AGENDA_SLUG
from ideation.reports.models import Agenda, AgendaAction
from ideation.sessions.models import LiveSession, Stage
from ideation.validation import invitations
from ideation.validation.demo_content import PROTOTYPE_TITLE
from ideation.validation.demo_content import SLUG as CHAIN_SLUG
from ideation.validation.minority import minority_report
from ideation.validation.models import (
    Decision,
    Invitation,
    Question,
    QuestionKind,
    Round,
    RoundState,
)
from tests.conftest import Client, _clear_request_globals, _discard_uncommitted

ACCOUNTS = {  # role -> the demo account (tests/permissions.py names the roles)
    "citizen": "burger@example.org",
    "stakeholder": "belanghebbende@example.org",
    "core_team": "kernteam@example.org",
    "admin": "beheerder@example.org",
}
OTHER_CORE_TEAM = "ander-kernteam@example.org"
OTHER_SLUG = "ander"  # the other core team's challenge: not published

Samples = dict[str, dict[str, str]]  # endpoint -> {what the object shows: URL}


@dataclass
class DemoSite:
    app: Flask
    passwords: dict[str, str]  # role -> password of its account
    stakeholder_link: str  # the demo stakeholder's personal link (a path), as in the e-mail
    samples: Samples = field(default_factory=dict)

    @contextmanager
    def serve(self) -> Iterator[str]:
        """The demo on a live server in a thread, for a browser: yields its base URL."""
        server = make_server("127.0.0.1", 0, self.app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join(timeout=5)

    def client(self, role: str, *, language: str = "nl") -> Client:
        """A fresh client, logged in as ``role`` (none for "anonymous"), in ``language``."""
        self.app.test_client_class = Client
        client: Client = self.app.test_client()  # type: ignore[assignment]
        client.set_cookie("lang", language)
        if role != "anonymous":
            email = OTHER_CORE_TEAM if role == "other_core_team" else ACCOUNTS[role]
            response = client.login(email, self.passwords[role])
            assert response.status_code == 302, f"{role} cannot log in"
        return client


def build_demo_site(app: Flask) -> DemoSite:
    """Load the demo into ``app``'s empty database, add the other core team, resolve samples."""
    request_started.connect(_clear_request_globals, app)
    request_tearing_down.connect(_discard_uncommitted, app)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, (result.output, repr(result.exception))
        credentials = json.loads(
            (Path(app.instance_path) / "demo-accounts.json").read_text())
        passwords = {role: credentials[email] for role, email in ACCOUNTS.items()}
        passwords["other_core_team"] = _add_other_core_team()
        with app.test_request_context():
            link = _stakeholder_link()
            site = DemoSite(app, passwords, link, resolve_samples(link))
        db.session.remove()
    return site


def _add_other_core_team() -> str:
    """A core-team member of another, unpublished challenge; returns the password."""
    password = "een-ander-wachtwoord-voor-de-test"
    person = create_user(OTHER_CORE_TEAM, "Olga Ander", password)
    other = challenge_services.create_challenge(None, {
        "slug": OTHER_SLUG, "title": "Een andere uitdaging", "question": "Wat doen we anders?",
        "language": "nl", "is_published": False})
    set_membership(None, other, person, MembershipRole.core_team)
    db.session.commit()
    return password


def _stakeholder_link() -> str:
    """The path of the demo stakeholder's link to the open round, as the e-mail gives it."""
    invitation = db.session.scalar(
        select(Invitation).join(Round, Round.id == Invitation.round_id)
        .where(Invitation.email == ACCOUNTS["stakeholder"], Round.state == RoundState.open))
    assert invitation is not None, "the demo stakeholder has no open invitation"
    return url_for("validation.token_answer", round_id=invitation.round_id,
                   token=invitations.token_for(invitation))


# --- the resolver ------------------------------------------------------------------------------


def _one(query: Select) -> Any:
    """The first row of ``query``; the demo must have one."""
    row = db.session.scalar(query.limit(1))
    assert row is not None, f"the demo has nothing for {query}"
    return row


def _challenge(slug: str) -> Challenge:
    return _one(select(Challenge).where(Challenge.slug == slug))


def _user(email: str) -> User:
    return _one(select(User).where(User.email == email))


def resolve_samples(stakeholder_link: str) -> Samples:
    """For every endpoint with parameters: the URLs of the demo to request, by what they show.

    This is the one place that knows which demo object fills which parameter; a new route
    whose parameters have no demo object fails here, saying where to add one.
    """
    dream, chain, other = _challenge(DREAM_SLUG), _challenge(CHAIN_SLUG), _challenge(OTHER_SLUG)
    ended = _challenge(AGENDA_SLUG)
    agenda_action = _one(select(AgendaAction).join(Agenda).where(Agenda.challenge_id == ended.id)
                         .order_by(AgendaAction.id))
    citizen = _user(ACCOUNTS["citizen"])
    stakeholder = _user(ACCOUNTS["stakeholder"])

    def idea(*conditions: ColumnElement[bool]) -> Idea:
        return _one(select(Idea).where(Idea.challenge_id == dream.id, *conditions)
                    .order_by(Idea.id))

    published = idea(Idea.status == IdeaStatus.published, Idea.author_id != citizen.id,
                     Idea.is_anonymous.is_(False), Idea.merged_into_id.is_(None))
    own = idea(Idea.status == IdeaStatus.published, Idea.author_id == citizen.id)
    ideas = {
        "published": published,
        "anonymous": idea(Idea.status == IdeaStatus.published, Idea.is_anonymous.is_(True),
                          Idea.author_id != citizen.id),
        "hidden": idea(Idea.status == IdeaStatus.hidden),
        "pending_own": idea(Idea.status == IdeaStatus.pending, Idea.author_id == citizen.id),
        "pending": idea(Idea.status == IdeaStatus.pending, Idea.author_id != citizen.id),
        "withdrawn_own": idea(Idea.status == IdeaStatus.withdrawn, Idea.author_id == citizen.id),
        "merged": idea(Idea.merged_into_id.is_not(None)),
        "own": own,
    }
    own_comment = _one(select(Comment).join(Idea).where(
        Idea.challenge_id == dream.id, Comment.author_id == citizen.id,
        Comment.status == CommentStatus.published).order_by(Comment.id))
    other_comment = _one(select(Comment).join(Idea).where(
        Idea.challenge_id == dream.id, Comment.author_id != citizen.id,
        Comment.status == CommentStatus.published, Idea.status == IdeaStatus.published,
        ~select(Report.id).where(Report.comment_id == Comment.id).exists())
        .order_by(Comment.id))
    report = _one(select(Report).where(Report.challenge_id == dream.id,
                                       Report.status == ReportStatus.open))
    photo = _one(select(IdeaImage).join(Idea).where(Idea.status == IdeaStatus.published))

    plan = _one(select(Prototype).where(Prototype.title == PROTOTYPE_TITLE))
    unpublished = _one(select(Prototype).where(Prototype.challenge_id == chain.id,
                                               Prototype.is_published.is_(False)))
    screen = _one(select(PrototypeImage).join(PrototypeVersion).where(
        PrototypeVersion.prototype_id == plan.id).order_by(PrototypeImage.id.desc()))
    concept = plan.concept
    draft_concept = _one(select(Concept).where(Concept.challenge_id == chain.id,
                                               Concept.is_published.is_(False)))
    criterion = _one(select(ConceptCriterion).where(ConceptCriterion.challenge_id == chain.id))
    cluster = _one(select(Cluster).where(Cluster.challenge_id == chain.id))
    theme = _one(select(Theme).where(Theme.challenge_id == chain.id))
    membership = _one(select(Membership).where(Membership.challenge_id == chain.id,
                                               Membership.user_id == stakeholder.id))
    notification = _one(select(Notification).where(Notification.user_id == citizen.id))

    proposal = _one(select(SuggestionProposal).where(SuggestionProposal.challenge_id == dream.id))
    group = proposal.groups[0]
    decided = {r for r in db.session.scalars(select(Decision.round_id))}
    rounds = list(db.session.scalars(select(Round).where(Round.challenge_id == chain.id)
                                     .order_by(Round.id)))
    closed = next(r for r in rounds if r.state is RoundState.closed and r.id in decided)
    due = next(r for r in rounds if r.state is RoundState.closed and r.id not in decided)
    open_ = next(r for r in rounds if r.state is RoundState.open)
    draft = next(r for r in rounds if r.state is RoundState.draft)
    by_state = {"closed": closed, "decision_due": due, "open": open_, "draft": draft}
    text_question = _one(select(Question).where(Question.round_id == closed.id,
                                                Question.kind == QuestionKind.long_text))
    question = _one(select(Question).where(Question.round_id == closed.id))
    invitation = _one(select(Invitation).where(Invitation.round_id == open_.id))
    concern = minority_report(closed).concerns[0]

    held = _one(select(LiveSession).where(LiveSession.challenge_id == dream.id,
                                          LiveSession.stage == Stage.closed))
    live = _one(select(LiveSession).where(LiveSession.challenge_id == dream.id,
                                          LiveSession.stage == Stage.ideas))
    entry = _one(select(StakeholderMapEntry).where(StakeholderMapEntry.challenge_id == chain.id))
    sessions = {"held": held, "open": live}

    d, c = {"slug": dream.slug}, {"slug": chain.slug}
    token = stakeholder_link.rsplit("/", 1)[1]
    url = url_for

    samples: Samples = {
        # The challenge itself: the other core team's challenge is not published.
        "challenges.show": {"published": url("challenges.show", **c),
                            "unpublished": url("challenges.show", slug=other.slug)},
        "challenges.manage": {"published": url("challenges.manage", **c),
                              "unpublished": url("challenges.manage", slug=other.slug)},
        "workspace.show": {"collecting": url("workspace.show", **d),
                           "testing": url("workspace.show", **c),
                           "unpublished": url("workspace.show", slug=other.slug)},
        "challenges.image": {"": url("challenges.image", **d, key=dream.image_key,
                                     variant="thumb")},
        "challenges.remove_member": {"": url("challenges.remove_member", **c,
                                             membership_id=membership.id)},
        "challenges.remove_theme": {"": url("challenges.remove_theme", **c,
                                            theme_id=theme.id)},
        # Ideas, in the challenge that is collecting them.
        "ideas.show": {name: url("ideas.show", **d, idea_id=item.id)
                       for name, item in ideas.items()},
        "ideas.edit": {"own": url("ideas.edit", **d, idea_id=own.id),
                       "other": url("ideas.edit", **d, idea_id=published.id)},
        "ideas.edit_comment": {"own": url("ideas.edit_comment", **d, idea_id=own_comment.idea_id,
                                          comment_id=own_comment.id)},
        "ideas.media": {"": url("ideas.media", key=photo.storage_key, variant="thumb")},
        "ideas.similar": {"": url("ideas.similar", **d, title="loket")},
        "moderation.report_idea": {"": url("moderation.report_idea", **d,
                                           idea_id=published.id)},
        "moderation.report_comment": {"": url("moderation.report_comment", **d,
                                              idea_id=other_comment.idea_id,
                                              comment_id=other_comment.id)},
        "moderation.decide_on_comment": {"": url("moderation.decide_on_comment", **d,
                                                 comment_id=other_comment.id)},
        "moderation.dismiss": {"": url("moderation.dismiss", **d, report_id=report.id)},
        "moderation.queue": {tab: url("moderation.queue", **d, tab=tab)
                             for tab in ("pending", "reported", "hidden")},
        "notifications.open_notification": {"": url("notifications.open_notification",
                                                    notification_id=notification.id)},
        # Clusters, concepts, prototypes and rounds, in the challenge that has them.
        "concepts.show": {"published": url("concepts.show", **c, concept_id=concept.id),
                          "draft": url("concepts.show", **c, concept_id=draft_concept.id)},
        "prototypes.show": {"published": url("prototypes.show", **c, prototype_id=plan.id),
                            "unpublished": url("prototypes.show", **c,
                                               prototype_id=unpublished.id)},
        "prototypes.image": {"": url("prototypes.image", **c, prototype_id=plan.id,
                                     image_id=screen.id, variant="thumb")},
        "prototypes.version": {"": url("prototypes.version", **c, prototype_id=plan.id,
                                       number=1)},
        "validation.round": {name: url("validation.round", **c, round_id=item.id)
                             for name, item in by_state.items()},
        "validation.decision": {name: url("validation.decision", **c, round_id=item.id)
                                for name, item in by_state.items() if name != "draft"},
        # The suggested groups the core team asked for in the collecting challenge.
        **{endpoint: {"": url(endpoint, **d, proposal_id=proposal.id)}
           for endpoint in ("curation.proposal", "curation.proposal_status",
                            "curation.decide", "curation.close_proposal",
                            "curation.undo_acceptance")},
        **{endpoint: {"": url(endpoint, **d, proposal_id=proposal.id, group_id=group.id)}
           for endpoint in ("curation.proposal_group", "curation.change_members")},
        "validation.confirm_close": {name: url("validation.confirm_close", **c, round_id=item.id)
                                     for name, item in by_state.items()
                                     if name in ("open", "closed")},
        "validation.results_answers": {"": url("validation.results_answers", **c,
                                               round_id=closed.id, question_id=text_question.id)},
        "validation.minority_answers": {"": url("validation.minority_answers", **c,
                                                round_id=closed.id, key=concern.key)},
        "validation.answer": {"invited": url("validation.answer", round_id=open_.id)},
        "validation.token_answer": {"valid": stakeholder_link,
                                    "wrong": url("validation.token_answer", round_id=open_.id,
                                                 token="x" * len(token))},
        "validation.stop_reminders": {
            "valid": url("validation.stop_reminders", round_id=open_.id, token=token),
            "wrong": url("validation.stop_reminders", round_id=open_.id, token="x" * len(token))},
        "validation.token_image": {"": url("validation.token_image", round_id=open_.id,
                                           token=token, image_id=screen.id, variant="thumb")},
        # The Agenda voor Actie of the challenge that ended; the chain has none yet.
        "reports.agenda": {"published": url("reports.agenda", slug=ended.slug),
                           "none": url("reports.agenda", **c)},
        **{endpoint: {"": url(endpoint, slug=ended.slug)}
           for endpoint in ("reports.agenda_pdf", "reports.edit", "reports.new_action",
                            "reports.exports_page", "reports.open_data",
                            "reports.publish", "reports.unpublish", "reports.follow")},
        **{endpoint: {"": url(endpoint, slug=ended.slug, action_id=agenda_action.id)}
           for endpoint in ("reports.action", "reports.change_status", "reports.post_update")},
        # Live sessions in the collecting challenge; the map in the challenge with rounds.
        **{endpoint: {"": url(endpoint, **d, session_id=held.id)}
           for endpoint in ("sessions.screen", "sessions.screen_feed", "sessions.kit",
                            "sessions.advance", "sessions.add_cards", "sessions.close")},
        "sessions.show": {name: url("sessions.show", **d, session_id=item.id)
                          for name, item in sessions.items()},
        "sessions.results": {name: url("sessions.results", **d, session_id=item.id)
                             for name, item in sessions.items()},
        "sessions.participate": {name: url("sessions.participate", code=item.join_code)
                                 for name, item in sessions.items()},
        **{endpoint: {"": url(endpoint, code=live.join_code)}
           for endpoint in ("sessions.send_idea", "sessions.spend_dot", "sessions.object_to")},
        **{endpoint: {"": url(endpoint, **c, entry_id=entry.id)}
           for endpoint in ("process.edit_entry", "process.remove_entry")},
    }
    # The other parameters have one obvious demo object each.
    defaults = {"slug": chain.slug, "idea_id": published.id, "comment_id": other_comment.id,
                "cluster_id": cluster.id, "concept_id": concept.id,
                "criterion_id": criterion.id, "prototype_id": plan.id, "round_id": closed.id,
                "question_id": question.id, "invitation_id": invitation.id,
                "membership_id": membership.id, "theme_id": theme.id,
                "notification_id": notification.id, "report_id": report.id, "number": 1,
                "user_id": citizen.id,
                "dataset": "ideas", "fmt": "csv",
                "filename": "css/app.css", "name": "result",
                # Links from e-mails (confirm, reset, invitation, unsubscribe): a token that
                # is no longer (or never was) valid.
                "token": "x" * 43}
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint in samples:
            continue
        missing = rule.arguments - defaults.keys()
        assert not missing, (f"{rule.endpoint}: no demo object for {sorted(missing)}; add a "
                             f"sample in tests/demo_site.py (resolve_samples)")
        values = {name: defaults[name] for name in rule.arguments}
        if rule.endpoint.split(".")[0] in ("ideas", "moderation") or "idea_id" in values:
            values["slug"] = dream.slug  # ideas live in the challenge that collects them
        samples[rule.endpoint] = {"": url(rule.endpoint, **values)}
    return samples
