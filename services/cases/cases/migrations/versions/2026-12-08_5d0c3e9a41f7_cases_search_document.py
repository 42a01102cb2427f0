"""cases: a stored Danish search document (generated column, GIN index), so that a search matching many
cases reads each document instead of building it again from title and description for every row; the
expression index of the first migration (ix_cases_search) is read no more and goes

PostgreSQL only, like the search indexes of the first migration (SQLite searches with LIKE). Adding the
column computes it for every case once, under a lock on the table.

Revision ID: 5d0c3e9a41f7
Revises: bc4064041160
Create Date: 2026-12-08 09:00:00.000000
"""
from alembic import op


revision = '5d0c3e9a41f7'
down_revision = 'bc4064041160'
branch_labels = None
depends_on = None

# As cases.models.SEARCH_DOCUMENT (a migration keeps its own copy: the model may change later).
SEARCH_DOCUMENT = "to_tsvector('danish'::regconfig, (title || ' ') || description)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE cases ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({SEARCH_DOCUMENT}) STORED")
    op.execute("CREATE INDEX ix_cases_search_document ON cases USING gin (search_document)")
    op.execute("DROP INDEX IF EXISTS ix_cases_search")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_cases_search ON cases USING gin ({SEARCH_DOCUMENT})")
    op.execute("DROP INDEX ix_cases_search_document")
    op.execute("ALTER TABLE cases DROP COLUMN search_document")
