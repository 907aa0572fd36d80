"""Demo of the later steps (issues 5 and 6): a second challenge, "Samen ouder blijven", that is
in its prototype phase. Our own texts, in plain Dutch.

It shows the whole chain: ideas -> 4 clusters -> 2 scored concepts -> a prototype with two
versions -> validation round 1 (closed; a small group of lawyers disagrees; the decision
"iterate" answers every minority concern) -> round 2 on version 2 (open; the demo stakeholder is
invited). Everything goes through the services, so the audit log and the public timeline are
real.

So that every page and every list of the core team has something in it, there is also work
waiting: a third concept in draft that nobody has scored yet, and a second prototype (not yet
public) whose first round closed early and waits for a decision, with a draft round after it.

Ideas can only be sent in during the dream phase. So the challenge starts with a dream phase
that runs today, while it is not yet public (that plan is not shown on the timeline); once the
ideas are in, the real plan puts the dream and realistic phases in the past and today in the
prototype phase. Loading is skipped when the challenge exists; the answer link of the demo
stakeholder for round 2 is printed every time.
"""

from __future__ import annotations

import io
import random
import unicodedata
from collections.abc import Sequence
from datetime import timedelta
from typing import NamedTuple

import click
from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ideation.accounts.models import MembershipRole, User
from ideation.accounts.services import set_membership
from ideation.challenges import services as challenges
from ideation.challenges.models import Challenge, PhaseKind
from ideation.challenges.phases import today
from ideation.concepts import services as concepts
from ideation.concepts.models import Concept, ConceptState
from ideation.concepts.scoring import criteria_of
from ideation.core.db import utcnow
from ideation.curation import services as curation
from ideation.curation.models import Cluster, ClusterState
from ideation.demo import DEMO_EXTENSIONS
from ideation.extensions import db
from ideation.ideas import submitting, supporting
from ideation.ideas.demo_content import _citizens, sketch
from ideation.ideas.models import Idea
from ideation.prototypes import services as prototypes
from ideation.prototypes.models import Prototype, PrototypeKind, PrototypeVersion
from ideation.validation import answering, invitations, services
from ideation.validation.answer_form import AnswerValue
from ideation.validation.decision import ConcernAnswer, decide
from ideation.validation.minority import Concern, minority_report
from ideation.validation.models import (
    Disposition,
    Invitation,
    Outcome,
    QuestionKind,
    Round,
)

SLUG = "samen-ouder-blijven"

CHALLENGE = {
    "slug": SLUG,
    "title": "Samen ouder blijven",
    "question": "Hoe helpen we gescheiden ouders om samen goed voor hun kinderen te blijven "
                "zorgen?",
    "description": (
        "Na een scheiding blijf je samen ouder. Dat is niet makkelijk: je woont apart, je "
        "praat minder met elkaar en er moet veel geregeld worden. Kinderen merken het meteen "
        "als het misgaat.\n\n"
        "We vroegen ouders, kinderen en professionals om ideeën. Het kernteam heeft de ideeën "
        "gebundeld en er concepten van gemaakt. Nu testen we het eerste prototype: een online "
        "ouderschapsplan. Op deze pagina zie je wat er met de ideeën is gebeurd."
    ),
    "language": "nl",
    "is_published": False,  # published once its first plan is in place (see the module)
}

THEMES = [
    ("Afspraken maken", "Goede afspraken over zorg, school en vakanties."),
    ("Goed contact tussen ouders", "Praten over de kinderen zonder ruzie."),
    ("Kinderen aan het woord", "Hoe horen we wat kinderen zelf willen?"),
    ("Geld en spullen", "Twee huizen: wie betaalt wat?"),
]

# (phase, days from today to start, length in days): today falls in the prototype phase.
PLAN = [
    (PhaseKind.dream, -84, 42),
    (PhaseKind.realistic, -42, 21),
    (PhaseKind.prototype, -21, 49),
    (PhaseKind.validate, 28, 28),
    (PhaseKind.agenda, 56, 28),
]

# (name, summary, shortlisted)
CLUSTERS = [
    ("Eén plan voor twee huizen",
     "Afspraken over zorg, school en vakanties op één plek, die ouders samen bijhouden.", True),
    ("Praten zonder ruzie",
     "Hulp om als ouders over de kinderen te praten, ook als het moeilijk is.", True),
    ("Kinderen praten mee",
     "Kinderen worden gehoord voordat ouders de afspraken vastleggen.", True),
    ("Geld en spullen",
     "Eerlijk delen van de kosten en de spullen van de kinderen.", False),
]

