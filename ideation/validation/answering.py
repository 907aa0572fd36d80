"""A stakeholder's answers: save to come back later, or send. One Response per invitation.

The stakeholder acts through the invitation (a personal link, or the account it belongs to), so
the invitation stands in for the acting user here. Sending again before the round closes
replaces the answers of the same Response; there is never a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import gettext as _

from ideation.core.audit import record_event
from ideation.core.db import utcnow
from ideation.extensions import db
from ideation.validation.answer_form import AnswerLike, form_data_from_answers
from ideation.validation.models import Answer, Invitation, Response
from ideation.validation.services import is_accepting_answers


class AnsweringError(ValueError):
    """Answers cannot be stored; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def stored_form_data(invitation: Invitation) -> dict[str, object]:
    """The answers saved or sent so far, as ``data`` for the answer form (empty if none)."""
    response = invitation.response
    if response is None:
        return {}
    data = form_data_from_answers(invitation.round, response.answers)
    data["is_anonymous"] = response.is_anonymous
    return data


def save_response(invitation: Invitation, values: Sequence[AnswerLike], *, submit: bool,
                  anonymous: bool = False, on: date | None = None) -> Response:
    """Store ``values`` (from ``answers_from_form``) as the invitation's answers.

    ``submit`` False only saves (the response does not count yet); True sends. A sent response
    can be sent again with changes, but not turned back into a saved one. ``anonymous`` is kept
    only when the round allows it.
    """
    round_ = invitation.round
    if invitation.revoked_dt is not None:
        raise AnsweringError(_("This link was withdrawn by the organisers."))
    if not is_accepting_answers(round_, on):
        raise AnsweringError(_("This round does not accept answers now."))
    response = invitation.response
    if response is not None and response.submitted_dt is not None and not submit:
        raise AnsweringError(_("You already sent your answers. Press “Send my answers” to "
                               "send your changes."))
    if response is None:
        response = Response(round_id=round_.id, invitation=invitation,
                            group_id=invitation.group_id)
        db.session.add(response)
    response.is_anonymous = bool(anonymous and round_.allow_anonymous)
    response.answers = [Answer(question_id=value.question_id, choice=value.choice,
                               text=value.text) for value in values]
    response.updated_dt = utcnow()
    if submit:
        again = response.submitted_dt is not None
        response.submitted_dt = utcnow()
        # Not public, and no identity: the response id is enough for the record.
        record_event(None, "response.submitted", response, challenge=round_.challenge,
                     details={"round": round_.id, "again": again})
    db.session.flush()
    return response
