"""Prototype pages: the team's list, new prototypes and versions, the (public) prototype and
version pages with their lineage, the manage actions and the images."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ideation.challenges.models import Challenge
from ideation.challenges.phases import Action, check
from ideation.concepts import services as concept_services
from ideation.core.permissions import acting_user, can_manage
from ideation.core.routing import optional_database_id, page_arg
from ideation.core.security import public
from ideation.core.viewhelpers import attempt, ensure_button_posted, submit
from ideation.ideas.models import Idea
from ideation.loaders import get_challenge
from ideation.media.storage import send_upload
from ideation.prototypes import lineage, services
from ideation.prototypes.forms import (
    PrototypeEditForm,
    PrototypeForm,
    StateForm,
    VersionForm,
)
from ideation.prototypes.models import Prototype, PrototypeImage, PrototypeVersion

bp = Blueprint("prototypes", __name__)

# Ids in paths stay within a database integer, so a huge number is a 404, not an overflow.

_attempt = partial(attempt, errors=services.PrototypeError)
_submit = partial(submit, errors=services.PrototypeError)


@bp.app_template_global()
def idea_lineage(idea: Idea) -> lineage.Downstream:
    """For the idea page: the cluster, concepts and prototypes the viewer may see."""
    return lineage.idea_downstream(idea, current_user)


# --- loading -----------------------------------------------------------------------------------


def get_visible_prototype(slug: str, prototype_id: int, *,
                          manage: bool = False) -> tuple[Challenge, Prototype]:
    """The challenge and prototype, or 404 when the current user may not see them (403 when
    ``manage`` and the user does not manage the challenge)."""
    challenge = get_challenge(slug, manage=manage)
    prototype = services.get_prototype(challenge, prototype_id)
    if prototype is None or not services.visible_to(current_user, prototype):
        abort(404)
    return challenge, prototype


def _show_url(prototype: Prototype) -> str:
    return url_for("prototypes.show", slug=prototype.challenge.slug, prototype_id=prototype.id)


def send_image(image: PrototypeImage, variant: str) -> Response:
    """Send one stored image of a prototype version (``display`` or ``thumb``); 404 when the
    variant is unknown or the file is gone. The caller decides who may see it."""
    prototype = image.version.prototype
    # Images of prototypes the public cannot see must never sit in a shared cache.
    return send_upload(image.storage_key, variant, (
        "public, max-age=3600" if prototype.is_published and prototype.challenge.is_published
        else "private, no-cache"))


# --- the team's list and new prototypes --------------------------------------------------------


@bp.get("/c/<slug>/prototypes")
def index(slug: str) -> str:
    challenge = get_challenge(slug, manage=True)
    return render_template(
        "prototypes/index.html", challenge=challenge, rows=services.prototype_rows(challenge),
        concepts=services.concepts_in_prototyping(challenge),
        verdict=check(challenge, Action.build_prototypes))


@bp.route("/c/<slug>/concepts/<int:concept_id>/prototypes/new", methods=["GET", "POST"])
def new(slug: str, concept_id: int) -> str | Response | tuple[str, int]:
    challenge = get_challenge(slug, manage=True)
    concept = concept_services.get_concept(challenge, concept_id)
    if concept is None:
        abort(404)
    form = PrototypeForm()
    verdict = check(challenge, Action.build_prototypes)
    context = {"challenge": challenge, "concept": concept, "form": form, "verdict": verdict,
               "refusal": services.concept_refusal(concept)}
    if form.validate_on_submit():
        made, status = _submit(form, lambda: services.create_prototype(
            acting_user(), concept, form.title.data, form.kind.data, form.description.data,
            form.uploads()))
        if status is None:
            flash(_("The prototype is made. It is not public yet."), "success")
            return redirect(_show_url(made))
        return render_template("prototypes/new.html", **context), status
    status = 422 if request.method == "POST" else 200
    return render_template("prototypes/new.html", **context), status


# --- the prototype and its versions ------------------------------------------------------------


def _render_show(challenge: Challenge, prototype: Prototype, *,
                 state_form: StateForm | None = None, status: int = 200) -> tuple[str, int]:
    manages = can_manage(current_user, challenge)
    concept = prototype.concept
    page = services.ideas_behind(concept, page_arg())
    return render_template(
        "prototypes/show.html", challenge=challenge, prototype=prototype,
        version=prototype.latest, manages=manages, page=page,
        upstream=lineage.upstream(concept, current_user),
        shows_concept=concept_services.visible_to(current_user, concept),
        state_form=state_form or StateForm(formdata=None),
        verdict=check(challenge, Action.build_prototypes),
    ), status


@bp.get("/c/<slug>/prototypes/<int:prototype_id>")
@public
def show(slug: str, prototype_id: int) -> tuple[str, int]:
    challenge, prototype = get_visible_prototype(slug, prototype_id)
    return _render_show(challenge, prototype)


@bp.get("/c/<slug>/prototypes/<int:prototype_id>/versions/<int:number>")
@public
def version(slug: str, prototype_id: int, number: int) -> str:
    challenge, prototype = get_visible_prototype(slug, prototype_id)
    found = next((v for v in prototype.versions if v.number == number), None)
    if found is None:
        abort(404)
    return render_template("prototypes/version.html", challenge=challenge,
                           prototype=prototype, version=found, latest=prototype.latest)


def _round_from_query(prototype: Prototype) -> Any:
    """The validation round named by ``?round=``: None without one, 404 for a wrong one."""
    raw = request.args.get("round")
    if not raw:
        return None
    round_id = optional_database_id(raw)
    found = services.get_round(prototype, round_id) if round_id is not None else None
    if found is None:
        abort(404)
    return found


def _version_form(prototype: Prototype, based_on: Any) -> VersionForm:
    latest: PrototypeVersion | None = prototype.latest
    defaults: dict[str, Any] = {}
    if latest is not None:
        defaults = {"description": latest.description,
                    "keep_image_ids": [image.id for image in latest.images]}
    if based_on is not None:
        defaults["change_reason"] = _("Feedback from the validation round “%(title)s”:",
                                      title=based_on.title) + "\n"
    form = VersionForm(**defaults)
    form.set_images(latest.images if latest is not None else [])
    return form


@bp.route("/c/<slug>/prototypes/<int:prototype_id>/versions/new", methods=["GET", "POST"])
def new_version(slug: str, prototype_id: int) -> str | Response | tuple[str, int]:
    challenge, prototype = get_visible_prototype(slug, prototype_id, manage=True)
    based_on = _round_from_query(prototype)
    form = _version_form(prototype, based_on)
    context = {"challenge": challenge, "prototype": prototype, "form": form,
               "based_on": based_on, "latest": prototype.latest,
               "number": prototype.latest.number + 1 if prototype.latest else 1,
               "verdict": check(challenge, Action.build_prototypes)}
    if form.validate_on_submit():
        made, status = _submit(form, lambda: services.add_version(
            acting_user(), prototype, form.description.data, form.changes.data,
            form.change_reason.data, form.uploads(), keep_image_ids=form.keep_image_ids.data,
            based_on_round_id=based_on.id if based_on is not None else None))
        if status is None:
            flash(_("Version %(n)s is saved.", n=made.number), "success")
            return redirect(_show_url(prototype))
        return render_template("prototypes/new_version.html", **context), status
    status = 422 if request.method == "POST" else 200
    return render_template("prototypes/new_version.html", **context), status


# --- managing ------------------------------------------------------------------------------------


@bp.route("/c/<slug>/prototypes/<int:prototype_id>/edit", methods=["GET", "POST"])
def edit(slug: str, prototype_id: int) -> str | Response | tuple[str, int]:
    challenge, prototype = get_visible_prototype(slug, prototype_id, manage=True)
    form = PrototypeEditForm(obj=prototype)
    if request.method == "GET":
        form.kind.data = prototype.kind.value
    context = {"challenge": challenge, "prototype": prototype, "form": form,
               "verdict": check(challenge, Action.build_prototypes)}
    if form.validate_on_submit():
        _done, status = _submit(form, lambda: services.edit_prototype(
            acting_user(), prototype, form.title.data, form.kind.data))
        if status is None:
            flash(_("The prototype is saved."), "success")
            return redirect(_show_url(prototype))
        return render_template("prototypes/edit.html", **context), status
    status = 422 if request.method == "POST" else 200
    return render_template("prototypes/edit.html", **context), status


@bp.post("/c/<slug>/prototypes/<int:prototype_id>/state")
def change_state(slug: str, prototype_id: int) -> Response | tuple[str, int]:
    challenge, prototype = get_visible_prototype(slug, prototype_id, manage=True)
    form = StateForm()
    if not form.validate():
        return _render_show(challenge, prototype, state_form=form, status=422)
    _done, status = _submit(form, lambda: services.set_state(
        acting_user(), prototype, form.state.data, form.reason.data))
    if status is not None:
        return _render_show(challenge, prototype, state_form=form, status=status)
    flash(_("The prototype is now: %(state)s.", state=prototype.state.label),
          "success")
    return redirect(_show_url(prototype))


@bp.post("/c/<slug>/prototypes/<int:prototype_id>/publish")
def publish(slug: str, prototype_id: int) -> Response:
    _challenge, prototype = get_visible_prototype(slug, prototype_id, manage=True)
    ensure_button_posted()
    return _attempt(lambda: services.publish(acting_user(), prototype),
                    _("The prototype is public now."), _show_url(prototype))


@bp.post("/c/<slug>/prototypes/<int:prototype_id>/unpublish")
def unpublish(slug: str, prototype_id: int) -> Response:
    _challenge, prototype = get_visible_prototype(slug, prototype_id, manage=True)
    ensure_button_posted()
    return _attempt(lambda: services.unpublish(acting_user(), prototype),
                    _("The prototype is no longer public."), _show_url(prototype))


# --- images --------------------------------------------------------------------------------------


@bp.get("/c/<slug>/prototypes/<int:prototype_id>/images/<int:image_id>/<variant>")
@public
def image(slug: str, prototype_id: int, image_id: int, variant: str) -> Response:
    """An image of any version, only when the viewer may see the prototype."""
    _challenge, prototype = get_visible_prototype(slug, prototype_id)
    found = services.get_image(image_id)
    if found is None or found.version.prototype_id != prototype.id:
        abort(404)
    return send_image(found, variant)