# (cluster number or None, theme number, title, text, sketch or None)
IDEAS: list[tuple[int | None, int, str, str, str | None]] = [
    (0, 0, "Ouderschapsplan online",
     "Zet het ouderschapsplan online. Dan kunnen beide ouders het altijd lezen en samen "
     "aanpassen.", "plan"),
    (0, 0, "Een plan dat meegroeit",
     "Een plan voor een baby past niet bij een puber. Laat het plan elk jaar vragen: klopt "
     "dit nog?", None),
    (0, 0, "Voorbeeldzinnen voor afspraken",
     "Veel ouders weten niet hoe je een afspraak opschrijft. Geef voorbeeldzinnen die je kunt "
     "aanpassen.", None),
    (0, 0, "Eén kalender voor twee huizen",
     "Eén kalender voor beide ouders: wie haalt de kinderen op, wanneer is de sportdag, "
     "wanneer gaan ze naar de tandarts.", "agenda"),
    (0, 0, "Vakanties ruim vooruit plannen",
     "Spreek elk jaar in januari de vakanties af. Dan is er in de zomer geen ruzie.", None),
    (0, 0, "Afspraken over nieuwe partners",
     "Zet in het plan wanneer een nieuwe partner de kinderen ontmoet. Dat voorkomt "
     "verrassingen.", None),
    (0, 0, "Checklist bij verhuizen",
     "Als een ouder verhuist, verandert er veel. Een korte lijst helpt om de afspraken "
     "opnieuw te bekijken.", None),
    (0, 0, "Het plan ook op papier",
     "Niet iedereen werkt graag met een app. Zorg dat je het plan ook kunt printen.", None),
    (0, 0, "Elk jaar een gesprek over het plan",
     "Eén keer per jaar praten beide ouders met een mediator en werken ze het plan bij.", None),
    (0, 0, "Afspraken over school",
     "Spreek af wie naar de ouderavond gaat en hoe je het rapport met elkaar deelt.", None),
    (0, 0, "Een plan in gewone taal",
     "Geen moeilijke woorden in het plan. Schrijf het zo dat ook de kinderen het later "
     "kunnen lezen.", None),
    (1, 1, "Berichten zonder ruzie",
     "Een app die je waarschuwt als je bericht boos klinkt, voordat je het verstuurt.", None),
    (1, 1, "Vast overleg over de kinderen",
     "Spreek elke maand een kort overleg af, alleen over de kinderen. Dan hoeft niet alles "
     "tussendoor.", None),
    (1, 1, "Cursus samen ouder blijven",
     "Een korte cursus voor gescheiden ouders: hoe praat je met elkaar als het moeilijk is?",
     None),
    (1, 1, "Een rustige plek om te praten",
     "Een ruimte in het buurthuis waar ouders met een gespreksleider kunnen praten.", None),
    (1, 1, "Geen boodschappen via de kinderen",
     "Laat kinderen nooit berichten doorgeven. Gebruik een schrift of een app die je samen "
     "deelt.", None),
    (1, 1, "Coach als het vastloopt",
     "Als ouders er samen niet uitkomen, helpt een coach om weer met elkaar te praten.", None),
    (1, 1, "Een overdrachtsboekje",
     "Een boekje dat meegaat met het kind: hoe ging de week en wat moet de ander weten?",
     "boekje"),
    (1, 1, "Een time-out afspreken",
     "Spreek af dat je stopt als een gesprek te heftig wordt, en later verder praat.", None),
    (1, 1, "Verhalen van andere ouders",
     "Korte filmpjes van ouders die het samen goed doen. Zo zie je dat het kan.", None),
    (1, 1, "Mediator via video",
     "Niet iedereen wil met de ander in één kamer zitten. Een gesprek via video kan dan "
     "helpen.", None),
    (2, 2, "Kinderen vullen zelf een stukje in",
     "Geef kinderen een eigen deel in het plan: wat vinden zij belangrijk?", None),
    (2, 2, "Kindgesprek met iemand die het kind kent",
     "Laat een juf, trainer of coach met het kind praten over wat het nodig heeft.", None),
    (2, 2, "Een jongerenpanel",
     "Jongeren met gescheiden ouders geven advies aan ouders en hulpverleners.", None),
    (2, 2, "Vragen stellen zonder je naam",
     "Een website waar kinderen zonder hun naam vragen kunnen stellen over de scheiding.",
     None),
    (2, 2, "Meepraten over de wisseldag",
     "Oudere kinderen mogen meepraten over de dag waarop ze van huis wisselen.", None),
    (2, 2, "Een prentenboek over twee huizen",
     "Een prentenboek voor jonge kinderen over wonen in twee huizen.", None),
    (2, 2, "Praatgroep op school",
     "Een praatgroep onder schooltijd voor kinderen van gescheiden ouders.", None),
    (2, 2, "Eerst het kind horen",
     "Vraag kinderen wat ze willen, voordat de ouders de afspraken vastleggen.", None),
    (2, 2, "Tekenen als begin van het gesprek",
     "Jonge kinderen kunnen niet altijd zeggen wat ze voelen. Laat ze tekenen en praat over "
     "de tekening.", None),
    (3, 3, "Een rekening voor de kinderen",
     "Een gezamenlijke rekening voor de kosten van de kinderen, waar beide ouders geld op "
     "zetten.", None),
    (3, 3, "Rekenhulp voor de kosten",
     "Een eenvoudige rekenhulp die laat zien wie welke kosten betaalt.", None),
    (3, 3, "Een tweede set spullen",
     "Een spullenbank voor een tweede bed, fiets en kleding, zodat het kind in beide huizen "
     "alles heeft.", None),
    (3, 3, "Schoolkosten vooraf verdelen",
     "Spreek vooraf af hoe je schoolreisjes, sport en telefoon betaalt.", None),
    (3, 3, "Budgetcoach na de scheiding",
     "Een gratis budgetcoach in het eerste jaar voorkomt schulden.", None),
    (3, 3, "Reiskosten delen",
     "Wonen ouders ver uit elkaar? Deel dan de kosten van het brengen en halen.", None),
    (3, 3, "Bonnetjes in één app",
     "Maak een foto van de bonnetjes voor de kinderen en deel ze in één app.", None),
    (None, 1, "Samen naar belangrijke momenten",
     "Spreek af dat beide ouders bij verjaardagen en de diploma-uitreiking kunnen zijn.", None),
    (None, 2, "Opa en oma blijven zien",
     "Zorg dat de kinderen de opa's en oma's van beide kanten blijven zien.", None),
    (None, 0, "Het huisdier gaat mee",
     "Laat het huisdier met de kinderen mee wisselen, als dat kan. Het geeft rust.", None),
]


