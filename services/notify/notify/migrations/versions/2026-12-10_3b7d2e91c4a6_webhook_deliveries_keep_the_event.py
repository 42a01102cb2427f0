"""webhook deliveries keep the event as it came; the body is made (and redacted) when it is sent

Revision ID: 3b7d2e91c4a6
Revises: 9c2e4b7a1d30
Create Date: 2026-12-10 09:00:00.000000
"""
from alembic import op

revision = '3b7d2e91c4a6'
down_revision = '9c2e4b7a1d30'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The bodies kept so far are events too (redacted or not); redacting them again changes nothing.
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.alter_column('body', new_column_name='event_json')


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.alter_column('event_json', new_column_name='body')
