"""The migrations build the whole schema from empty, and match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from ideation.extensions import db
from tests.conftest import make_test_app


def test_upgrade_from_empty_creates_every_table_and_check_finds_no_difference(
    empty_database, tmp_path
):
    app = make_test_app(empty_database, tmp_path)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        assert "alembic_version" in tables

        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, db.metadata) == []
        # The command a developer runs says the same (it exits non-zero on a difference).
        result = app.test_cli_runner().invoke(args=["db", "check"])
        assert result.exit_code == 0, result.output
        db.engine.dispose()


def test_downgrade_to_base_removes_the_schema_again(empty_database, tmp_path):
    app = make_test_app(empty_database, tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