class ConceptText(NamedTuple):
    title: str
    dream_big: str
    realistic: str
    clusters: tuple[int, ...]
    scores: tuple[int, int, int, int]  # on the four default criteria, in their order
    notes: tuple[str, str, str, str]
    steps: tuple[tuple[ConceptState, str], ...]  # state changes, each with its reason


CONCEPTS = [
    ConceptText(
        "Het meegroeiende ouderschapsplan",
        "Elk gezin heeft na een scheiding één plan dat meegroeit met de kinderen. Beide ouders "
        "kunnen het altijd lezen en samen aanpassen, en de kinderen hebben er een eigen plek in. "
        "Ruzie over afspraken is niet meer nodig, omdat alles duidelijk en eerlijk is.",
        "De gemeente maakt samen met twee mediatorpraktijken een online ouderschapsplan, in "
        "gewone taal en met voorbeeldzinnen. Ouders vullen het samen in; een mediator helpt als "
        "ze vastlopen. Eén keer per jaar vraagt het plan: klopt dit nog? We beginnen met dertig "
        "gezinnen in één gemeente, een half jaar lang.",
        (0, 1), (5, 4, 3, 4),
        ("Veel ouders en kinderen hebben hier direct iets aan.",
         "Een eenvoudige website is snel te maken.",
         "De bouw kost geld; daarna zijn de kosten laag.",
         "Gemeente en mediators willen meedoen; advocaten twijfelen nog."),
        ((ConceptState.realistic, "De gemeente en twee mediators hebben de realistische "
                                  "versie gelezen en willen meedoen."),
         (ConceptState.prototyping, "Hoogste score op impact en draagvlak. We kunnen snel een "
                                    "eerste versie maken en testen.")),
    ),
    ConceptText(
        "Kinderen praten mee",
        "Geen kind hoort pas achteraf wat zijn ouders hebben afgesproken. Elk kind wordt "
        "gehoord, op zijn eigen manier en in zijn eigen tempo.",
        "Scholen en het wijkteam bieden een kindgesprek aan met een getrainde "
        "vertrouwenspersoon, voordat ouders hun afspraken vastleggen. Wat het kind belangrijk "
        "vindt, komt in een eigen deel van het ouderschapsplan. We beginnen op vijf "
        "basisscholen.",
        (2,), (5, 3, 3, 3),
        ("Kinderen worden echt gehoord.",
         "Er zijn genoeg getrainde mensen nodig.",
         "Trainen van vertrouwenspersonen kost geld.",
         "Scholen willen wel, maar hebben weinig tijd."),
        ((ConceptState.realistic, "De scholen in de wijk willen meedoen met een proef."),
         (ConceptState.prototyping, "Twee scholen willen het kindgesprek dit jaar proberen.")),
    ),
]

# A concept the team has just written down: a draft, not public, not scored (cluster 1).
DRAFT_CONCEPT = (
    "Een gesprekscoach voor ouders",
    "Geen ouder hoeft na een scheiding alleen uit te zoeken hoe je samen over de kinderen "
    "praat. Elke ouder kan een coach vragen die helpt om het gesprek rustig te houden.",
    "Het wijkteam biedt drie gesprekken met een coach aan, voor beide ouders samen. We "
    "beginnen met tien gezinnen.",
)

