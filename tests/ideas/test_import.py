"""Importing ideas from paper, sessions and Pol.is: `flask import-ideas SLUG FILE`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ideation import ROOT
from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied
from ideation.extensions import db
from ideation.ideas.importer import import_ideas, polis_title, read_import_file
from ideation.ideas.models import Idea, IdeaSettings, IdeaStatus
from tests.ideas.conftest import counted_queries, make_idea, quick_user

DATA = Path(__file__).parent / "data"
POLIS_OPENDATA = ROOT.parent / "shared" / "datasets" / "polis-opendata"
HEADER = "title,description,theme,author\n"


def run_import(runner, slug: str, path: Path, *args: str):
    return runner.invoke(args=["import-ideas", slug, str(path), *args])


def write(tmp_path: Path, content: str | bytes, name: str = "ideas.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def ideas_of(challenge) -> list[Idea]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(Idea).where(Idea.challenge_id == challenge.id).order_by(Idea.id)
    ))


def count_ideas() -> int:
    return db.session.scalar(select(func.count(Idea.id)))


# Our format


def test_our_csv_with_commas_is_imported_without_author_accounts(runner, challenge):
    result = run_import(runner, "scheiden", DATA / "ideas_comma.csv")

    assert result.exit_code == 0, result.output
    assert "Imported 3, already imported 0, refused 0" in result.output
    ideas = ideas_of(challenge)
    assert [i.title for i in ideas] == ["Eén loket voor alle hulp", "Ouderschapsplan op papier",
                                        "Praatgroep voor kinderen"]
    assert ideas[0].description == "Alle hulp op één plek, met één contactpersoon."
    assert [i.imported_author for i in ideas] == ["Marieke", None, "Sessie Utrecht"]
    assert {(i.author_id, i.source, i.status) for i in ideas} == {
        (None, "import", IdeaStatus.published)
    }


def test_our_csv_with_semicolons_as_dutch_excel_writes_it(runner, challenge):
    result = run_import(runner, "scheiden", DATA / "ideas_semicolon.csv")

    assert result.exit_code == 0, result.output
    ideas = ideas_of(challenge)
    assert [i.description for i in ideas] == ["Alle hulp op één plek, met één contactpersoon.",
                                              "Een voorbeeld; ouders vullen het samen in."]
    assert "line 4: empty row" in result.output


def test_a_byte_order_mark_does_not_hide_the_title_column(runner, challenge, tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + (DATA / "ideas_comma.csv").read_bytes())

    result = run_import(runner, "scheiden", path)

    assert result.exit_code == 0, result.output
    assert len(ideas_of(challenge)) == 3


def test_themes_match_whatever_the_case(runner, challenge):
    run_import(runner, "scheiden", DATA / "ideas_comma.csv")

    assert [i.theme.name if i.theme else None for i in ideas_of(challenge)] == [
        "Kinderen centraal", "Geld en wonen", None
    ]


def test_an_unknown_theme_is_refused_with_line_number_and_reason(runner, challenge, tmp_path):
    path = write(tmp_path, HEADER + "Goed idee,Uitleg,Kinderen centraal,\n"
                                    "Ander idee,Uitleg,Wonen en werk,\n")

    result = run_import(runner, "scheiden", path)

    assert result.exit_code == 0
    assert "Imported 1, already imported 0, refused 1" in result.output
    assert "line 3: unknown theme 'Wonen en werk'" in result.output
    assert [i.title for i in ideas_of(challenge)] == ["Goed idee"]


def test_create_themes_adds_the_missing_themes_once(runner, challenge, tmp_path):
    path = write(tmp_path, HEADER + "Goed idee,Uitleg,Wonen en werk,\n"
                                    "Ander idee,Uitleg,wonen EN werk,\n")

    result = run_import(runner, "scheiden", path, "--create-themes")

    assert result.exit_code == 0, result.output
    assert "Created themes: Wonen en werk." in result.output
    db.session.refresh(challenge)
    assert [t.name for t in challenge.themes] == ["Kinderen centraal", "Geld en wonen",
                                                  "Wonen en werk"]
    assert {i.theme.name for i in ideas_of(challenge)} == {"Wonen en werk"}


def test_rows_that_break_the_rules_are_refused_each_with_its_reason(app, challenge, tmp_path):
    long_title = "x" * 121
    path = write(tmp_path, HEADER
                 + ",Geen titel,,\n"  # line 2
                 + "Geen beschrijving,,,\n"  # line 3
                 + f"{long_title},Te lang,,\n"  # line 4
                 + ",,,\n"  # line 5
                 + "Goed idee,Uitleg,,\n"  # line 6
                 + "goed  IDEE,uitleg,,\n"  # line 7: the same text
                 + "Komma,zonder aanhalingstekens,wordt een kolom te veel,,Anna\n"  # line 8
                 + '"Over twee\nregels",Uitleg,,\n'  # lines 9-10
                 + "Na de twee regels,Uitleg,,\n")  # line 11

    result = import_ideas(None, challenge, read_import_file(path.read_bytes()))

    assert [(r.line, r.reason) for r in result.refused] == [
        (2, "missing title"),
        (3, "missing description"),
        (4, "title longer than 120 characters (121)"),
        (5, "empty row"),
        (7, "duplicate of line 6"),
        (8, "1 value(s) more than the header has columns; "
            "put text containing the separator between double quotes"),
    ]
    assert result.imported == 3


def test_columns_can_come_in_any_order_and_theme_and_author_may_be_left_out(app, challenge,
                                                                           tmp_path):
    path = write(tmp_path, "Description,Title\nAlles op één plek.,Eén loket\n")

    result = import_ideas(None, challenge, read_import_file(path.read_bytes()))

    idea = db.session.get(Idea, result.imported_ids[0])
    assert (idea.title, idea.description, idea.theme) == ("Eén loket", "Alles op één plek.", None)


# Pol.is


def test_polis_comments_become_ideas_titled_by_their_first_sentence(runner, challenge):
    result = run_import(runner, "scheiden", DATA / "polis_comments.csv")

    assert result.exit_code == 0, result.output
    ideas = ideas_of(challenge)
    assert [i.title for i in ideas] == [
        "Smallhouse Rd needs to be widened to have room for three lanes.",
        "More free meeting space for nonprofits in the downtown library and in the…",
    ]
    assert ideas[0].description.startswith("Smallhouse Rd needs") and ideas[0].description.endswith(
        "buses get stuck too.")
    assert {(i.theme_id, i.imported_author, i.source) for i in ideas} == {(None, None, "import")}


def test_moderated_out_polis_comments_are_refused(runner, challenge):
    result = run_import(runner, "scheiden", DATA / "polis_comments.csv")

    assert "line 4: moderated out in Pol.is" in result.output
    assert "line 5: missing comment-body" in result.output
    assert "Skating rink" not in {i.title for i in ideas_of(challenge)}


@pytest.mark.parametrize("body, title", [
    ("Short and sweet", "Short and sweet"),
    ("One sentence. Then another one.", "One sentence."),
    ("a" * 10 + " " + "b" * 75 + " tail", "a" * 10 + "…"),
    ("word " * 30, ("word " * 16).strip() + "…"),
    ("沒有空格的中文句子" * 20, ("沒有空格的中文句子" * 20)[:80] + "…"),
    ("第一句。第二句。", "第一句。"),
])
def test_polis_title_is_the_first_sentence_or_cut_at_a_word(body, title):
    assert polis_title(body) == title


def test_a_real_polis_conversation_imports_in_reasonable_time(runner, challenge):
    path = POLIS_OPENDATA / "london.youth.policing" / "comments.csv"
    if not path.exists():
        pytest.skip(f"the Pol.is open data is not at {path}")
    with path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    moderated_out = sum(1 for row in rows if row["moderated"] == "-1")

    result = run_import(runner, "scheiden", path)

    assert result.exit_code == 0, result.output
    ideas = ideas_of(challenge)
    assert len(ideas) + moderated_out <= len(rows)
    assert len(ideas) >= len(rows) - moderated_out - 2  # a few statements repeat each other
    assert all(len(i.title) <= 81 for i in ideas)


# Running again, broken files, unknown challenges


def test_running_the_same_file_again_imports_nothing_new(runner, challenge):
    run_import(runner, "scheiden", DATA / "ideas_comma.csv")

    again = run_import(runner, "scheiden", DATA / "ideas_comma.csv")

    assert again.exit_code == 0
    assert "Imported 0, already imported 3, refused 0" in again.output
    assert len(ideas_of(challenge)) == 3


def test_an_idea_sent_in_on_the_site_with_the_same_text_counts_as_already_imported(
        app, challenge, author, tmp_path):
    make_idea(author, challenge, title="Eén loket", description="Alles op één plek.")
    path = write(tmp_path, HEADER + "eén  LOKET, Alles op één plek. ,,\n")

    result = import_ideas(None, challenge, read_import_file(path.read_bytes()))

    assert (result.imported, result.already_imported, result.refused) == (0, 1, [])


def test_existing_ideas_are_looked_up_in_one_query(app, challenge, tmp_path):
    path = write(tmp_path, HEADER + "".join(f"Idee {n},Uitleg {n},,\n" for n in range(60)))
    parsed = read_import_file(path.read_bytes())

    with counted_queries() as statements:
        import_ideas(None, challenge, parsed, batch_size=25)

    lookups = [s for s in statements if s.lstrip().startswith("SELECT") and "FROM ideas" in s]
    assert len(lookups) == 1


def test_each_batch_is_handed_back_to_be_committed(app, challenge, tmp_path):
    path = write(tmp_path, HEADER + "".join(f"Idee {n},Uitleg {n},,\n" for n in range(5)))
    batches: list[int] = []

    def commit(rows: int) -> None:
        db.session.commit()
        batches.append(rows)

    import_ideas(None, challenge, read_import_file(path.read_bytes()), batch_size=2,
                 after_batch=commit)

    assert batches == [2, 2, 1]
    db.session.rollback()
    assert len(ideas_of(challenge)) == 5


def test_an_import_that_crashed_half_way_can_simply_be_run_again(app, challenge, tmp_path):
    path = write(tmp_path, HEADER + "".join(f"Idee {n},Uitleg {n},,\n" for n in range(5)))
    parsed = read_import_file(path.read_bytes())

    def crash_after_the_first_batch(rows: int) -> None:
        db.session.commit()
        raise RuntimeError("the power went out")

    with pytest.raises(RuntimeError):
        import_ideas(None, challenge, parsed, batch_size=2, after_batch=crash_after_the_first_batch)
    db.session.rollback()
    result = import_ideas(None, challenge, parsed, batch_size=2)
    db.session.commit()

    assert (result.imported, result.already_imported) == (3, 2)
    assert len(ideas_of(challenge)) == 5


@pytest.mark.parametrize("content, message", [
    ("title,description\nCafé in één straat,Uitleg\n".encode("latin-1"), "not UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not UTF-8"),
    (b"title,description\nIdee,Uit\x00leg\n", "NUL"),
    (b"", "empty"),
    (b"naam,tekst\nIdee,Uitleg\n", "unrecognised header"),
    (b"titel,title,description\nIdee,Idee,Uitleg\n", "unknown column(s) 'titel'"),
])
def test_an_unreadable_file_stops_with_an_error_and_stores_nothing(runner, challenge, tmp_path,
                                                                  content, message):
    result = run_import(runner, "scheiden", write(tmp_path, content))

    assert result.exit_code != 0
    assert message in result.output
    assert "nothing was imported" in result.output
    assert count_ideas() == 0


def test_a_missing_file_is_an_error(runner, challenge, tmp_path):
    result = run_import(runner, "scheiden", tmp_path / "nowhere.csv")

    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_an_unknown_challenge_is_an_error(runner, app):
    result = run_import(runner, "bestaat-niet", DATA / "ideas_comma.csv")

    assert result.exit_code != 0
    assert "no challenge with slug 'bestaat-niet'" in result.output
    assert count_ideas() == 0


def test_only_admins_may_import(app, challenge, tmp_path):
    parsed = read_import_file((DATA / "ideas_comma.csv").read_bytes())
    core_member = quick_user("core_team", challenge)

    with pytest.raises(PermissionDenied):
        import_ideas(core_member, challenge, parsed)
    import_ideas(quick_user("admin"), challenge, parsed)


# The report


def test_the_report_shows_fifty_refusals_and_the_report_file_has_them_all(runner, challenge,
                                                                         tmp_path):
    path = write(tmp_path, HEADER + "".join(f"Idee {n},,,\n" for n in range(60)))
    report = tmp_path / "refused.csv"

    result = run_import(runner, "scheiden", path, "--report", str(report))

    assert "line 51: missing description" in result.output
    assert "line 52:" not in result.output
    assert "... and 10 more" in result.output
    with report.open(encoding="utf-8", newline="") as written:
        rows = list(csv.DictReader(written))
    assert len(rows) == 60
    assert rows[-1] == {"line": "61", "reason": "missing description"}


# What imported ideas look like


def test_imported_ideas_are_in_the_gallery_with_the_name_from_the_file(runner, challenge,
                                                                      english):
    run_import(runner, "scheiden", DATA / "ideas_comma.csv")
    first, second, _third = ideas_of(challenge)

    gallery = english.get("/c/scheiden/ideas").get_data(as_text=True)
    named = english.get(f"/c/scheiden/ideas/{first.id}").get_data(as_text=True)
    unnamed = english.get(f"/c/scheiden/ideas/{second.id}").get_data(as_text=True)

    assert "Eén loket voor alle hulp" in gallery and "Praatgroep voor kinderen" in gallery
    assert "Marieke" in named
    assert "Added from a session" in unnamed
    assert "Former participant" not in named + unnamed


def test_a_name_from_the_file_is_shown_as_text(runner, challenge, client, tmp_path):
    run_import(runner, "scheiden", write(tmp_path, HEADER + "Idee,Uitleg,,<b>Bas</b>\n"))
    idea = ideas_of(challenge)[0]

    page = client.get(f"/c/scheiden/ideas/{idea.id}").get_data(as_text=True)

    assert "&lt;b&gt;Bas&lt;/b&gt;" in page


def test_every_imported_idea_has_an_audit_event_by_the_system(runner, challenge):
    run_import(runner, "scheiden", DATA / "ideas_comma.csv")

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "idea.imported"))
    assert sorted((e.object_id, e.actor_id, e.new_state) for e in events) == [
        (idea.id, None, "published") for idea in ideas_of(challenge)
    ]


def test_a_premoderated_challenge_gets_imported_ideas_as_pending(runner, challenge):
    db.session.add(IdeaSettings(challenge_id=challenge.id, is_premoderated=True))
    db.session.commit()

    run_import(runner, "scheiden", DATA / "ideas_comma.csv")

    assert {i.status for i in ideas_of(challenge)} == {IdeaStatus.pending}


def test_importing_is_not_bound_to_the_dream_phase(runner, app):
    from ideation.challenges.models import PhaseKind
    from tests.factories import make_challenge

    closed = make_challenge("later", phase=PhaseKind.prototype)

    result = run_import(runner, "later", DATA / "ideas_comma.csv")

    assert result.exit_code == 0
    assert len(ideas_of(closed)) == 3
