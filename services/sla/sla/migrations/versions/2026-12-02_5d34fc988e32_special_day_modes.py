"""special days get a mode (closed, limit, open); the seeded Grundlovsdag limits the day

Before, a special day with hours always opened for those hours, so the seeded recurring
"Grundlovsdag 08:00-12:00" made a working morning of the years 5 June is a Saturday, a Sunday
or a public holiday (Anden pinsedag 2028).  A special day without hours becomes ``closed``;
a recurring one with hours becomes ``limit`` (it cannot have been meant to open the weekends it
lands on); a one-off with hours keeps what it did, ``open`` (its date was chosen knowing its weekday).
Special days are JSON in ``calendars.special_days``, so no column changes.

Revision ID: 5d34fc988e32
Revises: d731f76559bc
Create Date: 2026-12-02 14:32:01.000000
"""
from alembic import op
import sqlalchemy as sa

revision = "5d34fc988e32"
down_revision = "d731f76559bc"
branch_labels = None
depends_on = None

calendars = sa.table("calendars", sa.column("id", sa.String), sa.column("special_days", sa.JSON))


def mode_of(special: dict) -> str:
    if not special.get("hours"):
        return "closed"
    return "limit" if special.get("recurring") else "open"


def rewrite(change) -> None:
    bind = op.get_bind()
    for calendar_id, special_days in bind.execute(sa.select(calendars.c.id, calendars.c.special_days)).all():
        if special_days:
            bind.execute(calendars.update().where(calendars.c.id == calendar_id)
                         .values(special_days=[change(dict(special)) for special in special_days]))


def upgrade() -> None:
    rewrite(lambda special: {**special, "mode": special.get("mode") or mode_of(special)})


def downgrade() -> None:
    rewrite(lambda special: {k: v for k, v in special.items() if k != "mode"})
