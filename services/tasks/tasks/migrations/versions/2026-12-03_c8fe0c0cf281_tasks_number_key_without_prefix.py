"""tasks: number_key is the YYMM-NNNN part alone, so a number is found whatever its prefix

The counter belongs to the month, never to the prefix, so the part alone is as unique as the whole
number was; a task numbered before a change of TASK_NUMBER_PREFIX is found with the new prefix too.

Revision ID: c8fe0c0cf281
Revises: 009cc8f48c30
Create Date: 2026-12-03 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c8fe0c0cf281'
down_revision = '009cc8f48c30'
branch_labels = None
depends_on = None

tasks = sa.table('tasks', sa.column('number', sa.String), sa.column('number_key', sa.String))
LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'  # the stored keys are upper case; prefixes are letters only


def upgrade() -> None:
    # Old keys all start with a prefix and new ones with a digit: no row takes another's key on the way.
    op.execute(tasks.update().values(number_key=sa.func.ltrim(tasks.c.number_key, LETTERS)))


def downgrade() -> None:
    op.execute(tasks.update().values(number_key=sa.func.upper(sa.func.replace(tasks.c.number, ' ', ''))))
