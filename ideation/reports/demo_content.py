"""Demo of the end of a challenge (issue 16): a third challenge, "Kinderen eerst", taken
through to its end. Its ideas became clusters, a concept and a prototype with two versions that
was tested in a validation round and adopted; in the agenda phase the core team wrote and
published the Agenda voor Actie, and its actions are in several states, with progress updates.

Everything goes through the services, so the audit log, the public timeline and the
notifications are real. The phases are re-planned as the work goes (as the chain demo does):
first the prototype phase runs today, then the agenda phase. Loading is skipped when the
challenge exists. Our own texts, in plain Dutch.
"""

from __future__ import annotations

import random
from datetime import timedelta

from ideation.accounts.models import MembershipRole, User
from ideation.accounts.services import set_membership
from ideation.challenges import services as challenges
from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.phases import today
from ideation.concepts import services as concepts
from ideation.concepts.models import ConceptState
from ideation.core.db import utcnow
from ideation.curation import services as curation
from ideation.curation.models import ClusterState
from ideation.demo import DEMO_EXTENSIONS
from ideation.extensions import db
from ideation.ideas import submitting, supporting
from ideation.ideas.demo_content import _citizens
from ideation.prototypes import services as prototypes
from ideation.prototypes.models import PrototypeKind
from ideation.reports import pdf
from ideation.reports import services as agendas
from ideation.reports.models import ActionStatus
from ideation.validation import services as rounds
from ideation.validation.decision import ConcernAnswer, decide
from ideation.validation.demo_content import (
    CONCERN_ANSWERS,
    ROUND_ONE,
    _local_key,
    _plan,
    _run_round,
)
from ideation.validation.minority import minority_report
from ideation.validation.models import Outcome

SLUG = "kinderen-eerst"

CHALLENGE = {
    "slug": SLUG,
    "title": "Kinderen eerst",
    "question": "Hoe maken we de weg door een scheiding korter en rustiger voor kinderen?",
    "description": (
        "Een scheiding duurt vaak lang. Ouders moeten langs veel loketten en komen soms "
        "tegenover elkaar te staan bij de rechter. Kinderen zitten er middenin.\n\n"
        "We vroegen ouders, kinderen en professionals wat zou helpen. Het kernteam maakte van "
        "de ideeën een plan en een proefversie: één digitaal loket voor ouders die uit elkaar "
        "gaan. Ouders en professionals hebben het getest. Nu ligt er een Agenda voor Actie."
    ),
    "language": "nl",
    "is_published": True,
    "author_display": "first_name",
}

THEMES = [("Eén loket", "Alles op één plek, in gewone taal."),
          ("Minder strijd", "Samen afspraken maken in plaats van tegenover elkaar staan.")]

# (cluster, title, text)
IDEAS = [
    (0, "Eén website voor alles", "Alle informatie over scheiden op één website, in gewone "
     "taal, met de stappen op een rij."),
    (0, "Een persoonlijke route", "Beantwoord een paar vragen en zie welke stappen voor jouw "
     "gezin gelden."),
    (0, "Hulp bij de formulieren", "Iemand die helpt met de formulieren, zodat je niet vastloopt."),
    (0, "Een loket in de bibliotheek", "Niet iedereen is handig met computers. Maak ook een "
     "plek waar je kunt binnenlopen."),
    (1, "Eerst samen, dan de rechter", "Laat ouders eerst samen met een mediator praten "
     "voordat ze naar de rechter gaan."),
    (1, "Eén advocaat voor beide ouders", "Een advocaat die beide ouders helpt om samen tot "
     "afspraken te komen."),
    (1, "Vaste termijnen", "Spreek af dat een scheiding binnen een half jaar rond is, zodat "
     "het niet jaren duurt."),
    (1, "Het kind een stem geven", "Een kindbehartiger die namens het kind meepraat."),
]

CLUSTERS = [
    ("Eén loket voor scheiden", "Alle hulp en informatie op één plek, online en om binnen te "
     "lopen."),
    ("Samen afspraken maken", "Ouders maken samen afspraken, met hulp, zonder strijd bij de "
     "rechter."),
]

