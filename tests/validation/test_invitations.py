"""Inviting stakeholders (one address, a pasted list, a CSV file), the e-mail with the personal
link, revoking and re-issuing, reminders, the invitations page and who may use it."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from ideation.challenges import services as challenge_services
from ideation.challenges.models import Language, PhaseKind
from ideation.core import mail as mail_service
from ideation.core.db import utcnow
from ideation.core.models import AuditEvent, OutgoingMail
from ideation.extensions import db
from ideation.validation import invitations
from ideation.validation.invitations import InvitationError, Line
from ideation.validation.models import Invitation, RoundState
from tests import factories
from tests.ideas.conftest import quick_user
from tests.validation.conftest import answer, group_of, invite, make_round, question_of


def url(round_, rest=""):
    return f"/c/scheiden/rounds/{round_.id}/invitations{rest}"


def stored(round_):
    return list(db.session.scalars(select(Invitation).where(Invitation.round_id == round_.id)
                                   .order_by(Invitation.id)))


def mails_to(address):
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.to_address == address)))


# --- one address -------------------------------------------------------------------------------


def test_core_team_invites_one_address_with_group_and_name(client, core, open_round):
    client.login(core)

    response = client.post_form(url(open_round, "/one"), {
        "email": "Jan@Example.org", "group": "Ouders", "name": "Jan"})

    assert response.status_code == 302
    [invitation] = stored(open_round)
    assert invitation.email == "jan@example.org"
    assert invitation.group == group_of(open_round, "Ouders")
    assert invitation.name == "Jan"
    assert invitation.sent_dt is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.created"))
    assert event.details["count"] == 1 and "jan@example.org" not in str(event.details)


def test_an_invalid_address_is_refused_on_its_field_and_kept(english, core, open_round):
    english.login(core)

    response = english.post_form(url(open_round, "/one"), {"email": "jan@", "group": "Ouders"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“jan@” is not a valid e-mail address." in page
    assert 'value="jan@"' in page
    assert stored(open_round) == []


def test_a_group_must_be_chosen_when_the_round_has_several(english, core, open_round):
    english.login(core)

    response = english.post_form(url(open_round, "/one"), {"email": "jan@example.org"})

    assert response.status_code == 422
    assert "Choose a group." in response.get_data(as_text=True)
    assert stored(open_round) == []


def test_inviting_an_address_again_says_it_is_already_invited(english, core, open_round):
    invite(open_round, "al@example.org", "Ouders")
    english.login(core)

    response = english.post_form(url(open_round, "/one"), {
        "email": "al@example.org", "group": "Gemeente"}, follow_redirects=True)

    assert "al@example.org is already invited." in response.get_data(as_text=True)
    assert [i.group.name for i in stored(open_round)] == ["Ouders"]


# --- the e-mail and its link -------------------------------------------------------------------


def test_the_invitation_mail_has_a_working_absolute_link_and_needs_no_account(
        app, client, core, open_round):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        invitations.invite_stakeholders(core, open_round, [Line(1, "anna@example.org", "Ouders")])
        db.session.commit()

    [mail] = mails_to("anna@example.org")
    assert "Digitaal loket" in mail.subject
    assert "Digitaal loket" in mail.body_text
    found = re.search(r"(http://localhost:8000)(/r/\d+/[A-Za-z0-9_-]{43})", mail.body_text)
    assert found, mail.body_text
    assert "account" in mail.body_text
    assert found.group(1) == app.config["IDEATION_BASE_URL"]
    page = client.get(found.group(2))
    assert page.status_code == 200
    assert "Hoe duidelijk is het loket?" in page.get_data(as_text=True)


def _stored_text() -> str:
    """Every text value in every table of the database, as one string."""
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            values.extend(str(value) for value in row if value is not None)
    return "\n".join(values)


def test_once_sent_no_working_link_is_left_in_any_table(app, client, core, open_round):
    """A copy of the database must not open anyone's answer form (README: "only its hash is
    stored"). The outbox keeps a message's body only until it is sent."""
    with app.test_request_context():
        invitations.invite_stakeholders(core, open_round, [
            Line(1, "anna@example.org", "Ouders"), Line(2, "bert@example.org", "Gemeente")])
        db.session.commit()
    [invitation, other] = stored(open_round)
    tokens = [invitations.token_for(i) for i in (invitation, other)]
    assert all(token in _stored_text() for token in tokens)  # queued, not yet sent

    report = mail_service.deliver_pending()

    assert report.sent == 2
    db.session.expire_all()
    text = _stored_text()
    assert [token for token in tokens if token in text] == []
    assert [m.body_text for m in mails_to("anna@example.org")] == [""]
    # The link still works: it was delivered (to the outbox folder here), not stored.
    [eml] = [p for p in mail_service.outbox_folder().iterdir()
             if "anna@example.org" in p.read_text()]
    link = re.search(r"/r/\d+/[A-Za-z0-9_-]{43}", eml.read_text()).group(0)
    assert client.get(link).status_code == 200