# The second prototype: not yet public; its first round closed early, no decision yet.
KIDS_PROTOTYPE = (
    "Het kindgesprek op school",
    "Een getrainde vertrouwenspersoon van de school praat een half uur met het kind, voordat "
    "de ouders hun afspraken vastleggen. Het kind kiest zelf wat de ouders mogen horen.",
)
KIDS_GROUPS = ["Leerkrachten", "Ouders", "Intern begeleiders"]
KIDS_QUESTIONS = [
    (QuestionKind.scale, "Hoe goed paste het gesprek bij het kind?", True, [],
     "Helemaal niet", "Heel goed"),
    (QuestionKind.yes_no, "Zou je het kindgesprek aanraden aan andere scholen?", True, [], "",
     ""),
]
# (group, name, (scale, yes?, objection) or None)
KIDS_ROUND: list[tuple[str, str, tuple[int, bool, str] | None]] = [
    ("Leerkrachten", "Annemiek Hoekstra", (5, True, "")),
    ("Leerkrachten", "Bart Claassen", (4, True, "")),
    ("Ouders", "Celine Wouters", (4, True, "Als mijn ex het gesprek gebruikt in de ruzie.")),
    ("Ouders", "Daan Evers", None),
    ("Intern begeleiders", "Eline Gerritsen", (3, False,
                                              "Een half uur is te kort voor een jong kind.")),
]

PROTOTYPE_TITLE = "Samen plannen: het online ouderschapsplan"
VERSION_ONE = (
    "Je krijgt een link naar een website met een leeg ouderschapsplan. Samen met de andere "
    "ouder vul je vier delen in: zorg en contact, school en opvang, vakanties, en geld. Bij elk "
    "deel staan voorbeeldzinnen die je kunt aanpassen. Daarna zie je het hele plan op één "
    "pagina. Elke ouder kan het plan later aanpassen; de ander ziet dan wat er veranderd is."
)
VERSION_TWO = (
    "Je krijgt een link naar het online ouderschapsplan. Samen vul je de vier delen in, met "
    "voorbeeldzinnen in gewone taal die een jurist heeft nagekeken. Een wijziging geldt pas "
    "als beide ouders op 'Akkoord' drukken. Lukt dat niet, dan vraag je met één knop een "
    "mediator om hulp. Het plan kun je printen, zodat je het bij de rechter kunt laten "
    "vastleggen."
)
VERSION_TWO_CHANGES = (
    "Een wijziging geldt pas als beide ouders akkoord geven. Er is een printversie voor de "
    "rechter. Een jurist heeft de voorbeeldzinnen nagekeken. Nieuw is de knop 'Vraag een "
    "mediator om hulp'."
)
VERSION_TWO_REASON = (
    "In toetsronde 1 zeiden de drie advocaten en één ouder nee tegen versie 1. Eén ouder kon "
    "het plan zomaar aanpassen, en het plan had geen waarde bij de rechter. Zie het besluit "
    "bij toetsronde 1."
)

GROUPS = ["Ouders", "Mediators", "Gemeente", "Advocaten"]

# (kind, text, required, options, low label, high label); the objection question comes last.
QUESTIONS = [
    (QuestionKind.scale, "Hoe duidelijk zijn de afspraken in het plan?", True, [],
     "Helemaal niet duidelijk", "Heel duidelijk"),
    (QuestionKind.yes_no, "Zou je dit plan aanraden aan ouders die uit elkaar gaan?", True, [],
     "", ""),
    (QuestionKind.single_choice, "Welk deel van het plan vind je het belangrijkst?", True,
     ["Zorg en contact", "Geld en kosten", "School en opvang", "Vakanties"], "", ""),
    (QuestionKind.multiple_choice, "Wat mist er nog in het plan?", False,
     ["Een printversie voor de rechter", "Een melding als de ander iets wijzigt",
      "Hulp van een mediator bij onenigheid", "Een deel dat het kind zelf invult"], "", ""),
    (QuestionKind.short_text, "Wat vind je het beste aan het plan?", False, [], "", ""),
]


class Answers(NamedTuple):
    """One filled-in form, in the order of QUESTIONS plus the objection question."""

    clear: int  # 1-5
    recommend: bool
    most_important: int  # option index
    missing: tuple[int, ...]  # option indexes
    best: str = ""
    objection: str = ""


STAKEHOLDER = "stakeholder"  # stands for the demo stakeholder account in the lists below

