"""ideation: design-thinking challenges from citizens' ideas to tested prototypes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI and error pages."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("IDEATION_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)

    from ideation import config as configuration

    configuration.load(app, config)
    from ideation.core.routing import DatabaseIntConverter

    # Before any route is added: every <int:...> in a URL must fit a database integer.
    app.url_map.converters["int"] = DatabaseIntConverter
    _init_extensions(app)
    _register_blueprints(app)

    from ideation import cli
    from ideation.core import errors, i18n, mail, schedule, security
    from ideation.search import services as search

    schedule.init_app(app)
    security.init_app(app)
    search.init_app(app)
    mail.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from ideation.core.i18n import select_locale, select_timezone
    from ideation.extensions import babel, compress, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    from ideation.core.db import limit_web_statements

    with app.app_context():
        limit_web_statements(app, db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    limiter.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    if app.config["IDEATION_PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["IDEATION_PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from ideation.core.i18n import lazy_gettext as _l

    login_manager.login_message = _l("Log in to see this page.")

    from ideation.accounts.models import User
    from ideation.core.routing import optional_database_id

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        ident, _sep, token = user_id.partition(":")
        key = optional_database_id(ident)
        if key is None:
            return None
        user = db.session.get(User, key)
        if user is None or not token or user.session_token != token:
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from ideation.accounts.views import bp as accounts_bp
    from ideation.challenges.views import bp as challenges_bp
    from ideation.core.views import bp as core_bp
    from ideation.ideas.views import bp as ideas_bp  # also imports the idea models
    from ideation.moderation.views import bp as moderation_bp
    from ideation.search import models as search_models  # noqa: F401 - the outbox table

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(challenges_bp)
    app.register_blueprint(ideas_bp)
    app.register_blueprint(moderation_bp)
    # After the ideas: the funnel lists its stages in import order (ideas, then clusters).
    from ideation.curation.views import bp as curation_bp  # also imports the cluster models

    app.register_blueprint(curation_bp)
    # Then the later stages, in funnel order: concepts, prototypes, validation.
    from ideation.concepts.views import bp as concepts_bp
    from ideation.notifications.views import bp as notifications_bp
    from ideation.prototypes.views import bp as prototypes_bp
    from ideation.validation.views import bp as validation_bp

    app.register_blueprint(concepts_bp)
    app.register_blueprint(prototypes_bp)
    app.register_blueprint(validation_bp)
    app.register_blueprint(notifications_bp)
    from ideation.workspace.views import bp as workspace_bp

    app.register_blueprint(workspace_bp)

    from ideation.privacy.views import bp as privacy_bp

    app.register_blueprint(privacy_bp)
    from ideation.reports import export_views  # noqa: F401 - the exports, on the same blueprint
    from ideation.reports.api import bp as api_bp
    from ideation.reports.views import bp as reports_bp

    app.register_blueprint(reports_bp)
    app.register_blueprint(api_bp)
    from ideation.process.views import bp as process_bp
    from ideation.sessions.views import bp as sessions_bp
    app.register_blueprint(process_bp)
    app.register_blueprint(sessions_bp)
    from ideation.challenges import timeline  # the funnel's later stages, after clusters

    timeline.init_app(app)
