"""The later capabilities for the web benchmark: clusters, a concept, a prototype with two
versions and two closed validation rounds of 2,000 responses each, in the benchmark challenge.

`build_progress` adds to an instance from `bench._setup.build_instance` (10,000 ideas):

* the plan moves on so that today falls in the challenge's prototype phase (the dream and
  realistic phases lie in the past, as in the demo), which allows every step below;
* a core-team member of the challenge, with a password (the benchmark logs in as them);
* 3 clusters of 300 ideas each (ideas whose text fits the cluster's theme first, then a seeded
  random choice), shortlisted and published;
* a concept grown from those clusters, published and moved draft -> realistic -> prototyping;
* a published prototype of it, version 1 with a drawn screen;
* round 1 on version 1: 8 questions (two 1-5 scales, yes/no, single choice, multiple choice,
  short text, long text and the objection question), 2,400 invitations over the 5 default
  stakeholder groups, 2,000 submitted responses; closed, then decided "iterate" with an answer
  to every concern of its minority report;
* version 2, based on round 1, with a new screen;
* round 2 on version 2: the form copied from round 1, the same 2,400 invitations and 2,000
  responses (version 2 does a little better, the lawyers still differ); closed, no decision.

Everything that carries state goes through the platform's services, as a core-team member
would through the pages: clusters, shortlisting, publishing, the concept and its moves, the
prototype, its versions and images, the rounds, their questions, the invitations (so the
tokens and the invitation e-mails in the outbox are real), opening, closing and the decision.

The 4,000 responses are bulk-inserted: the same rows `answering.save_response` writes (a
response, one answer per value, a multiple-choice question one row per ticked option, and the
"response.submitted" audit event), because the service takes ~6 ms a response here even in
one transaction (~25 s for both rounds; ~19 ms with a commit each). The answers are drawn
from seeded per-group profiles: most groups like the prototype, the lawyers (a small group)
score it low, say no and pick other options, so the minority report has question, option and
group concerns.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from PIL import Image, ImageDraw
from sqlalchemy import func, insert, select
from werkzeug.datastructures import FileStorage

from bench._setup import Instance
from ideation.accounts.models import MembershipRole, User
from ideation.accounts.services import create_user, set_membership
from ideation.challenges import services as challenges
from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.phases import today
from ideation.concepts import services as concepts
from ideation.concepts.models import Concept
from ideation.core.db import utcnow
from ideation.core.models import AuditEvent
from ideation.curation import services as curation
from ideation.curation.models import Cluster, ClusterState
from ideation.extensions import db
from ideation.ideas.models import Idea, IdeaStatus
from ideation.prototypes import services as prototypes
from ideation.prototypes.models import Prototype, PrototypeKind, PrototypeVersion
from ideation.validation import invitations, services
from ideation.validation.decision import ConcernAnswer, decide
from ideation.validation.minority import minority_report
from ideation.validation.models import (
    Answer,
    Disposition,
    Invitation,
    Outcome,
    Question,
    Response,
    Round,
)

CORE_EMAIL = "core@bench.example.org"
CORE_PASSWORD = "bench-core-" + "x" * 20
SEED = 11
CLUSTER_SIZE = 300

# (phase, days from today to its start, length in days): today falls in the prototype phase.
PLAN = (
    ("dream", -90, 45),
    ("realistic", -45, 25),
    ("prototype", -20, 60),
    ("validate", 40, 30),
    ("agenda", 70, 30),
)

# (name, summary, words that put an idea in it first)
CLUSTERS = (
    ("Green and clean streets", "Trees, parks, litter and the state of the streets.",
     r"\b(park|parks|tree|trees|green|litter|street|streets|garden)\b"),
    ("Having a say", "Neighbours want to decide more about what happens where they live.",
     r"\b(vote|voting|council|democracy|decide|decision|referendum|citizens)\b"),
    ("Young people", "Places and chances for young people in the neighbourhood.",
     r"\b(young|youth|school|schools|children|kids|students)\b"),
)  # fmt: skip

CONCEPT = (
    "The neighbourhood budget",
    "Every neighbourhood decides itself how part of the city's money is spent: on greener "
    "streets, on places for young people, on whatever its people find most important.",
    "The city sets aside 200,000 euros for one neighbourhood for a year. Neighbours propose "
    "projects in an app (or on paper at the library), the city checks what they cost, and "
    "everyone from 12 years old votes. We start in one neighbourhood with a project team of "
    "three people.",
)
CONCEPT_STEPS = (
    ("realistic", "The city's finance department checked the realistic version."),
    ("prototyping", "The city and two neighbourhood groups want to test an app."),
)

PROTOTYPE_TITLE = "The neighbourhood budget app"
VERSION_ONE = (
    "You get a link to an app. You see the projects your neighbours proposed on a map, with "
    "what each costs. You can propose a project yourself and give your three votes to the "
    "projects you like best. After the vote you follow what happens to the chosen projects."
)
VERSION_TWO = (
    "The same app, now with rules for fair voting: one vote per resident, checked by the city. "
    "A lawyer of the city checks every project before the vote. There is a paper version at "
    "the library and the app speaks four languages."
)
VERSION_TWO_CHANGES = "One vote per resident; projects checked before the vote; paper version."
VERSION_TWO_REASON = "Round 1: the lawyers and part of the others missed rules for fair voting."
DECISION = "Most people like the app, but fair voting and a legal check must come first."

# (kind, text, required, options, low label, high label); create_round adds the objection
# question at the end.
QUESTIONS = (
    ("scale", "How clear is the app?", True, [], "Not clear at all", "Very clear"),
    ("scale", "How much would the app help you to have a say in your neighbourhood?", True, [],
     "Not at all", "A lot"),
    ("yes_no", "Would you recommend the app to your neighbours?", True, [], "", ""),
    ("single_choice", "Which part of the app matters most to you?", True,
     ["Proposing a project", "Voting on projects", "Following the spending",
      "Meeting the neighbours"], "", ""),
    ("multiple_choice", "What is missing in the app?", False,
     ["A paper version", "Other languages", "Help from a neighbourhood worker",
      "A way to check the costs", "Rules for fair voting"], "", ""),
    ("short_text", "What do you like best?", False, [], "", ""),
    ("long_text", "What should we change first?", False, [], "", ""),
)  # fmt: skip


class Profile(NamedTuple):
    """How one stakeholder group answers (weights of 1..5, of the options; chances)."""

    clear: tuple[int, ...]
    helps: tuple[int, ...]
    yes: float
    most: tuple[int, ...]
    missing: tuple[float, ...]
    invited: int
    answered: int


# In the order of the English default groups: Parents, Lawyers, Mediators, Municipality,
# Children's advocates. 2,400 invited, 2,000 answered in each round.
LAWYERS = 1
PROFILES = (
    Profile((2, 5, 15, 45, 33), (3, 7, 20, 40, 30), 0.86, (30, 35, 25, 10),
            (0.15, 0.25, 0.20, 0.30, 0.10), 1000, 850),
    Profile((20, 35, 25, 15, 5), (25, 35, 25, 10, 5), 0.30, (10, 15, 70, 5),
            (0.50, 0.05, 0.10, 0.60, 0.70), 200, 150),
    Profile((3, 7, 20, 45, 25), (5, 10, 25, 40, 20), 0.82, (25, 25, 20, 30),
            (0.20, 0.15, 0.35, 0.25, 0.15), 400, 340),
    Profile((2, 5, 18, 50, 25), (4, 8, 25, 43, 20), 0.85, (20, 30, 40, 10),
            (0.10, 0.30, 0.15, 0.35, 0.20), 400, 330),
    Profile((5, 10, 25, 40, 20), (5, 10, 25, 40, 20), 0.75, (35, 25, 10, 30),
            (0.25, 0.40, 0.30, 0.15, 0.10), 400, 330),
)  # fmt: skip

LIKED = (
    "You can see where the money goes.", "Voting takes a minute.", "The map of projects.",
    "It is easy to propose a project.", "Neighbours decide, not the council alone.",
    "Clear language.", "The updates on each project.", "That young people can vote too.",
    "It works on my phone.", "The costs are shown next to each idea.",
)  # fmt: skip
CHANGES = (
    "Add a paper version for older neighbours.", "Show how the votes are counted.",
    "Translate it into more languages.", "Explain what happens after the vote.",
    "Let people without a smartphone vote at the library.",
    "Make the budget rules easier to find.", "Give each street a small budget of its own.",
    "Send a reminder before the vote closes.", "Show which projects were done last year.",
    "Let a neighbourhood worker help people who get stuck.",
)  # fmt: skip
OBJECTIONS = (
    "If only the loudest people vote, the money goes to the same streets every year.",
    "When the council can overrule the vote.", "If my data is shared with others.",
    "If it costs more to run than the projects themselves.",
    "When people without a phone are left out.",
)  # fmt: skip
LAWYER_OBJECTIONS = (
    "Nobody checks whether a project is legal before people vote on it.",
    "There are no rules on who may vote, so one household can vote many times.",
    "The council stays responsible for the money, so the vote has no legal force.",
    "There is no way to object to a decision.",
)


@dataclass(frozen=True)
class Progress:
    """What `build_progress` made: ids for the pages and the figures for the result."""

    concept_id: int
    prototype_id: int
    results_round_id: int  # round 1: closed and decided
    decision_round_id: int  # round 2: closed, waiting for its decision
    core_email: str
    core_password: str
    config: dict[str, int]


def build_progress(instance: Instance) -> Progress:
    """Add clusters, a concept, a prototype and two rounds; see the module docstring."""
    app = instance.app()
    with app.app_context():
        progress = add_progress(instance.challenge_id)
        db.engine.dispose()
    return progress


def add_progress(challenge_id: int) -> Progress:
    """`build_progress` in the app context at hand, for a challenge of 900 ideas or more."""
    challenge, core = _start(challenge_id)
    clusters = _clusters(core, challenge)
    concept = _concept(core, challenge, clusters)
    prototype = _prototype(core, concept)
    first = _round(core, prototype, prototype.versions[0], "Round 1: the first version")
    _decide(core, first)
    version = _second_version(core, prototype, first)
    second = _round(core, prototype, version, "Round 2: fair voting", copy_from=first)
    db.session.commit()
    responses = db.session.scalar(
        select(func.count(Response.id)).where(
            Response.round_id == first.id, Response.submitted_dt.is_not(None)
        )
    )
    invited = db.session.scalar(
        select(func.count(Invitation.id)).where(Invitation.round_id == first.id)
    )
    ideas = db.session.scalar(
        select(func.count(Idea.id)).where(Idea.cluster_id.in_([c.id for c in clusters]))
    )
    questions = db.session.scalar(
        select(func.count(Question.id)).where(Question.round_id == first.id)
    )
    progress = Progress(
        concept_id=concept.id,
        prototype_id=prototype.id,
        results_round_id=first.id,
        decision_round_id=second.id,
        core_email=CORE_EMAIL,
        core_password=CORE_PASSWORD,
        config={
            "concept_clusters": len(clusters),
            "concept_ideas": int(ideas or 0),
            "prototype_versions": len(prototype.versions),
            "round_invitations": int(invited or 0),
            "round_responses": int(responses or 0),
            "round_questions": int(questions or 0),
            "round_groups": len(first.groups),
        },
    )
    return progress


# --- the steps ---------------------------------------------------------------------------------


def _start(challenge_id: int) -> tuple[Challenge, User]:
    """The challenge in its prototype phase, and its core-team member."""
    challenge = db.session.get(Challenge, challenge_id)
    start = today()
    errors = challenges.set_phase_dates(
        None,
        challenge,
        {
            PhaseKind(kind): (
                start + timedelta(days=offset),
                start + timedelta(days=offset + n - 1),
            )
            for kind, offset, n in PLAN
        },
    )
    if errors:
        raise RuntimeError("; ".join(errors))
    core = create_user(CORE_EMAIL, "Casey Core", CORE_PASSWORD)
    set_membership(None, challenge, core, MembershipRole.core_team)
    db.session.flush()
    db.session.refresh(core)
    return challenge, core


def _clusters(core: User, challenge: Challenge) -> list[Cluster]:
    """3 shortlisted, published clusters of CLUSTER_SIZE ideas: ideas whose text has one of
    the cluster's words first, then seeded random ones."""
    rows = db.session.execute(
        select(Idea.id, Idea.title, Idea.description)
        .where(Idea.challenge_id == challenge.id, Idea.status == IdeaStatus.published)
        .order_by(Idea.id)
    ).all()
    rng = random.Random(SEED)
    free = [row.id for row in rows]
    rng.shuffle(free)
    taken: set[int] = set()
    made = []
    for name, summary, words in CLUSTERS:
        pattern = re.compile(words, re.IGNORECASE)
        matching = [
            r.id
            for r in rows
            if r.id not in taken and pattern.search(r.title + " " + r.description)
        ]
        chosen = rng.sample(matching, min(CLUSTER_SIZE, len(matching)))
        picked = set(chosen)
        chosen += [i for i in free if i not in taken and i not in picked][
            : CLUSTER_SIZE - len(chosen)
        ]
        taken.update(chosen)
        cluster = curation.create_cluster(core, challenge, name, summary)
        curation.move_ideas_to_cluster(core, challenge, chosen, cluster)
        curation.set_state(core, cluster, ClusterState.shortlisted)
        curation.set_published(core, cluster, True)
        made.append(cluster)
    db.session.commit()
    return made


