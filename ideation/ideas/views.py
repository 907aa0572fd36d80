"""Gallery, submit form, idea page, supports, comments, photos and "my ideas"."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from ideation.challenges import authors
from ideation.challenges.models import AuthorDisplay, Challenge, PhaseKind
from ideation.challenges.phases import Action, PhaseClosed, check, today
from ideation.core import cache
from ideation.core.cache import cached_html
from ideation.core.forms import EmptyForm
from ideation.core.i18n import content_choice, current_language
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.permissions import acting_user, can_manage
from ideation.core.routing import optional_database_id, page_arg
from ideation.core.security import per_user, public
from ideation.core.viewhelpers import attach_error
from ideation.extensions import db, limiter
from ideation.ideas import (
    commenting,
    demo_content,  # noqa: F401 - registers the demo ideas
    reading,
    submitting,
    supporting,
    visibility,
)
from ideation.ideas.errors import IdeaError
from ideation.ideas.forms import (
    CommentForm,
    GalleryFilterForm,
    IdeaEditForm,
    IdeaForm,
    ModerationForm,
    SettingsForm,
)
from ideation.ideas.models import Comment, CommentStatus, Idea, IdeaStatus
from ideation.ideas.photos import image_for_key
from ideation.loaders import get_challenge, get_visible_idea
from ideation.media.storage import send_upload
from ideation.moderation import services as moderation
from ideation.search import services as search

bp = Blueprint("ideas", __name__)
bp.record_once(lambda state: cache.init_app(state.app))

EVENT_LABELS = {
    ("idea.submitted", "published"): _l("Sent in and published"),
    ("idea.submitted", "pending"): _l("Sent in; the core team checks it before it is shown"),
    ("idea.edited", None): _l("Changed"),
    ("idea.published", None): _l("Published by the core team"),
    ("idea.hidden", None): _l("Hidden by the core team"),
    ("idea.withdrawn", None): _l("Withdrawn"),
    ("idea.drafted", None): _l("Saved as a draft until the e-mail address is confirmed"),
}


def event_label(action: str, new_state: str | None) -> str:
    label = EVENT_LABELS.get((action, new_state)) or EVENT_LABELS.get((action, None))
    return str(label) if label else action


# App-wide: the idea partials (templates/ideas/_status.html) are also used by moderation,
# curation, concepts and prototypes pages.
@bp.app_context_processor
def labels() -> dict[str, Any]:
    return {"event_label": event_label, "shows_author_to": visibility.shows_author_to}


def _detail(idea: Idea) -> Response:
    return redirect(url_for("ideas.show", slug=idea.challenge.slug, idea_id=idea.id))


# --- gallery -----------------------------------------------------------------------------


def _shared_key(*extra: Any) -> tuple[Any, ...] | None:
    """A cache key for page parts that every anonymous visitor sees alike; None otherwise.

    Besides the data (see ideation.core.cache) such parts depend on the address, the
    language, and the date (what the phases allow today).
    """
    if current_user.is_authenticated:
        return None
    return (request.endpoint, request.path, current_language(), today(), *extra)


def _parts(key: tuple[Any, ...] | None, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return compute() if key is None else cached_html(key, compute)


def _render_part(template: str, **context: Any) -> Markup:
    """A template rendered on its own (autoescaped), to be placed in a page as it is."""
    return Markup(render_template(template, **context))  # noqa: S704 - Jinja escaped it


@bp.get("/c/<slug>/ideas")
@public
def gallery(slug: str) -> str:
    # A search reads the index, which is updated after the commit: not cached.
    searching = bool(request.args.get("q", "").strip())
    key = None if searching else _shared_key(tuple(sorted(request.args.items(multi=True))))
    return render_template("ideas/gallery.html", parts=_parts(key, lambda: _gallery_parts(slug)))


def _card_labels() -> dict[str, Callable[[int], str]]:
    """The cards' count labels, translated once per number shown rather than once per card."""
    return {
        "supports_label": functools.cache(
            lambda n: ngettext("%(num)s support", "%(num)s supports", n)),
        "responses_label": functools.cache(
            lambda n: ngettext("%(num)s response", "%(num)s responses", n)),
    }


