"""Messages: external and internal, the solution mark, and what requesters can never see."""

import io

SECRET = "hemmeligleverandoer"


def open_case(api, who):
    answer = api.as_(who).post("/api/v1/cases", {"title": "Lønkørsel fejler", "description": "Fejl i lønnen"})
    assert answer.status == 201
    return answer.json


def test_an_internal_message_is_absent_from_every_answer_a_requester_can_get(api, office):
    case = open_case(api, office.requester)
    cid = case["id"]
    agent = api.as_(office.agent)
    shared = api.as_(office.requester).post(f"/api/v1/cases/{cid}/shares", {"user_id": office.colleague.user_id})
    note = agent.post(f"/api/v1/cases/{cid}/messages", {"body": f"Intern note om {SECRET}", "visibility": "internal"})
    internal = note.json
    secret_file = (io.BytesIO(b"intern fil"), f"{SECRET}.txt")
    internal_file = agent.post(f"/api/v1/cases/{cid}/attachments", content_type="multipart/form-data",
                               data={"file": secret_file, "message_id": internal["id"]})
    forwarded = agent.post(f"/api/v1/cases/{cid}/forward", {"to": [f"{SECRET}@example.com"], "body": f"Kære {SECRET}"})
    marked = agent.post(f"/api/v1/cases/{cid}/messages/{internal['id']}/solution")
    public = agent.post(f"/api/v1/cases/{cid}/messages", {"body": "Vi kigger på det", "visibility": "external"})
    setup = (shared, note, internal_file, forwarded, marked, public)
    assert [a.status for a in setup] == [201, 201, 201, 201, 200, 201], [a.json for a in setup]
    assert internal_file.json["visibility"] == "internal"
    file_id = internal_file.json["id"]

    for who in (office.requester, office.colleague):
        caller = api.as_(who)
        answers = [
            caller.get(f"/api/v1/cases/{cid}"),
            caller.get(f"/api/v1/cases/by-number/{case['number']}"),
            caller.get("/api/v1/cases?view=all&status=any"),
            caller.get(f"/api/v1/cases?q={SECRET}"),
            caller.get("/api/v1/cases?q=Intern note"),
            caller.get(f"/api/v1/cases/{cid}/messages"),
            caller.get(f"/api/v1/cases/{cid}/messages?visibility=internal"),
            caller.get(f"/api/v1/cases/{cid}/messages?sort=-created_at"),
            caller.get(f"/api/v1/cases/{cid}/attachments"),
            caller.get(f"/api/v1/cases/{cid}/history"),
            caller.get(f"/api/v1/cases/{cid}/shares"),
        ]
        for answer in answers:
            assert answer.status == 200
            assert SECRET not in answer.text
            assert internal["id"] not in answer.text
            assert file_id not in answer.text
        assert caller.get(f"/api/v1/cases/{cid}").json["solution_message_id"] is None
        assert [m["body"] for m in caller.get(f"/api/v1/cases/{cid}/messages").json["items"]] == ["Vi kigger på det"]
        assert caller.get(f"/api/v1/cases?q={SECRET}").json["total"] == 0
        assert caller.get(f"/api/v1/cases/{cid}/attachments/{file_id}").status == 404

    staff = api.as_(office.agent)
    assert staff.get(f"/api/v1/cases/{cid}/attachments/{file_id}").data == b"intern fil"
    assert staff.get(f"/api/v1/cases?q={SECRET}").json["total"] == 1
    assert staff.get(f"/api/v1/cases/{cid}").json["solution_message_id"] == internal["id"]
    bodies = [m["body"] for m in staff.get(f"/api/v1/cases/{cid}/messages").json["items"]]
    assert f"Intern note om {SECRET}" in bodies


def test_requesters_and_followers_may_only_write_external_messages(api, office):
    case = open_case(api, office.requester)
    api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/shares", {"user_id": office.colleague.user_id})
    for who in (office.requester, office.colleague):
        answer = api.as_(who).post(f"/api/v1/cases/{case['id']}/messages", {"body": "x", "visibility": "internal"})
        assert answer.status == 403
    assert api.as_(office.agent).get(f"/api/v1/cases/{case['id']}/messages").json["total"] == 0