CONCEPT = ("Het digitale scheidingsloket",
           "Elk gezin dat uit elkaar gaat, vindt op één plek alles wat het nodig heeft.",
           "De gemeenten maken samen met de rechtspraak één website met een persoonlijke route "
           "en een telefoonnummer voor hulp.")

PROTOTYPE = ("Het scheidingsloket: een proef met een persoonlijke route",
             "Een website waar ouders vijf vragen beantwoorden en dan hun eigen route zien.")
VERSION_TWO = ("De website met een persoonlijke route en een knop om te bellen.",
               "Een belknop op elke pagina.",
               "In de testronde zeiden ouders dat ze liever even iemand spreken.")

DECISION = ("We kiezen voor het scheidingsloket. De meeste testers vinden het duidelijk en "
            "zouden het aanraden. We nemen het op in de Agenda voor Actie.")

INTRODUCTION = (
    "Deze Agenda voor Actie is het resultaat van de uitdaging Kinderen eerst. Ouders, "
    "kinderen en professionals stuurden ideeën in. Het kernteam maakte er een plan van en "
    "testte een proefversie van het digitale scheidingsloket.\n\n"
    "Hieronder lees je wat we hebben gedaan, wat de testers ervan vonden en wat er nu gaat "
    "gebeuren. Op deze pagina houden we bij hoe ver de acties zijn.")
CONCLUSIONS = (
    "Ouders willen één plek waar ze alles vinden, en iemand die ze kunnen bellen. Advocaten "
    "zijn voorzichtiger: zij willen dat ouders ook juridisch advies krijgen. Dat nemen we mee "
    "in de acties.")

# (title, owner, days until due, description, links the prototype, steps, updates)
ACTIONS = [
    ("Het scheidingsloket landelijk openen", "De samenwerkende gemeenten", 180,
     "Het loket gaat open voor alle gemeenten die meedoen.", True,
     [(ActionStatus.started, "")],
     ["De eerste twaalf gemeenten hebben getekend."]),
    ("Een belknop met echte mensen", "Het Juridisch Loket", 90,
     "Ouders kunnen vanaf het loket bellen met iemand die meedenkt.", True,
     [(ActionStatus.started, ""), (ActionStatus.done, "")],
     ["De belknop staat sinds deze week op elke pagina."]),
    ("Een proef met één advocaat voor beide ouders", "De Nederlandse Orde van Advocaten", 270,
     "Een proef in twee arrondissementen.", False,
     [(ActionStatus.stopped, "De regels voor advocaten staan dit nu niet toe. We zoeken "
                             "eerst uit wat er moet veranderen.")],
     []),
    ("Kinderen meepraten over het loket", "Het jongerenpanel", 120,
     "Jongeren met gescheiden ouders kijken mee naar de teksten van het loket.", True,
     [], []),
]

THANKED = 2  # the first demo citizens who agreed to be thanked by name


def load_demo_agenda(main: Challenge, users: dict[str, User]) -> None:
    """Build "Kinderen eerst" once (``main`` is not used)."""
    if challenges.get_by_slug(SLUG) is None:
        _build(users)