def _gallery_parts(slug: str) -> dict[str, Any]:
    challenge = get_challenge(slug)
    manages = can_manage(current_user, challenge)
    form = GalleryFilterForm(request.args)
    form.theme.choices = [SelectChoice("", _("All themes"))] + [
        content_choice(t.id, t.name, challenge) for t in challenge.themes
    ]
    form.status.choices = [SelectChoice("", _("All except withdrawn"))] + [
        SelectChoice(status.value, status.label) for status in IdeaStatus
    ]
    status = request.args.get("status") if manages else None
    sort = request.args.get("sort") if request.args.get("sort") in reading.SORTS else "newest"
    text = (form.q.data or "").strip()[:200]
    page_number = page_arg()
    if text:
        # The index holds published ideas only, so a search never shows hidden content.
        page = search.search_ideas(challenge, text, theme_id=form.theme.data, page=page_number)
        status = None
    else:
        page = reading.gallery(
            challenge, current_user, theme_id=form.theme.data,
            status=IdeaStatus(status) if status in IdeaStatus.__members__ else None,
            sort=sort, page=page_number,
        )
    query = {key: value for key, value in
             (("q", text), ("theme", form.theme.data), ("status", status), ("sort", sort))
             if value}
    links = {
        "prev_url": url_for("ideas.gallery", slug=challenge.slug, page=page.page - 1, **query)
        if page.has_prev else None,
        "next_url": url_for("ideas.gallery", slug=challenge.slug, page=page.page + 1, **query)
        if page.has_next else None,
    }
    content = _render_part("ideas/_gallery_content.html", challenge=challenge, page=page,
                           form=form, manages=manages, query=query, searching=bool(text),
                           submit_verdict=check(challenge, Action.submit_idea), **links,
                           **_card_labels())
    return {"challenge_title": challenge.title, "content": content, **links}


@bp.get("/c/<slug>/ideas/similar")
@public
@limiter.limit("60 per minute")
def similar(slug: str) -> Response:
    """Published ideas like the title being typed, for the submit form's live hint."""
    challenge = get_challenge(slug)
    text = request.args.get("title", "")[:200]
    results = search.similar_ideas(challenge, text)
    return jsonify(ideas=[
        {"title": r.idea.title,
         "url": url_for("ideas.show", slug=challenge.slug, idea_id=r.idea.id),
         "supports": r.idea.support_count}
        for r in results
    ])


# --- submitting and changing -------------------------------------------------------------


def _built_on(challenge: Challenge, raw: str | None) -> Idea | None:
    key = optional_database_id(raw)
    if key is None:
        return None
    idea = reading.get_idea(challenge, key)
    return idea if idea is not None and idea.status is IdeaStatus.published else None


@bp.route("/c/<slug>/ideas/new", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["IDEATION_SUBMIT_RATE_LIMIT"], methods=["POST"],
               key_func=per_user)
def new(slug: str) -> str | Response | tuple[str, int]:
    challenge = get_challenge(slug)
    verdict = check(challenge, Action.submit_idea)
    settings = visibility.settings_for(challenge)
    form = IdeaForm()
    form.set_themes(challenge.themes)
    if not settings.allows_anonymous or challenge.author_display is AuthorDisplay.no_names:
        del form.is_anonymous
    if challenge.author_display is AuthorDisplay.pseudonym:
        if request.method == "GET":
            form.pseudonym.data = current_user.pseudonym
    else:
        del form.pseudonym
    built_on = _built_on(challenge, form.built_on_id.data or request.args.get("built_on"))
    if built_on is not None:
        form.built_on_id.data = str(built_on.id)
    context = {"challenge": challenge, "form": form, "verdict": verdict, "built_on": built_on,
               "settings": settings,
               "author_explanation": authors.explain(challenge, acting_user())}
    if not verdict.allowed:
        # Nothing is stored outside the dream phase; the page says when it is possible.
        status = 409 if request.method == "POST" else 200
        return render_template("ideas/new.html", **context), status
    if form.validate_on_submit():
        if not form.similar_seen.data and built_on is None:
            # Without JavaScript the similar ideas are shown after the first attempt: support
            # an existing idea, or send this one in anyway with the second click.
            context["similar"] = search.similar_ideas(challenge, form.title.data)
            if context["similar"]:
                form.similar_seen.data = "1"
                context["photos_dropped"] = any(
                    f.filename for f in request.files.getlist("photos"))
                return render_template("ideas/new.html", **context)
        try:
            idea = submitting.submit_idea(acting_user(), challenge, form.data,
                                          request.files.getlist("photos"))
        except IdeaError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            if idea.status is IdeaStatus.draft:
                flash(_("Thank you! Your idea is saved as a draft. It is sent in as soon as you "
                        "confirm your e-mail address with the link we sent you."), "success")
            elif idea.status is IdeaStatus.pending:
                flash(_("Thank you! The core team checks your idea before it is shown."),
                      "success")
            else:
                flash(_("Thank you! Your idea is online."), "success")
            return _detail(idea)
    status = 422 if request.method == "POST" else 200
    return render_template("ideas/new.html", **context), status