def _concept(core: User, challenge: Challenge, clusters: list[Cluster]) -> Concept:
    title, dream_big, realistic = CONCEPT
    concept = concepts.create_concept(
        core, challenge, title, dream_big, realistic, [c.id for c in clusters]
    )
    concepts.set_published(core, concept, True)
    for state, reason in CONCEPT_STEPS:
        concepts.change_state(core, concept, state, reason)
    db.session.commit()
    return concept


def screen(version: int) -> bytes:
    """A phone showing the app's map of projects, as a PNG; version 2 shows a check mark."""
    im = Image.new("RGB", (480, 800), (250, 248, 240))
    draw = ImageDraw.Draw(im)
    draw.rounded_rectangle((40, 20, 440, 780), radius=36, outline=(27, 31, 36), width=8)
    draw.rectangle((60, 70, 420, 130), fill=(11, 92, 171))
    for number in range(6):
        x, y = 100 + (number * 97) % 280, 190 + (number * 131) % 420
        draw.ellipse((x, y, x + 36, y + 36), fill=(29, 107, 54))
    if version > 1:
        draw.line((330, 690, 360, 720, 410, 650), fill=(29, 107, 54), width=12)
    buffer = io.BytesIO()
    im.save(buffer, "PNG")
    return buffer.getvalue()


