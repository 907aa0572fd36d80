"""Demo of process design and live sessions (issue 20), in our own plain Dutch.

"Samen ouder blijven" (the challenge with validation rounds) gets a filled-in process canvas
and a stakeholder map whose entries match the groups of its rounds, so a round shows which
parts of the map it reached. "Scheiden zonder schade" (collecting ideas) gets a short canvas,
a small map, a held session (ideas, dots, objections, a summary; its ideas are now ideas of
the challenge) and an open session. Loading is skipped when the canvas exists.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ideation.accounts.models import User
from ideation.challenges import services as challenges
from ideation.challenges.models import Challenge
from ideation.challenges.phases import today
from ideation.demo import DEMO_EXTENSIONS
from ideation.extensions import db
from ideation.process import services as process
from ideation.process.models import CanvasAnswer, CanvasField
from ideation.sessions import services
from ideation.validation.demo_content import SLUG as CHAIN_SLUG

CANVAS = {
    CanvasField.result: "Een Agenda voor Actie met werkende prototypes: minder strijd bij "
                        "scheidingen, en kinderen die gehoord worden.",
    CanvasField.ambition: "Over drie jaar merkt elk kind bij een scheiding dat de volwassenen "
                          "samen naar een oplossing zoeken.",
    CanvasField.end_users: "Ouders die uit elkaar gaan en hun kinderen. We spreken ze in "
                           "sessies op scholen en in buurthuizen, en ze testen de prototypes.",
    CanvasField.co_owners: "Het ministerie, de gemeenten en de vereniging van mediators.",
    CanvasField.stakeholders: "Advocaten, rechters, jeugdhulp, scholen en de Raad voor de "
                              "Kinderbescherming.",
    CanvasField.outsiders: "Grootouders en nieuwe partners; advocaten die vrezen dat ze "
                           "werk verliezen.",
    CanvasField.governance: "Een ambassadeur, een kernteam van zes mensen en een platform van "
                            "belanghebbenden dat elke fase meekijkt.",
    CanvasField.steps: "Groot dromen met een webformulier en sessies, realistisch maken met "
                       "het kernteam, prototypes testen in toetsrondes.",
}

# (name, kind, interest, influence, group name in rounds)
CHAIN_MAP = [
    ("Ouders", "end_user", 5, 2, "Ouders"),
    ("Kinderen", "end_user", 5, 1, "Kinderen"),
    ("Mediators", "co_owner", 4, 4, "Mediators"),
    ("Gemeente", "co_owner", 4, 5, "Gemeente"),
    ("Advocaten", "dissenter", 4, 4, "Advocaten"),
    ("Grootouders", "outsider", 3, 1, "Grootouders"),
]
DREAM_MAP = [
    ("Ouders", "end_user", 5, 2, "Ouders"),
    ("Jeugdhulp", "partner", 4, 3, "Jeugdhulp"),
]
NOTES = {"Ouders": "We bereiken ze via de ouderraad van twee scholen.",
         "Advocaten": "Bang voor minder werk; wel nodig voor het alternatieve traject."}
SESSION_IDEAS = [
    ("Anna", "Een vast aanspreekpunt op school", "Een leerkracht die weet wat er speelt."),
    ("", "Ouderschapsplan op één A4", "Kort en in gewone taal."),
    ("Joost", "Eerst een gesprek, dan pas een advocaat", "Een gratis gesprek met een mediator."),
]
OBJECTION = "Niet elke school heeft daar tijd of geld voor."
SUMMARY = ("De meerderheid kiest voor een vast aanspreekpunt op school. De minderheid zegt: "
           "dat kan alleen als scholen er tijd en geld voor krijgen. Dat nemen we mee.")


def load_demo_process(main: Challenge, users: dict[str, User]) -> None:
    core = users["core_team"]
    chain = challenges.get_by_slug(CHAIN_SLUG)
    if db.session.scalar(select(CanvasAnswer.id).where(CanvasAnswer.challenge_id == main.id)
                         .limit(1)) is not None:
        return
    for challenge, entries in ((chain, CHAIN_MAP), (main, DREAM_MAP)):
        if challenge is None:
            continue
        for field, text in CANVAS.items():
            process.save_answer(core, challenge, field, text)
        for name, kind, interest, influence, group in entries:
            process.add_entry(core, challenge, {"name": name, "kind": kind,
                                                "interest": interest, "influence": influence,
                                                "group_name": group, "note": NOTES.get(name)})
    # A second version of one answer, so the history shows a change.
    process.save_answer(core, main, CanvasField.ambition,
                        CANVAS[CanvasField.ambition] + " En dat ouders weten waar ze heen "
                        "kunnen.")
    db.session.flush()
    _held_session(core, main)
    open_ = services.plan_session(core, main, {
        "title": "Sessie in het buurthuis", "held_on": today(), "place": "Buurthuis De Linde",
        "phase": "dream", "dots": 3})
    services.advance(core, open_)


def _held_session(core: User, challenge: Challenge) -> None:
    parents = [e for e in process.map_entries(challenge) if e.name == "Ouders"]
    session = services.plan_session(core, challenge, {
        "title": "Ouderavond op De Regenboog", "held_on": today() - timedelta(days=3),
        "place": "Basisschool De Regenboog", "phase": "dream", "dots": 3,
        "group_ids": [e.id for e in parents]})
    services.advance(core, session)
    people = [services.join(session, nickname) for nickname, _t, _d in SESSION_IDEAS]
    items = [services.send_idea(session, person, title, description)
             for person, (_n, title, description) in zip(people, SESSION_IDEAS, strict=True)]
    services.add_paper_cards(core, session, "Een app voor de agenda van de kinderen: "
                                            "wie haalt ze op, wie brengt ze weg")
    services.advance(core, session)
    for person in people:
        services.spend_dot(session, person, items[0].id)
    services.spend_dot(session, people[0], items[2].id)
    services.advance(core, session)
    services.object_to(session, items[0].id, OBJECTION)
    services.close_session(core, session, SUMMARY)


if load_demo_process not in DEMO_EXTENSIONS:
    DEMO_EXTENSIONS.append(load_demo_process)