# Round 1 on version 1: (group, name, answers, sent?). Three lawyers (a small group) and one
# parent say no; the minority report finds them, and the decision answers each concern.
ROUND_ONE: list[tuple[str, str, Answers | None, bool]] = [
    ("Ouders", STAKEHOLDER, Answers(5, True, 0, (1, 3), "Alles staat op één plek."), True),
    ("Ouders", "Anouk Dekker", Answers(4, True, 0, (1,), "De voorbeeldzinnen."), True),
    ("Ouders", "Bas Verhoeven", Answers(4, True, 1, (1, 2)), True),
    ("Ouders", "Chantal Smit", Answers(5, True, 0, (3,), "Dat we het samen invullen."), True),
    ("Ouders", "Dennis Kok", Answers(4, True, 0, (1,)), True),
    ("Ouders", "Esra Yilmaz", Answers(3, True, 2, (0, 1), "Het is rustig en duidelijk."), True),
    ("Ouders", "Fleur de Groot", Answers(4, True, 0, (2,)), True),
    ("Ouders", "Gijs Mulder", Answers(5, True, 1, (1, 3), "De vakanties staan er ook in."),
     True),
    ("Ouders", "Hanna Bos", Answers(4, True, 0, (1,)), True),
    ("Ouders", "Ivo Peters", Answers(
        4, False, 3, (1, 2), "",
        "Mijn ex past het plan dan steeds in zijn eentje aan. Dan wordt het plan juist een "
        "nieuwe bron van ruzie."), True),
    ("Ouders", "Karin Vos", Answers(4, True, 0, (1,)), False),  # saved, not sent
    ("Ouders", "Luuk Hendriks", None, False),
    ("Mediators", "Marloes van Dijk", Answers(4, True, 0, (2,), "Ouders praten over de "
                                              "kinderen, niet over elkaar."), True),
    ("Mediators", "Nordin Bakkali", Answers(4, True, 0, (1,)), True),
    ("Mediators", "Olga Meijer", Answers(5, True, 1, (2, 3)), True),
    ("Mediators", "Pieter Brouwer", Answers(3, True, 0, (1,), "", "Als ouders het plan "
                                            "gebruiken om elkaar te controleren."), True),
    ("Mediators", "Quinta de Wit", Answers(4, True, 0, (3,)), True),
    ("Mediators", "Rutger Dijkstra", Answers(4, True, 0, (1, 2), "De vaste onderdelen."), True),
    ("Mediators", "Sandra Kuipers", None, False),
    ("Gemeente", "Tom Jacobs", Answers(4, True, 0, (3,), "Het is goedkoop te maken."), True),
    ("Gemeente", "Ursula Koster", Answers(3, True, 2, (1,)), True),
    ("Gemeente", "Vincent Prins", Answers(4, True, 0, (1, 3)), True),
    ("Gemeente", "Wendy Schouten", Answers(4, True, 0, (2,), "", "Als de gegevens van "
                                           "gezinnen niet veilig zijn."), True),
    ("Gemeente", "Yara Bosman", Answers(5, True, 0, (1,)), True),
    ("Advocaten", "Xander Willems", Answers(
        2, False, 0, (0,), "",
        "Het plan heeft geen waarde bij de rechter. Na een ruzie begint alles opnieuw."), True),
    ("Advocaten", "Zoë van Leeuwen", Answers(
        1, False, 3, (0, 1), "",
        "Eén ouder kan het plan zomaar veranderen. Zonder akkoord van allebei zeg ik nee."),
     True),
    ("Advocaten", "Arjen Post", Answers(
        2, False, 0, (0,), "",
        "Wie kijkt of de afspraken eerlijk zijn voor het kind? Ik mis een jurist."), True),
]

# Round 2 on version 2 (open): the demo stakeholder has not answered yet; three others have.
ROUND_TWO: list[tuple[str, str, Answers | None, bool]] = [
    ("Ouders", STAKEHOLDER, None, False),
    ("Ouders", "Luuk Hendriks", None, False),
    ("Mediators", "Marloes van Dijk", Answers(5, True, 0, (3,), "De knop voor de mediator."),
     True),
    ("Gemeente", "Tom Jacobs", Answers(4, True, 0, (3,)), True),
    ("Advocaten", "Xander Willems", Answers(
        4, True, 0, (3,), "Het akkoord van beide ouders.",
        "Als de rechter de printversie toch niet accepteert."), True),
    ("Advocaten", "Arjen Post", None, False),
    ("Advocaten", "Hilde Vermeulen", None, False),
]

DECISION = (
    "De meeste ouders, mediators en de gemeente vinden het plan duidelijk en zouden het "
    "aanraden. Drie advocaten en één ouder zeggen nee: één ouder kan het plan zomaar "
    "aanpassen, en het plan heeft geen waarde bij de rechter. Dat nemen we serieus. We maken "
    "versie 2 en testen die opnieuw, ook met advocaten."
)