def test_no_answer_to_what_a_requester_or_follower_posts_shows_internal_content(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}"
    agent = api.as_(office.agent)

    def resolve_with_an_internal_solution():
        note = agent.post(f"{url}/messages", {"body": f"Rettet i {SECRET}", "visibility": "internal"}).json
        agent.post(f"{url}/resolve", {})
        agent.post(f"{url}/messages/{note['id']}/solution")
        return note["id"]

    hidden = [resolve_with_an_internal_solution()]
    answers = [api.as_(office.requester).post(f"{url}/shares", {"user_id": office.colleague.user_id})]
    answers.append(api.as_(office.colleague).post(f"{url}/messages", {"body": "Det virker ikke"}))
    hidden.append(resolve_with_an_internal_solution())
    answers.append(api.as_(office.requester).post(f"{url}/reopen", {"reason": "Stadig fejl"}))
    hidden.append(resolve_with_an_internal_solution())
    answers.append(api.as_(office.colleague).post(f"{url}/reopen", {}))
    hidden.append(resolve_with_an_internal_solution())
    answers.append(api.as_(office.requester).post(f"{url}/close"))
    assert [a.status for a in answers] == [201, 201, 200, 200, 200]
    for answer in answers:
        assert SECRET not in answer.text
        assert not [message_id for message_id in hidden if message_id in answer.text], answer.text
    assert answers[-1].json["status"] == "closed"


def test_a_message_keeps_its_visibility_for_ever(api, office):
    case = open_case(api, office.requester)
    internal = api.as_(office.agent).post(f"/api/v1/cases/{case['id']}/messages",
                                          {"body": "intern", "visibility": "internal"}).json
    listed = api.as_(office.agent).get(f"/api/v1/cases/{case['id']}/messages").json["items"]
    assert [m["visibility"] for m in listed if m["id"] == internal["id"]] == ["internal"]
    answer = api.as_(office.agent).request("PATCH", f"/api/v1/cases/{case['id']}/messages/{internal['id']}",
                                           json={"visibility": "external"})
    assert answer.status in (404, 405)


def test_the_message_answer_has_the_contract_fields(api, office):
    case = open_case(api, office.requester)
    message = api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/messages",
                                             {"body": "  Tak!\r\nHilsen Rikke  "}).json
    assert {"id", "case_id", "author_id", "visibility", "body", "created_at", "attachment_ids",
            "is_solution"} <= set(message)
    assert message["body"] == "Tak!\nHilsen Rikke"
    assert (message["visibility"], message["is_solution"], message["attachment_ids"]) == ("external", False, [])
    assert message["author_name"] == "Rikke Rekvirent"


def test_one_message_is_the_solution_and_the_mark_moves(api, office):
    case = open_case(api, office.requester)
    cid = case["id"]
    first = api.as_(office.agent).post(f"/api/v1/cases/{cid}/messages", {"body": "Prøv at genstarte"}).json
    second = api.as_(office.agent).post(f"/api/v1/cases/{cid}/messages", {"body": "Opdatér driveren"}).json
    api.as_(office.agent).post(f"/api/v1/cases/{cid}/messages/{first['id']}/solution")
    marked = api.as_(office.agent).post(f"/api/v1/cases/{cid}/messages/{second['id']}/solution").json
    assert marked["solution_message_id"] == second["id"]
    flags = {m["id"]: m["is_solution"] for m in
             api.as_(office.requester).get(f"/api/v1/cases/{cid}/messages").json["items"]}
    assert flags == {first["id"]: False, second["id"]: True}
    assert api.as_(office.requester).post(f"/api/v1/cases/{cid}/messages/{first['id']}/solution").status == 403
    cleared = api.as_(office.agent).delete(f"/api/v1/cases/{cid}/messages/{second['id']}/solution").json
    assert cleared["solution_message_id"] is None


def test_a_forward_is_kept_as_an_internal_message_with_its_recipients(api, office):
    case = open_case(api, office.requester)
    cid = case["id"]
    file = api.as_(office.agent).post(f"/api/v1/cases/{cid}/attachments",
                                      data={"file": (io.BytesIO(b"log"), "log.txt")},
                                      content_type="multipart/form-data").json
    answer = api.as_(office.agent).post(f"/api/v1/cases/{cid}/forward", {
        "to": ["Support@Leverandoer.dk"], "cc": ["chef@example.dk"], "body": "Hej, kan I se på dette?",
        "attachment_ids": [file["id"]]})
    assert answer.status == 201
    message = answer.json
    assert (message["visibility"], message["via"]) == ("internal", "forward")
    assert message["to"] == ["support@leverandoer.dk"]
    assert message["cc"] == ["chef@example.dk"]
    assert message["attachment_ids"] == [file["id"]]
    foreign = api.as_(office.agent).post(f"/api/v1/cases/{cid}/forward", {
        "to": ["a@example.dk"], "body": "x", "attachment_ids": ["00000000-0000-4000-8000-000000000000"]})
    assert foreign.status == 422
    assert api.as_(office.agent).post(f"/api/v1/cases/{cid}/forward", {"to": ["not an address"],
                                                                        "body": "x"}).status == 422
