"""Named moments other features react to, so the feature that acts need not know who listens.

Each signal is sent by a service inside the transaction of the change (after the flush), with
``actor`` as keyword. Receivers add rows to the same session; the view commits everything.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Concept. Sent when it is published, and when a published concept gains clusters.
concept_published = _signals.signal("concept-published")
# sender: the Prototype. Sent when it is published, and when a published one gets a version.
prototype_published = _signals.signal("prototype-published")
# sender: the User. Sent once, when a person first confirms their e-mail address; what they
# wrote before (drafts) goes out then.
email_confirmed = _signals.signal("email-confirmed")
# sender: the Comment. Sent when a response is placed for everyone to see (at once, or when
# its author confirms their address); notifications tell whoever it answers.
comment_published = _signals.signal("comment-published")
# sender: the Idea. Sent when the core team publishes or hides an idea (``status``, ``reason``).
idea_moderated = _signals.signal("idea-moderated")
# sender: the Report. Sent when someone reports an idea or a response to the core team.
report_made = _signals.signal("report-made")
# sender: the Decision. Sent when the core team decides on a closed round of a prototype.
round_decided = _signals.signal("round-decided")
# sender: the Round. Sent when a draft round opens; the invitations made meanwhile go out.
round_opened = _signals.signal("round-opened")
# sender: the AgendaAction. Sent when the core team changes the status of an action of a
# published agenda (``old``, ``new``); the people behind it and the followers are told.
action_status_changed = _signals.signal("action-status-changed")