# How the decision answers each concern the report finds on round 1, by a key that does not
# depend on database ids: "question:<n>" / "option:<n>:<option>" (n: place in QUESTIONS) or
# "group:<name>".
CONCERN_ANSWERS: dict[str, tuple[Disposition, str]] = {
    "question:0": (Disposition.answered,
                   "Een jurist heeft alle voorbeeldzinnen nagekeken en in gewone taal "
                   "herschreven. In ronde 2 vragen we opnieuw hoe duidelijk het plan is."),
    "question:1": (Disposition.answered,
                   "In versie 2 geldt een wijziging pas als beide ouders akkoord geven. Zo "
                   "kan één ouder het plan niet meer alleen veranderen."),
    "option:2:1": (Disposition.set_aside,
                   "Geld is voor een paar mensen het belangrijkst. Dit prototype gaat vooral "
                   "over zorg en contact. Geld nemen we mee in de Agenda voor Actie."),
    "group:Advocaten": (Disposition.answered,
                        "We hebben met de drie advocaten gepraat. Versie 2 heeft een "
                        "printversie voor de rechter en het akkoord van beide ouders. In "
                        "ronde 2 nodigen we weer advocaten uit."),
}


# --- the steps ---------------------------------------------------------------------------------


def load_demo_chain(main: Challenge, users: dict[str, User]) -> None:
    """Build "Samen ouder blijven" once (``main``, the first demo challenge, is not used);
    print the demo stakeholder's link for round 2 every time."""
    challenge = challenges.get_by_slug(SLUG)
    if challenge is None:
        challenge = _build(users)
    _print_link(challenge, users["stakeholder"])


def _build(users: dict[str, User]) -> Challenge:
    core, stakeholder = users["core_team"], users["stakeholder"]
    challenge = _start_challenge(users["admin"], core, stakeholder)
    idea_list = _send_in_ideas(challenge, _citizens(users))
    _plan(challenge, PLAN)
    clusters = _make_clusters(core, challenge, idea_list)
    first_concept = _develop_concepts(core, challenge, clusters)
    prototype = _make_prototype(core, first_concept)
    first = _run_round(core, prototype, "Toetsronde 1: de eerste versie",
                       "Bekijk de eerste versie van het online ouderschapsplan en zeg wat je "
                       "ervan vindt. Het kost ongeveer vijf minuten.",
                       ROUND_ONE, stakeholder, days=(-14, 0))
    services.close_round(core, first)
    _decide(core, first)
    version = prototypes.add_version(
        core, prototype, VERSION_TWO, VERSION_TWO_CHANGES, VERSION_TWO_REASON,
        [_screen_upload(2)], based_on_round_id=first.id)
    _run_round(core, prototype, "Toetsronde 2: de versie met akkoord van beide ouders",
               "We hebben het plan verbeterd na de eerste toetsronde. Wat vind je van deze "
               "versie?", ROUND_TWO, stakeholder, days=(0, 20), version=version, copy_from=first)
    _work_waiting(core, challenge, clusters)
    return challenge


def _work_waiting(core: User, challenge: Challenge, clusters: list[Cluster]) -> None:
    """A draft concept nobody scored, and a second prototype (not public) whose first round
    closed early with a few answers and waits for a decision; a draft round follows it."""
    title, dream_big, realistic = DRAFT_CONCEPT
    concepts.create_concept(core, challenge, title, dream_big, realistic, [clusters[1].id])
    concept = db.session.scalar(select(Concept).where(Concept.challenge_id == challenge.id,
                                                      Concept.title == CONCEPTS[1].title))
    title, description = KIDS_PROTOTYPE
    prototype = prototypes.create_prototype(core, concept, title, PrototypeKind.service,
                                            description)
    first = services.create_round(
        core, prototype, prototype.versions[0], "Proefronde op twee scholen",
        "Je school deed mee aan de proef met het kindgesprek. Wat vond je ervan?",
        today() - timedelta(days=10), today() + timedelta(days=4), KIDS_GROUPS,
        allow_anonymous=True)
    for kind, text, required, options, low, high in KIDS_QUESTIONS:
        services.add_question(core, first, {"kind": kind, "text": text, "required": required,
                                            "options": options, "low_label": low,
                                            "high_label": high})
    lines = [invitations.Line(number, _address(name, core), group, name)
             for number, (group, name, _answers) in enumerate(KIDS_ROUND, 1)]
    invited = invitations.invite_stakeholders(core, first, lines).invited
    services.open_round(core, first)
    scale, recommend, objection = first.questions
    for invitation, (_group, _name, answers) in zip(invited, KIDS_ROUND, strict=True):
        if answers is not None:
            values = [AnswerValue(scale.id, answers[0], None),
                      AnswerValue(recommend.id, int(answers[1]), None)]
            if answers[2]:
                values.append(AnswerValue(objection.id, None, answers[2]))
            answering.save_response(invitation, values, submit=True)
    services.close_round(core, first)  # early: the schools' term ended
    services.create_round(core, prototype, prototype.versions[0], "Proefronde op vijf scholen",
                          "", today() + timedelta(days=14), today() + timedelta(days=35), [],
                          allow_anonymous=True, copy_from=first)


