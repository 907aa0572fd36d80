"""Partial indexes for counting the gallery's ideas and the board's ideas without a group.

EXPLAIN ANALYZE on PostgreSQL at 100,000 ideas (bench/explain.py): both counts read the whole
ideas table (a sequential scan, about 50 ms each); over these indexes they are index-only
scans. See the README's PostgreSQL section.

Revision ID: f5a3f551936b
Revises: 81c491bfae49
Create Date: 2026-12-06 01:18:28.969868

"""
from alembic import op
import sqlalchemy as sa

import ideation.core.db


# revision identifiers, used by Alembic.
revision = 'f5a3f551936b'
down_revision = '81c491bfae49'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.create_index('ix_ideas_count_unclustered', ['challenge_id', 'status', 'id'], unique=False, postgresql_where=sa.text('merged_into_id IS NULL AND cluster_id IS NULL'), sqlite_where=sa.text('merged_into_id IS NULL AND cluster_id IS NULL'))
        batch_op.create_index('ix_ideas_count_visible', ['challenge_id', 'status', 'id'], unique=False, postgresql_where=sa.text('merged_into_id IS NULL'), sqlite_where=sa.text('merged_into_id IS NULL'))



def downgrade():
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_index('ix_ideas_count_visible', postgresql_where=sa.text('merged_into_id IS NULL'), sqlite_where=sa.text('merged_into_id IS NULL'))
        batch_op.drop_index('ix_ideas_count_unclustered', postgresql_where=sa.text('merged_into_id IS NULL AND cluster_id IS NULL'), sqlite_where=sa.text('merged_into_id IS NULL AND cluster_id IS NULL'))

