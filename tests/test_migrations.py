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


def test_old_per_phase_timeline_events_become_one_entry_per_replanning(empty_database,
                                                                       tmp_path):
    """Before 3c91d7a4b2e8 every planned phase was its own public event; the migration
    gives each re-planning one public "phases.planned" event and keeps the rest for the log,
    and its downgrade puts the old events back."""
    from datetime import timedelta

    from sqlalchemy import select

    from ideation.challenges.models import PhaseKind
    from ideation.challenges.timeline import latest_entries
    from ideation.core.audit import record_event
    from ideation.core.db import utcnow
    from ideation.core.models import AuditEvent
    from tests.factories import make_challenge

    app = make_test_app(empty_database, tmp_path)
    with app.app_context():
        upgrade()
        challenge = make_challenge(planned=False)
        db.session.execute(AuditEvent.__table__.delete())
        # Two plannings as the old code wrote them: five phases, then two, a day apart.
        start = utcnow() - timedelta(days=1)
        for n, (kinds, when) in enumerate(((list(PhaseKind), start),
                                           ([PhaseKind.dream, PhaseKind.agenda],
                                            start + timedelta(days=1)))):
            for position, kind in enumerate(kinds):
                phase = challenge.phase(kind)
                event = record_event(None, "phase.planned", phase, challenge=challenge,
                                     new=f"2027-0{position + 1}-0{n + 1}/2027-0{position + 1}-2{n}",
                                     public=True, details={"phase": kind.value})
                event.created_dt = when + timedelta(seconds=position)
        db.session.commit()
        downgrade(revision="6f2525cee877")
        assert db.session.scalars(select(AuditEvent.action).distinct()).all() == [
            "phase.planned"]
        # The session's read holds a lock on PostgreSQL that the migration's ALTER would wait
        # for: end it before every migration step.
        db.session.rollback()

        upgrade()
        with app.test_request_context(headers={"Accept-Language": "en"}):
            texts = [entry.text for entry in latest_entries(challenge)]
        plannings = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "phases.planned")
            .order_by(AuditEvent.id)).all()
        phase_events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "phase.planned")).all()

        assert [len(p.details["phases"]) for p in plannings] == [5, 2]
        assert all(p.is_public for p in plannings)
        assert not any(event.is_public for event in phase_events)
        assert len(texts) == 2
        assert texts[0].startswith("The planning changed: “Dream big” from ")
        assert "“Agenda for Action” from" in texts[0]
        db.session.rollback()

        downgrade(revision="6f2525cee877")
        db.session.expire_all()
        assert all(db.session.scalars(select(AuditEvent.is_public)))  # columns only: the
        # models now have columns (users.*) that this old schema lacks
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "phases.planned")) is None
        db.session.remove()
        db.engine.dispose()