@pytest.mark.parametrize(("language", "reader"), [(Language.en, "nl"), (Language.nl, "en")])
def test_the_mail_is_written_in_the_language_of_the_challenge_not_the_team_member(
        app, core, prototype, language, reader):
    prototype.challenge.language = language
    round_ = make_round(prototype, state=RoundState.open, opens_in=-1)
    with app.test_request_context(headers={"Accept-Language": reader}):
        invitations.invite_stakeholders(core, round_, [Line(1, "taal@example.org", "Ouders")])
        db.session.commit()

    [mail] = mails_to("taal@example.org")
    # Dates show the language used even before the new texts are translated.
    assert format_date(round_.closes_on, "long", locale=language.value) in mail.body_text
    assert format_date(round_.closes_on, "long", locale=reader) not in mail.body_text


def test_a_draft_round_sends_its_invitations_when_it_opens(core, draft_round):
    invitations.invite_stakeholders(core, draft_round, [Line(1, "a@example.org", "Ouders"),
                                                       Line(2, "b@example.org", "Gemeente")])
    db.session.commit()
    assert mails_to("a@example.org") == []
    assert all(i.sent_dt is None for i in stored(draft_round))

    draft_round.state = RoundState.open
    sent = invitations.send_pending_invitations(draft_round, core)
    db.session.commit()

    assert sent == 2
    assert len(mails_to("a@example.org")) == 1 and len(mails_to("b@example.org")) == 1
    assert all(i.sent_dt is not None for i in stored(draft_round))
    assert invitations.send_pending_invitations(draft_round, core) == 0  # never twice


def test_the_mail_of_a_round_that_opens_later_says_from_when(core, prototype):
    later = make_round(prototype, state=RoundState.open, opens_in=3)

    invitations.invite_stakeholders(core, later, [Line(1, "later@example.org", "Ouders")])

    [mail] = mails_to("later@example.org")
    assert format_date(later.opens_on, "long", locale="nl") in mail.body_text


def test_an_address_with_an_account_is_linked_to_it_whatever_its_case(core, open_round):
    user = quick_user("citizen")
    result = invitations.invite_stakeholders(
        core, open_round, [Line(1, user.email.upper(), "Ouders"),
                           Line(2, "nobody@example.org", "Ouders")])

    assert [i.user_id for i in result.invited] == [user.id, None]


# --- a pasted list -----------------------------------------------------------------------------


def test_a_pasted_list_with_commas_and_semicolons_invites_everyone(client, core, open_round):
    client.login(core)

    response = client.post_form(url(open_round, "/list"), {"addresses": (
        "a@example.org, Ouders\n\nb@example.org; advocaten\nc@example.org;GEMEENTE;Cor\n")})

    assert response.status_code == 302
    rows = {(i.email, i.group.name, i.name) for i in stored(open_round)}
    assert rows == {("a@example.org", "Ouders", ""), ("b@example.org", "Advocaten", ""),
                    ("c@example.org", "Gemeente", "Cor")}


def test_a_list_with_a_bad_line_stores_nothing_names_each_bad_line_and_keeps_the_text(
        english, core, open_round):
    english.login(core)
    text = ("goed@example.org, Ouders\ngeen-adres, Ouders\n"
            "ok@example.org, Bakkers\nweer@example.org")

    response = english.post_form(url(open_round, "/list"), {"addresses": text})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert stored(open_round) == []
    assert "Line 2: “geen-adres” is not a valid e-mail address." in page
    assert "Line 3: There is no group “Bakkers” in this round." in page
    assert "Line 4: Choose a group." in page
    assert "Line 1:" not in page
    assert "goed@example.org, Ouders\ngeen-adres, Ouders" in page


