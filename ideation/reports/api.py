"""The read-only JSON API (``/api/v1/``) of published challenges, and its OpenAPI document.

The document is generated from the code by apispec: every view declares its operation (summary,
query parameters, the schema of its answer) with ``@operation``, the paths come from Flask's URL
map, the schemas from ``SCHEMAS``. What the API shows is ``reports/public_data.py``: public
content only, no e-mail addresses, no anonymous authors. Rate-limited per client address
(``IDEATION_API_RATE_LIMIT``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from apispec import APISpec
from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from ideation.challenges import services as challenge_services
from ideation.challenges.models import Challenge
from ideation.concepts.models import ConceptState
from ideation.core.security import public
from ideation.curation.models import ClusterState
from ideation.extensions import limiter
from ideation.prototypes.models import PrototypeState
from ideation.reports import public_data
from ideation.reports.models import ActionStatus
from ideation.validation.models import Outcome

bp = Blueprint("api", __name__, url_prefix="/api/v1")
limiter.limit(lambda: current_app.config["IDEATION_API_RATE_LIMIT"])(bp)

# --- schemas -----------------------------------------------------------------------------------

_STR, _INT = {"type": "string"}, {"type": "integer"}
_NSTR = {"type": "string", "nullable": True}
_IDS = {"type": "array", "items": _INT}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": sorted(properties),
            "additionalProperties": False}


def _enum(values: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [str(getattr(v, "value", v)) for v in values]}


SCHEMAS: dict[str, dict[str, Any]] = {
    "Phase": _object(phase=_STR, starts_on=_NSTR, ends_on=_NSTR),
    "Challenge": _object(slug=_STR, title=_STR, question=_STR, description=_STR,
                         language=_STR, licence=_STR, phase=_enum(public_data.PHASE_FILTERS),
                         phases={"type": "array", "items": {"$ref": "#/components/schemas/Phase"}}),
    "Idea": _object(id=_INT, title=_STR, description=_STR, theme=_NSTR,
                    cluster_id={"type": "integer", "nullable": True}, supports=_INT,
                    created=_STR, author=_NSTR),
    "Cluster": _object(id=_INT, name=_STR, summary=_STR, state=_enum(ClusterState), size=_INT),
    "Concept": _object(id=_INT, title=_STR, dream_big=_STR, realistic=_STR,
                       state=_enum(ConceptState), cluster_ids=_IDS),
    "Version": _object(number=_INT, description=_STR, changes=_STR, change_reason=_STR,
                       created=_STR),
    "Prototype": _object(id=_INT, title=_STR, kind=_STR, state=_enum(PrototypeState),
                         concept_id=_INT, versions={"type": "array", "items": {
                             "$ref": "#/components/schemas/Version"}}),
    "Concern": _object(summary=_STR, disposition=_STR, answer=_STR),
    "Decision": _object(id=_INT, prototype_id=_INT, round=_STR, version=_INT,
                        outcome=_enum(Outcome), rationale=_STR, decided=_STR, respondents=_INT,
                        concerns={"type": "array", "items": {
                            "$ref": "#/components/schemas/Concern"}}),
    "StatusChange": _object(status=_enum(ActionStatus), reason=_STR, changed=_STR),
    "Update": _object(body=_STR, posted=_STR),
    "Action": _object(id=_INT, title=_STR, owner=_STR, description=_STR, due_on=_NSTR,
                      status=_enum(ActionStatus), stop_reason=_STR, concept_ids=_IDS,
                      prototype_ids=_IDS,
                      history={"type": "array", "items": {
                          "$ref": "#/components/schemas/StatusChange"}},
                      updates={"type": "array", "items": {"$ref": "#/components/schemas/Update"}}),
    "Error": _object(error=_STR),
}


def _page_of(name: str) -> dict[str, Any]:
    return _object(items={"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
                   page={"type": "integer", "minimum": 1},
                   per_page={"type": "integer", "minimum": 1,
                             "maximum": public_data.MAX_PER_PAGE},
                   total={"type": "integer", "minimum": 0})


for _name in ("Challenge", "Idea", "Cluster", "Concept", "Prototype", "Decision", "Action"):
    SCHEMAS[f"{_name}Page"] = _page_of(_name)

PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {
        "type": "integer", "minimum": 1, "maximum": public_data.MAX_PER_PAGE, "default": 50}},
]


def _filter(name: str, values: Any, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": _enum(values)}


def operation(summary: str, schema: str, parameters: list[dict[str, Any]] | None = None
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Describe a view for the OpenAPI document (read by ``openapi_document``)."""
    def describe(view: Callable[..., Any]) -> Callable[..., Any]:
        view.openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "parameters": parameters or [],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{schema}"}}}},
                "400": {"description": "A parameter is not valid", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "404": {"description": "No such published challenge", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "429": {"description": "Too many requests (IDEATION_API_RATE_LIMIT)"},
            },
        }
        return view
    return describe


# --- answering ---------------------------------------------------------------------------------


class BadParameter(Exception):
    pass


@bp.errorhandler(BadParameter)
def _bad_parameter(error: BadParameter) -> tuple[Response, int]:
    return jsonify(error=str(error)), 400