def _upload(version: int) -> prototypes.ImageUpload:
    image = FileStorage(
        io.BytesIO(screen(version)), filename=f"app-{version}.png", content_type="image/png"
    )
    return prototypes.ImageUpload(image, "A phone with a map of the proposed projects")


def _prototype(core: User, concept: Concept) -> Prototype:
    prototype = prototypes.create_prototype(
        core, concept, PROTOTYPE_TITLE, PrototypeKind.digital, VERSION_ONE, [_upload(1)]
    )
    prototypes.publish(core, prototype)
    db.session.commit()
    return prototype


def _second_version(core: User, prototype: Prototype, first: Round) -> PrototypeVersion:
    version = prototypes.add_version(
        core,
        prototype,
        VERSION_TWO,
        VERSION_TWO_CHANGES,
        VERSION_TWO_REASON,
        [_upload(2)],
        based_on_round_id=first.id,
    )
    db.session.commit()
    return version


def _round(
    core: User,
    prototype: Prototype,
    version: PrototypeVersion,
    title: str,
    copy_from: Round | None = None,
) -> Round:
    """A round of ``version`` with its form, invitations and answers, closed."""
    challenge = prototype.challenge
    groups = services.default_group_names(challenge)
    round_ = services.create_round(
        core,
        prototype,
        version,
        title,
        "Try the app for five minutes and tell us what you think.",
        today(),
        today() + timedelta(days=27),
        [] if copy_from else groups,
        allow_anonymous=True,
        copy_from=copy_from,
    )
    if copy_from is None:
        for kind, text, required, options, low, high in QUESTIONS:
            services.add_question(
                core,
                round_,
                {
                    "kind": kind,
                    "text": text,
                    "required": required,
                    "options": options,
                    "low_label": low,
                    "high_label": high,
                },
            )
    lines = [
        invitations.Line(number, f"stakeholder{number}@bench.example.org", group)
        for number, (group, _profile) in enumerate(_people(groups), 1)
    ]
    for start in range(0, len(lines), invitations.MAX_LINES):
        invitations.invite_stakeholders(core, round_, lines[start : start + invitations.MAX_LINES])
    services.open_round(core, round_)
    db.session.commit()
    _answer(round_, better=copy_from is not None)
    services.close_round(core, round_)
    db.session.commit()
    return round_


