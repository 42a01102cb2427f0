"""the ledger test service's table, with the kit's outbox and inbox

Revision ID: 0001
Revises:
"""
from alembic import op
from ledger import metadata

from servicekit import inbox, outbox  # noqa: F401  (their tables join the kit's metadata)
from servicekit.db import kit_metadata

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    kit_metadata.create_all(op.get_bind())
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
    kit_metadata.drop_all(op.get_bind())
