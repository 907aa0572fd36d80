"""In the English interface the stakeholder's form still shows what the core team wrote in the
challenge's language, and says so (WCAG 3.1.2): the round's title, each question, its help and
its options; the interface's own words (yes, no, optional) stay English."""

from __future__ import annotations

from tests.test_accessibility import parse
from tests.validation.conftest import invite


def test_the_english_answer_form_marks_what_the_team_wrote_as_dutch(english, open_round):
    _invitation, token = invite(open_round, "ouder@example.org")
    page = parse(english.get(f"/r/{open_round.id}/{token}"))

    assert page.find("h1", lang="nl")  # the prototype's title
    assert [e for e in page.find("p", class_="eyebrow") if e.get("lang") == "nl"]
    questions = page.find("span", lang="nl")
    assert len(questions) >= len(open_round.questions)
    kinds = {question.kind.value for question in open_round.questions}
    option_groups = page.find(class_="answer-options")
    # Every group of options but yes/no (our own words) is in the challenge's language.
    assert sum(group.get("lang") == "nl" for group in option_groups) == len(option_groups) - (
        "yes_no" in kinds)