def _plan(challenge: Challenge, plan: Sequence[tuple[PhaseKind, int, int]]) -> None:
    start = today()
    errors = challenges.set_phase_dates(None, challenge, {
        kind: (start + timedelta(days=offset), start + timedelta(days=offset + length - 1))
        for kind, offset, length in plan})
    if errors:  # the plans above are fixed: this is a mistake in them
        raise RuntimeError("; ".join(errors))


def _start_challenge(admin: User, core: User, stakeholder: User) -> Challenge:
    """The challenge with its themes and members, public, with a dream phase running today."""
    challenge = challenges.create_challenge(None, CHALLENGE)
    _plan(challenge, [(PhaseKind.dream, -1, 3)])
    for name, description in THEMES:
        challenges.add_theme(None, challenge, name, description)
    for user, role in ((core, MembershipRole.core_team),
                       (stakeholder, MembershipRole.stakeholder)):
        set_membership(None, challenge, user, role)
        db.session.flush()
        db.session.refresh(user)
    challenges.set_published(admin, challenge, True)
    return challenge


def _send_in_ideas(challenge: Challenge, people: list[User]) -> list[Idea]:
    """The ideas, by turns from the demo citizens, with a few supports; dated in the dream
    phase of the real plan."""
    rng = random.Random(2027)  # noqa: S311 - a repeatable demo, not a secret
    now = utcnow()
    result = []
    for number, (_cluster, theme, title, text, drawing) in enumerate(IDEAS):
        photos = ([FileStorage(io.BytesIO(sketch(drawing, rng)), filename=f"{drawing}.png",
                               content_type="image/png")] if drawing else [])
        idea = submitting.submit_idea(
            people[number % len(people)], challenge,
            {"title": title, "description": text, "consent": True,
             "theme_id": challenge.themes[theme].id, "photo_alt": f"Schets bij: {title}"},
            photos)
        idea.created_dt = idea.updated_dt = now - timedelta(days=45,
                                                            hours=(len(IDEAS) - number) * 20)
        for person in rng.sample(people, rng.randrange(0, 4)):
            supporting.support(person, idea)
        result.append(idea)
    return result


def _make_clusters(core: User, challenge: Challenge, idea_list: list[Idea]) -> list[Cluster]:
    clusters = []
    for number, (name, summary, shortlisted) in enumerate(CLUSTERS):
        cluster = curation.create_cluster(core, challenge, name, summary)
        members = [idea.id for idea, row in zip(idea_list, IDEAS, strict=True)
                   if row[0] == number]
        curation.move_ideas_to_cluster(core, challenge, members, cluster)
        if shortlisted:
            curation.set_state(core, cluster, ClusterState.shortlisted)
        curation.set_published(core, cluster, True)
        clusters.append(cluster)
    return clusters


def _develop_concepts(core: User, challenge: Challenge, clusters: list[Cluster]) -> Concept:
    """Both concepts, published, moved along and scored; returns the one in prototyping."""
    made = []
    for text in CONCEPTS:
        concept = concepts.create_concept(core, challenge, text.title, text.dream_big,
                                          text.realistic, [clusters[n].id for n in text.clusters])
        concepts.set_published(core, concept, True)
        for state, reason in text.steps:
            concepts.change_state(core, concept, state, reason)
        criteria = criteria_of(challenge)
        concepts.score_concept(core, concept,
                               {c.id: score for c, score in zip(criteria, text.scores,
                                                                strict=True)},
                               {c.id: note for c, note in zip(criteria, text.notes, strict=True)})
        made.append(concept)
    return made[0]


def _make_prototype(core: User, concept: Concept) -> Prototype:
    prototype = prototypes.create_prototype(core, concept, PROTOTYPE_TITLE, PrototypeKind.digital,
                                            VERSION_ONE, [_screen_upload(1)])
    prototypes.publish(core, prototype)
    return prototype


def _run_round(core: User, prototype: Prototype, title: str, intro: str,
               people: list[tuple[str, str, Answers | None, bool]], stakeholder: User, *,
               days: tuple[int, int], version: PrototypeVersion | None = None,
               copy_from: Round | None = None) -> Round:
    """An open round of ``version`` (default: version 1) with its form, invitations and
    answers. ``days``: its first and last day, counted from today."""
    opens_on, closes_on = (today() + timedelta(days=offset) for offset in days)
    round_ = services.create_round(
        core, prototype, version or prototype.versions[0], title, intro, opens_on, closes_on,
        [] if copy_from else GROUPS, allow_anonymous=False, copy_from=copy_from)
    if copy_from is None:
        for kind, text, required, options, low, high in QUESTIONS:
            services.add_question(core, round_, {
                "kind": kind, "text": text, "required": required, "options": options,
                "low_label": low, "high_label": high})
    lines = [invitations.Line(number, _address(name, stakeholder), group,
                              stakeholder.name if name == STAKEHOLDER else name)
             for number, (group, name, _answers, _sent) in enumerate(people, 1)]
    invited = invitations.invite_stakeholders(core, round_, lines).invited
    services.open_round(core, round_)
    for invitation, (_group, _name, answers, sent) in zip(invited, people, strict=True):
        if answers is not None:
            answering.save_response(invitation, _values(round_, answers), submit=sent)
    return round_


