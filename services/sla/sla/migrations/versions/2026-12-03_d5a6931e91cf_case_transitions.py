"""case transitions: the status of each case per version, so a late (older) event still counts its time

Existing clocks get a row for the version they hold (and a resolved one for the version that resolved
it too). When that version's status began is not stored for an open status, the row says the case's
creation: a late event older than it then counts nothing, as before.

Revision ID: d5a6931e91cf
Revises: 42f44a147687
Create Date: 2026-12-03 10:12:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = "d5a6931e91cf"
down_revision = "42f44a147687"
branch_labels = None
depends_on = None

clocks = sa.table("case_clocks", sa.column("case_id"), sa.column("version"), sa.column("status"),
                  sa.column("created_at"), sa.column("resolved_at"), sa.column("resolved_version"),
                  sa.column("closed_at"))
transitions = sa.table("case_transitions", sa.column("case_id"), sa.column("version"), sa.column("status"),
                       sa.column("at"))


def upgrade() -> None:
    op.create_table(
        "case_transitions",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_clocks.case_id"],
                                name=op.f("fk_case_transitions_case_id_case_clocks"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "version", name=op.f("pk_case_transitions")),
    )
    entered_at = sa.func.coalesce(
        sa.case((clocks.c.status == "resolved", clocks.c.resolved_at),
                (clocks.c.status == "closed", clocks.c.closed_at)),
        clocks.c.created_at,
    )
    op.execute(transitions.insert().from_select(
        ["case_id", "version", "status", "at"],
        sa.select(clocks.c.case_id, clocks.c.version, clocks.c.status, entered_at),
    ))
    op.execute(transitions.insert().from_select(
        ["case_id", "version", "status", "at"],
        sa.select(clocks.c.case_id, clocks.c.resolved_version, sa.literal("resolved"), clocks.c.resolved_at).where(
            clocks.c.status == "resolved", clocks.c.resolved_version < clocks.c.version,
            clocks.c.resolved_at.is_not(None)),
    ))


def downgrade() -> None:
    op.drop_table("case_transitions")
