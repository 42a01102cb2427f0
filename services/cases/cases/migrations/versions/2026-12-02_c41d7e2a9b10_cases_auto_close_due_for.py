"""cases: auto_close_due_for, an auto-close held back by blocking tasks until they are done

Revision ID: c41d7e2a9b10
Revises: 98fff705c019
Create Date: 2026-12-02 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c41d7e2a9b10'
down_revision = '98fff705c019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_close_due_for', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('auto_close_due_for')