@bp.route("/c/<slug>/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
def edit(slug: str, idea_id: int) -> str | Response | tuple[str, int]:
    challenge, idea = get_visible_idea(slug, idea_id)
    if not submitting.can_edit(current_user, idea):
        abort(403)
    verdict = check(challenge, Action.edit_idea)
    form = IdeaEditForm(obj=idea)
    form.set_themes(challenge.themes)
    if not verdict.allowed:
        status = 409 if request.method == "POST" else 200
        return render_template("ideas/edit.html", challenge=challenge, idea=idea, form=form,
                               verdict=verdict), status
    if form.validate_on_submit():
        try:
            submitting.edit_idea(acting_user(), idea, form.data)
        except IdeaError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return _detail(idea)
    status = 422 if request.method == "POST" else 200
    return render_template("ideas/edit.html", challenge=challenge, idea=idea, form=form,
                           verdict=verdict), status


@bp.post("/c/<slug>/ideas/<int:idea_id>/withdraw")
def withdraw(slug: str, idea_id: int) -> Response:
    _challenge, idea = get_visible_idea(slug, idea_id)
    if not EmptyForm().validate():
        abort(400)
    submitting.withdraw_idea(acting_user(), idea)
    db.session.commit()
    flash(_("Your idea is withdrawn. Only you and the core team can still see it."), "success")
    return redirect(url_for("ideas.mine"))


@bp.post("/c/<slug>/ideas/<int:idea_id>/moderate")
def moderate(slug: str, idea_id: int) -> Response:
    _challenge, idea = get_visible_idea(slug, idea_id)
    form = ModerationForm()
    if not can_manage(current_user, idea.challenge):
        abort(403)
    if form.validate():
        if form.status.data == IdeaStatus.hidden.value:
            action = "hide"
        else:
            action = "restore" if idea.status is IdeaStatus.hidden else "publish"
        try:
            # The same decision as in the moderation queue, so open reports are resolved too.
            moderation.decide_on_idea(acting_user(), idea, action, form.reason.data)
        except (IdeaError, moderation.ModerationError) as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The idea is now: %(status)s.", status=idea.status.label),
                  "success")
    else:
        flash(_("Choose publish or hide."), "error")
    return _detail(idea)


@bp.route("/c/<slug>/ideas/settings", methods=["GET", "POST"])
def settings(slug: str) -> str | Response:
    challenge = get_challenge(slug, manage=True)
    current = visibility.settings_for(challenge)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        visibility.update_settings(acting_user(), challenge,
                                   is_premoderated=form.is_premoderated.data,
                                   allows_anonymous=form.allows_anonymous.data)
        db.session.commit()
        flash(_("The settings are saved."), "success")
        return redirect(url_for("ideas.settings", slug=challenge.slug))
    return render_template("ideas/settings.html", challenge=challenge, form=form)


# --- the idea page, supports and comments ------------------------------------------------


@bp.get("/c/<slug>/ideas/<int:idea_id>")
@public
def show(slug: str, idea_id: int) -> str:
    parts = _parts(_shared_key(), lambda: _idea_parts(slug, idea_id))
    return render_template("ideas/show.html", parts=parts)


def _idea_parts(slug: str, idea_id: int) -> dict[str, Any]:
    challenge, idea = get_visible_idea(slug, idea_id)
    moderation_form = ModerationForm(formdata=None, status=(
        "hidden" if idea.status is IdeaStatus.hidden else "published"),
        reason=idea.hidden_reason or "")
    content = _render_part(
        "ideas/_show_content.html", challenge=challenge, idea=idea,
        manages=can_manage(current_user, challenge),
        threads=commenting.comment_threads(current_user, idea),
        builds=reading.builds_on_this(current_user, idea),
        built_on=idea.built_on if idea.built_on and visibility.visible_to(
            current_user, idea.built_on) else None,
        supported=supporting.has_supported(current_user, idea),
        support_verdict=check(challenge, Action.support_idea),
        comment_verdict=check(challenge, Action.comment),
        submit_verdict=check(challenge, Action.submit_idea),
        can_edit=submitting.can_edit(current_user, idea),
        can_edit_comment=commenting.can_edit_comment,
        comment_form=CommentForm(formdata=None), button_form=EmptyForm(),
        moderation_form=moderation_form, next_steps=_next_steps(challenge, idea),
    )
    return {"idea_title": idea.title, "challenge_title": challenge.title, "content": content}