def test_the_group_may_be_left_out_when_the_round_has_one_group(core, prototype):
    round_ = make_round(prototype, state=RoundState.open, groups=["Ouders"], opens_in=-1)

    result = invitations.invite_stakeholders(core, round_,
                                             invitations.parse_pasted("solo@example.org\n"))

    assert result.invited[0].group.name == "Ouders"


def test_already_invited_addresses_are_skipped_not_refused(english, core, open_round):
    invite(open_round, "al@example.org", "Ouders")
    english.login(core)

    response = english.post_form(url(open_round, "/list"), {
        "addresses": "AL@example.org, Ouders\nnieuw@example.org, Ouders\n"
                     "nieuw@example.org, ouders"}, follow_redirects=True)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [i.email for i in stored(open_round)] == ["al@example.org", "nieuw@example.org"]
    assert "1 person is invited." in page
    assert "Line 1 skipped: al@example.org is already invited." in page
    assert "Line 3 skipped: nieuw@example.org is also on line 2." in page
    assert len(mails_to("al@example.org")) == 0


def test_the_same_address_twice_with_different_groups_is_refused(core, open_round):
    with pytest.raises(InvitationError) as refused:
        invitations.invite_stakeholders(core, open_round, invitations.parse_pasted(
            "x@example.org, Ouders\nx@example.org, Gemeente"))
    assert [p.number for p in refused.value.problems] == [2]
    assert stored(open_round) == []


# --- a CSV file --------------------------------------------------------------------------------


def test_a_csv_file_with_bom_and_semicolons_is_read(client, core, open_round):
    client.login(core)
    data = ("\ufeffE-mail;Groep;Naam\r\nanna@example.org;ouders;Anna de Vries\r\n"
            "\"bob@example.org\";Mediators;\"Bob; de bemiddelaar\"\r\n").encode()

    response = client.post_form(url(open_round, "/csv"), {
        "csv_file": (io.BytesIO(data), "lijst.csv")})

    assert response.status_code == 302
    rows = {(i.email, i.group.name, i.name) for i in stored(open_round)}
    assert rows == {("anna@example.org", "Ouders", "Anna de Vries"),
                    ("bob@example.org", "Mediators", "Bob; de bemiddelaar")}


def test_a_csv_file_with_commas_and_a_bad_row_stores_nothing(english, core, open_round):
    english.login(core)
    data = b"email,group\nanna@example.org,Ouders\nkapot,Ouders\n"

    response = english.post_form(url(open_round, "/csv"), {
        "csv_file": (io.BytesIO(data), "list.csv")})

    assert response.status_code == 422
    assert "Line 3: “kapot” is not a valid e-mail address." in response.get_data(as_text=True)
    assert stored(open_round) == []


@pytest.mark.parametrize(("data", "message"), [
    (b"naam,adres\nAnna,anna@example.org\n", "must name the columns"),
    ("email,group\nanné@example.org,Ouders\n".encode("latin-1"), "is not UTF-8"),
    (b"", "The file is empty"),
    (b"email,group\n", "Enter at least one e-mail address."),
])
def test_an_unusable_csv_file_is_refused_with_the_reason(english, core, open_round, data,
                                                         message):
    english.login(core)

    response = english.post_form(url(open_round, "/csv"), {
        "csv_file": (io.BytesIO(data), "list.csv")})

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored(open_round) == []


# --- revoke, re-issue, remind ------------------------------------------------------------------


def test_revoking_stops_the_link_and_is_audited(client, core, open_round):
    invitation, token = invite(open_round, "weg@example.org", "Ouders")
    client.login(core)

    client.post_form(url(open_round, f"/{invitation.id}/revoke"))

    db.session.refresh(invitation)
    assert invitation.revoked_dt is not None
    assert client.get(f"/r/{open_round.id}/{token}").status_code == 410
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.revoked"))


