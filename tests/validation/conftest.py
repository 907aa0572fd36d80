"""Fixtures shared by the validation tests (issue 6): a challenge in its testing phase, a
prototype with two versions, a draft and an open round, and helpers that store invitations and
answers directly with the models, so each test file depends only on the code it tests.

Use in a test module::

    from tests.validation.conftest import answer, invite

    def test_x(open_round):
        invitation, token = invite(open_round, "a@example.org", "Ouders")
        answer(open_round, invitation, {question.id: 4})

``invite`` and ``answer`` are also available as fixtures of the same name. Also here:
``make_round`` and ``make_prototype`` (for other challenges or dates), ``question_of`` and
``group_of`` (look-ups), and the fixtures ``challenge`` (validate phase), ``core``, ``roles``
(one user per permission-matrix row) and ``english`` (the client in English).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import pytest
from flask import current_app

from ideation.accounts.models import User
from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.phases import today
from ideation.concepts.models import Concept, ConceptState
from ideation.core.db import utcnow
from ideation.curation import models as _cluster_models  # noqa: F401 - see Concept.clusters
from ideation.extensions import db
from ideation.prototypes.models import Prototype, PrototypeKind, PrototypeVersion
from ideation.validation.models import (
    Answer,
    Invitation,
    Question,
    QuestionKind,
    Response,
    Round,
    RoundState,
    StakeholderGroup,
)
from tests import factories
from tests.ideas.conftest import quick_user

GROUPS = ("Ouders", "Advocaten", "Mediators", "Gemeente", "Kinderombudsman")
OBJECTION_NL = "Wat zou ervoor zorgen dat je nee zegt tegen deze proefversie?"

# One question of every kind, in this order, followed by the objection question.
QUESTIONS: tuple[dict[str, Any], ...] = (
    {"kind": QuestionKind.scale, "text": "Hoe duidelijk is het loket?", "required": True,
     "low_label": "Helemaal niet", "high_label": "Heel duidelijk"},
    {"kind": QuestionKind.yes_no, "text": "Zou je het loket gebruiken?", "required": True},
    {"kind": QuestionKind.single_choice, "text": "Wanneer zou je het gebruiken?",
     "required": True, "options": ["Meteen", "Na een gesprek", "Nooit"]},
    {"kind": QuestionKind.multiple_choice, "text": "Hoe wil je contact?", "required": False,
     "options": ["Online", "Telefoon", "Balie", "Brief"]},
    {"kind": QuestionKind.short_text, "text": "Welk woord past bij het loket?",
     "required": False, "help_text": "Eén of twee woorden."},
    {"kind": QuestionKind.long_text, "text": "Wat mist er nog?", "required": False},
)


# --- people and a challenge -------------------------------------------------------------------


@pytest.fixture
def challenge(app) -> Challenge:
    """A published Dutch challenge in its testing (validate) phase: rounds may be run."""
    return factories.make_challenge(slug="scheiden", phase=PhaseKind.validate)


@pytest.fixture
def core(challenge) -> User:
    return quick_user("core_team", challenge, name="Karin Kernteam")


@pytest.fixture
def english(client):
    """Pages in English, so tests can compare with the English message ids."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def roles(challenge) -> dict[str, User | None]:
    """One user per row of a permission matrix; ``anonymous`` is None (do not log in)."""
    other = factories.make_challenge(slug="ander", phase=PhaseKind.validate)
    return {
        "anonymous": None,
        "citizen": quick_user("citizen"),
        "stakeholder": quick_user("stakeholder", challenge),
        "other_core_team": quick_user("core_team", other),
        "core_team": quick_user("core_team", challenge),
        "admin": quick_user("admin"),
    }


# --- a prototype with two versions ------------------------------------------------------------


@pytest.fixture
def prototype(challenge) -> Prototype:
    """A published prototype of a concept in state prototyping, with versions 1 and 2."""
    concept = Concept(challenge=challenge, title="Eén loket", dream_big="Alles op één plek.",
                      realistic="De gemeente opent een digitaal loket.",
                      state=ConceptState.prototyping, is_published=True)
    item = Prototype(challenge=challenge, concept=concept, title="Digitaal loket",
                     kind=PrototypeKind.digital, is_published=True)
    item.versions.append(PrototypeVersion(number=1, description="Een eerste schets van het loket."))
    item.versions.append(PrototypeVersion(
        number=2, description="Het loket met een chatfunctie.", changes="Chat toegevoegd.",
        change_reason="Ouders wilden snel een vraag stellen."))
    db.session.add(item)
    db.session.commit()
    return item


