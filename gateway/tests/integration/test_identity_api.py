"""The identity store through its HTTP API, on PostgreSQL."""

from __future__ import annotations


def test_admin_creates_an_organisation_with_mail_domains(harness, client, unique):
    name = unique("Styrelsen")
    response = client.post("/api/v1/organisations", headers=harness.admin, json={
        "name": name, "case_visibility": "organisation", "mail_domains": ["Styrelse.DK", "@adm.styrelse.dk"]})
    assert response.status_code == 201
    org = response.json
    assert org["name"] == name
    assert org["case_visibility"] == "organisation"
    assert org["mail_domains"] == ["adm.styrelse.dk", "styrelse.dk"]
    assert org["version"] == 1
    listed = client.get("/api/v1/organisations", query_string={"q": name}, headers=harness.admin).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == org["id"]
    assert set(listed) == {"items", "total", "page", "per_page"}


def test_changing_an_organisation_publishes_organisation_updated_with_the_changes(harness, client, unique):
    org = harness.create_organisation(case_visibility="own", mail_domains=[f"{unique('o')}.dk"])
    response = client.patch(f"/api/v1/organisations/{org['id']}", headers=harness.admin,
                            json={"case_visibility": "organisation"})
    assert response.status_code == 200 and response.json["version"] == 2
    [event] = [e for e in harness.outbox("organisation.updated") if e["subject"] == org["id"]]
    assert event["source"] == "servicedesk/gateway"
    assert event["data"]["changes"] == {"case_visibility": {"old": "own", "new": "organisation"}}
    assert {k: v for k, v in event["data"].items() if k not in ("changes", "actor_id")} == response.json
    assert event["data"]["actor_id"] == client.get("/api/v1/me", headers=harness.admin).json["id"]
    unchanged = client.patch(f"/api/v1/organisations/{org['id']}", headers=harness.admin,
                             json={"case_visibility": "organisation"})
    assert unchanged.status_code == 200 and unchanged.json["version"] == 2
    assert len([e for e in harness.outbox("organisation.updated") if e["subject"] == org["id"]]) == 1


def test_a_mail_domain_belongs_to_one_organisation_only(harness, client, unique):
    harness.create_organisation(mail_domains=[f"{unique('d')}.dk"])
    domain = f"{unique('shared')}.dk"
    harness.create_organisation(mail_domains=[domain])
    response = client.post("/api/v1/organisations", headers=harness.admin,
                           json={"name": unique("Other"), "mail_domains": [domain]})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"


def test_an_invalid_organisation_is_422_and_creates_nothing(harness, client, unique):
    before = client.get("/api/v1/organisations", headers=harness.admin).json["total"]
    response = client.post("/api/v1/organisations", headers={**harness.admin, "Accept-Language": "en"},
                           json={"name": "  ", "case_visibility": "everyone", "mail_domains": ["not a domain"]})
    assert response.status_code == 422
    assert set(response.json["errors"]) >= {"case_visibility", "mail_domains"}
    assert client.get("/api/v1/organisations", headers=harness.admin).json["total"] == before


def test_admin_creates_a_user_and_a_duplicate_e_mail_is_409(harness, client, unique):
    org = harness.create_organisation()
    email = f"{unique('anna')}@example.dk"
    body = {"email": email.upper(), "name": "Anna Jensen", "password": "a fine long password",
            "roles": ["requester"], "organisation_id": org["id"], "language": "en"}
    response = client.post("/api/v1/users", json=body, headers=harness.admin)
    assert response.status_code == 201
    user = response.json
    assert user["email"] == email
    assert user["roles"] == ["requester"] and user["language"] == "en" and user["active"] is True
    assert "password" not in user and "password_hash" not in user
    duplicate = client.post("/api/v1/users", json={**body, "email": email}, headers=harness.admin)
    assert duplicate.status_code == 409


def test_admin_creates_a_shared_mailbox_without_a_password(harness, client, unique):
    email = f"{unique('it-support')}@example.dk"
    response = client.post("/api/v1/users", headers=harness.admin, json={
        "email": email, "name": "IT-support (fælles)", "roles": ["requester"], "shared_mailbox": True})
    assert response.status_code == 201
    mailbox = response.json
    assert mailbox["shared_mailbox"] is True and mailbox["has_password"] is False
    read = client.get(f"/api/v1/users/{mailbox['id']}", headers=harness.admin).json
    assert read["shared_mailbox"] is True and read["email"] == email
    found = client.post("/internal/v1/contacts", json={"email": email}, headers=harness.service_headers())
    assert found.status_code == 200 and found.json["shared_mailbox"] is True
    assert [e["data"]["shared_mailbox"] for e in harness.outbox("user.created") if e["subject"] == mailbox["id"]] == [
        True]
    refused = client.post("/api/v1/auth/token", json={"email": email, "password": "any password at all"})
    assert refused.status_code == 401
    ordinary = harness.create_user()
    assert client.get(f"/api/v1/users/{ordinary['id']}", headers=harness.admin).json["shared_mailbox"] is False


