"""replan jobs: an admin change re-plans the open clocks a chunk at a time

Revision ID: 42f44a147687
Revises: 5d34fc988e32
Create Date: 2026-12-02 15:05:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = "42f44a147687"
down_revision = "5d34fc988e32"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "replan_jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cursor", sa.String(length=36), nullable=False),
        sa.Column("replanned", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replan_jobs")),
    )
    with op.batch_alter_table("replan_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_replan_jobs_unfinished", ["id"], unique=False,
                              postgresql_where=sa.text("finished_at IS NULL"),
                              sqlite_where=sa.text("finished_at IS NULL"))


def downgrade() -> None:
    with op.batch_alter_table("replan_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_replan_jobs_unfinished", postgresql_where=sa.text("finished_at IS NULL"),
                            sqlite_where=sa.text("finished_at IS NULL"))
    op.drop_table("replan_jobs")