def _people(groups: list[str]) -> list[tuple[str, Profile]]:
    return [
        (group, profile)
        for group, profile in zip(groups, PROFILES, strict=True)
        for _n in range(profile.invited)
    ]


# --- the answers -------------------------------------------------------------------------------


def _answer(round_: Round, *, better: bool) -> None:
    """Bulk-insert the submitted responses of the round (see the module docstring)."""
    rng = random.Random(SEED + round_.id)
    invited = list(
        db.session.scalars(
            select(Invitation).where(Invitation.round_id == round_.id).order_by(Invitation.id)
        )
    )
    by_group: dict[int | None, list[Invitation]] = {}
    for invitation in invited:
        by_group.setdefault(invitation.group_id, []).append(invitation)
    group_profiles = [(group, PROFILES[group.position]) for group in round_.groups]
    chosen = [
        (invitation, profile, group.position == LAWYERS)
        for group, profile in group_profiles
        for invitation in rng.sample(by_group[group.id], profile.answered)
    ]
    rng.shuffle(chosen)
    next_id = (db.session.scalar(select(func.max(Response.id))) or 0) + 1
    now = utcnow()
    responses, answers, events = [], [], []
    for number, (invitation, profile, lawyer) in enumerate(chosen):
        response_id = next_id + number
        sent = now - timedelta(seconds=5 * (len(chosen) - number))
        responses.append(
            {
                "id": response_id,
                "round_id": round_.id,
                "invitation_id": invitation.id,
                "group_id": invitation.group_id,
                "is_anonymous": rng.random() < 0.15,
                "started_dt": sent - timedelta(minutes=rng.randint(2, 30)),
                "updated_dt": sent,
                "submitted_dt": sent,
            }
        )
        answers += [
            {"response_id": response_id, "question_id": question_id, "choice": c, "text": t}
            for question_id, c, t in _values(round_.questions, profile, lawyer, better, rng)
        ]
        events.append(
            {
                "created_dt": sent,
                "actor_id": None,
                "challenge_id": round_.challenge_id,
                "action": "response.submitted",
                "object_type": "responses",
                "object_id": response_id,
                "is_public": False,
                "details": {"round": round_.id, "again": False},
            }
        )
    db.session.execute(insert(Response), responses)
    db.session.execute(insert(Answer), answers)
    db.session.execute(insert(AuditEvent), events)
    db.session.commit()


