"""challenge card image

The picture on a challenge's card on the start page, uploaded by the core team through the
photo pipeline: its storage key, size and required text alternative.

Revision ID: 3be20ad5fc7f
Revises: 3c91d7a4b2e8
Create Date: 2026-12-05 08:55:06.884149

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3be20ad5fc7f'
down_revision = '3c91d7a4b2e8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_key', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('image_alt', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('image_width', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('image_height', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.drop_column('image_height')
        batch_op.drop_column('image_width')
        batch_op.drop_column('image_alt')
        batch_op.drop_column('image_key')
