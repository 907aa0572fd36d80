"""Demo ideas for "Scheiden zonder schade": our own texts, by a handful of demo citizens.

Photos are simple sketches drawn with Pillow and sent through the same pipeline as uploads.
Loading is skipped when the challenge already has ideas, so running the demo twice is safe.

Besides the published ideas, every state an idea or response can be in is shown once, so every
queue of the core team and every page of the citizen has something in it: two ideas waiting
for a check (the team checked new ideas first for a while; one of them anonymous), one hidden
as advertising, one withdrawn by the demo citizen, a duplicate merged into the idea it repeats,
and two open reports (an anonymous idea and an unkind response).
"""

from __future__ import annotations

import io
import random
import secrets
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ideation.accounts.models import User
from ideation.accounts.services import create_user, find_user_by_email
from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, check
from ideation.core.db import utcnow
from ideation.curation import duplicates as curation
from ideation.demo import DEMO_EXTENSIONS, SLUG
from ideation.extensions import db
from ideation.ideas import commenting, submitting, supporting, visibility
from ideation.ideas.models import Idea
from ideation.moderation import services as moderation

CITIZENS = [
    ("sanne@example.org", "Sanne de Vries"),
    ("mo@example.org", "Mohammed El Amrani"),
    ("petra@example.org", "Petra Jansen"),
    ("joost@example.org", "Joost Bakker"),
    ("lotte@example.org", "Lotte Visser"),
    ("ricardo@example.org", "Ricardo Martina"),
]

