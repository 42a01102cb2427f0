"""users.sessions_valid_after: a log-out voids every copy of the user's session cookies

Revision ID: 5b7e1c9d2a40
Revises: 263e70e44013
Create Date: 2026-12-02 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '5b7e1c9d2a40'
down_revision = '263e70e44013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('sessions_valid_after', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('sessions_valid_after')
