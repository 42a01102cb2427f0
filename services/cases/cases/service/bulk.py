"""Mass editing (seed 003): each case changed or refused on its own rules, in its own transaction."""

from __future__ import annotations

from typing import Any

from servicekit import errors
from servicekit.auth import Identity
from servicekit.db import Database

from .common import Options, require_staff
from .updating import update_case


def bulk_update(database: Database, opts: Options, actor: Identity, ids: list[str],
                changes: dict[str, Any]) -> list[dict[str, Any]]:
    require_staff(actor)
    results = []
    for case_id in dict.fromkeys(str(i) for i in ids):
        try:
            with database.transaction() as session:
                case = update_case(session, opts, actor, case_id, dict(changes))
                results.append({"id": case_id, "status": 200, "version": case.version})
        except errors.ServiceError as err:
            results.append({"id": case_id, "status": err.status, "detail": err.detail or str(err.title)})
    return results
