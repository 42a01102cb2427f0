"""Cases service on PostgreSQL: opening cases, and list, view and search pages over many cases."""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

from common import Stopwatch, fresh_database, rate
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services/cases/tests"))

from helpers import Answer, Api, World, make_settings

from cases.app import MIGRATIONS_DIR, build_context, create_app
from servicekit.auth import IdentitySigner, generate_keypair
from servicekit.migrations import upgrade

CASES = 5000
PAGES = 200


def pages_of(first: Answer, most: int = 20) -> int:
    """How many of the list's first pages to visit: pages past the end would time the empty answer instead."""
    assert first.status == 200, first.json
    return max(1, min(most, math.ceil(first.json["total"] / first.json["per_page"])))


def main() -> None:
    private_key, public_key = generate_keypair()
    signer = IdentitySigner(private_key)
    with fresh_database("bench_cases") as url, tempfile.TemporaryDirectory() as data_dir:
        upgrade(url, MIGRATIONS_DIR)
        settings = make_settings(url, data_dir, public_key)
        context = build_context(settings)
        api = Api(create_app(settings, context), signer.sign)
        world = World(api.app)
        org = world.organisation(case_visibility="organisation")
        support = world.team("Support")
        agent = world.user(("agent",), teams=[support])
        requesters = [world.user(organisation_id=org) for _ in range(20)]

        with Stopwatch() as create:
            for n in range(CASES):
                who = requesters[n % len(requesters)]
                answer = api.as_(who).post("/api/v1/cases", {
                    "title": f"Printeren på {n % 7}. sal skriver ikke ud ({n})",
                    "description": "Papiret sidder fast, og displayet viser fejl 49."
                                   + (" Certifikatet er udløbet." if n % 100 == 0 else ""), "category": "Print"})
                assert answer.status == 201, answer.json
        print(f"  open a case (validate, number, route, insert, history, outbox): {rate(CASES, create.seconds)}")
        with context.database.engine.begin() as conn:
            conn.execute(text("ANALYZE"))  # what autovacuum does in a running system

        for label, who, query in [
            ("agent, all open, newest first", agent, "status=open&per_page=50"),
            ("agent, sorted by priority", agent, "sort=-priority&per_page=50"),
            ("requester, organisation view", requesters[0], "view=organisation&per_page=50"),
            ("agent, search matching every case", agent, "q=printeren&per_page=50"),
            ("agent, search matching 1 in 100", agent, "q=certifikater&per_page=50"),
            ("requester, search matching 1 in 100", requesters[0], "q=certifikat&per_page=50"),
        ]:
            pages = pages_of(api.as_(who).get(f"/api/v1/cases?{query}"))
            with Stopwatch() as watch:
                for n in range(PAGES):
                    answer = api.as_(who).get(f"/api/v1/cases?{query}&page={n % pages + 1}")
                    assert answer.status == 200 and answer.json["items"], answer.json
            print(f"  list page ({label}): {rate(PAGES, watch.seconds)}")
        context.database.dispose()


if __name__ == "__main__":
    main()
