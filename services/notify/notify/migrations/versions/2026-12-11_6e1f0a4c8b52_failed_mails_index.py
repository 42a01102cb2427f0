"""an index of failed mails, counted on every metrics scrape (notify_mails_failed)

Revision ID: 6e1f0a4c8b52
Revises: 3b7d2e91c4a6
Create Date: 2026-12-11 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '6e1f0a4c8b52'
down_revision = '3b7d2e91c4a6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_outgoing_mails_failed', 'outgoing_mails', ['created_at'], unique=False,
                    postgresql_where=sa.text("status = 'failed'"), sqlite_where=sa.text("status = 'failed'"))


def downgrade() -> None:
    op.drop_index('ix_outgoing_mails_failed', table_name='outgoing_mails',
                  postgresql_where=sa.text("status = 'failed'"), sqlite_where=sa.text("status = 'failed'"))
