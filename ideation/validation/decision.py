"""The decision that ends a validation round: adopt, iterate or park, with a rationale and an
answer to every minority concern of the round's report.

Decisions where the brief left room:

* Deciding is allowed while the core team may run validation rounds (prototype and testing
  phases) and after that while it writes the Agenda for Action: a round that closes on the
  last day of testing can still be decided on. Once the challenge is over it cannot.
* The concerns to address are those of the report computed at the moment of deciding (the
  round is closed, so its answers no longer change); the report is stored with the decision.
* The concerns are stored as the report states them in the challenge's language (the language
  of the public prototype page), whatever language the core team member works in.
* The prototype's state changes through ``prototypes.services.set_state(by_decision=True)``,
  which writes "prototype.state_changed"; "iterate" sets a prototype back to testing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, defer, joinedload

from ideation.accounts.models import User
from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, PhaseClosed, Verdict, check
from ideation.core.audit import record_event
from ideation.core.i18n import current_language
from ideation.core.permissions import ensure_can_manage
from ideation.core.signals import round_decided
from ideation.extensions import db
from ideation.prototypes import services as prototype_services
from ideation.prototypes.models import Prototype, PrototypeState
from ideation.validation.minority import MinorityReport, minority_report
from ideation.validation.models import (
    Decision,
    DecisionConcern,
    Disposition,
    Outcome,
    Round,
    RoundState,
)

PROTOTYPE_STATE_AFTER = {
    Outcome.adopt: PrototypeState.adopted,
    Outcome.iterate: PrototypeState.testing,
    Outcome.park: PrototypeState.parked,
}

MAX_RATIONALE = 5000
MAX_ANSWER = 2000


class DecisionError(ValueError):
    """A rule was broken. ``field`` names the form field ("outcome", "rationale", or for a
    concern "disposition" / "answer"); ``concern`` is the concern's key when it is about one."""

    def __init__(self, message: str, field: str | None = None,
                 concern: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.concern = concern


class DecisionIncomplete(DecisionError):
    """Parts of the decision are missing; ``problems`` holds one error for each."""

    def __init__(self, problems: list[DecisionError]) -> None:
        super().__init__(" ".join(str(p) for p in problems), problems[0].field,
                         problems[0].concern)
        self.problems = problems


class ConcernAnswer(NamedTuple):
    """What the core team does with one concern: answer it, or set it aside, and how/why."""

    disposition: str | None
    text: str | None


def decision_verdict(challenge: Challenge) -> Verdict:
    """May a closed round be decided on today? While testing, and while the agenda is
    written; the reason given is the later of the two."""
    testing = check(challenge, Action.run_validation)
    return testing if testing else check(challenge, Action.write_agenda)


def decide(actor: User, round_: Round, outcome: str | None, rationale: str | None,
           answers: Mapping[str, ConcernAnswer | tuple[str | None, str | None]]) -> Decision:
    """Decide on a closed round. Every concern of its minority report needs a disposition and
    a text; when anything is missing nothing is stored and each missing part is named."""
    ensure_can_manage(actor, round_.challenge)
    verdict = decision_verdict(round_.challenge)
    if not verdict:
        raise PhaseClosed(verdict)
    if round_.state is not RoundState.closed:
        raise DecisionError(_("Close the round first. You decide after the round is closed."))
    if round_.decision is not None:
        raise DecisionError(_("This round already has a decision."))
    report = minority_report(round_)
    chosen, reason, problems = _check_outcome(outcome, rationale)
    given = {concern.key: _check_concern(concern.key, concern.label,
                                         ConcernAnswer(*answers.get(concern.key, (None, None))),
                                         problems)
             for concern in report.concerns}
    if problems:
        raise DecisionIncomplete(problems)
    assert chosen is not None
    record = _public_report(round_, report)  # same concerns, maybe in another language
    concerns = [DecisionConcern(position=position, key=concern.key, summary=concern.summary,
                                disposition=given[concern.key][0], answer=given[concern.key][1])
                for position, concern in enumerate(record.concerns)]
    decision = Decision(round=round_, outcome=chosen, rationale=reason,
                        decided_by_id=actor.id, report=record.as_dict(), concerns=concerns)
    db.session.add(decision)
    prototype_services.set_state(actor, round_.prototype, PROTOTYPE_STATE_AFTER[chosen], reason,
                                 by_decision=True)
    record_event(actor, "round.decided", round_, challenge=round_.challenge, new=chosen,
                 reason=reason, public=True,
                 details={"title": round_.title, "prototype": round_.prototype.title,
                          "outcome": chosen.value})
    db.session.flush()
    round_decided.send(decision, actor=actor)
    return decision


def _public_report(round_: Round, shown: MinorityReport) -> MinorityReport:
    """The report in the challenge's language, as the public will read it with the decision
    (the core team may work in another language)."""
    language = round_.challenge.language.value
    if current_language() == language:
        return shown
    with force_locale(language):
        return minority_report(round_)


def _check_outcome(outcome: str | None, rationale: str | None
                   ) -> tuple[Outcome | None, str, list[DecisionError]]:
    problems = []
    try:
        chosen: Outcome | None = Outcome(outcome or "")
    except ValueError:
        chosen = None
        problems.append(DecisionError(_("Choose adopt, iterate or park."), "outcome"))
    reason = (rationale or "").strip()
    if not reason:
        problems.append(DecisionError(_("Explain why you take this decision."), "rationale"))
    elif len(reason) > MAX_RATIONALE:
        problems.append(DecisionError(_("Use at most %(num)s characters.", num=MAX_RATIONALE),
                                      "rationale"))
    return chosen, reason, problems


def _check_concern(key: str, label: str, given: ConcernAnswer,
                   problems: list[DecisionError]) -> tuple[Disposition | None, str]:
    try:
        disposition: Disposition | None = Disposition(given.disposition or "")
    except ValueError:
        disposition = None
        problems.append(DecisionError(
            _("Concern about %(label)s: choose whether you answer it or set it aside.",
              label=label), "disposition", key))
    text = (given.text or "").strip()
    if not text:
        problems.append(DecisionError(
            _("Concern about %(label)s: write how you answer it or why you set it aside.",
              label=label), "answer", key))
    elif len(text) > MAX_ANSWER:
        problems.append(DecisionError(_("Use at most %(num)s characters.", num=MAX_ANSWER),
                                      "answer", key))
    return disposition, text


# --- reading -------------------------------------------------------------------------------


def prototype_decisions(prototype: Prototype) -> list[Decision]:
    """Every decision on the prototype's rounds with its round, version and concerns, oldest
    first, in one query. Without the stored report: reading it raises instead of loading it
    (one query per decision) for a page that does not show it."""
    return list(db.session.scalars(
        select(Decision).join(Decision.round).where(Round.prototype_id == prototype.id)
        .options(contains_eager(Decision.round).joinedload(Round.version),
                 joinedload(Decision.concerns), defer(Decision.report, raiseload=True))
        .order_by(Decision.decided_dt, Decision.id)
    ).unique())