def test_reissuing_sends_a_new_link_and_lifts_a_revocation(core, open_round):
    invitation, old = invite(open_round, "terug@example.org", "Ouders")
    invitation.revoked_dt = utcnow()

    invitations.reissue_invitation(core, invitation)
    db.session.commit()

    [mail] = mails_to("terug@example.org")
    assert invitation.revoked_dt is None
    assert old not in mail.body_text
    assert invitations.token_for(invitation) in mail.body_text


@pytest.fixture
def waiting(open_round):
    """Five invitations: not answered, sent, only saved, revoked, reminded two hours ago."""
    q = question_of(open_round, next(iter(open_round.questions)).kind)
    people = {}
    for name in ("stil", "klaar", "bewaard", "weg", "herinnerd"):
        people[name], _token = invite(open_round, f"{name}@example.org", "Ouders")
    answer(open_round, people["klaar"], {q.id: 3})
    answer(open_round, people["bewaard"], {q.id: 3}, submitted=False)
    people["weg"].revoked_dt = utcnow()
    people["herinnerd"].reminded_dt = utcnow() - timedelta(hours=2)
    people["herinnerd"].reminder_count = 1
    db.session.commit()
    return people


def test_reminders_go_only_to_those_who_have_not_sent_answers(core, open_round, waiting):
    result = invitations.send_reminders(core, open_round)
    db.session.commit()

    assert (result.sent, result.skipped) == (2, 1)
    reminded = {m.to_address for m in db.session.scalars(select(OutgoingMail))}
    assert reminded == {"stil@example.org", "bewaard@example.org"}
    assert waiting["stil"].reminder_count == 1


def test_nobody_is_reminded_twice_within_24_hours(core, open_round, waiting):
    invitations.send_reminders(core, open_round)
    again = invitations.send_reminders(core, open_round)
    later = invitations.send_reminders(core, open_round, now=utcnow() + timedelta(hours=25))

    assert (again.sent, again.skipped) == (0, 3)
    assert (later.sent, later.skipped) == (3, 0)
    assert waiting["stil"].reminder_count == 2


def test_the_reminder_button_says_how_many_were_sent_and_skipped(english, core, open_round,
                                                                 waiting):
    english.login(core)

    response = english.post_form(url(open_round, "/remind"), follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "2 reminders sent." in page
    assert "1 person was skipped: reminded less than 24 hours ago." in page


def stop_link(mail) -> str:
    return urlsplit(re.search(r"https?://\S+/no-reminders", mail.body_text).group(0)).path


def test_every_round_mail_ends_with_a_link_that_stops_the_reminders(client, core, open_round,
                                                                    waiting):
    invitations.send_reminders(core, open_round)
    db.session.commit()
    [mail] = mails_to("stil@example.org")
    link = stop_link(mail)

    opened = client.get(link)  # a mail scanner opening the link stops nothing
    db.session.expire_all()
    assert opened.status_code == 200 and waiting["stil"].reminders_stopped_dt is None
    assert "Inloggen" not in opened.get_data(as_text=True)
    assert opened.headers["Referrer-Policy"] == "no-referrer"

    stopped = client.post_form(link, follow_redirects=True)
    db.session.expire_all()

    assert "Je krijgt geen herinneringen meer over deze ronde." in stopped.get_data(as_text=True)
    assert waiting["stil"].reminders_stopped_dt is not None
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "invitation.reminders_stopped"))
    assert event.actor_id is None and "stil@example.org" not in str(event.details)
    later = invitations.send_reminders(core, open_round, now=utcnow() + timedelta(hours=25))
    assert (later.sent, later.stopped) == (2, 1)
    assert len(mails_to("stil@example.org")) == 1  # no new reminder for her


def test_the_stop_link_needs_the_right_token_and_a_csrf_token(client, core, open_round,
                                                              waiting):
    invitations.send_reminders(core, open_round)
    db.session.commit()
    link = stop_link(mails_to("stil@example.org")[0])
    wrong = link.replace(link.split("/")[3], "x" * len(link.split("/")[3]))

    assert client.get(wrong).status_code == 404
    assert client.post_form(wrong).status_code == 404
    assert client.post(link).status_code == 400  # no CSRF token
    db.session.expire_all()
    assert waiting["stil"].reminders_stopped_dt is None


