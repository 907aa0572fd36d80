"""Idea search on PostgreSQL: one row per searchable idea with a tsvector and a GIN index.

The table is created on every database so the schema is the same everywhere, but only the
PostgreSQL search backend uses it (on SQLite ``document`` is plain text and stays empty).
After upgrading a PostgreSQL installation, ``flask search reindex`` fills it once; from then
on every change writes its row in its own transaction.

Revision ID: 81c491bfae49
Revises: eb314ded9480
Create Date: 2026-12-06 01:03:19.250625

"""
from alembic import op
import sqlalchemy as sa

import ideation.core.db
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '81c491bfae49'
down_revision = 'eb314ded9480'
branch_labels = None
depends_on = None

def upgrade():
    op.create_table('idea_search',
    sa.Column('idea_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('document', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_idea_search_challenge_id_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], name=op.f('fk_idea_search_idea_id_ideas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('idea_id', name=op.f('pk_idea_search'))
    )
    with op.batch_alter_table('idea_search', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idea_search_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index('ix_idea_search_document', ['document'], unique=False, postgresql_using='gin')



def downgrade():
    with op.batch_alter_table("idea_search", schema=None) as batch_op:
        batch_op.drop_index('ix_idea_search_document', postgresql_using='gin')
        batch_op.drop_index(batch_op.f('ix_idea_search_challenge_id'))

    op.drop_table('idea_search')