def make_prototype(challenge: Challenge, title: str = "Loket") -> Prototype:
    """A minimal prototype with version 1, for tests that need a second challenge."""
    concept = Concept(challenge=challenge, title=f"Concept {title}",
                      state=ConceptState.prototyping)
    item = Prototype(challenge=challenge, concept=concept, title=title,
                     kind=PrototypeKind.service)
    item.versions.append(PrototypeVersion(number=1, description="Een schets."))
    db.session.add(item)
    db.session.commit()
    return item


# --- rounds -----------------------------------------------------------------------------------


def make_round(prototype: Prototype, *, version: PrototypeVersion | None = None,
               state: RoundState = RoundState.draft, title: str = "Toetsronde loket",
               groups: Iterable[str] = GROUPS, questions: Iterable[Mapping[str, Any]] = (),
               objection: bool = True, opens_in: int = 0, days: int = 14,
               allow_anonymous: bool = False) -> Round:
    """A round built with the models: ``questions`` (dicts of Question columns), then the
    objection question (long text, optional) unless ``objection`` is False. Opens ``opens_in``
    days from today and accepts answers for ``days`` days."""
    start = today() + timedelta(days=opens_in)
    item = Round(challenge=prototype.challenge, prototype=prototype,
                 version=version or prototype.versions[0], title=title,
                 intro="Probeer het loket en vertel ons wat je vindt.", opens_on=start,
                 closes_on=start + timedelta(days=days - 1), state=state,
                 allow_anonymous=allow_anonymous)
    for position, name in enumerate(groups):
        item.groups.append(StakeholderGroup(name=name, position=position))
    specs = [dict(q) for q in questions]
    if objection:
        specs.append({"kind": QuestionKind.long_text, "text": OBJECTION_NL,
                      "is_objection": True})
    for position, spec in enumerate(specs):
        item.questions.append(Question(position=position, **{
            "help_text": "", "required": False, "options": [], "low_label": "",
            "high_label": "", "is_objection": False, **spec}))
    db.session.add(item)
    db.session.commit()
    return item


@pytest.fixture
def draft_round(prototype) -> Round:
    """A draft round of version 1 with the five groups and only the objection question."""
    return make_round(prototype)


@pytest.fixture
def open_round(prototype) -> Round:
    """An open round of version 1 (opened yesterday, open for two weeks) with the five
    groups, one question of every kind (see QUESTIONS) and the objection question last."""
    return make_round(prototype, state=RoundState.open, questions=QUESTIONS, opens_in=-1)


def question_of(round_: Round, kind: QuestionKind, *, objection: bool = False) -> Question:
    """The first question of ``kind`` in the round (the objection question when asked)."""
    return next(q for q in round_.questions
                if q.kind is kind and q.is_objection is objection)


def group_of(round_: Round, name: str) -> StakeholderGroup:
    return next(g for g in round_.groups if g.name == name)


# --- invitations and answers ------------------------------------------------------------------


def _token_functions():
    """The invitations module's own token functions once they exist, so links made here are
    the links the answering routes accept: ``token_for(invitation) -> str`` and
    ``hash_token(token) -> str``."""
    try:
        from ideation.validation import invitations
    except ImportError:
        return None
    token_for = getattr(invitations, "token_for", None)
    hash_token = getattr(invitations, "hash_token", None)
    if callable(token_for) and callable(hash_token):
        return token_for, hash_token
    return None