def _build(users: dict[str, User]) -> Challenge:
    core, stakeholder = users["core_team"], users["stakeholder"]
    challenge = challenges.create_challenge(None, CHALLENGE)
    _plan(challenge, [(PhaseKind.dream, -1, 3)])
    for name, description in THEMES:
        challenges.add_theme(None, challenge, name, description)
    for user, role in ((core, MembershipRole.core_team),
                       (stakeholder, MembershipRole.stakeholder)):
        set_membership(None, challenge, user, role)
        db.session.flush()
        db.session.refresh(user)
    challenges.set_published(users["admin"], challenge, True)

    people = _citizens(users)
    for person in people[1:1 + THANKED]:
        person.thanks_by_name = True
    rng = random.Random(16)  # noqa: S311 - a repeatable demo, not a secret
    sent = []
    for number, (_cluster, title, text) in enumerate(IDEAS):
        idea = submitting.submit_idea(people[number % len(people)], challenge,
                                      {"title": title, "description": text, "consent": True,
                                  "theme_id": challenge.themes[_cluster].id,
                                  "is_anonymous": number == 3})
        idea.created_dt = idea.updated_dt = utcnow() - timedelta(days=140, hours=number)
        for person in rng.sample(people, rng.randrange(0, 4)):
            supporting.support(person, idea)
        sent.append(idea)

    # The work of the middle phases, with today in the prototype phase.
    _plan(challenge, [(PhaseKind.dream, -120, 40), (PhaseKind.realistic, -80, 40),
                      (PhaseKind.prototype, -40, 50), (PhaseKind.validate, 10, 30),
                      (PhaseKind.agenda, 40, 30)])
    made = []
    for number, (name, summary) in enumerate(CLUSTERS):
        cluster = curation.create_cluster(core, challenge, name, summary)
        curation.move_ideas_to_cluster(core, challenge, [
            idea.id for idea, row in zip(sent, IDEAS, strict=True) if row[0] == number], cluster)
        curation.set_state(core, cluster, ClusterState.shortlisted)
        curation.set_published(core, cluster, True)
        made.append(cluster)
    title, dream_big, realistic = CONCEPT
    concept = concepts.create_concept(core, challenge, title, dream_big, realistic,
                                      [c.id for c in made])
    concepts.set_published(core, concept, True)
    concepts.change_state(core, concept, ConceptState.realistic, "Het plan is uitgewerkt.")
    concepts.change_state(core, concept, ConceptState.prototyping, "We gaan het testen.")
    prototype = prototypes.create_prototype(core, concept, PROTOTYPE[0], PrototypeKind.digital,
                                            PROTOTYPE[1])
    prototypes.publish(core, prototype)
    prototypes.add_version(core, prototype, *VERSION_TWO)
    round_ = _run_round(core, prototype, "Testronde van het scheidingsloket",
                        "Probeer het loket en zeg wat je ervan vindt.", ROUND_ONE, stakeholder,
                        days=(-14, 0), version=prototype.versions[-1])
    rounds.close_round(core, round_)
    answers = {}
    for concern in minority_report(round_).concerns:
        disposition, text = CONCERN_ANSWERS[_local_key(round_, concern)]
        answers[concern.key] = ConcernAnswer(disposition.value, text)
    decide(core, round_, Outcome.adopt.value, DECISION, answers)

    # The end: today in the agenda phase; the agenda is written, handed over and followed.
    _plan(challenge, [(PhaseKind.dream, -200, 40), (PhaseKind.realistic, -160, 40),
                      (PhaseKind.prototype, -120, 40), (PhaseKind.validate, -80, 60),
                      (PhaseKind.agenda, -20, 50)])
    agenda = agendas.start_agenda(core, challenge)
    agendas.update_texts(core, agenda, INTRODUCTION, CONCLUSIONS)
    made_actions = []
    for title, owner, due, description, carries, _steps, _updates in ACTIONS:
        made_actions.append(agendas.add_action(core, agenda, {
            "title": title, "owner": owner, "due_on": today() + timedelta(days=due),
            "description": description, "concept_ids": [concept.id],
            "prototype_ids": [prototype.id] if carries else []}))
    agendas.publish(core, agenda)
    agendas.follow(users["citizen"], challenge, True)
    for action, (*_rest, steps, updates) in zip(made_actions, ACTIONS, strict=True):
        for status, reason in steps:
            agendas.change_status(core, action, status, reason)
        for text in updates:
            agendas.post_update(core, action, text)
    pdf.request_pdf(None, challenge, agenda)  # commits: the job runs after the demo is stored
    return challenge


if load_demo_agenda not in DEMO_EXTENSIONS:
    DEMO_EXTENSIONS.append(load_demo_agenda)