def _scale(weights: tuple[int, ...], better: bool, rng: random.Random) -> int:
    value = rng.choices(range(1, 6), weights)[0]
    return min(5, value + 1) if better and rng.random() < 0.3 else value


def _values(
    questions: list[Question], profile: Profile, lawyer: bool, better: bool, rng: random.Random
) -> list[tuple[int, int | None, str | None]]:
    """(question id, choice, text) rows of one response, in the order of QUESTIONS."""
    clear, helps, recommend, most, missing, liked, change, objection = questions
    says_yes = rng.random() < profile.yes + (0.15 if better else 0.0)
    rows: list[tuple[int, int | None, str | None]] = [
        (clear.id, _scale(profile.clear, better, rng), None),
        (helps.id, _scale(profile.helps, better, rng), None),
        (recommend.id, int(says_yes), None),
        (most.id, rng.choices(range(len(profile.most)), profile.most)[0], None),
    ]
    rows += [(missing.id, n, None) for n, p in enumerate(profile.missing) if rng.random() < p]
    if rng.random() < 0.45:
        rows.append((liked.id, None, rng.choice(LIKED)))
    if rng.random() < 0.3:
        rows.append((change.id, None, " ".join(rng.sample(CHANGES, rng.randint(1, 3)))))
    if not says_yes or rng.random() < 0.1:
        pool = LAWYER_OBJECTIONS if lawyer else OBJECTIONS
        rows.append((objection.id, None, " ".join(rng.sample(pool, rng.randint(1, 2)))))
    return rows


def _decide(core: User, round_: Round) -> None:
    """Iterate, answering every concern of the minority report (options are set aside)."""
    answers = {}
    for concern in minority_report(round_).concerns:
        if concern.kind == "option":
            answers[concern.key] = ConcernAnswer(
                Disposition.set_aside.value, "Too few people missed this to change it now."
            )
        else:
            answers[concern.key] = ConcernAnswer(
                Disposition.answered.value,
                "Version 2 has rules for fair voting and a legal check of every project.",
            )
    decide(core, round_, Outcome.iterate.value, DECISION, answers)
    db.session.commit()