def _fallback_token(invitation: Invitation) -> str:
    """An HMAC of the secret key, the id and the nonce, as the model describes."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{invitation.id}:{invitation.token_nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _new_invitation(round_: Round, email: str, group: StakeholderGroup | None, *,
                    name: str = "", user: User | None = None, sent: bool = True) -> Invitation:
    """An invitation added to the session; ``_give_token`` once it has an id."""
    invitation = Invitation(round_id=round_.id, group=group, email=email, name=name,
                            user=user, token_nonce=secrets.token_hex(16),
                            token_hash=f"pending-{secrets.token_hex(16)}",
                            sent_dt=utcnow() if sent else None)
    db.session.add(invitation)
    return invitation


def _give_token(invitation: Invitation) -> str:
    functions = _token_functions()
    if functions is not None:
        token = functions[0](invitation)
        invitation.token_hash = functions[1](token)
    else:
        token = _fallback_token(invitation)
        invitation.token_hash = hashlib.sha256(token.encode()).hexdigest()
    return token


def invite(round_: Round, email: str, group: str | StakeholderGroup | None = None, *,
           name: str = "", user: User | None = None, sent: bool = True) -> tuple[Invitation, str]:
    """Store an invitation to ``round_`` (group by name or model) and return it with its
    personal token (what goes into /r/<round id>/<token>)."""
    if isinstance(group, str):
        group = group_of(round_, group)
    invitation = _new_invitation(round_, email, group, name=name, user=user, sent=sent)
    db.session.flush()
    token = _give_token(invitation)
    db.session.commit()
    return invitation, token


def _answer_rows(question: Question, value: Any) -> list[Answer]:
    """One Answer per value: scale 1-5, yes/no as 1/0 (True/False/"yes"/"no" accepted),
    choices as option index (a list for multiple choice), texts as str."""
    if question.kind in (QuestionKind.short_text, QuestionKind.long_text):
        return [Answer(question_id=question.id, text=str(value))]
    if question.kind is QuestionKind.yes_no and isinstance(value, str):
        value = value == "yes"
    values = value if isinstance(value, list | tuple | set) else [value]
    return [Answer(question_id=question.id, choice=int(v)) for v in values]


def answer(round_: Round, invitation: Invitation, values: Mapping[int, Any], *,
           submitted: bool = True, anonymous: bool = False) -> Response:
    """Store the invitation's response with ``values`` ({question id: value}); submitted
    unless ``submitted`` is False (only saved). Replaces an earlier response's answers."""
    questions = {q.id: q for q in round_.questions}
    response = invitation.response
    if response is None:
        response = Response(round_id=round_.id, invitation=invitation,
                            group_id=invitation.group_id, is_anonymous=anonymous)
        db.session.add(response)
    response.answers.clear()
    for question_id, value in values.items():
        response.answers.extend(_answer_rows(questions[question_id], value))
    response.submitted_dt = utcnow() if submitted else None
    db.session.commit()
    return response


@pytest.fixture(name="invite")
def invite_fixture():
    return invite


@pytest.fixture(name="answer")
def answer_fixture():
    return answer


def answered_round(prototype: Prototype, questions: Iterable[Mapping[str, Any]],
                   people: Iterable[tuple[str | None, Mapping[str, Any]]], *,
                   state: RoundState = RoundState.closed, **extra: Any) -> Round:
    """A round (closed unless ``state`` says otherwise) that ``people`` answered: each is
    (group name or None, {question text or "objection": value}). The groups are the names
    used, in alphabetical order, unless ``groups`` is given."""
    people = list(people)
    extra.setdefault("groups", sorted({group for group, _values in people if group}))
    round_ = make_round(prototype, state=state, questions=questions, opens_in=-20, **extra)
    by_text = {q.text: q for q in round_.questions}
    by_text["objection"] = next((q for q in round_.questions if q.is_objection), None)
    # The rows invite() and answer() store, in one transaction: hundreds of people stay quick.
    invitations = [_new_invitation(round_, f"person{n}@example.org",
                                   group_of(round_, group) if group else None)
                   for n, (group, _values) in enumerate(people)]
    db.session.flush()
    for invitation, (_group, values) in zip(invitations, people, strict=True):
        _give_token(invitation)
        response = Response(round_id=round_.id, invitation=invitation,
                            group_id=invitation.group_id, is_anonymous=False,
                            submitted_dt=utcnow())
        for text, value in values.items():
            response.answers.extend(_answer_rows(by_text[text], value))
        db.session.add(response)
    db.session.commit()
    return round_
