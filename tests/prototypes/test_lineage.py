"""Lineage on the pages: a prototype back to every idea, and an idea forward to what it became.

The set-up: cluster "Hulp op één plek" (published) holds two published ideas, one of them
anonymous, and one hidden idea; cluster "Geld" (not published) holds one published idea;
cluster "Elders" is not part of the concept. The concept grew from the first two.
"""

from __future__ import annotations

import re

import pytest

from ideation.concepts.models import Concept
from ideation.extensions import db
from ideation.ideas.models import IdeaStatus
from ideation.prototypes import services
from tests.ideas.conftest import counted_queries, quick_user
from tests.prototypes.conftest import add_cluster, add_concept, add_ideas, make_prototype


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def family(challenge, core):
    """The clusters, ideas, an unpublished concept and an unpublished prototype."""
    helpful = add_cluster(challenge, "Hulp op één plek")
    money = add_cluster(challenge, "Geld", published=False)
    elsewhere = add_cluster(challenge, "Elders")
    visible = add_ideas(challenge, helpful, ["Eén loket voor alle hulp"])
    secret = add_ideas(challenge, helpful, ["Een vaste contactpersoon"], anonymous=True,
                       author=quick_user(name="Anna Anoniem"))
    add_ideas(challenge, helpful, ["Verborgen idee"], status=IdeaStatus.hidden)
    in_money = add_ideas(challenge, money, ["Toeslag zonder gedoe"])
    add_ideas(challenge, elsewhere, ["Ander idee"])
    concept = add_concept(challenge, [helpful, money], published=False)
    prototype = make_prototype(core, concept)
    return {"concept": concept, "prototype": prototype, "ideas": visible + secret + in_money}


def page_of(prototype) -> str:
    return f"/c/{prototype.challenge.slug}/prototypes/{prototype.id}"


def idea_page(idea) -> str:
    return f"/c/{idea.challenge.slug}/ideas/{idea.id}"


def publish_all(core, family) -> None:
    family["concept"].is_published = True
    services.publish(core, family["prototype"])
    db.session.commit()


def listed_titles(page: str) -> list[str]:
    block = page.split('class="prototype-ideas"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<a href="/c/[^"]+/ideas/\d+"[^>]*>([^<]+)</a>', block)


def test_the_prototype_page_lists_every_published_idea_with_the_right_counts(
        english, core, family):
    publish_all(core, family)
    page = english.get(page_of(family["prototype"])).get_data(as_text=True)

    assert listed_titles(page) == ["Eén loket voor alle hulp", "Een vaste contactpersoon",
                                   "Toeslag zonder gedoe"]
    assert "This prototype grew from 3 ideas of citizens" in page
    assert "in 2 clusters." in page
    assert "Hulp op één plek</span>:\n            2 ideas" in page
    assert "1 cluster that is not public yet:\n            1 idea" in page
    assert "Geld" not in page  # the name of an unpublished cluster stays inside the team
    assert "Verborgen idee" not in page and "Ander idee" not in page
    assert "Eén loket" in page  # the concept


def test_anonymous_authors_stay_anonymous_on_the_prototype_page(english, core, family):
    publish_all(core, family)
    public = english.get(page_of(family["prototype"])).get_data(as_text=True)
    assert "Anna Anoniem" not in public and "Anonymous" in public and "Burger Bas" in public

    english.login(core)
    team = english.get(page_of(family["prototype"])).get_data(as_text=True)
    assert "only you and the core team see: Anna Anoniem" in team
    assert "Geld</a>:" in team  # the team sees every cluster by name


def test_the_idea_page_shows_concept_and_prototype_to_the_public_only_after_publishing(
        english, core, family):
    first, _anonymous, in_money = family["ideas"]
    prototype = family["prototype"]
    before = english.get(idea_page(first)).get_data(as_text=True)
    assert "What this idea became part of" in before  # its cluster is public
    assert prototype.title not in before and "Concept:" not in before

    english.login(core)
    team = english.get(idea_page(first)).get_data(as_text=True)
    assert f'href="{page_of(prototype)}"' in team and "Concept:" in team
    english.logout()

    publish_all(core, family)
    after = english.get(idea_page(first)).get_data(as_text=True)
    assert f'href="{page_of(prototype)}"' in after and prototype.title in after
    assert "Concept:" in after and "Eén loket" in after
    money = english.get(idea_page(in_money)).get_data(as_text=True)
    assert prototype.title in money and "Geld" not in money


def test_an_idea_that_became_nothing_has_no_such_section(english, challenge):
    idea = add_ideas(challenge, None, ["Los idee"])[0]
    page = english.get(idea_page(idea)).get_data(as_text=True)
    assert "What this idea became part of" not in page


def test_the_ideas_come_twenty_per_page(english, challenge, core):
    cluster = add_cluster(challenge, "Veel")
    add_ideas(challenge, cluster, [f"Idee {n:02d}" for n in range(45)])
    concept: Concept = add_concept(challenge, [cluster])
    prototype = make_prototype(core, concept, publish=True)

    first = english.get(page_of(prototype)).get_data(as_text=True)
    last = english.get(page_of(prototype) + "?page=3").get_data(as_text=True)
    assert len(listed_titles(first)) == 20 and "Page 1 of 3" in first
    assert listed_titles(last) == [f"Idee {n}" for n in range(40, 45)]
    assert "This prototype grew from 45 ideas of citizens" in last


def queries_for_page(client, challenge, core, ideas: int) -> int:
    cluster = add_cluster(challenge, f"Cluster met {ideas}")
    for n in range(ideas):  # every idea by someone else, some anonymous
        add_ideas(challenge, cluster, [f"Idee {n}"], anonymous=n % 2 == 0)
    concept = add_concept(challenge, [cluster], title=f"Concept {ideas}")
    prototype = make_prototype(core, concept, images=1, publish=True)
    client.get(page_of(prototype))  # warm up
    with counted_queries() as statements:
        assert client.get(page_of(prototype)).status_code == 200
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_the_number_of_ideas(client, challenge,
                                                                      core):
    client.login(core)
    assert queries_for_page(client, challenge, core, 3) == queries_for_page(
        client, challenge, core, 20)
