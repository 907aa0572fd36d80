"""The CSV export of a round: one row per submitted response, safe for spreadsheets."""

from __future__ import annotations

import csv
import inspect
import io
from datetime import datetime

import pytest

from ideation.core.models import AuditEvent
from ideation.extensions import db
from ideation.validation import results
from ideation.validation.models import QuestionKind, Response, RoundState
from tests.validation.conftest import answer, invite, make_round, question_of

BOM = "\ufeff"


def kinds(round_):
    return {kind: question_of(round_, kind) for kind in QuestionKind}


def download(client, round_):
    response = client.get(f"/c/scheiden/rounds/{round_.id}/results.csv")
    assert response.status_code == 200
    return response


def parse(response):
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM):])))


@pytest.fixture
def exported(client, core, open_round):
    q = kinds(open_round)
    first, _t = invite(open_round, "een@example.org", "Ouders")
    answer(open_round, first, {q[QuestionKind.scale].id: 4, q[QuestionKind.yes_no].id: "yes",
                               q[QuestionKind.single_choice].id: 1,
                               q[QuestionKind.multiple_choice].id: [0, 2],
                               q[QuestionKind.short_text].id: "Snel, en “fijn”",
                               q[QuestionKind.long_text].id: "Regel 1\nRegel 2"})
    hidden, _t = invite(open_round, "anoniem@example.org", "Advocaten")
    answer(open_round, hidden, {q[QuestionKind.yes_no].id: "no"}, anonymous=True)
    saved, _t = invite(open_round, "bezig@example.org", "Ouders")
    answer(open_round, saved, {q[QuestionKind.scale].id: 1}, submitted=False)
    client.login(core)
    return open_round


def test_export_has_a_row_per_submitted_response_and_a_column_per_question(client, exported):
    response = download(client, exported)
    rows = parse(response)

    # The header is in the challenge's language (Dutch), like the answers.
    assert rows[0] == ["Reactie", "Ingestuurd op", "Groep", "E-mailadres"] + [
        q.text for q in exported.questions]
    assert len(rows) == 3  # the header and two submitted responses; the saved one is left out
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Hoe duidelijk is het loket?"] == "4"
    assert first["Zou je het loket gebruiken?"] == "ja"  # in the challenge's language (Dutch)
    assert first["Wanneer zou je het gebruiken?"] == "Na een gesprek"
    assert first["Hoe wil je contact?"] == "Online | Balie"
    assert first["Welk woord past bij het loket?"] == "Snel, en “fijn”"
    assert first["Wat mist er nog?"] == "Regel 1\nRegel 2"
    assert first["Groep"] == "Ouders" and first["E-mailadres"] == "een@example.org"


def test_export_leaves_the_email_of_anonymous_responses_empty(client, exported):
    rows = parse(download(client, exported))

    anonymous = dict(zip(rows[0], rows[2], strict=True))
    assert anonymous["E-mailadres"] == "" and anonymous["Groep"] == "Advocaten"
    assert anonymous["Zou je het loket gebruiken?"] == "nee"
    assert "anoniem@example.org" not in download(client, exported).get_data(as_text=True)


def test_export_gives_times_in_the_platform_time_zone(client, exported):
    rows = parse(download(client, exported))
    stored = db.session.get(Response, int(rows[1][0])).submitted_dt

    shown = datetime.fromisoformat(rows[1][1])
    assert shown == stored.replace(microsecond=0)
    assert rows[1][1].endswith(("+01:00", "+02:00"))  # Europe/Amsterdam


@pytest.mark.parametrize("typed", ["=HYPERLINK(\"http://x\")", "+31 6 1234", "-1+1", "@SUM(A1)",
                                   "\tverborgen", "\rterug"])
def test_export_defuses_spreadsheet_formulas(client, core, open_round, typed):
    short = question_of(open_round, QuestionKind.short_text)
    invitation, _t = invite(open_round, "formule@example.org", "Ouders")
    answer(open_round, invitation, {short.id: typed})
    client.login(core)

    rows = parse(download(client, open_round))

    assert rows[1][rows[0].index(short.text)] == "'" + typed


def test_export_defuses_formulas_in_question_texts_and_group_names(client, core, prototype):
    round_ = make_round(prototype, state=RoundState.open, opens_in=-1, groups=["@Ouders"],
                        questions=[{"kind": QuestionKind.short_text, "text": "=1+1 klopt?"}])
    invitation, _t = invite(round_, "x@example.org", "@Ouders")
    answer(round_, invitation, {round_.questions[0].id: "Ja"})
    client.login(core)

    rows = parse(download(client, round_))

    assert "'=1+1 klopt?" in rows[0] and rows[1][2] == "'@Ouders"


def test_export_is_an_attachment_with_a_safe_name_and_utf8(client, exported):
    response = download(client, exported)

    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="scheiden-round-{exported.id}.csv"')
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.get_data()[:3] == b"\xef\xbb\xbf"
    assert "Content-Length" not in response.headers  # streamed, not built in memory


def test_export_reads_responses_in_batches(client, core, open_round, monkeypatch):
    monkeypatch.setattr(results, "EXPORT_BATCH", 2)
    scale = question_of(open_round, QuestionKind.scale)
    for n in range(5):
        invitation, _t = invite(open_round, f"r{n}@example.org", "Ouders")
        answer(open_round, invitation, {scale.id: n % 5 + 1})
    client.login(core)

    rows = parse(download(client, open_round))

    assert [row[rows[0].index(scale.text)] for row in rows[1:]] == ["1", "2", "3", "4", "5"]
    assert len({row[0] for row in rows[1:]}) == 5


def test_export_is_audited_but_not_public(client, core, exported):
    download(client, exported)

    event = db.session.scalar(db.select(AuditEvent).filter_by(action="round.exported"))
    assert event is not None and event.actor_id == core.id
    assert event.object_id == exported.id and not event.is_public


def test_export_refused_to_a_citizen_stores_no_event(client, open_round):
    from tests.ideas.conftest import quick_user

    client.login(quick_user("citizen"))

    assert client.get(f"/c/scheiden/rounds/{open_round.id}/results.csv").status_code == 403
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="round.exported")) is None


def test_export_follows_the_challenge_language_not_the_browser(app, exported):
    from ideation.accounts.models import User

    core = db.session.scalar(db.select(User).filter_by(name="Karin Kernteam"))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        stream = results.export_csv(core, exported)
        lines = list(stream)

    assert inspect.isgenerator(stream)  # rows are read while the response streams
    assert "E-mailadres" in lines[0] and ",ja," in lines[1]
