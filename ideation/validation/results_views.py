"""The results of a round, its breakdown by group, its open answers, the CSV export and the
comparison of two rounds of a prototype. Core team and admins only; reading needs no phase."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from wtforms.fields.choices import SelectChoice

from ideation.challenges.models import Challenge
from ideation.core.i18n import content_choice
from ideation.core.i18n import lazy_gettext as _l
from ideation.core.permissions import acting_user
from ideation.core.routing import page_arg
from ideation.extensions import db
from ideation.loaders import managed_prototype, managed_round
from ideation.prototypes.models import Prototype, PrototypeVersion
from ideation.validation import results, services
from ideation.validation.blueprint import bp
from ideation.validation.forms import AnswerSearchForm, CompareForm, GroupFilterForm
from ideation.validation.models import Question, Round, StakeholderGroup

MAX_PAGE = 10_000


# --- loading -------------------------------------------------------------------------------------


def _filter(round_: Round, form_class: type[GroupFilterForm] = GroupFilterForm
            ) -> tuple[GroupFilterForm, StakeholderGroup | None]:
    """The filter form from the query string and the chosen group (404 for another round's)."""
    form = form_class(request.args)
    form.group.choices = [SelectChoice("", _l("All groups"))] + [
        content_choice(g.id, g.name, round_.challenge) for g in round_.groups]
    if form.group.data is None:
        return form, None
    group = next((g for g in round_.groups if g.id == form.group.data), None)
    if group is None:
        abort(404)
    return form, group


def _links(challenge: Challenge, round_: Round) -> dict[str, str]:
    return {
        "round_url": url_for("validation.round", slug=challenge.slug, round_id=round_.id),
        "compare_url": url_for("validation.compare", slug=challenge.slug,
                               prototype_id=round_.prototype_id),
    }


def _page_number() -> int:
    return page_arg(last=MAX_PAGE)


# --- results ----------------------------------------------------------------------------------


@bp.get("/c/<slug>/rounds/<int:round_id>/results", endpoint="results")
def results_page(slug: str, round_id: int) -> str:
    round_ = managed_round(slug, round_id)
    challenge = round_.challenge
    form, group = _filter(round_)
    group_id = group.id if group is not None else None
    return render_template(
        "validation/results.html", challenge=challenge, round=round_, form=form, group=group,
        figures=results.question_results(round_, group_id),
        rates=results.response_rates(round_),
        latest=results.latest_open_answers(round_, group_id),
        respondents=results.respondent_count(round_, group_id),
        min_responses=results.min_responses(),
        state_label=services.effective_state(round_).label, **_links(challenge, round_))


@bp.get("/c/<slug>/rounds/<int:round_id>/results/groups")
def results_groups(slug: str, round_id: int) -> str:
    round_ = managed_round(slug, round_id)
    challenge = round_.challenge
    return render_template("validation/results_groups.html", challenge=challenge,
                           round=round_, breakdown=results.group_breakdown(round_),
                           min_responses=results.min_responses(),
                           **_links(challenge, round_))


def _text_question(round_: Round, question_id: int) -> Question:
    question = services.get_question(round_, question_id)
    if question is None or question.kind not in results.TEXT_KINDS:
        abort(404)
    return question


@bp.get("/c/<slug>/rounds/<int:round_id>/results/questions/<int:question_id>/answers")
def results_answers(slug: str, round_id: int, question_id: int) -> str:
    round_ = managed_round(slug, round_id)
    challenge = round_.challenge
    question = _text_question(round_, question_id)
    form, group = _filter(round_, AnswerSearchForm)
    text = (form.q.data or "").strip()[:200]
    page = results.open_answers(round_, question, text=text, page=_page_number(),
                                group_id=group.id if group is not None else None)
    query = {key: value for key, value in (("q", text), ("group", form.group.data)) if value}
    return render_template("validation/results_answers.html", challenge=challenge,
                           round=round_, question=question, form=form, page=page,
                           text=text, group=group, query=query)


@bp.get("/c/<slug>/rounds/<int:round_id>/results.csv")
def results_csv(slug: str, round_id: int) -> Response:
    round_ = managed_round(slug, round_id)
    lines = results.export_csv(acting_user(), round_)
    name = results.export_filename(round_)
    db.session.commit()
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- comparing two rounds ----------------------------------------------------------------------


def _compare_choices(rounds: list[Round]) -> list[SelectChoice]:
    return [content_choice(r.id, f"{r.title} (v{r.version.number})", r.challenge)
            for r in reversed(rounds)]


def _chosen(rounds: list[Round], form: CompareForm) -> tuple[Round, Round] | None:
    """The rounds asked for (404 if one is not of this prototype), else the latest two."""
    if form.a.data is None and form.b.data is None:
        return results.default_pair(rounds)
    by_id = {r.id: r for r in rounds}
    if form.a.data not in by_id or form.b.data not in by_id:
        abort(404)
    return by_id[form.a.data], by_id[form.b.data]


def _version_url(prototype: Prototype, version: PrototypeVersion) -> str:
    return url_for("prototypes.version", slug=prototype.challenge.slug,
                   prototype_id=prototype.id, number=version.number)


@bp.get("/c/<slug>/prototypes/<int:prototype_id>/compare")
def compare(slug: str, prototype_id: int) -> str:
    challenge, prototype = managed_prototype(slug, prototype_id)
    rounds = services.rounds_of(prototype)
    form = CompareForm(request.args)
    form.a.choices = form.b.choices = _compare_choices(rounds)
    pair = _chosen(rounds, form)
    if pair is None:
        return render_template("validation/compare.html", challenge=challenge,
                               prototype=prototype, form=form, comparison=None)
    form.a.data, form.b.data = pair[0].id, pair[1].id
    versions = sorted({r.version.number: r.version for r in pair}.items())
    newer = versions[-1][1] if len(versions) == 2 else None
    return render_template(
        "validation/compare.html", challenge=challenge, prototype=prototype, form=form,
        comparison=results.compare_rounds(*pair), newer=newer,
        version_url=_version_url(prototype, newer) if newer is not None else None)
