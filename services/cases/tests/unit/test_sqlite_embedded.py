"""The embedded mode runs the service on SQLite: the whole life of a case works there too."""

import io
import uuid

import pytest
from helpers import Api, World, event, make_settings

from cases.app import MIGRATIONS_DIR, build_context, create_app
from servicekit.migrations import upgrade


@pytest.fixture
def sqlite_api(tmp_path, identity_keys, sign_identity):
    url = f"sqlite:///{tmp_path}/cases.db"
    upgrade(url, MIGRATIONS_DIR)
    settings = make_settings(url, str(tmp_path / "data"), identity_keys[1])
    context = build_context(settings)
    app = create_app(settings, context)
    yield Api(app, sign_identity), World(app)
    context.database.dispose()


def test_a_case_lives_its_whole_life_on_sqlite(sqlite_api):
    api, world = sqlite_api
    org = world.organisation(case_visibility="organisation")
    support, drift = world.team("Support"), world.team("Drift")
    agent = world.user(("agent",), teams=[support])
    operator = world.user(("agent",), teams=[drift])
    requester, colleague = world.user(organisation_id=org), world.user(organisation_id=org)

    case = api.as_(requester).post("/api/v1/cases", {"title": "Printeren", "description": "Papirstop"}).json
    url = f"/api/v1/cases/{case['id']}"
    assert case["number"].startswith("SAG ")
    assert api.as_(requester).get(f"/api/v1/cases/by-number/{case['number'].replace(' ', '').lower()}").status == 200
    assert api.as_(colleague).get("/api/v1/cases?view=organisation").json["total"] == 1
    api.as_(agent).post(f"{url}/messages", {"body": "Intern: toner", "visibility": "internal"})
    photo = api.as_(requester).post(f"{url}/attachments", data={"file": (io.BytesIO(b"foto"), "foto.txt")},
                                    content_type="multipart/form-data").json
    reply = api.as_(requester).post(f"{url}/messages", {"body": "Se foto", "attachment_ids": [photo["id"]]}).json
    assert reply["attachment_ids"] == [photo["id"]]
    assert [m["body"] for m in api.as_(requester).get(f"{url}/messages").json["items"]] == ["Se foto"]
    assert api.as_(agent).get("/api/v1/cases?q=toner").json["total"] == 1
    assert api.as_(requester).get("/api/v1/cases?q=toner").json["total"] == 0

    api.as_(agent).patch(url, {"team_id": drift})
    world.task(case["id"], number="TSK 2611-0001")
    assert api.as_(operator).post(f"{url}/close").status == 403
    assert api.as_(agent).post(f"{url}/close").status == 409
    resolved = api.as_(operator).post(f"{url}/resolve", {"solution": "Ny toner sat i"}).json
    assert (resolved["team_id"], resolved["assignee_id"]) == (support, agent.user_id)

    world.deliver(event("email.received", {
        "id": str(uuid.uuid4()), "message_id": "<a@b>", "from_email": requester.email, "from_name": "R",
        "sender_user_id": requester.user_id, "subject": f"SV: {case['number']}", "body": "Virker stadig ikke",
        "case_number": case["number"], "case_id": None, "attachments": []}, source="servicedesk/notify"))
    assert api.as_(agent).get(url).json["status"] == "in_progress"

    other = api.as_(requester).post("/api/v1/cases", {"title": "Dublet", "description": "Samme"}).json
    assert api.as_(agent).post(f"/api/v1/cases/{other['id']}/merge", {"into_id": case["id"]}).status == 200
    stats = api.as_(agent).get("/api/v1/cases/stats?days=2").json
    assert stats["created_vs_resolved"][-1]["created"] == 2
    history = api.as_(agent).get(f"{url}/history").json
    assert {"created", "team_id", "status", "merged_from"} <= {entry["field"] for entry in history["items"]}