def test_a_user_in_an_unknown_organisation_is_422(harness, client):
    response = client.post("/api/v1/users", headers=harness.admin, json={
        "email": "ghost@example.dk", "name": "Ghost", "roles": ["requester"], "organisation_id": "nope"})
    assert response.status_code == 422
    assert "organisation_id" in response.json["errors"]


def test_creating_a_user_publishes_user_created_with_the_whole_user(harness):
    user = harness.create_user(roles=["agent"])
    events = [e for e in harness.outbox("user.created") if e["subject"] == user["id"]]
    assert len(events) == 1
    data = events[0]["data"]
    assert data["email"] == user["email"] and data["roles"] == ["agent"] and data["version"] == 1
    assert data["actor_id"] is not None and data["changes"] == {}
    assert events[0]["source"] == "servicedesk/gateway"


def test_patching_a_user_bumps_the_version_and_publishes_the_changes(harness, client):
    user = harness.create_user()
    response = client.patch(f"/api/v1/users/{user['id']}", headers=harness.admin,
                            json={"name": "Bo Nielsen", "roles": ["requester", "agent"]})
    assert response.status_code == 200
    assert response.json["version"] == 2
    updated = [e for e in harness.outbox("user.updated") if e["subject"] == user["id"]]
    assert updated[-1]["data"]["changes"]["name"] == {"old": user["name"], "new": "Bo Nielsen"}
    assert updated[-1]["data"]["version"] == 2