class NotFound(Exception):
    pass


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[Response, int]:
    """Errors of the API's addresses (a bad request, too many requests) answer in JSON too."""
    return jsonify(error=error.description or error.name), error.code or 500


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> tuple[Response, int]:
    return jsonify(error="no such published challenge"), 404


def _number(name: str, default: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < 1:
        raise BadParameter(f"{name} must be a whole number of 1 or more")
    value = int(raw)
    if maximum is not None and value > maximum:
        raise BadParameter(f"{name} must be at most {maximum}")
    return value


def _choice(name: str, values: Any) -> str | None:
    raw = request.args.get(name)
    allowed = [str(getattr(v, "value", v)) for v in values]
    if raw is None:
        return None
    if raw not in allowed:
        raise BadParameter(f"{name} must be one of: {', '.join(allowed)}")
    return raw


def _paging() -> tuple[int, int]:
    return _number("page", 1), _number("per_page", 50, public_data.MAX_PER_PAGE)


def _paged(items: list[dict[str, Any]]) -> Response:
    page, per_page = _paging()
    start = (page - 1) * per_page
    return jsonify(public_data.Page(items[start:start + per_page], page, per_page,
                                    len(items)).as_dict())


def _challenge(slug: str) -> Challenge:
    challenge = challenge_services.get_by_slug(slug)
    if challenge is None or not challenge.is_published:
        raise NotFound()
    return challenge


@bp.get("/challenges")
@public
@operation("Published challenges", "ChallengePage", [*PAGING, _filter(
    "phase", public_data.PHASE_FILTERS, "Only challenges in this phase today")])
def challenges() -> Response:
    phase = _choice("phase", public_data.PHASE_FILTERS)
    return _paged([public_data.challenge_record(c)
                   for c in public_data.published_challenges(phase)])


@bp.get("/challenges/<slug>")
@public
@operation("One published challenge", "Challenge")
def challenge(slug: str) -> Response:
    return jsonify(public_data.challenge_record(_challenge(slug)))


@bp.get("/challenges/<slug>/ideas")
@public
@operation("Published ideas of a challenge, oldest first", "IdeaPage", [*PAGING, {
    "name": "theme", "in": "query", "description": "Only ideas with this theme (its name)",
    "schema": {"type": "string"}}])
def ideas(slug: str) -> Response:
    found = _challenge(slug)
    page, per_page = _paging()
    return jsonify(public_data.ideas_page(found, page=page, per_page=per_page,
                                          theme=request.args.get("theme")).as_dict())


@bp.get("/challenges/<slug>/clusters")
@public
@operation("Published clusters of a challenge", "ClusterPage",
           [*PAGING, _filter("state", ClusterState, "Only clusters in this state")])
def clusters(slug: str) -> Response:
    found = _challenge(slug)
    return _paged(public_data.clusters(found, _choice("state", ClusterState)))


@bp.get("/challenges/<slug>/concepts")
@public
@operation("Published concepts of a challenge", "ConceptPage",
           [*PAGING, _filter("state", ConceptState, "Only concepts in this state")])
def concepts(slug: str) -> Response:
    found = _challenge(slug)
    return _paged(public_data.concepts(found, _choice("state", ConceptState)))


@bp.get("/challenges/<slug>/prototypes")
@public
@operation("Published prototypes of a challenge with their versions", "PrototypePage",
           [*PAGING, _filter("state", PrototypeState, "Only prototypes in this state")])
def prototypes(slug: str) -> Response:
    found = _challenge(slug)
    return _paged(public_data.prototypes(found, _choice("state", PrototypeState)))


@bp.get("/challenges/<slug>/decisions")
@public
@operation("Decisions on published prototypes, with the answers to the minority",
           "DecisionPage", [*PAGING, _filter("outcome", Outcome, "Only this outcome")])
def decisions(slug: str) -> Response:
    found = _challenge(slug)
    return _paged(public_data.decisions(found, _choice("outcome", Outcome)))


@bp.get("/challenges/<slug>/actions")
@public
@operation("Actions of the published Agenda for Action, with their history", "ActionPage",
           [*PAGING, _filter("status", ActionStatus, "Only actions with this status")])
def actions(slug: str) -> Response:
    found = _challenge(slug)
    return _paged(public_data.actions(found, _choice("status", ActionStatus)))


# --- the OpenAPI document ------------------------------------------------------------------------


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3 document of every view of this blueprint, from the URL map."""
    spec = APISpec(title="ideation open data API", version="1", openapi_version="3.0.3",
                   info={"description": "Read-only: published challenges and what became of "
                                        "them. Public content only."},
                   servers=[{"url": request.host_url.rstrip("/")}])
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        view = current_app.view_functions.get(rule.endpoint)
        described = getattr(view, "openapi", None)
        if not rule.endpoint.startswith("api.") or described is None:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        parameters = [{"name": name, "in": "path", "required": True,
                       "schema": {"type": "string"}} for name in sorted(rule.arguments)]
        spec.path(path=path, operations={"get": {
            **described, "operationId": rule.endpoint.split(".", 1)[1],
            "parameters": parameters + described["parameters"]}})
    return spec.to_dict()


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    return jsonify(openapi_document())
