"""What notifications say, written when they are read, in the reader's language.

A notification stores a message kind and its parameters (never a sentence, never a name), so
the text follows the reader's language of that moment, and deleting an account leaves no name
behind in someone else's notifications.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from ideation.core.enums import LabelledEnum
from ideation.core.i18n import lazy_gettext as _l

IDEA_IN_CONCEPT = "idea_in_concept"
IDEA_IN_PROTOTYPE = "idea_in_prototype"
REPLY_TO_IDEA = "reply_to_idea"
REPLY_TO_COMMENT = "reply_to_comment"
PROTOTYPE_DECISION = "prototype_decision"
IDEA_PUBLISHED = "idea_published"
IDEA_HIDDEN = "idea_hidden"
NEW_REPORT = "new_report"
ACTION_STATUS = "action_status"


class Topic(LabelledEnum):
    """What a person chooses a channel for."""

    reply = "reply", _l("Someone responds to my idea or my response")
    progress = "progress", _l("My idea becomes part of a concept or prototype")
    decision = "decision", _l("A decision is taken on a prototype my idea is part of")
    moderation = "moderation", _l("The core team publishes or hides my idea")
    report = "report", _l("Someone reports an idea or response (core team)")  # the core team only
    # the Agenda for Action's actions after the hand-over
    actions = "actions", _l("An action of the Agenda for Action that I follow, or that my idea "
                            "fed, changes its status")


class Channel(LabelledEnum):
    app = "app", _l("Only in the app")  # in the app only
    email = "email", _l("By e-mail at once")  # in the app, and an e-mail at once
    # in the app, and once a week one e-mail with everything
    digest = "digest", _l("In a weekly e-mail")


TOPIC_OF = {
    REPLY_TO_IDEA: Topic.reply, REPLY_TO_COMMENT: Topic.reply,
    IDEA_IN_CONCEPT: Topic.progress, IDEA_IN_PROTOTYPE: Topic.progress,
    PROTOTYPE_DECISION: Topic.decision,
    IDEA_PUBLISHED: Topic.moderation, IDEA_HIDDEN: Topic.moderation,
    NEW_REPORT: Topic.report,
    ACTION_STATUS: Topic.actions,
}

_ACTION_STATUSES = {"planned": _l("planned"), "started": _l("started"), "done": _l("done"),
                    "stopped": _l("stopped")}

_OUTCOMES = {"adopt": _l("adopted"), "iterate": _l("a new version will be made"),
             "park": _l("parked for now")}


def _quoted(titles: Sequence[str]) -> str:
    return ", ".join(f"“{title}”" for title in titles)


def sentence(kind: str, params: dict[str, Any], mark: Callable[[str], str] = str) -> str:
    """What happened, in the current language; ``mark`` wraps what people wrote (titles, a
    reason), e.g. in a span with its language."""
    titles = [mark(title) for title in params.get("titles") or []]
    count = max(len(titles), 1)
    values = {"ideas": _quoted(titles), "object": mark(params.get("object", "")),
              "idea": mark(params.get("idea", ""))}
    if kind == IDEA_IN_PROTOTYPE:
        return ngettext("Your idea %(ideas)s is now part of the prototype “%(object)s”.",
                        "Your ideas %(ideas)s are now part of the prototype “%(object)s”.",
                        count, **values)
    if kind == IDEA_IN_CONCEPT:
        return ngettext("Your idea %(ideas)s is now part of the concept “%(object)s”.",
                        "Your ideas %(ideas)s are now part of the concept “%(object)s”.",
                        count, **values)
    if kind == REPLY_TO_IDEA:
        return _("Someone responded to your idea “%(idea)s”.", **values)
    if kind == REPLY_TO_COMMENT:
        return _("Someone replied to your response on the idea “%(idea)s”.", **values)
    if kind == PROTOTYPE_DECISION:
        outcome = str(_OUTCOMES.get(params.get("outcome", ""), params.get("outcome", "")))
        return ngettext("The core team decided on the prototype “%(object)s”, which grew from "
                        "your idea %(ideas)s: %(outcome)s.",
                        "The core team decided on the prototype “%(object)s”, which grew from "
                        "your ideas %(ideas)s: %(outcome)s.", count, outcome=outcome, **values)
    if kind == IDEA_PUBLISHED:
        return _("The core team published your idea “%(idea)s”.", **values)
    if kind == IDEA_HIDDEN:
        return _("The core team hid your idea “%(idea)s”. The reason: %(reason)s",
                 reason=mark(params.get("reason", "")), **values)
    if kind == NEW_REPORT:
        return _("Someone reported something on the idea “%(idea)s”. It waits in the "
                 "moderation queue.", **values)
    if kind == ACTION_STATUS:
        status = str(_ACTION_STATUSES.get(params.get("status", ""), params.get("status", "")))
        return _("The action “%(object)s” of the Agenda for Action is now: %(status)s.",
                 status=status, **values)
    return _("There is news about your idea.")


def subject(kind: str, params: dict[str, Any]) -> str:
    count = max(len(params.get("titles") or []), 1)
    if kind == IDEA_IN_PROTOTYPE:
        return ngettext("Your idea is now part of a prototype",
                        "Your ideas are now part of a prototype", count)
    if kind == IDEA_IN_CONCEPT:
        return ngettext("Your idea is now part of a concept",
                        "Your ideas are now part of a concept", count)
    if kind in (REPLY_TO_IDEA, REPLY_TO_COMMENT):
        return _("New response on “%(idea)s”", idea=params.get("idea", ""))
    if kind == PROTOTYPE_DECISION:
        return _("A decision on the prototype “%(object)s”", object=params.get("object", ""))
    if kind in (IDEA_PUBLISHED, IDEA_HIDDEN):
        return _("News about your idea “%(idea)s”", idea=params.get("idea", ""))
    if kind == NEW_REPORT:
        return _("New report in “%(challenge)s”", challenge=params.get("challenge", ""))
    if kind == ACTION_STATUS:
        return _("News about the action “%(object)s”", object=params.get("object", ""))
    return _("There is news about your idea.")


def footer(topic_label: str, unsubscribe_link: str, settings_link: str) -> str:
    return "\n".join([
        "-- ",
        _("You get this e-mail because you chose e-mails for: %(topic)s.", topic=topic_label),
        _("Stop these e-mails (no log-in needed): %(link)s", link=unsubscribe_link),
        _("All your choices: %(link)s", link=settings_link),
    ])