def _next_steps(challenge: Challenge, idea: Idea) -> dict[str, Any] | None:
    """For the author of an idea that waits for its check or is online while ideas are still
    collected: what happens next and when (shown right after sending it in). None otherwise;
    later, "My ideas" tells what the idea became part of."""
    if not current_user.is_authenticated or idea.author_id != current_user.id:
        return None
    if idea.status not in (IdeaStatus.pending, IdeaStatus.published) or idea.merged_into_id:
        return None
    dream = challenge.phase(PhaseKind.dream)
    if idea.status is IdeaStatus.published and dream.is_scheduled and dream.ends_on < today():
        return None
    return {"pending": idea.status is IdeaStatus.pending, "dream": dream,
            "realistic": challenge.phase(PhaseKind.realistic),
            "by_email": current_user.email_notifications}


@bp.post("/c/<slug>/ideas/<int:idea_id>/support")
def toggle_support(slug: str, idea_id: int) -> Response:
    _challenge, idea = get_visible_idea(slug, idea_id)
    if not EmptyForm().validate():
        abort(400)
    try:
        now_supported = supporting.toggle_support(acting_user(), idea)
    except PhaseClosed as closed:
        flash(closed.verdict.reason, "error")
    else:
        db.session.commit()
        flash(_("You support this idea.") if now_supported
              else _("You no longer support this idea."), "success")
    return _detail(idea)


@bp.post("/c/<slug>/ideas/<int:idea_id>/comments")
@limiter.limit(lambda: current_app.config["IDEATION_COMMENT_RATE_LIMIT"], key_func=per_user)
def add_comment(slug: str, idea_id: int) -> Response:
    _challenge, idea = get_visible_idea(slug, idea_id)
    form = CommentForm()
    if not form.validate():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return _detail(idea)
    parent = None
    if (parent_key := optional_database_id(form.parent_id.data)) is not None:
        parent = db.session.get(Comment, parent_key)
    try:
        new_comment = commenting.comment(acting_user(), idea, form.body.data, parent)
    except PhaseClosed as closed:
        flash(closed.verdict.reason, "error")
        return _detail(idea)
    except IdeaError as error:
        flash(str(error), "error")
        return _detail(idea)
    db.session.commit()
    if new_comment.status is CommentStatus.draft:
        flash(_("Your response is saved as a draft. It is placed as soon as you confirm your "
                "e-mail address with the link we sent you."), "success")
    else:
        flash(_("Your response is placed."), "success")
    return redirect(url_for("ideas.show", slug=slug, idea_id=idea.id,
                            _anchor=f"comment-{new_comment.id}"))


@bp.route("/c/<slug>/ideas/<int:idea_id>/comments/<int:comment_id>/edit",
          methods=["GET", "POST"])
def edit_comment(slug: str, idea_id: int, comment_id: int) -> str | Response | tuple[str, int]:
    challenge, idea = get_visible_idea(slug, idea_id)
    item = db.session.get(Comment, comment_id)
    if item is None or item.idea_id != idea.id:
        abort(404)
    if item.author_id != current_user.id:
        abort(403)
    form = CommentForm(obj=item)
    if form.validate_on_submit():
        try:
            commenting.edit_comment(acting_user(), item, form.body.data)
        except PhaseClosed as closed:
            form.body.errors = [*form.body.errors, closed.verdict.reason]
        except IdeaError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your response is changed."), "success")
            return redirect(url_for("ideas.show", slug=slug, idea_id=idea.id,
                                    _anchor=f"comment-{item.id}"))
    elif request.method == "GET" and not commenting.can_edit_comment(current_user, item):
        form.body.errors = [_("You can change a response only in the first 15 minutes.")]
    status = 422 if request.method == "POST" else 200
    return render_template("ideas/edit_comment.html", challenge=challenge, idea=idea,
                           comment=item, form=form), status


# --- photos and my ideas -----------------------------------------------------------------


@bp.get("/media/ideas/<key>/<variant>")
@public
def media(key: str, variant: str) -> Response:
    """A stored photo, only when the idea it belongs to is visible to the current user."""
    image = image_for_key(key)
    if image is None or not visibility.visible_to(current_user, image.idea):
        abort(404)
    # Photos of ideas the public cannot see must never sit in a shared cache.
    return send_upload(key, variant,
                       "public, max-age=3600" if image.idea.is_public else "private, no-cache")


@bp.get("/my/ideas")
def mine() -> str:
    # Imported here, not on top: the later stages register after the ideas (funnel order).
    from ideation.notifications.services import public_path
    from ideation.prototypes.lineage import downstream

    viewer = acting_user()
    items = reading.my_ideas(viewer)
    # What each idea became part of, for all ideas at once; others see only published steps.
    lineage = downstream([item.idea for item in items], viewer)
    return render_template("ideas/mine.html", items=items, lineage=lineage,
                           public_path=public_path, button_form=EmptyForm())
