"""one timeline entry per re-planning

Planning the phases wrote one public "phase.planned" event per changed phase, so every
re-planning put up to five lines on the public timeline. From now on those events are for the
core team's log only, and one public "phases.planned" event per re-planning lists the phases
that changed. This migration does the same for the events already written: the per-phase
events of one re-planning (same challenge, same person, written within a minute of each other,
one after the other) get one "phases.planned" event and are no longer public. No schema change.

Revision ID: 3c91d7a4b2e8
Revises: 6f2525cee877
Create Date: 2026-12-05 09:00:00.000000

"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '3c91d7a4b2e8'
down_revision = '6f2525cee877'
branch_labels = None
depends_on = None

# Events of one re-planning are written in one request, moments apart.
SAME_PLANNING = timedelta(minutes=1)

audit_events = sa.table(
    'audit_events',
    sa.column('id', sa.Integer),
    sa.column('created_dt', sa.DateTime(timezone=True)),
    sa.column('actor_id', sa.Integer),
    sa.column('challenge_id', sa.Integer),
    sa.column('action', sa.String),
    sa.column('object_type', sa.String),
    sa.column('object_id', sa.Integer),
    sa.column('old_state', sa.String),
    sa.column('new_state', sa.String),
    sa.column('reason', sa.Text),
    sa.column('is_public', sa.Boolean),
    sa.column('details', sa.JSON),
)


def _plannings(connection, action):
    """The events of ``action`` grouped per re-planning, oldest first."""
    rows = connection.execute(
        sa.select(audit_events.c.id, audit_events.c.created_dt, audit_events.c.actor_id,
                  audit_events.c.challenge_id, audit_events.c.new_state,
                  audit_events.c.is_public, audit_events.c.details)
        .where(audit_events.c.action == action)
        .order_by(audit_events.c.challenge_id, audit_events.c.id)).all()
    groups = []
    for row in rows:
        last = groups[-1][-1] if groups else None
        if (last is not None and (last.challenge_id, last.actor_id)
                == (row.challenge_id, row.actor_id)
                and row.created_dt - groups[-1][0].created_dt <= SAME_PLANNING):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def upgrade():
    connection = op.get_bind()
    for group in _plannings(connection, 'phase.planned'):
        phases = [{'phase': (row.details or {}).get('phase'), 'span': row.new_state}
                  for row in group]
        first = group[0]
        connection.execute(audit_events.insert().values(
            created_dt=group[-1].created_dt, actor_id=first.actor_id,
            challenge_id=first.challenge_id, action='phases.planned', object_type='challenges',
            object_id=first.challenge_id, is_public=any(row.is_public for row in group),
            details={'phases': phases}))
        connection.execute(audit_events.update()
                           .where(audit_events.c.id.in_([row.id for row in group]))
                           .values(is_public=False))


def downgrade():
    connection = op.get_bind()
    plannings = connection.execute(
        sa.select(audit_events.c.id, audit_events.c.created_dt, audit_events.c.actor_id,
                  audit_events.c.challenge_id, audit_events.c.is_public)
        .where(audit_events.c.action == 'phases.planned')).all()
    for planning in plannings:
        actor = (audit_events.c.actor_id.is_(None) if planning.actor_id is None
                 else audit_events.c.actor_id == planning.actor_id)
        connection.execute(
            audit_events.update()
            .where(audit_events.c.action == 'phase.planned',
                   audit_events.c.challenge_id == planning.challenge_id, actor,
                   audit_events.c.created_dt.between(planning.created_dt - SAME_PLANNING,
                                                     planning.created_dt))
            .values(is_public=planning.is_public))
    connection.execute(audit_events.delete().where(audit_events.c.action == 'phases.planned'))
