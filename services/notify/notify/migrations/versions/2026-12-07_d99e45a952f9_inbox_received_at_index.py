"""an index of inbox claims by arrival, for the purge of those older than INBOX_RETENTION_DAYS

Revision ID: d99e45a952f9
Revises: 6e1f0a4c8b52
Create Date: 2026-12-07 09:00:00.000000
"""
from alembic import op


revision = 'd99e45a952f9'
down_revision = '6e1f0a4c8b52'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_inbox_received_at'), 'inbox', ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_inbox_received_at'), table_name='inbox')