def _values(round_: Round, answers: Answers) -> list[AnswerValue]:
    clear, recommend, important, missing, best, objection = round_.questions
    values = [AnswerValue(clear.id, answers.clear, None),
              AnswerValue(recommend.id, int(answers.recommend), None),
              AnswerValue(important.id, answers.most_important, None)]
    values += [AnswerValue(missing.id, option, None) for option in answers.missing]
    values += [AnswerValue(question.id, None, text)
               for question, text in ((best, answers.best), (objection, answers.objection))
               if text]
    return values


def _address(name: str, stakeholder: User) -> str:
    if name == STAKEHOLDER:
        return stakeholder.email
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(plain.lower().split()) + "@example.org"


def _local_key(round_: Round, concern: Concern) -> str:
    """The key of ``concern`` in CONCERN_ANSWERS: question places instead of database ids."""
    if concern.kind == "group":
        group = next(g for g in round_.groups if g.id == concern.group_id)
        return f"group:{group.name}"
    place = next(n for n, q in enumerate(round_.questions) if q.id == concern.question_id)
    if concern.kind == "option":
        return f"option:{place}:{concern.key.rsplit(':', 1)[1]}"
    return f"question:{place}"


def _decide(core: User, round_: Round) -> None:
    answers = {}
    for concern in minority_report(round_).concerns:
        disposition, text = CONCERN_ANSWERS[_local_key(round_, concern)]
        answers[concern.key] = ConcernAnswer(disposition.value, text)
    decide(core, round_, Outcome.iterate.value, DECISION, answers)


# --- the prototype's screen, drawn ------------------------------------------------------------


def plan_screen(version: int) -> bytes:
    """A phone showing the online plan, as a PNG; version 2 has the "Akkoord" buttons."""
    im = Image.new("RGB", (640, 900), (250, 248, 240))
    draw = ImageDraw.Draw(im)
    draw.rounded_rectangle((120, 30, 520, 870), radius=40, outline=(27, 31, 36), width=8)
    draw.rectangle((140, 90, 500, 160), fill=(11, 92, 171))
    draw.text((160, 108), "Ons ouderschapsplan", fill=(255, 255, 255), font_size=30)
    parts = ["Zorg en contact", "School en opvang", "Vakanties", "Geld"]
    for number, part in enumerate(parts):
        top = 190 + number * 160
        draw.text((160, top), part, fill=(27, 31, 36), font_size=26)
        for line in range(2):
            draw.line((160, top + 50 + line * 28, 480 - line * 80, top + 50 + line * 28),
                      fill=(120, 120, 120), width=6)
        if version > 1:
            draw.rounded_rectangle((360, top + 100, 480, top + 140), radius=10,
                                   fill=(29, 107, 54))
            draw.text((375, top + 106), "Akkoord", fill=(255, 255, 255), font_size=22)
    draw.text((160, 830), f"Versie {version}", fill=(27, 31, 36), font_size=22)
    buffer = io.BytesIO()
    im.save(buffer, "PNG")
    return buffer.getvalue()


def _screen_upload(version: int) -> prototypes.ImageUpload:
    alt = ("Telefoon met het online ouderschapsplan: vier delen, zorg en contact, school en "
           "opvang, vakanties en geld")
    if version > 1:
        alt += ", met bij elk deel een knop Akkoord"
    return prototypes.ImageUpload(FileStorage(io.BytesIO(plan_screen(version)),
                                              filename=f"plan-versie-{version}.png",
                                              content_type="image/png"), alt)


# --- the link to print -------------------------------------------------------------------------


def _stakeholder_invitation(challenge: Challenge, stakeholder: User) -> Invitation | None:
    """The demo stakeholder's invitation to the newest round of the demo challenge."""
    return db.session.scalar(
        select(Invitation).join(Round, Round.id == Invitation.round_id)
        .where(Round.challenge_id == challenge.id, Invitation.email == stakeholder.email)
        .order_by(Round.id.desc()).limit(1))


def _print_link(challenge: Challenge, stakeholder: User) -> None:
    click.echo(f"Second demo challenge (concepts, a prototype, validation rounds): "
               f"/c/{challenge.slug}")
    invitation = _stakeholder_invitation(challenge, stakeholder)
    if invitation is not None:
        click.echo(f"  {stakeholder.email} can answer round 2 without logging in: "
                   f"{invitations.link_for(invitation)}")


if load_demo_chain not in DEMO_EXTENSIONS:
    DEMO_EXTENSIONS.append(load_demo_chain)