# (theme number 0-4, title, text, anonymous?, sketch or None)
IDEAS: list[tuple[int, str, str, bool, str | None]] = [
    (0, "Eén digitaal loket voor alle hulp",
     "Als je gaat scheiden weet je niet waar je moet beginnen. Maak één website en één "
     "telefoonnummer waar je alles vindt: mediation, juridische hulp, hulp voor kinderen, geld. "
     "Geen tien loketten meer.", False, "loket"),
    (0, "Scheidingscoach bij de huisarts",
     "Veel ouders gaan eerst naar de huisarts als het thuis misgaat. Geef de huisarts een vaste "
     "coach om naar door te verwijzen, zonder wachtlijst.", False, None),
    (0, "Gratis eerste gesprek met een mediator",
     "Het eerste gesprek met een mediator kost nu vaak geld. Maak het gratis, dan durven meer "
     "ouders de stap te zetten voordat de ruzie groot wordt.", False, None),
    (0, "Checklist 'De eerste 30 dagen'",
     "Een eenvoudige lijst met wat je in de eerste maand moet regelen en wat kan wachten. Op "
     "papier en in een app, in gewone taal.", False, "checklist"),
    (0, "Scheidingsspreekuur in de bibliotheek",
     "Eén middag per week in de bibliotheek een spreekuur met een jurist en een maatschappelijk "
     "werker. Laagdrempelig en dichtbij.", False, None),
    (0, "Ervaringsdeskundigen als maatje",
     "Koppel ouders die net gaan scheiden aan iemand die het zelf heeft meegemaakt. Een maatje "
     "dat luistert en tips geeft.", True, None),
    (0, "Informatie in meer talen",
     "Niet iedereen leest goed Nederlands. Zorg dat de belangrijkste informatie over scheiden er "
     "ook is in het Engels, Arabisch, Turks en Pools, en in beeldtaal.", False, None),
    (0, "Wachtlijsten weg bij jeugdhulp",
     "Kinderen die vastlopen door de scheiding moeten nu maanden wachten. Geef voorrang aan "
     "kinderen in een vechtscheiding.", False, None),
    (0, "Werkgever als vangnet",
     "Werkgevers merken vaak als eerste dat iemand het zwaar heeft. Geef HR-afdelingen een "
     "folder en een nummer waar ze naar kunnen verwijzen.", False, None),
    (0, "Online cursus 'Goed uit elkaar'",
     "Een korte online cursus voor ouders: hoe praat je met je ex, wat zeg je tegen de kinderen, "
     "wat moet je regelen. In je eigen tempo.", False, None),
    (0, "Eén vast aanspreekpunt per gezin",
     "Nu heb je te maken met een advocaat, de gemeente, het wijkteam en school. Geef elk gezin "
     "één vaste persoon die de lijnen bij elkaar houdt.", False, "persoon"),
    (0, "Scheidings-APK",
     "Een vrijwillig gesprek een jaar na de scheiding: gaan de afspraken nog goed? Moet er iets "
     "bijgesteld worden? Zo voorkom je dat kleine problemen groot worden.", False, None),
    (1, "Kinderbehartiger voor elk kind",
     "Geef elk kind bij een scheiding een eigen kinderbehartiger: iemand die alleen naar het kind "
     "luistert en zijn stem laat horen bij de ouders en de rechter.", False, "kind"),
    (1, "Kinderpraatgroepen op school",
     "Op veel scholen zitten kinderen van gescheiden ouders. Een praatgroep onder schooltijd "
     "helpt ze te merken dat ze niet de enige zijn.", False, "school"),
    (1, "Een app waarin kinderen hun gevoel kwijt kunnen",
     "Een veilige app waarin kinderen een dagboek bijhouden en vragen kunnen stellen aan een "
     "hulpverlener. Zonder dat de ouders meelezen.", False, None),
    (1, "Kinderen horen vanaf acht jaar",
     "Nu hoort de rechter kinderen vanaf twaalf jaar. Ook jongere kinderen hebben een mening. "
     "Laat een getrainde kinderprofessional ze horen op hun eigen manier.", False, None),
    (1, "Vertrouwenspersoon op school",
     "Elke school een vertrouwenspersoon die weet wat een scheiding met kinderen doet en die "
     "leerkrachten kan helpen.", False, None),
    (1, "Boekjes voor jonge kinderen",
     "Prentenboeken over twee huizen, voor peuters en kleuters. Gratis mee te geven door het "
     "consultatiebureau.", False, "boek"),
    (1, "Kinderen niet als boodschapper",
     "Een campagne voor ouders: laat je kind geen berichten overbrengen aan je ex. Met korte "
     "filmpjes vanuit het kind verteld.", True, None),
    (1, "Jongerenpanel Scheiden",
     "Een panel van jongeren die het zelf hebben meegemaakt. Zij geven advies aan de gemeente en "
     "aan rechters over wat werkt.", False, None),
    (1, "Mentor of leerkracht op de hoogte",
     "Spreek af dat ouders samen de school informeren, zodat de mentor weet wat er speelt en "
     "niet door het kind hoeft te worden verteld.", False, None),
    (1, "Sporttrainer als steun",
     "Voor veel kinderen is de sportclub een veilige plek. Leer trainers signalen herkennen en "
     "hoe ze een kind kunnen steunen.", False, None),
    (1, "Rustige plek om huiswerk te maken",
     "Bij wisselen tussen twee huizen raakt huiswerk zoek. Een huiswerkplek op school of in de "
     "buurt helpt kinderen bij te blijven.", False, None),
    (1, "Het kind kiest mee over de wisseldag",
     "Laat oudere kinderen meepraten over op welke dag ze wisselen. Dan past het beter bij hun "
     "sport, vrienden en school.", False, None),
    (2, "Alternatieve route zonder rechter",
     "Een procedure waarin ouders met één onafhankelijke jurist samen tot afspraken komen, "
     "zonder dat ieder een eigen advocaat neemt. Alleen als het niet lukt, naar de rechter.",
     False, "route"),
    (2, "Eén advocaat voor het hele gezin",
     "Maak het makkelijker om samen één advocaat te nemen. Dat is goedkoper en je staat niet "
     "meteen tegenover elkaar.", False, None),
    (2, "Mediation verplicht proberen",
     "Voordat je naar de rechter stapt, moet je eerst mediation hebben geprobeerd. Uitzonderingen "
     "bij geweld.", False, None),
    (2, "Sneller een uitspraak",
     "Zaken over kinderen duren soms meer dan een jaar. Stel een maximum van drie maanden voor "
     "een eerste uitspraak over de zorgregeling.", False, None),
    (2, "Geen brieven in juristentaal",
     "Brieven van advocaten en de rechtbank maken mensen boos en bang. Schrijf ze in gewone taal "
     "en zonder beschuldigingen.", True, None),
    (2, "Advocaten belonen voor overleg",
     "Nu verdienen advocaten meer als een zaak lang duurt. Beloon ze als ouders snel samen tot "
     "afspraken komen.", False, None),
    (2, "Rechter met kennis van kinderen",
     "Familierechters krijgen extra training over de ontwikkeling van kinderen en over wat "
     "langdurige strijd met ze doet.", False, None),
    (2, "Gezinsrechtbank in één gebouw",
     "Rechter, raad voor de kinderbescherming en mediators onder één dak. Dan wordt er minder "
     "van het kastje naar de muur gestuurd.", False, "gebouw"),
    (2, "Time-out bij escalatie",
     "Als een zaak uit de hand loopt, een verplichte pauze van zes weken met begeleiding, in "
     "plaats van steeds nieuwe procedures.", False, None),
    (2, "Ouders samen één verzoek laten doen",
     "Maak het standaard dat ouders één gezamenlijk verzoek indienen. Met een formulier dat ze "
     "stap voor stap samen invullen.", False, None),
    (2, "Online bemiddeling",
     "Voor ouders die niet in één kamer willen zitten: bemiddeling via video, met een mediator "
     "die het gesprek rustig houdt.", False, None),
    (2, "Ex-partners niet tegenover elkaar aan tafel",
     "Al iets kleins helpt: in de rechtszaal en bij de mediator naast elkaar zitten in plaats "
     "van tegenover elkaar.", False, None),
    (3, "Ouderschapsplan als levend document",
     "Het ouderschapsplan wordt nu één keer gemaakt en verdwijnt in een la. Maak er een online "
     "plan van dat ouders samen elk jaar bijwerken.", False, "plan"),
    (3, "Voorbeelden van goede ouderschapsplannen",
     "Veel ouders weten niet wat er in een ouderschapsplan moet. Geef voorbeelden voor "
     "verschillende leeftijden en situaties.", False, None),
    (3, "Gedeelde agenda voor ouders",
     "Eén agenda-app voor beide ouders: wie haalt de kinderen, wanneer is de tandarts, wanneer "
     "is de ouderavond. Minder gedoe, minder ruzie.", False, "agenda"),
    (3, "Overdrachtsplek in de buurt",
     "Een neutrale, gezellige plek in de wijk waar kinderen van het ene naar het andere huis "
     "gaan, als het wisselen aan de deur steeds misgaat.", False, None),
    (3, "Cursus samen ouderschap",
     "Een cursus voor beide ouders samen: hoe blijf je samen ouder terwijl je geen partners meer "
     "bent.", False, None),
    (3, "Nieuwe partners betrekken",
     "Stiefouders spelen een grote rol maar worden vergeten. Geef ze informatie en een plek in "
     "de gesprekken.", False, None),
    (3, "Grootouders blijven zien",
     "Kinderen verliezen soms het contact met opa en oma. Neem in het ouderschapsplan ook "
     "afspraken op over grootouders.", False, "opa"),
    (3, "Ouderschapscoördinator bij veel ruzie",
     "Bij ouders die steeds vastlopen: een coördinator die knopen doorhakt over kleine dingen, "
     "zodat niet elke kwestie naar de rechter gaat.", False, None),
    (3, "Berichten-app met toonfilter",
     "Een app voor berichten tussen ex-partners die waarschuwt als een bericht boos klinkt, "
     "voordat je op verzenden drukt.", True, None),
    (3, "Afspraken over social media",
     "Zet in het ouderschapsplan wat ouders wel en niet over de scheiding en de kinderen online "
     "zetten.", False, None),
    (3, "Samen naar de ouderavond",
     "Scholen nodigen beide ouders uit, en sturen alle informatie naar beide adressen. Geen "
     "ouder buitengesloten.", False, None),
    (3, "Vaders niet vergeten",
     "Hulp en informatie is vaak op moeders gericht. Zorg dat vaders zich ook aangesproken "
     "voelen, bijvoorbeeld met een vadergroep.", True, None),
    (3, "Evaluatiegesprek na een half jaar",
     "Na zes maanden een gesprek met beide ouders en een begeleider: werkt de zorgregeling voor "
     "de kinderen?", False, None),
    (4, "Twee huizen dicht bij elkaar",
     "Geef gescheiden ouders voorrang op een huurwoning in dezelfde buurt, zodat kinderen naar "
     "dezelfde school en club kunnen blijven gaan.", False, "huizen"),
    (4, "Tijdelijke woning na de scheiding",
     "Veel ouders vinden na de scheiding geen woning en blijven te lang samen wonen of slapen "
     "bij vrienden. Maak tijdelijke gezinswoningen.", False, None),
    (4, "Rekenhulp voor kinderalimentatie",
     "Een eenvoudige rekenhulp waarmee ouders zelf zien welke alimentatie redelijk is, zodat ze "
     "daar niet over hoeven te strijden.", False, "geld"),
    (4, "Budgetcoach na de scheiding",
     "Van één naar twee huishoudens is financieel zwaar. Een gratis budgetcoach voor het eerste "
     "jaar voorkomt schulden.", False, None),
    (4, "Kinderrekening voor gedeelde kosten",
     "Een gezamenlijke rekening voor de kosten van de kinderen, waar beide ouders op storten. "
     "Overzichtelijk en minder discussie over bonnetjes.", False, None),
    (4, "Toeslagen sneller aanpassen",
     "Na een scheiding duurt het maanden voordat toeslagen kloppen. Zorg dat dit binnen een "
     "maand geregeld is, zonder terugbetalen achteraf.", False, None),
    (4, "Tweede set spullen",
     "Een regeling of spullenbank voor een tweede bed, kleding en fiets, zodat kinderen in beide "
     "huizen alles hebben.", False, "fiets"),
    (4, "Kosten van mediation aftrekbaar",
     "Maak mediation goedkoper dan een rechtszaak, bijvoorbeeld via de belasting of een "
     "hogere vergoeding.", False, None),
    (4, "Hypotheek niet als blok aan het been",
     "Ouders blijven soms jaren vastzitten aan een gezamenlijk huis. Banken en gemeente zoeken "
     "samen naar een oplossing die past.", True, None),
    (4, "Reiskosten bij co-ouderschap",
     "Als ouders verder uit elkaar wonen, lopen de reiskosten op. Een tegemoetkoming helpt om "
     "het contact goed te houden.", False, None),
    (4, "Schoolkosten eerlijk verdelen",
     "Een standaardafspraak voor schoolreisjes, sportclub en telefoon, zodat niet elke rekening "
     "een ruzie wordt.", False, None),
    (4, "Woonurgentie voor ouder met kinderen",
     "Een ouder die na de scheiding met de kinderen op straat dreigt te komen, krijgt urgentie "
     "voor een woning.", False, None),
    (0, "Buurtteam als eerste aanspreekpunt",
     "Het wijkteam kent de buurt. Laat het wijkteam actief contact zoeken als een gezin bekend "
     "wordt als gescheiden.", False, None),
    (1, "Klassengesprek over verschillende gezinnen",
     "Een les over verschillende soorten gezinnen, zodat kinderen van gescheiden ouders zich niet "
     "anders voelen.", False, None),
]

