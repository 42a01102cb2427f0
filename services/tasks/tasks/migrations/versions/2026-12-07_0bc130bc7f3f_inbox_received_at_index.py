"""an index of inbox claims by arrival, for the purge of those older than INBOX_RETENTION_DAYS

Revision ID: 0bc130bc7f3f
Revises: c8fe0c0cf281
Create Date: 2026-12-07 09:00:00.000000
"""
from alembic import op


revision = '0bc130bc7f3f'
down_revision = 'c8fe0c0cf281'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_inbox_received_at'), 'inbox', ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_inbox_received_at'), table_name='inbox')
