"""cases: owning_team_id, the team that handed a case over and alone closes it (seed 001)

Revision ID: 98fff705c019
Revises: e58d2292dba3
Create Date: 2026-12-02 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '98fff705c019'
down_revision = 'e58d2292dba3'
branch_labels = None
depends_on = None

cases = sa.table('cases', sa.column('id', sa.String), sa.column('handed_over_from_team_id', sa.String),
                 sa.column('owning_team_id', sa.String))
history = sa.table('case_history', sa.column('id', sa.BigInteger), sa.column('case_id', sa.String),
                   sa.column('field', sa.String), sa.column('new_value', sa.JSON))


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owning_team_id', sa.String(length=36), nullable=True))
    _backfill(op.get_bind())


def _backfill(bind) -> None:
    """The owner is the first team a case was handed over from: on the case while handed over, else in its history."""
    bind.execute(cases.update().where(cases.c.handed_over_from_team_id.is_not(None))
                 .values(owning_team_id=cases.c.handed_over_from_team_id))
    owners: dict[str, str] = {}
    rows = bind.execute(sa.select(history.c.case_id, history.c.new_value)
                        .where(history.c.field == 'handed_over_from_team_id').order_by(history.c.id))
    for case_id, team_id in rows:
        if team_id and case_id not in owners:
            owners[case_id] = team_id
    for case_id, team_id in owners.items():
        bind.execute(cases.update().where(cases.c.id == case_id, cases.c.owning_team_id.is_(None))
                     .values(owning_team_id=team_id))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('owning_team_id')