# The examples of every other state: (theme, title, text, anonymous?).
DUPLICATE = (0, "Eén loket voor hulp bij scheiden",
             "Er zijn zoveel instanties. Ik wil één plek waar ik al mijn vragen kan stellen, "
             "online en aan de telefoon.", False)
WITHDRAWN = (4, "Gratis parkeren bij de rechtbank",
             "Parkeren bij de rechtbank is duur. Maak het gratis voor ouders die voor een "
             "zitting komen.", False)
ADVERTISEMENT = (2, "Scheiden? Bel ons kantoor",
                 "Wij regelen uw scheiding snel en goedkoop. Bel vandaag nog voor een gratis "
                 "gesprek met een van onze advocaten.", False)
HIDDEN_REASON = "Dit is reclame voor een bedrijf. Reclame plaatsen we niet."
WAITING = [
    (1, "Vraag kinderen wat ze van de afspraken vinden",
     "Laat ouders de afspraken na een half jaar aan de kinderen voorleggen. Kinderen merken "
     "als eerste wat niet werkt.", False),
    (3, "Een vaste wisseldag voor het hele jaar",
     "Spreek één vaste dag af waarop de kinderen wisselen, ook in de vakanties. Dan weet "
     "iedereen waar hij aan toe is.", True),
]
UNKIND_COMMENT = "Advocaten willen alleen maar geld verdienen aan ruzie."
REPORTS = {
    "comment": "Dit is niet vriendelijk over een hele beroepsgroep.",
    "idea": "Volgens mij staat dit idee er al, met andere woorden.",
}

