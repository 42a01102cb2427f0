"""outgoing mails remember who the server accepted and refused

Revision ID: 9c2e4b7a1d30
Revises: 5f15a83d41f8
Create Date: 2026-12-01 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '9c2e4b7a1d30'
down_revision = '5f15a83d41f8'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_to', JSON, nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('refused', JSON, nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.drop_column('refused')
        batch_op.drop_column('sent_to')