def test_the_core_team_sees_who_wants_no_more_reminders(english, core, open_round, waiting):
    invitations.stop_reminders(waiting["stil"])
    db.session.commit()
    english.login(core)

    page = english.get(url(open_round)).get_data(as_text=True)
    reminded = english.post_form(url(open_round, "/remind"), follow_redirects=True)

    assert "Asked for no more reminders" in page
    assert "1 person asked for no more reminders." in reminded.get_data(as_text=True)


def test_reminders_wait_until_the_round_accepts_answers(core, draft_round):
    with pytest.raises(InvitationError):
        invitations.send_reminders(core, draft_round)


# --- the page ----------------------------------------------------------------------------------


def test_the_page_lists_each_invitation_with_what_happened(english, core, open_round, waiting):
    english.login(core)

    page = english.get(url(open_round)).get_data(as_text=True)

    assert "stil@example.org" in page and "bewaard@example.org" in page
    assert "Saved, not sent" in page
    assert "Withdrawn" in page
    assert "Send a reminder to everyone who has not answered" in page
    assert "5 people invited" in page


def test_the_page_renders_in_dutch(client, core, open_round, waiting):
    client.login(core)
    assert client.get(url(open_round)).status_code == 200


def test_a_closed_round_takes_no_more_invitations(english, core, open_round):
    open_round.state = RoundState.closed
    db.session.commit()
    english.login(core)

    response = english.post_form(url(open_round, "/one"), {"email": "a@example.org",
                                                           "group": "Ouders"})

    assert response.status_code == 422
    assert "This round is closed." in response.get_data(as_text=True)
    assert stored(open_round) == []


def test_outside_the_testing_phases_nothing_is_invited_and_the_reason_is_shown(
        english, core, open_round):
    challenge_services.set_phase_dates(None, open_round.challenge,
                                       factories.plan(PhaseKind.agenda))
    db.session.commit()
    english.login(core)

    response = english.post_form(url(open_round, "/one"), {"email": "a@example.org",
                                                           "group": "Ouders"},
                                 follow_redirects=True)

    assert "Testing prototypes closed on" in response.get_data(as_text=True)
    assert stored(open_round) == []


def test_an_unknown_round_or_invitation_is_not_found(client, core, open_round, prototype):
    client.login(core)
    assert client.get("/c/scheiden/rounds/999/invitations").status_code == 404
    assert client.post_form(url(open_round, "/999/revoke")).status_code == 404
    other = make_round(prototype, title="Tweede")
    invitation, _token = invite(other, "x@example.org", "Ouders")
    assert client.post_form(url(open_round, f"/{invitation.id}/revoke")).status_code == 404


# --- who may do this ---------------------------------------------------------------------------

EXPECTED = {"anonymous": "login", "citizen": 403, "stakeholder": 403, "other_core_team": 403,
            "core_team": "ok", "admin": "ok"}


def routes(round_, invitation):
    return [
        ("get", url(round_), {}),
        ("post", url(round_, "/one"), {"email": "m@example.org", "group": "Ouders"}),
        ("post", url(round_, "/list"), {"addresses": "l@example.org, Ouders"}),
        ("post", url(round_, "/csv"), {"csv_file": (io.BytesIO(b"email,group\n"), "x.csv")}),
        ("post", url(round_, f"/{invitation.id}/revoke"), {}),
        ("post", url(round_, f"/{invitation.id}/reissue"), {}),
        ("post", url(round_, "/remind"), {}),
    ]


@pytest.mark.parametrize("role", list(EXPECTED))
def test_permission_matrix_of_the_invitation_routes(client, roles, open_round, role):
    invitation, _token = invite(open_round, "matrix@example.org", "Ouders")
    user = roles[role]
    if user is not None:
        client.login(user)
    for method, path, data in routes(open_round, invitation):
        response = client.get(path) if method == "get" else client.post_form(path, dict(data))
        expected = EXPECTED[role]
        if expected == "login":
            assert response.status_code == 302, path
            assert urlsplit(response.location).path == "/login", path
        elif expected == "ok":
            assert response.status_code in (200, 302, 422), path
        else:
            assert response.status_code == expected, path
    count = db.session.scalar(select(func.count(Invitation.id)))
    assert count == (3 if EXPECTED[role] == "ok" else 1)
