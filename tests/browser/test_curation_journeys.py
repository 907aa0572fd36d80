"""A core-team member on a desktop groups ideas: one by dragging, one with the keyboard only.

In English, so the test reads the message ids (the Dutch catalogue follows later).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ideation.curation import services
from ideation.extensions import db
from ideation.ideas.models import Idea
from tests.factories import PASSWORD, make_challenge, make_user

pytestmark = pytest.mark.browser


def test_core_team_drags_one_idea_into_a_cluster_and_moves_another_by_keyboard(
    app, live_server, browser
):
    challenge = make_challenge(slug="scheiden-zonder-schade")
    core = make_user("core_team", challenge=challenge, name="Karin")
    author = make_user("citizen", name="Anna")
    dragged = Idea(challenge=challenge, author=author, title="Eén loket voor alle hulp",
                   description="Alles op één plek.")
    keyed = Idea(challenge=challenge, author=author, title="Een digitaal loket",
                 description="Online regelen.")
    db.session.add_all([dragged, keyed])
    db.session.commit()
    cluster = services.create_cluster(core, challenge, "Loketten")
    db.session.commit()

    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("E-mail address").fill(core.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server}/c/{challenge.slug}/board")

        # Drag: Sortable runs in fallback mode (mouse events), so move the mouse in steps.
        row = page.locator(f".board-idea[data-idea-id='{dragged.id}'] label")
        drop = page.locator(f".cluster-drop[data-cluster-id='{cluster.id}']")
        expect(drop).to_be_visible()
        start, end = row.bounding_box(), drop.bounding_box()
        page.mouse.move(start["x"] + 20, start["y"] + start["height"] / 2)
        page.mouse.down()
        page.mouse.move(start["x"] + 40, start["y"] + start["height"] / 2 + 10, steps=5)
        page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=20)
        page.mouse.up()
        expect(page.get_by_role("status").filter(has_text="Loketten")).to_be_visible()
        expect(page.locator(f".cluster-count[data-cluster-id='{cluster.id}']")).to_have_text(
            "1 idea")

        # Keyboard: Tab to the checkbox, Space, Tab to the select, choose, Enter on the button.
        checkbox = page.get_by_label("Een digitaal loket")
        select = page.locator("#board-form select[name=cluster]")
        page.get_by_role("button", name="New cluster from selection").focus()
        for _ in range(5):  # the idea rows follow the toolbar
            page.keyboard.press("Tab")
            if checkbox.evaluate("el => el === document.activeElement"):
                break
        expect(checkbox).to_be_focused()
        page.keyboard.press("Space")
        expect(checkbox).to_be_checked()
        for _ in range(5):  # back up to the "Move to cluster" select
            page.keyboard.press("Shift+Tab")
            if select.evaluate("el => el === document.activeElement"):
                break
        expect(select).to_be_focused()
        page.keyboard.type("Lok")  # typing on a focused select picks the matching option
        expect(select).to_have_value(str(cluster.id))
        page.keyboard.press("Tab")
        move = page.get_by_role("button", name="Move", exact=True)
        expect(move).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator(".flash-success")).to_contain_text(re.compile("Loketten"))

        page.reload()
        members = page.locator(f".cluster-members[data-cluster-id='{cluster.id}'] li")
        expect(members).to_have_count(2)
        db.session.expire_all()
        assert {db.session.get(Idea, dragged.id).cluster_id,
                db.session.get(Idea, keyed.id).cluster_id} == {cluster.id}
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()
