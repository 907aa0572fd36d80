"""Near-duplicate ideas: the list of pairs, merging one idea into another, and undoing it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import current_app
from sqlalchemy import select

from ideation.core.models import AuditEvent
from ideation.core.permissions import PermissionDenied
from ideation.curation import duplicates, services
from ideation.curation.services import CurationError
from ideation.extensions import db
from ideation.ideas import commenting, reading, supporting
from ideation.ideas.models import Idea, IdeaStatus
from ideation.moderation import services as moderation
from tests import factories
from tests.html import parse
from tests.ideas.conftest import make_idea, quick_user

LOKET = {"title": "Eén loket voor alle hulp bij een scheiding",
         "description": "Ouders willen één plek waar ze alle hulp bij een scheiding vinden: "
                        "advies, bemiddeling en steun voor de kinderen."}
LOKET_COPY = {"title": "Eén loket voor alle hulp bij scheiding",
              "description": "Ouders willen één plek waar ze alle hulp bij een scheiding "
                             "vinden: advies, bemiddeling en steun voor kinderen."}
SCHOOL = {"title": "Een vertrouwenspersoon op school",
          "description": "Een vaste persoon op school met wie het kind over thuis kan praten."}


@pytest.fixture
def challenge(app):
    return factories.make_challenge(slug="scheiden")


@pytest.fixture
def core(challenge):
    return quick_user("core_team", challenge, name="Karin Kernteam")


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def pair(challenge):
    """Two near-copies by two people, and an unrelated idea."""
    kept = make_idea(quick_user(name="Anna Auteur"), challenge, **LOKET)
    duplicate = make_idea(quick_user(name="Bram Boer"), challenge, **LOKET_COPY)
    unrelated = make_idea(quick_user(name="Cees Cor"), challenge, **SCHOOL)
    return kept, duplicate, unrelated


def in_english():
    """Service messages in English, as for a visitor whose browser asks for English."""
    return current_app.test_request_context(headers={"Accept-Language": "en"})


def merge(client, challenge, duplicate, kept):
    return client.post_form(f"/c/{challenge.slug}/ideas/{duplicate.id}/merge",
                            {"kept_id": kept.id})


def fresh(idea):
    db.session.expire_all()
    return db.session.get(Idea, idea.id)


def test_a_near_copy_pair_is_listed_and_an_unrelated_pair_is_not(english, challenge, core,
                                                                  pair):
    kept, duplicate, unrelated = pair

    pairs = duplicates.duplicate_pairs(core, challenge)
    english.login(core)
    html = english.get(f"/c/{challenge.slug}/board/duplicates").get_data(as_text=True)

    assert [{p.left.id, p.right.id} for p in pairs] == [{kept.id, duplicate.id}]
    assert pairs[0].similarity >= 0.8
    assert f"{pairs[0].percent}% alike" in html
    assert LOKET["title"] in html and LOKET_COPY["title"] in html
    assert SCHOOL["title"] not in html
    assert "Keep left, merge right into it" in html and "Keep right, merge left into it" in html
    assert "Anna Auteur" in html and "Bram Boer" in html


def test_the_board_links_to_the_duplicates(english, challenge, core):
    english.login(core)

    html = english.get(f"/c/{challenge.slug}/board").get_data(as_text=True)

    assert f'href="/c/{challenge.slug}/board/duplicates"' in html


def test_merge_keeps_both_rows_and_points_the_duplicate_at_the_kept_idea(english, challenge,
                                                                         core, pair):
    kept, duplicate, _unrelated = pair
    english.login(core)

    response = merge(english, challenge, duplicate, kept)

    assert urlsplit(response.location).path == f"/c/{challenge.slug}/board/duplicates"
    assert db.session.get(Idea, kept.id).merged_into_id is None
    assert fresh(duplicate).merged_into_id == kept.id
    assert fresh(duplicate).status is IdeaStatus.published
    page = english.get(response.location).get_data(as_text=True)
    assert "is merged into" in page and "No ideas look alike." in page


def test_supports_add_up_with_a_shared_supporter_counted_once(challenge, core, pair):
    kept, duplicate, _unrelated = pair
    shared, only_kept, only_duplicate = quick_user(), quick_user(), quick_user()
    for person, idea in ((shared, kept), (shared, duplicate), (only_kept, kept),
                         (only_duplicate, duplicate)):
        supporting.support(person, idea)
    db.session.commit()

    duplicates.merge_duplicate(core, duplicate, kept)
    db.session.commit()

    assert fresh(kept).support_count == 3
    assert fresh(duplicate).support_count == 2


def test_both_authors_are_credited_on_the_kept_page(english, challenge, core):
    anna = quick_user(name="Anna Auteur")
    bram = quick_user(name="Bram Boer")
    kept = make_idea(anna, challenge, **LOKET)
    duplicate = make_idea(bram, challenge, is_anonymous=True, **LOKET_COPY)
    duplicates.merge_duplicate(core, duplicate, kept)
    db.session.commit()
    url = f"/c/{challenge.slug}/ideas/{kept.id}"

    public = english.get(url).get_data(as_text=True)
    english.login(core)
    team = english.get(url).get_data(as_text=True)

    assert "Anna Auteur" in public
    assert "Also sent in by:" in public and "Anonymous" in public
    assert "Bram Boer" not in public
    assert f'href="/c/{challenge.slug}/ideas/{duplicate.id}"' in public
    assert "Also sent in by:" in team and "Bram Boer" in team


def test_the_merged_idea_page_stays_readable_and_points_to_the_kept_idea(english, challenge,
                                                                        core, pair):
    kept, duplicate, _unrelated = pair
    duplicates.merge_duplicate(core, duplicate, kept)
    db.session.commit()

    response = english.get(f"/c/{challenge.slug}/ideas/{duplicate.id}")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert LOKET_COPY["description"][:30] in html
    assert "This idea is merged into:" in html
    kept_link = parse(html).find("main").find("a", href=f"/c/{challenge.slug}/ideas/{kept.id}")
    assert kept_link.text == LOKET["title"] and kept_link.attrs["lang"] == "nl"
    assert "Support this idea" not in html


def listed(client, url, idea, **query) -> bool:
    html = client.get(url, query_string=query).get_data(as_text=True)
    return f'/ideas/{idea.id}"' in html


def test_merged_idea_is_gone_from_gallery_board_search_and_funnel(client, challenge, core,
                                                                   pair):
    kept, duplicate, _unrelated = pair
    client.login(core)
    gallery, board = f"/c/{challenge.slug}/ideas", f"/c/{challenge.slug}/board"
    assert listed(client, gallery, duplicate) and listed(client, board, duplicate)
    assert listed(client, gallery, duplicate, q="bemiddeling")

    merge(client, challenge, duplicate, kept)

    for url, query in ((gallery, {}), (board, {}), (board, {"all": "y"}),
                       (gallery, {"q": "bemiddeling"})):
        assert not listed(client, url, duplicate, **query), (url, query)
        assert listed(client, url, kept, **query), (url, query)
    client.logout()
    assert not listed(client, gallery, duplicate)
    assert reading.count_published(challenge) == 2


def test_unmerge_restores_counts_and_visibility(client, challenge, core, pair):
    kept, duplicate, _unrelated = pair
    shared, other = quick_user(), quick_user()
    for person, idea in ((shared, kept), (shared, duplicate), (other, duplicate)):
        supporting.support(person, idea)
    db.session.commit()
    client.login(core)
    merge(client, challenge, duplicate, kept)
    assert fresh(kept).support_count == 2

    response = client.post_form(f"/c/{challenge.slug}/ideas/{duplicate.id}/unmerge")

    assert urlsplit(response.location).path == f"/c/{challenge.slug}/ideas/{duplicate.id}"
    assert fresh(duplicate).merged_into_id is None
    assert fresh(kept).support_count == 1 and fresh(duplicate).support_count == 2
    assert reading.count_published(challenge) == 3
    assert listed(client, f"/c/{challenge.slug}/ideas", duplicate)
    assert listed(client, f"/c/{challenge.slug}/board", duplicate)
    assert listed(client, f"/c/{challenge.slug}/ideas", duplicate, q="bemiddeling")


def _different_challenge(core, kept, duplicate):
    elsewhere = factories.make_challenge("elders")
    return make_idea(quick_user(), elsewhere, **LOKET_COPY), kept


def _same_idea(core, kept, duplicate):
    return kept, kept


def _already_merged(core, kept, duplicate):
    third = make_idea(quick_user(), kept.challenge, title="Nog een loket", description="Idem.")
    duplicates.merge_duplicate(core, duplicate, third)
    db.session.commit()
    return duplicate, kept


def _hidden(core, kept, duplicate):
    moderation.decide_on_idea(core, duplicate, "hide", "Reclame")
    db.session.commit()
    return duplicate, kept


@pytest.mark.parametrize(("arrange", "message"), [
    (_different_challenge, "Both ideas must belong to this challenge."),
    (_same_idea, "An idea cannot be merged into itself."),
    (_already_merged, "is already merged into another idea."),
    (_hidden, "Only published ideas can be merged."),
])
def test_merge_is_refused_with_a_message(english, challenge, core, pair, arrange, message):
    kept, duplicate, _unrelated = pair
    source, target = arrange(core, kept, duplicate)
    was = fresh(source).merged_into_id

    with in_english(), pytest.raises(CurationError, match=message):
        duplicates.merge_duplicate(core, fresh(source), fresh(target))
    db.session.rollback()
    english.login(core)
    slug = fresh(source).challenge.slug
    if slug == challenge.slug:
        response = english.post_form(f"/c/{slug}/ideas/{source.id}/merge",
                                     {"kept_id": target.id}, follow_redirects=True)
        assert message in response.get_data(as_text=True)
    assert fresh(source).merged_into_id == was


def test_the_duplicate_of_a_merged_pair_cannot_absorb_others(challenge, core, pair):
    kept, duplicate, unrelated = pair
    duplicates.merge_duplicate(core, duplicate, kept)

    with in_english(), pytest.raises(CurationError, match="Undo those merges first"):
        duplicates.merge_duplicate(core, kept, unrelated)


def test_unmerging_an_idea_that_is_not_merged_is_refused(challenge, core, pair):
    with in_english(), pytest.raises(CurationError, match="This idea is not merged."):
        duplicates.unmerge_duplicate(core, pair[0])


def test_merge_and_unmerge_are_audited(challenge, core, pair):
    kept, duplicate, _unrelated = pair

    duplicates.merge_duplicate(core, duplicate, kept, reason="Zelfde idee")
    duplicates.unmerge_duplicate(core, duplicate)
    db.session.commit()

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(["idea.merged", "idea.unmerged"]))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.object_id, e.old_state, e.new_state, e.details, e.is_public,
             e.actor_id, e.challenge_id) for e in events] == [
        ("idea.merged", duplicate.id, None, str(kept.id), {"kept": kept.id}, True, core.id,
         challenge.id),
        ("idea.unmerged", duplicate.id, str(kept.id), None, {"kept": kept.id}, True, core.id,
         challenge.id),
    ]
    assert events[0].reason == "Zelfde idee"


def test_the_kept_idea_stays_in_its_own_cluster(challenge, core, pair):
    kept, duplicate, _unrelated = pair
    cluster = services.create_cluster(core, challenge, "Loket")
    services.move_ideas_to_cluster(core, challenge, [duplicate.id], cluster)

    duplicates.merge_duplicate(core, duplicate, kept)
    db.session.commit()

    assert fresh(kept).cluster_id is None and fresh(duplicate).cluster_id == cluster.id
    assert services.member_counts(challenge) == {}


# --- permissions -------------------------------------------------------------------------------

LOGIN, DONE = "login", "done"
ROLES = ("anonymous", "citizen", "other_core_team", "core_team", "admin")
NO = (LOGIN, 403, 403)

# fmt: off
MATRIX = [
    # method, path,                                  body
    ("GET",  "/c/scheiden/board/duplicates",          None,     (*NO, 200, 200)),
    ("POST", "/c/scheiden/ideas/{duplicate}/merge",   "merge",  (*NO, DONE, DONE)),
    ("POST", "/c/scheiden/ideas/{duplicate}/unmerge", "empty",  (*NO, DONE, DONE)),
]
# fmt: on


def outcome(response) -> int | str:
    if response.status_code == 302:
        return LOGIN if urlsplit(response.location).path == "/login" else DONE
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, challenge, pair, role):
    kept, duplicate, _unrelated = pair
    person = {"anonymous": None, "citizen": quick_user(), "admin": quick_user("admin"),
              "core_team": quick_user("core_team", challenge),
              "other_core_team": quick_user("core_team", factories.make_challenge("ander")),
              }[role]
    if person is not None:
        assert client.login(person).status_code == 302
    bodies = {"merge": {"kept_id": kept.id}, "empty": {}}
    column = ROLES.index(role)

    expected, actual = {}, {}
    for method, path, body, statuses in MATRIX:
        url = path.format(duplicate=duplicate.id)
        response = client.get(url) if method == "GET" else client.post_form(url, bodies[body])
        key = f"{method} {path}"
        expected[key], actual[key] = statuses[column], outcome(response)

    assert actual == expected
    changed = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("idea.%merged"))).all()
    assert changed == (["idea.merged", "idea.unmerged"]
                       if role in ("core_team", "admin") else [])


def test_supporting_the_kept_idea_counts_a_person_once_and_merged_ideas_take_no_reactions(
    app, core, pair
):
    kept, duplicate, _unrelated = pair
    fan = quick_user()
    supporting.support(fan, duplicate)
    db.session.commit()
    duplicates.merge_duplicate(core, duplicate, kept)
    db.session.commit()
    assert db.session.get(Idea, kept.id).support_count == 1

    supporting.support(fan, kept)
    db.session.commit()
    assert db.session.get(Idea, kept.id).support_count == 1  # the same person, once
    supporting.unsupport(fan, kept)
    db.session.commit()
    assert db.session.get(Idea, kept.id).support_count == 1  # still supports the duplicate

    with pytest.raises(PermissionDenied):
        supporting.support(quick_user(), duplicate)
    with pytest.raises(PermissionDenied):
        commenting.comment(quick_user(), duplicate, "Nog een reactie")


# --- identical and folded titles, the slider, merging several at once -------------------------


def test_identical_and_accent_folded_titles_are_always_found_whatever_the_texts(
    client, challenge, core
):
    author = quick_user()
    first = make_idea(author, challenge, title="Meer groen in de wijk",
                      description="Bomen planten langs alle straten van de wijk.")
    same = make_idea(author, challenge, title="meer GROEN in de wijk!",
                     description="Een heel ander verhaal over fietsen en parkeren.")
    folded = make_idea(author, challenge, title="Méér groen in de wijk...",
                       description="Nog een tekst, over speeltuinen voor kleine kinderen.")
    make_idea(author, challenge, title="Fietspad langs het kanaal",
              description="Een veilig fietspad voor scholieren.")
    client.login(core)

    pairs = duplicates.duplicate_pairs(core, challenge, threshold=0.95)
    page = client.get(f"/c/{challenge.slug}/board/duplicates?threshold=95").get_data(
        as_text=True)

    found = {(p.left.id, p.right.id) for p in pairs}
    assert {(first.id, same.id), (first.id, folded.id)} <= found
    assert all(p.similarity == 1.0 for p in pairs) and len(found) == 3
    assert page.count('class="duplicate-pair"') == 3 and 'value="95"' in page


def test_the_slider_sets_the_threshold_and_pairs_come_most_alike_first(
    client, challenge, core, pair
):
    kept, duplicate, unrelated = pair
    make_idea(quick_user(), challenge, title=kept.title, description="Iets anders.")
    client.login(core)

    strict = client.get(f"/c/{challenge.slug}/board/duplicates?threshold=100").get_data(
        as_text=True)
    loose = client.get(f"/c/{challenge.slug}/board/duplicates?threshold=60").get_data(
        as_text=True)
    odd = client.get(f"/c/{challenge.slug}/board/duplicates?threshold=99999999999999999999")

    assert strict.count('class="duplicate-pair"') == 1
    assert loose.count('class="duplicate-pair"') >= 2
    percents = [int(p) for p in __import__("re").findall(r"<h2>(\d+)% gelijk", loose)]
    assert percents == sorted(percents, reverse=True) and percents[0] == 100
    assert odd.status_code == 200


def test_several_pairs_are_merged_at_once_and_a_pair_made_moot_is_skipped(
    client, challenge, core
):
    author = quick_user()
    ideas = [make_idea(author, challenge, title="Eén loket", description=f"Tekst {n} over hulp.")
             for n in range(3)]
    a, b, c = (i.id for i in ideas)
    client.login(core)

    response = client.post_form(f"/c/{challenge.slug}/board/duplicates/merge", {
        "pair": [f"{b}:{a}", f"{c}:{a}", f"{c}:{b}"]})

    assert response.status_code == 302
    db.session.expire_all()
    assert [db.session.get(Idea, i).merged_into_id for i in (a, b, c)] == [None, a, a]
    assert len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "idea.merged")).all()) == 2
    messages = client.get(f"/c/{challenge.slug}/board/duplicates").get_data(as_text=True)
    assert "2 ideeën zijn samengevoegd" in messages and "1 paar is overgeslagen" in messages
