"""The one place that answers "is X allowed now in this challenge?", with a reason if not.

Services call ``ensure_allowed`` before they change anything; templates call ``check`` only to
show or hide a button and to explain why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import LazyString
from flask_babel import gettext as _
from werkzeug.exceptions import Conflict

from ideation.challenges.models import Challenge, Phase, PhaseKind
from ideation.core.enums import LabelledEnum
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.i18n import local_date


class Action(LabelledEnum):
    submit_idea = "submit_idea", _l("Sending in ideas")
    edit_idea = "edit_idea", _l("Changing ideas")
    support_idea = "support_idea", _l("Supporting ideas")
    comment = "comment", _l("Responding")
    curate = "curate", _l("Grouping ideas")
    develop_concepts = "develop_concepts", _l("Working out concepts")
    build_prototypes = "build_prototypes", _l("Making prototypes")
    run_validation = "run_validation", _l("Testing prototypes")
    write_agenda = "write_agenda", _l("Writing the Agenda for Action")


# Which phases allow which action. The core team may start clustering while ideas still come
# in; citizens keep commenting until the tests are done.
ALLOWED_IN: dict[Action, tuple[PhaseKind, ...]] = {
    Action.submit_idea: (PhaseKind.dream,),
    Action.edit_idea: (PhaseKind.dream,),
    Action.support_idea: (PhaseKind.dream, PhaseKind.realistic),
    Action.comment: (PhaseKind.dream, PhaseKind.realistic, PhaseKind.prototype,
                     PhaseKind.validate),
    Action.curate: (PhaseKind.dream, PhaseKind.realistic, PhaseKind.prototype),
    Action.develop_concepts: (PhaseKind.realistic, PhaseKind.prototype),
    Action.build_prototypes: (PhaseKind.prototype, PhaseKind.validate),
    Action.run_validation: (PhaseKind.prototype, PhaseKind.validate),
    Action.write_agenda: (PhaseKind.validate, PhaseKind.agenda),
}


def today() -> date:
    """Today in the platform's time zone (a phase ends at midnight in the Netherlands)."""
    zone = current_app.config["IDEATION_TIMEZONE"] if has_app_context() else "Europe/Amsterdam"
    return datetime.now(ZoneInfo(zone)).date()


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str | None = None
    opens_on: date | None = None

    def __bool__(self) -> bool:
        return self.allowed


class PhaseClosed(Conflict):
    """Raised by services when the phase does not allow an action; carries the reason."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(description=verdict.reason)
        self.verdict = verdict


def current_phase(challenge: Challenge, on: date | None = None) -> Phase | None:
    on = on or today()
    for phase in challenge.phases:
        if phase.is_scheduled and phase.starts_on <= on <= phase.ends_on:
            return phase
    return None


def is_closed(challenge: Challenge, on: date | None = None) -> bool:
    last = challenge.phase(PhaseKind.agenda)
    return last.ends_on is not None and (on or today()) > last.ends_on


def check(challenge: Challenge, action: Action, on: date | None = None) -> Verdict:
    """Is ``action`` allowed in ``challenge`` on ``on`` (default: today)? If not, why not."""
    on = on or today()
    phases = [challenge.phase(kind) for kind in ALLOWED_IN[action]]
    if any(p.is_scheduled and p.starts_on <= on <= p.ends_on for p in phases):
        return Verdict(True)
    label = action.label
    scheduled = [p for p in phases if p.is_scheduled]
    if not scheduled:
        return Verdict(False, _("%(action)s is not possible yet: the dates have not been set.",
                                action=label))
    upcoming = [p for p in scheduled if p.starts_on > on]
    if upcoming:
        first = min(upcoming, key=lambda p: p.starts_on)
        return Verdict(
            False,
            _("%(action)s is possible from %(start)s to %(end)s.", action=label,
              start=local_date(first.starts_on), end=local_date(first.ends_on)),
            opens_on=first.starts_on,
        )
    last_end = max(p.ends_on for p in scheduled)
    return Verdict(False, _("%(action)s closed on %(end)s.", action=label,
                            end=local_date(last_end)))


def ensure_allowed(challenge: Challenge, action: Action, on: date | None = None) -> None:
    verdict = check(challenge, action, on)
    if not verdict.allowed:
        raise PhaseClosed(verdict)


@dataclass(frozen=True)
class TimelineStep:
    phase: Phase
    label: LazyString
    description: LazyString
    state: str  # "done", "current", "upcoming" or "unplanned"


def timeline(challenge: Challenge, on: date | None = None) -> list[TimelineStep]:
    """The phases in order, each marked done, current, upcoming or not yet planned."""
    on = on or today()
    steps = []
    for phase in challenge.phases:
        if not phase.is_scheduled:
            state = "unplanned"
        elif phase.ends_on < on:
            state = "done"
        elif phase.starts_on <= on:
            state = "current"
        else:
            state = "upcoming"
        steps.append(TimelineStep(phase, phase.kind.label, phase.kind.description, state))
    return steps