def test_a_deactivated_user_cannot_log_in_and_their_token_stops_working(harness, client):
    user = harness.create_user()
    headers = harness.as_user(user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.post(f"/api/v1/users/{user['id']}/deactivate", headers=harness.admin).json["active"] is False
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    login = client.post("/api/v1/auth/token", json={"email": user["email"], "password": user["password"]})
    assert login.status_code == 401


def test_teams_have_members_and_dispatchers(harness, client):
    team = harness.create_team(email="support@example.dk")
    agent, dispatcher = harness.create_user(roles=["agent"]), harness.create_user(roles=["agent", "dispatcher"])
    harness.add_member(team, agent)
    harness.add_member(team, dispatcher, dispatcher=True)
    got = client.get(f"/api/v1/teams/{team['id']}", headers=harness.admin).json
    assert got["members"] == [{"user_id": agent["id"], "dispatcher": False},
                              {"user_id": dispatcher["id"], "dispatcher": True}]
    me = client.get("/api/v1/me", headers=harness.as_user(dispatcher)).json
    assert me["team_ids"] == [team["id"]] and me["dispatcher_team_ids"] == [team["id"]]
    added = [e for e in harness.outbox("team.member_added") if e["subject"] == team["id"]]
    assert [e["data"]["user_id"] for e in added] == [agent["id"], dispatcher["id"]]
    assert added[-1]["data"]["version"] == 3


def test_changing_a_team_publishes_team_updated_with_the_changes(harness, client, unique):
    team = harness.create_team()
    address = f"{unique('hold')}@example.dk"
    response = client.patch(f"/api/v1/teams/{team['id']}", headers=harness.admin, json={"email": address})
    assert response.status_code == 200 and response.json["version"] == 2
    [event] = [e for e in harness.outbox("team.updated") if e["subject"] == team["id"]]
    assert event["data"]["changes"] == {"email": {"old": None, "new": address}}
    assert {k: v for k, v in event["data"].items() if k not in ("changes", "actor_id")} == response.json


def test_making_a_member_dispatcher_publishes_team_updated_and_user_updated(harness, client):
    team = harness.create_team()
    agent = harness.create_user(roles=["agent"])
    harness.add_member(team, agent)
    response = client.patch(f"/api/v1/teams/{team['id']}/members/{agent['id']}", headers=harness.admin,
                            json={"dispatcher": True})
    assert response.status_code == 200 and response.json == {"user_id": agent["id"], "dispatcher": True}
    [team_event] = [e for e in harness.outbox("team.updated") if e["subject"] == team["id"]]
    assert team_event["data"]["version"] == 3
    assert team_event["data"]["members"] == [{"user_id": agent["id"], "dispatcher": True}]
    assert team_event["data"]["changes"] == {"members": {"old": [{"user_id": agent["id"], "dispatcher": False}],
                                                         "new": [{"user_id": agent["id"], "dispatcher": True}]}}
    user_event = [e for e in harness.outbox("user.updated") if e["subject"] == agent["id"]][-1]
    assert user_event["data"]["dispatcher_team_ids"] == [team["id"]]
    assert user_event["data"]["changes"]["dispatcher_team_ids"] == {"old": [], "new": [team["id"]]}


def test_the_members_of_a_team_are_a_list_page(harness, client):
    team = harness.create_team()
    agents = [harness.create_user(roles=["agent"]) for _ in range(3)]
    for agent in agents:
        harness.add_member(team, agent, dispatcher=agent is agents[1])
    url = f"/api/v1/teams/{team['id']}/members"
    first = client.get(url, query_string={"per_page": 2}, headers=harness.admin)
    assert first.status_code == 200
    assert first.json == {"items": [{"user_id": agents[0]["id"], "dispatcher": False},
                                    {"user_id": agents[1]["id"], "dispatcher": True}],
                          "total": 3, "page": 1, "per_page": 2}
    second = client.get(url, query_string={"page": 2, "per_page": 2}, headers=harness.admin).json
    assert second["items"] == [{"user_id": agents[2]["id"], "dispatcher": False}] and second["total"] == 3
    assert client.get(url, headers=harness.admin).json["per_page"] == 50
    too_many = client.get(url, query_string={"per_page": 201}, headers=harness.admin)
    assert too_many.status_code == 422 and too_many.mimetype == "application/problem+json"
    missing = client.get("/api/v1/teams/00000000-0000-0000-0000-000000000000/members", headers=harness.admin)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_adding_a_member_twice_is_409_and_a_requester_cannot_join_a_team(harness, client):
    team = harness.create_team()
    agent, requester = harness.create_user(roles=["agent"]), harness.create_user()
    harness.add_member(team, agent)
    again = client.post(f"/api/v1/teams/{team['id']}/members", json={"user_id": agent["id"]}, headers=harness.admin)
    assert again.status_code == 409
    outsider = client.post(f"/api/v1/teams/{team['id']}/members", json={"user_id": requester["id"]},
                           headers=harness.admin)
    assert outsider.status_code == 422


def test_removing_a_member_updates_team_and_user(harness, client):
    team = harness.create_team()
    agent = harness.create_user(roles=["agent"])
    harness.add_member(team, agent)
    response = client.delete(f"/api/v1/teams/{team['id']}/members/{agent['id']}", headers=harness.admin)
    assert response.status_code == 204
    assert client.get(f"/api/v1/teams/{team['id']}", headers=harness.admin).json["members"] == []
    assert client.get(f"/api/v1/users/{agent['id']}", headers=harness.admin).json["team_ids"] == []
    removed = [e for e in harness.outbox("team.member_removed") if e["subject"] == team["id"]]
    assert removed[-1]["data"]["user_id"] == agent["id"]
    missing = client.delete(f"/api/v1/teams/{team['id']}/members/{agent['id']}", headers=harness.admin)
    assert missing.status_code == 404


def test_a_requester_finds_only_colleagues_and_sees_only_their_name_and_e_mail(harness, client, unique):
    org, other_org = harness.create_organisation(), harness.create_organisation()
    surname = unique("Hansen")
    me = harness.create_user(organisation_id=org["id"], name=f"Mette {surname}")
    colleague = harness.create_user(organisation_id=org["id"], name=f"Karen {surname}")
    harness.create_user(organisation_id=other_org["id"], name=f"Stranger {surname}")
    found = client.get("/api/v1/users", query_string={"q": surname}, headers=harness.as_user(me)).json
    assert {u["id"] for u in found["items"]} == {me["id"], colleague["id"]}
    assert all(set(u) == {"id", "name", "email"} for u in found["items"])
    staff = client.get("/api/v1/users", query_string={"q": surname}, headers=harness.admin).json
    assert staff["total"] == 3 and "roles" in staff["items"][0]


def test_a_requester_cannot_see_a_user_of_another_organisation(harness, client):
    org, other_org = harness.create_organisation(), harness.create_organisation()
    me = harness.create_user(organisation_id=org["id"])
    stranger = harness.create_user(organisation_id=other_org["id"])
    assert client.get(f"/api/v1/users/{stranger['id']}", headers=harness.as_user(me)).status_code == 404
    assert client.get(f"/api/v1/organisations/{other_org['id']}", headers=harness.as_user(me)).status_code == 404
    own = client.get("/api/v1/organisations", headers=harness.as_user(me)).json
    assert [o["id"] for o in own["items"]] == [org["id"]]


def test_a_user_changes_their_own_language_and_password(harness, client):
    user = harness.create_user()
    headers = harness.as_user(user)
    assert client.patch("/api/v1/me", json={"language": "en"}, headers=headers).json["language"] == "en"
    wrong = client.post("/api/v1/me/password", headers=headers,
                        json={"current_password": "not it at all", "new_password": "another long password"})
    assert wrong.status_code == 422
    changed = client.post("/api/v1/me/password", headers=headers,
                          json={"current_password": user["password"], "new_password": "another long password"})
    assert changed.status_code == 204
    assert client.post("/api/v1/auth/token", json={"email": user["email"],
                                                   "password": "another long password"}).status_code == 200


def test_the_contacts_endpoint_finds_an_existing_user(harness, client):
    user = harness.create_user()
    response = client.post("/internal/v1/contacts", json={"email": user["email"].upper()},
                           headers=harness.service_headers())
    assert response.status_code == 200
    assert response.json["id"] == user["id"]


def test_the_contacts_endpoint_creates_a_requester_in_the_organisation_of_the_mail_domain(harness, client, unique):
    domain = f"{unique('kommune')}.dk"
    org = harness.create_organisation(mail_domains=[domain])
    response = client.post("/internal/v1/contacts", json={"email": f"Ole@Post.{domain}", "name": "Ole Olsen"},
                           headers=harness.service_headers())
    assert response.status_code == 201
    contact = response.json
    assert contact["organisation_id"] == org["id"] and contact["roles"] == ["requester"]
    assert contact["email"] == f"ole@post.{domain}" and contact["name"] == "Ole Olsen"
    created = [e for e in harness.outbox("user.created") if e["subject"] == contact["id"]]
    assert created[0]["data"]["actor_id"] == "service:notify"
    again = client.post("/internal/v1/contacts", json={"email": f"ole@post.{domain}"},
                        headers=harness.service_headers())
    assert again.status_code == 200 and again.json["id"] == contact["id"]


def test_a_contact_from_an_unknown_domain_has_no_organisation(harness, client, unique):
    response = client.post("/internal/v1/contacts", json={"email": f"{unique('x')}@gmail.example"},
                           headers=harness.service_headers())
    assert response.status_code == 201 and response.json["organisation_id"] is None


def test_only_service_principals_may_use_the_contacts_endpoint(harness, client):
    assert client.post("/internal/v1/contacts", json={"email": "a@b.dk"}).status_code == 401
    assert client.post("/internal/v1/contacts", json={"email": "a@b.dk"}, headers=harness.admin).status_code == 403


def test_staff_look_up_several_users_by_id_in_one_call_deactivated_ones_included(harness, client):
    first, second, third = (harness.create_user(roles=["agent"]) for _ in range(3))
    client.post(f"/api/v1/users/{second['id']}/deactivate", headers=harness.admin)
    found = client.get("/api/v1/users", query_string={"ids": f"{first['id']},{second['id']}"},
                       headers=harness.admin).json
    assert {u["id"] for u in found["items"]} == {first["id"], second["id"]}
    assert third["id"] not in {u["id"] for u in found["items"]}
    too_many = client.get("/api/v1/users", query_string={"ids": ",".join(["x"] * 201)}, headers=harness.admin)
    assert too_many.status_code == 422


def test_concurrent_changes_of_one_user_each_get_their_own_version(harness):
    import threading

    user = harness.create_user()
    headers = harness.admin
    names = [f"Navn {i}" for i in range(8)]
    start = threading.Barrier(len(names))
    answers = []  # an assertion in a thread would go unseen: each thread's answer is checked here

    def rename(name):
        start.wait()
        response = harness.app.test_client().patch(f"/api/v1/users/{user['id']}", json={"name": name},
                                                   headers=headers)
        answers.append((response.status_code, response.get_data(as_text=True)[:300]))

    threads = [threading.Thread(target=rename, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [status for status, _body in answers] == [200] * len(names), answers
    versions = sorted(e["data"]["version"] for e in harness.outbox("user.updated") if e["subject"] == user["id"])
    assert versions == list(range(2, 2 + len(names)))
