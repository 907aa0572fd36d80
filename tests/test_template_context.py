"""Template helpers are app-wide, from one place each.

A partial of one feature is used on the pages of others (``ideas/_status.html`` on the
moderation queue, the board and the concept pages). A helper given only by one blueprint's
context processor is then undefined on another blueprint's page: the moderation queue was a
500 for every anonymous idea in it.
"""

from __future__ import annotations

from ideation.accounts.models import User


def test_no_template_helper_is_given_by_one_blueprint_only(app):
    # Flask registers its own default processor (request, session, g) per blueprint.
    blueprint_only = {name: names for name, functions in app.template_context_processors.items()
                      if name is not None and (names := [
                          f.__qualname__ for f in functions
                          if f.__qualname__ != "_default_template_ctx_processor"])}

    assert blueprint_only == {}


def test_the_app_wide_template_helpers_do_not_shadow_each_other(app):
    seen: dict[str, str] = {}
    clashes = []
    with app.test_request_context("/"):
        for processor in app.template_context_processors[None]:
            for name in processor():
                where = f"{processor.__module__}.{processor.__qualname__}"
                if name in seen:
                    clashes.append((name, seen[name], where))
                seen[name] = where

    assert clashes == []
    assert {"shows_author_to", "event_label", "concept_state_label"} <= set(seen)


def test_the_author_helper_works_on_a_page_of_another_feature(app):
    template = app.jinja_env.from_string(
        '{% from "ideas/_status.html" import author_name with context %}'
        "{{ author_name(idea, viewer) }}")

    class Anonymous:
        is_anonymous = True
        author = User(name="Anna", email="anna@example.org")
        author_id = 7
        challenge = None
        source = "web"
        imported_author = None

    with app.test_request_context("/"):
        app.update_template_context(context := {"idea": Anonymous(), "viewer": None})
        assert "Anna" not in template.render(context)
