"""One query per list page: the rows of the page and the total, counted by a window function."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def paged(session: Session, statement: Select, *, page: int, per_page: int) -> tuple[list[Any], int]:
    rows = session.execute(
        statement.add_columns(func.count().over().label("total")).limit(per_page).offset((page - 1) * per_page)
    ).all()
    if rows:
        return [row[0] for row in rows], rows[0].total
    if page == 1:
        return [], 0
    return [], session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
