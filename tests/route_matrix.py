"""The route x role matrix of the whole application: for every route of the URL map and each
of its methods, what every role gets on the demo (tests/demo_site.py).

One source of truth: ``tests/test_route_matrix.py`` requests every cell, and the crawler
(``tests/test_crawl.py``) takes from it which pages a role may use (``may_use``), so a page
the matrix opens to a role must be reachable by a link for that role.

A route added to the application without a line here fails ``test_route_matrix``. Add it to
GET or POST below, with one expectation per role in the order of ROLES; when the answer
depends on the object (a hidden idea, a draft round), give a dict {sample name: expectation}
with the sample names of ``tests/demo_site.py: resolve_samples``.

GET expectations are the answer: a status code, LOGIN (sent to the log-in page) or DONE
(sent elsewhere). POST expectations say who is turned away and how; OK marks the roles that
may send the form. Those are not sent here (the demo is shared and must not change): each
feature's own permission matrix (tests/*/test_permissions.py) sends them with real data.
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.permissions import DONE, LOGIN, ROLES

OK = "ok"
Expectation = tuple[int | str, ...]  # one answer per role, in the order of ROLES

#                  anonymous citizen stakeholder other_core_team core_team admin
EVERYONE: Expectation = (200, 200, 200, 200, 200, 200)
NOBODY: Expectation = (404, 404, 404, 404, 404, 404)
SIGNED_IN: Expectation = (LOGIN, 200, 200, 200, 200, 200)
GUESTS: Expectation = (200, DONE, DONE, DONE, DONE, DONE)  # log-in and register pages
TEAM: Expectation = (LOGIN, 403, 403, 403, 200, 200)  # the challenge's core team, admins
ADMINS: Expectation = (LOGIN, 403, 403, 403, 403, 200)
TEAM_SEES: Expectation = (404, 404, 404, 404, 200, 200)  # not public: only the team knows it
AUTHOR_AND_TEAM_SEE: Expectation = (404, 200, 404, 404, 200, 200)  # the demo citizen's own
AUTHOR: Expectation = (LOGIN, 200, 403, 403, 403, 403)  # change your own idea or response
NOT_AUTHOR: Expectation = (LOGIN, 403, 403, 403, 403, 403)
OTHER_TEAM_SEES: Expectation = (404, 404, 404, 200, 404, 200)  # the other, unpublished challenge
OTHER_TEAM: Expectation = (LOGIN, 404, 404, 200, 404, 200)
INVITED: Expectation = (LOGIN, 404, 200, 404, 404, 404)  # the demo stakeholder's round

POST_ANYONE: Expectation = (OK, OK, OK, OK, OK, OK)
POST_SIGNED_IN: Expectation = (LOGIN, OK, OK, OK, OK, OK)
POST_TEAM: Expectation = (LOGIN, 403, 403, 403, OK, OK)
POST_SCORES: Expectation = (LOGIN, 403, 403, 403, OK, 403)  # core-team members score; admins not
POST_ADMINS: Expectation = (LOGIN, 403, 403, 403, 403, OK)
POST_AUTHOR: Expectation = (LOGIN, OK, 403, 403, 403, 403)
POST_INVITED: Expectation = (LOGIN, 404, OK, 404, 404, 404)
POST_OWNER: Expectation = (LOGIN, OK, 404, 404, 404, 404)  # the demo citizen's notification
POST_NOT_AUTHOR: Expectation = (LOGIN, 403, 403, 403, 403, 403)
POST_NOBODY: Expectation = (404, 404, 404, 404, 404, 404)

Row = Expectation | Mapping[str, Expectation]

GET: dict[str, Row] = {
    # accounts
    "accounts.change_password": SIGNED_IN,
    "accounts.login": GUESTS,
    "accounts.profile": SIGNED_IN,
    "accounts.register": GUESTS,
    "accounts.registered": EVERYONE,  # "look in your e-mail", after registering
    "accounts.change_email": SIGNED_IN,
    "accounts.forgot_password": EVERYONE,
    # Links from e-mails, here with a token that does not work: a page that says so.
    "accounts.confirm_email": EVERYONE,
    "accounts.reset_password": NOBODY,  # a page that says so, with 404
    "accounts.invitation": NOBODY,
    "notifications.unsubscribe": NOBODY,
    # accounts: the person's own data and choices
    "notifications.settings": SIGNED_IN,
    "privacy.my_data": SIGNED_IN,
    "privacy.my_data_json": SIGNED_IN,
    "privacy.delete_account": SIGNED_IN,
    "privacy.statement": EVERYONE,
    "privacy.settings": ADMINS,
    "privacy.people_list": ADMINS,
    "privacy.person": ADMINS,
    # challenges: public pages, the team's set-up, the admin's overview
    "challenges.index": EVERYONE,
    "challenges.show": {"published": EVERYONE, "unpublished": OTHER_TEAM_SEES},
    "challenges.timeline": EVERYONE,
    "challenges.image": EVERYONE,  # the picture on a published challenge's card
    "challenges.manage": {"published": TEAM, "unpublished": OTHER_TEAM},
    "challenges.audit_log": TEAM,
    "workspace.show": {"collecting": TEAM, "testing": TEAM, "unpublished": OTHER_TEAM},
    "challenges.admin_overview": ADMINS,
    "challenges.create": ADMINS,
    # ideas (in the demo challenge that collects them)
    "ideas.gallery": EVERYONE,
    "ideas.show": {"published": EVERYONE, "anonymous": EVERYONE, "merged": EVERYONE,
                   "own": EVERYONE, "hidden": TEAM_SEES, "pending": TEAM_SEES,
                   "pending_own": AUTHOR_AND_TEAM_SEE, "withdrawn_own": AUTHOR_AND_TEAM_SEE},
    "ideas.media": EVERYONE,
    "ideas.similar": EVERYONE,
    "ideas.new": SIGNED_IN,
    "ideas.mine": SIGNED_IN,
    "ideas.edit": {"own": AUTHOR, "other": NOT_AUTHOR},
    "ideas.edit_comment": {"own": AUTHOR},
    "ideas.settings": TEAM,
    "moderation.report_idea": SIGNED_IN,
    "moderation.report_comment": SIGNED_IN,
    "moderation.queue": {"pending": TEAM, "reported": TEAM, "hidden": TEAM},
    "notifications.index": SIGNED_IN,
    # the core team's work on the challenge in its prototype phase
    "curation.board": TEAM,
    "curation.cluster": TEAM,
    "curation.duplicates_list": TEAM,
    "curation.proposal": TEAM,  # the suggested groups waiting on the demo's board
    "curation.proposal_group": TEAM,
    "curation.proposal_status": TEAM,
    "concepts.index": TEAM,
    "concepts.new": TEAM,
    "concepts.criteria": TEAM,
    "concepts.manage": TEAM,
    "concepts.show": {"published": EVERYONE, "draft": TEAM_SEES},
    "prototypes.index": TEAM,
    "prototypes.new": TEAM,
    "prototypes.edit": TEAM,
    "prototypes.new_version": TEAM,
    "prototypes.show": {"published": EVERYONE, "unpublished": TEAM_SEES},
    "prototypes.version": EVERYONE,
    "prototypes.image": EVERYONE,
    "validation.prototype_rounds": TEAM,
    "validation.new_round": TEAM,
    "validation.compare": TEAM,
    "validation.round": {"draft": TEAM, "open": TEAM, "closed": TEAM, "decision_due": TEAM},
    "validation.edit_round": TEAM,
    "validation.builder": TEAM,
    "validation.preview": TEAM,
    "validation.invitations": TEAM,
    "validation.results": TEAM,
    "validation.results_groups": TEAM,
    "validation.results_answers": TEAM,
    "validation.results_csv": TEAM,
    "validation.minority": TEAM,
    "validation.minority_answers": TEAM,
    "validation.decision": {"open": TEAM, "closed": TEAM, "decision_due": TEAM},
    # Only an open round can be closed; for any other the team is sent back to the round.
    "validation.confirm_close": {"open": TEAM, "closed": (LOGIN, 403, 403, 403, DONE, DONE)},
    # stakeholders: by personal link (whoever holds it), or with an account
    "validation.token_answer": {"valid": EVERYONE, "wrong": NOBODY},
    "validation.stop_reminders": {"valid": EVERYONE, "wrong": NOBODY},
    "validation.token_image": EVERYONE,
    "validation.my_rounds": SIGNED_IN,
    "validation.answer": {"invited": INVITED},
    # the Agenda voor Actie, in the demo challenge that ended ("kinderen-eerst")
    "reports.agenda": {"published": EVERYONE, "none": NOBODY},  # no agenda: nothing to see
    "reports.agenda_pdf": EVERYONE,
    "reports.edit": TEAM,
    "reports.new_action": TEAM,
    "reports.action": TEAM,
    "reports.exports_page": TEAM,
    "reports.export": TEAM,
    "reports.open_data": EVERYONE,
    # the read-only JSON API of published challenges
    **{f"api.{name}": EVERYONE for name in ("challenges", "challenge", "ideas", "clusters",
                                            "concepts", "prototypes", "decisions", "actions",
                                            "openapi")},
    # process design and live sessions (sessions in the collecting challenge; the canvas and
    # the stakeholder map in the challenge with rounds)
    "process.canvas": TEAM,
    "process.answer_history": TEAM,
    "process.edit_entry": TEAM,
    "process.approach": EVERYONE,
    "sessions.index": TEAM,
    "sessions.plan": TEAM,
    "sessions.show": {"held": TEAM, "open": TEAM},
    "sessions.screen": TEAM,
    "sessions.screen_feed": TEAM,
    "sessions.kit": TEAM,
    # Results are public once a session is held; an open session has none yet.
    "sessions.results": {"held": EVERYONE, "open": NOBODY},
    "sessions.join": EVERYONE,
    # Without the participant cookie a phone is sent to the join form; a held session's code
    # no longer works.
    "sessions.participate": {"open": (DONE, DONE, DONE, DONE, DONE, DONE), "held": NOBODY},
    # the machine
    "core.accessibility": EVERYONE,
    "core.healthz": EVERYONE,
    "core.readyz": EVERYONE,
    "static": EVERYONE,
}

POST: dict[str, Row] = {
    "accounts.login": POST_ANYONE,
    "accounts.register": POST_ANYONE,
    "accounts.logout": POST_ANYONE,
    "accounts.profile": POST_SIGNED_IN,
    "accounts.change_password": POST_SIGNED_IN,
    "accounts.change_email": POST_SIGNED_IN,
    "accounts.resend_confirmation": POST_SIGNED_IN,
    "accounts.forgot_password": POST_ANYONE,
    "accounts.confirm_email_post": POST_ANYONE,
    "accounts.reset_password": POST_ANYONE,
    "accounts.invitation": POST_ANYONE,
    "notifications.settings": POST_SIGNED_IN,
    "notifications.unsubscribe": POST_ANYONE,
    "privacy.delete_account": POST_SIGNED_IN,
    "privacy.settings": POST_ADMINS,
    "privacy.person": POST_ADMINS,
    "privacy.anonymise": POST_ADMINS,
    "core.switch_language": POST_ANYONE,
    "challenges.create": POST_ADMINS,
    "challenges.update_details": POST_TEAM,
    "challenges.change_member_role": POST_TEAM,
    "challenges.withdraw_invitation": POST_TEAM,
    "challenges.update_image": POST_TEAM,
    "challenges.remove_image": POST_TEAM,
    "challenges.update_phases": POST_TEAM,
    "challenges.add_theme": POST_TEAM,
    "challenges.remove_theme": POST_TEAM,
    "challenges.add_member": POST_TEAM,
    "challenges.remove_member": POST_TEAM,
    "ideas.new": POST_SIGNED_IN,
    "ideas.edit": {"own": POST_AUTHOR, "other": POST_NOT_AUTHOR},
    "ideas.withdraw": POST_NOT_AUTHOR,  # the sample is someone else's idea
    "ideas.toggle_support": POST_SIGNED_IN,
    "ideas.add_comment": POST_SIGNED_IN,
    "ideas.edit_comment": {"own": POST_AUTHOR},
    "ideas.moderate": POST_TEAM,
    "ideas.settings": POST_TEAM,
    "moderation.report_idea": POST_SIGNED_IN,
    "moderation.report_comment": POST_SIGNED_IN,
    "moderation.decide_on_idea": POST_TEAM,
    "moderation.decide_on_comment": POST_TEAM,
    "moderation.dismiss": POST_TEAM,
    "notifications.mark_all_read": POST_SIGNED_IN,
    "notifications.open_notification": POST_OWNER,
    "curation.new_cluster": POST_TEAM,
    "curation.cluster": POST_TEAM,
    "curation.move": POST_TEAM,
    "curation.undo_move": POST_TEAM,
    "curation.merge": POST_TEAM,
    "curation.unmerge": POST_TEAM,
    "curation.split": POST_TEAM,
    "curation.suggest": POST_TEAM,
    "curation.decide": POST_TEAM,
    "curation.change_members": POST_TEAM,
    "curation.close_proposal": POST_TEAM,
    "curation.undo_acceptance": POST_TEAM,
    "curation.search_duplicates": POST_TEAM,
    "curation.merge_duplicates": POST_TEAM,
    "curation.assign": POST_TEAM,
    "curation.accept_assignments": POST_TEAM,
    "curation.merge_idea": POST_TEAM,
    "curation.unmerge_idea": POST_TEAM,
    "concepts.new": POST_TEAM,
    "concepts.edit": POST_TEAM,
    "concepts.clusters": POST_TEAM,
    "concepts.change_state": POST_TEAM,
    "concepts.publish": POST_TEAM,
    "concepts.score": POST_SCORES,
    "concepts.criteria": POST_TEAM,
    "concepts.edit_criterion": POST_TEAM,
    "concepts.move_criterion": POST_TEAM,
    "concepts.remove_criterion": POST_TEAM,
    "prototypes.new": POST_TEAM,
    "prototypes.edit": POST_TEAM,
    "prototypes.new_version": POST_TEAM,
    "prototypes.change_state": POST_TEAM,
    "prototypes.publish": POST_TEAM,
    "prototypes.unpublish": POST_TEAM,
    "process.save_answer": POST_TEAM,
    "process.add_entry": POST_TEAM,
    "process.edit_entry": POST_TEAM,
    "process.remove_entry": POST_TEAM,
    "sessions.plan": POST_TEAM,
    "sessions.advance": POST_TEAM,
    "sessions.add_cards": POST_TEAM,
    "sessions.close": POST_TEAM,
    # Participants have no account: anyone with the code (the cookie decides, then the stage).
    "sessions.join": POST_ANYONE,
    "sessions.send_idea": POST_ANYONE,
    "sessions.spend_dot": POST_ANYONE,
    "sessions.object_to": POST_ANYONE,
    "validation.new_round": POST_TEAM,
    "validation.edit_round": POST_TEAM,
    "validation.open_round": POST_TEAM,
    "validation.close_round": POST_TEAM,
    "validation.add_question": POST_TEAM,
    "validation.edit_question": POST_TEAM,
    "validation.move_question": POST_TEAM,
    "validation.delete_question": POST_TEAM,
    "validation.copy_questions": POST_TEAM,
    "validation.preview": POST_TEAM,
    "validation.invite_one": POST_TEAM,
    "validation.invite_list": POST_TEAM,
    "validation.invite_csv": POST_TEAM,
    "validation.reissue_invitation": POST_TEAM,
    "validation.revoke_invitation": POST_TEAM,
    "validation.send_reminders": POST_TEAM,
    "validation.decision": {"open": POST_TEAM, "closed": POST_TEAM, "decision_due": POST_TEAM},
    "validation.token_answer": {"valid": POST_ANYONE, "wrong": POST_NOBODY},
    "validation.stop_reminders": {"valid": POST_ANYONE, "wrong": POST_NOBODY},
    "validation.answer": {"invited": POST_INVITED},
    "reports.edit": POST_TEAM,
    "reports.publish": POST_TEAM,
    "reports.unpublish": POST_TEAM,
    "reports.new_action": POST_TEAM,
    "reports.action": POST_TEAM,
    "reports.change_status": POST_TEAM,
    "reports.post_update": POST_TEAM,
    "reports.follow": POST_SIGNED_IN,
}

TABLES = {"GET": GET, "POST": POST}


def expectations(method: str, endpoint: str, samples: Mapping[str, str]
                 ) -> dict[str, Expectation]:
    """{sample name: expectation} of one route and method, for the demo's ``samples``."""
    row = TABLES[method][endpoint]
    if isinstance(row, tuple):
        return {name: row for name in samples}
    return dict(row)


def may_use(role: str) -> set[str]:
    """The endpoints whose pages ``role`` may open (a 200 for some object of the demo)."""
    column = ROLES.index(role)
    return {endpoint for endpoint, row in GET.items()
            if any(expected[column] == 200
                   for expected in (row.values() if isinstance(row, Mapping) else [row]))}
