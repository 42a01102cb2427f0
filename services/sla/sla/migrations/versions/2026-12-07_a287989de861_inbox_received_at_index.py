"""an index of inbox claims by arrival, for the purge of those older than INBOX_RETENTION_DAYS

Revision ID: a287989de861
Revises: d5a6931e91cf
Create Date: 2026-12-07 09:00:00.000000
"""
from alembic import op


revision = 'a287989de861'
down_revision = 'd5a6931e91cf'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_inbox_received_at'), 'inbox', ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_inbox_received_at'), table_name='inbox')
