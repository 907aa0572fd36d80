"""A stakeholder can stop the reminders of a round from the link in its e-mails.

Revision ID: a1c0ffee0015
Revises: 37e5b0611ec3
Create Date: 2026-12-06 00:05:00

"""
from alembic import op
import sqlalchemy as sa

import ideation.core.db


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0015'
down_revision = '37e5b0611ec3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_stopped_dt',
                                      ideation.core.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('reminders_stopped_dt')