COMMENTS = [
    "Goed idee! Bij ons had dit veel gescheeld.",
    "Hoe zorg je dat dit ook werkt in kleine gemeenten?",
    "Ik ben mediator en zie dit elke week. Helemaal mee eens.",
    "Wie gaat dit betalen?",
    "Dit sluit mooi aan bij het idee over één loket.",
    "Mijn dochter had hier veel aan gehad.",
    "Misschien kan de school hier ook een rol in spelen.",
]

REPLIES = [
    "Goede vraag, ik denk dat de gemeente dit kan betalen uit de jeugdhulp.",
    "Eens, het moet vooral eenvoudig blijven.",
    "Bij ons in de gemeente bestaat zoiets al, het werkt goed.",
]


def sketch(kind: str, rng: random.Random) -> bytes:
    """A simple drawing: a background, a few shapes and a word, as a PNG."""
    width, height = 800, 600
    colours = [(11, 92, 171), (179, 70, 27), (29, 107, 54), (230, 180, 60), (120, 60, 140)]
    im = Image.new("RGB", (width, height), (250, 248, 240))
    draw = ImageDraw.Draw(im)
    for _ in range(5):
        x, y = rng.randrange(0, width - 200), rng.randrange(0, height - 200)
        size = rng.randrange(80, 220)
        colour = rng.choice(colours)
        if rng.random() < 0.5:
            draw.ellipse((x, y, x + size, y + size), outline=colour, width=8)
        else:
            draw.rectangle((x, y, x + size, y + size * 2 // 3), outline=colour, width=8)
    draw.line((40, height - 80, width - 40, height - 80), fill=(60, 60, 60), width=4)
    draw.text((60, height - 60), kind.upper(), fill=(27, 31, 36), font_size=36)
    buffer = io.BytesIO()
    im.save(buffer, "PNG")
    return buffer.getvalue()


def _citizens(users: dict[str, User]) -> list[User]:
    people = [users["citizen"]] if "citizen" in users else []
    for email, name in CITIZENS:
        # Demo authors never log in: a random password nobody knows.
        people.append(find_user_by_email(email) or create_user(email, name,
                                                               secrets.token_urlsafe(16)))
    return people


def load_demo_ideas(challenge: Challenge, users: dict[str, User]) -> None:
    """Add the demo ideas, supports and comments; skipped when the challenge has ideas."""
    if challenge.slug != SLUG:
        return
    if db.session.scalar(select(Idea.id).where(Idea.challenge_id == challenge.id).limit(1)):
        return
    if not check(challenge, Action.submit_idea):
        return  # the demo challenge has moved past its dream phase: leave it as it is
    rng = random.Random(2026)  # noqa: S311 - a repeatable demo, not a secret
    people = _citizens(users)
    db.session.flush()
    themes = challenge.themes
    now = utcnow()
    ideas: list[Idea] = []
    for number, (theme, title, text, anonymous, drawing) in enumerate(IDEAS):
        photos = []
        if drawing:
            photos.append(FileStorage(io.BytesIO(sketch(drawing, rng)),
                                      filename=f"{drawing}.png", content_type="image/png"))
        author = people[number % len(people)]
        idea = submitting.submit_idea(
            author, challenge,
            {"title": title, "description": text, "consent": True,
             "theme_id": themes[theme].id if theme < len(themes) else None,
             "is_anonymous": anonymous},
            photos,
        )
        if drawing:
            idea.images[0].alt_text = f"Schets bij het idee: {title}"
        # Spread the ideas over the weeks the dream phase has been open.
        idea.created_dt = idea.updated_dt = now - timedelta(hours=(len(IDEAS) - number) * 7)
        ideas.append(idea)
    for idea in ideas:
        for person in rng.sample(people, rng.randrange(0, len(people))):
            supporting.support(person, idea)
        if rng.random() < 0.4:
            top = commenting.comment(rng.choice(people), idea, rng.choice(COMMENTS))
            top.created_dt = idea.created_dt + timedelta(hours=2)
            if rng.random() < 0.5:
                reply = commenting.comment(rng.choice(people), idea, rng.choice(REPLIES), top)
                reply.created_dt = idea.created_dt + timedelta(hours=5)
    _every_other_state(challenge, users["core_team"], people, ideas)
    _suggested_groups(challenge, users["core_team"])


def _suggested_groups(challenge: Challenge, core: User) -> None:
    """The core team asked the computer to group the ideas: an open proposal waits on the
    board. The job runs here and now, as in the web process for a challenge of this size (it
    commits, as a worker would)."""
    from ideation.curation import proposals
    from ideation.jobs.services import execute

    proposal = proposals.request_suggestions(core, challenge)
    db.session.commit()
    execute(proposal.job_id)


def _send_in(author: User, challenge: Challenge, row: tuple[int, str, str, bool],
             hours_ago: int) -> Idea:
    theme, title, text, anonymous = row
    idea = submitting.submit_idea(author, challenge, {
        "title": title, "description": text, "consent": True,
        "theme_id": challenge.themes[theme].id, "is_anonymous": anonymous})
    idea.created_dt = idea.updated_dt = utcnow() - timedelta(hours=hours_ago)
    return idea


def _every_other_state(challenge: Challenge, core: User, people: list[User],
                       ideas: list[Idea]) -> None:
    """One example of every state besides "published", through the services (so the audit log
    is real). ``people[0]`` is the demo citizen, who sees a withdrawn and a waiting idea of
    their own on "Mijn ideeën"."""
    citizen = people[0]
    duplicate = _send_in(people[3], challenge, DUPLICATE, 30)
    curation.merge_duplicate(core, duplicate, ideas[0],
                             "Dit idee zegt hetzelfde als het idee over één digitaal loket.")
    submitting.withdraw_idea(citizen, _send_in(citizen, challenge, WITHDRAWN, 26))
    moderation.decide_on_idea(core, _send_in(people[4], challenge, ADVERTISEMENT, 20), "hide",
                              HIDDEN_REASON)
    # The team checked new ideas first for a day: two still wait. New ideas go straight on.
    visibility.update_settings(core, challenge, is_premoderated=True, allows_anonymous=True)
    for number, row in enumerate(WAITING):
        _send_in(citizen if number == 0 else people[2], challenge, row, 10 - number)
    visibility.update_settings(core, challenge, is_premoderated=False, allows_anonymous=True)
    anonymous = next(i for i in ideas if i.is_anonymous and i.author_id != citizen.id)
    moderation.report_idea(citizen, anonymous, REPORTS["idea"])
    target = next(i for i in ideas if i.author_id not in (citizen.id, people[6].id))
    unkind = commenting.comment(people[6], target, UNKIND_COMMENT)
    unkind.created_dt = utcnow() - timedelta(hours=3)  # past the time its author may change it
    moderation.report_comment(citizen, unkind, REPORTS["comment"])


if load_demo_ideas not in DEMO_EXTENSIONS:
    DEMO_EXTENSIONS.append(load_demo_ideas)
