"""What an inbound mail (``email.received``) becomes, through the service's own handler and inbox."""

import uuid

from helpers import event, mail


def open_case(api, who):
    return api.as_(who).post("/api/v1/cases", {"title": "Skærm", "description": "Sort skærm"}).json


def messages(api, who, case_id):
    return api.as_(who).get(f"/api/v1/cases/{case_id}/messages").json["items"]


def test_a_new_mail_opens_a_case_with_origin_email_for_the_sender_with_its_attachments(api, office, world):
    world.deliver(mail(office.requester, subject="Printer på 2. sal", body="Den er gået i stå",
                       attachments=[("foto.txt", b"billede")]))
    cases = api.as_(office.requester).get("/api/v1/cases").json["items"]
    assert len(cases) == 1
    case = cases[0]
    assert (case["title"], case["description"], case["origin"]) == ("Printer på 2. sal", "Den er gået i stå", "email")
    assert (case["requester_id"], case["organisation_id"], case["team_id"]) == (
        office.requester.user_id, office.org, office.support)
    files = api.as_(office.requester).get(f"/api/v1/cases/{case['id']}/attachments").json["items"]
    assert [(f["filename"], f["size"]) for f in files] == [("foto.txt", 7)]


def test_a_reply_from_the_requester_becomes_an_external_message_and_follows_the_status_rules(api, office, world):
    case = open_case(api, office.requester)
    api.as_(office.agent).patch(f"/api/v1/cases/{case['id']}", {"status": "waiting_requester"})
    world.deliver(mail(office.requester, case=case, body="Her er svaret", attachments=[("log.txt", b"log")]))
    posted = messages(api, office.requester, case["id"])
    assert [(m["body"], m["visibility"], m["via"], m["author_id"]) for m in posted] == [
        ("Her er svaret", "external", "email", office.requester.user_id)]
    assert len(posted[0]["attachment_ids"]) == 1
    assert api.as_(office.agent).get(f"/api/v1/cases/{case['id']}").json["status"] == "in_progress"


def test_a_reply_to_a_resolved_case_reopens_it(api, office, world):
    case = open_case(api, office.requester)
    api.as_(office.agent).post(f"/api/v1/cases/{case['id']}/resolve", {})
    world.deliver(mail(office.requester, case=case, body="Det virker ikke"))
    assert api.as_(office.agent).get(f"/api/v1/cases/{case['id']}").json["status"] == "in_progress"


def test_a_follower_reply_lands_on_the_case(api, office, world):
    case = open_case(api, office.requester)
    api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/shares", {"user_id": office.colleague.user_id})
    world.deliver(mail(office.colleague, case=case, body="Samme her"))
    assert [m["author_id"] for m in messages(api, office.agent, case["id"])] == [office.colleague.user_id]


def test_a_mail_naming_a_case_from_someone_not_on_it_opens_a_new_case_linked_for_staff_only(api, office, world):
    case = open_case(api, office.requester)
    world.deliver(mail(office.outsider, case=case, body="Jeg vil også have svar"))
    assert messages(api, office.agent, case["id"]) == []
    theirs = api.as_(office.outsider).get("/api/v1/cases").json["items"]
    assert [(c["related_case_id"], c["origin"]) for c in theirs] == [(None, "email")]
    new_id = theirs[0]["id"]
    for answer in (api.as_(office.outsider).get(f"/api/v1/cases/{new_id}"),
                   api.as_(office.outsider).get(f"/api/v1/cases/by-number/{theirs[0]['number']}"),
                   api.as_(office.outsider).post(f"/api/v1/cases/{new_id}/messages", {"body": "Hallo?"}),
                   api.as_(office.outsider).get(f"/api/v1/cases?view=mine&q={theirs[0]['number']}")):
        assert answer.status in (200, 201), answer.json
        assert case["id"] not in answer.text
    assert api.as_(office.agent).get(f"/api/v1/cases/{new_id}").json["related_case_id"] == case["id"]
    staff_list = api.as_(office.agent).get(f"/api/v1/cases?requester_id={office.outsider.user_id}").json["items"]
    assert [c["related_case_id"] for c in staff_list] == [case["id"]]


def test_the_link_shows_once_the_sender_may_see_the_named_case(api, office, world):
    case = open_case(api, office.requester)
    world.deliver(mail(office.colleague, case=case, body="Samme fejl hos mig"))
    new_id = api.as_(office.colleague).get("/api/v1/cases").json["items"][0]["id"]
    assert api.as_(office.colleague).get(f"/api/v1/cases/{new_id}").json["related_case_id"] is None
    shared = api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/shares",
                                            {"user_id": office.colleague.user_id})
    assert shared.status == 201
    assert api.as_(office.colleague).get(f"/api/v1/cases/{new_id}").json["related_case_id"] == case["id"]
    listed = api.as_(office.colleague).get("/api/v1/cases?view=mine").json["items"]
    assert [c["related_case_id"] for c in listed] == [case["id"]]


def test_a_reply_to_a_closed_case_opens_a_new_case_that_refers_to_it(api, office, world):
    case = open_case(api, office.requester)
    api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/close")
    world.deliver(mail(office.requester, case=case, body="Fejlen er tilbage"))
    mine = api.as_(office.requester).get("/api/v1/cases?status=open").json["items"]
    assert len(mine) == 1
    assert mine[0]["related_case_id"] == case["id"]
    assert mine[0]["id"] != case["id"]


def test_a_reply_from_a_forward_recipient_becomes_an_internal_message(api, office, world):
    case = open_case(api, office.requester)
    api.as_(office.agent).post(f"/api/v1/cases/{case['id']}/forward",
                               {"to": ["Support@Leverandoer.dk"], "body": "Kan I hjælpe?"})
    supplier = world.user(("requester",), email="support@leverandoer.dk", name="Leverandøren")
    world.deliver(mail(supplier, case=case, body="Vi har rettet fejlen", from_email="SUPPORT@leverandoer.dk"))
    staff = [(m["body"], m["visibility"]) for m in messages(api, office.agent, case["id"])]
    assert ("Vi har rettet fejlen", "internal") in staff
    assert all(m["visibility"] == "external" for m in messages(api, office.requester, case["id"]))


def test_the_same_mail_twice_adds_one_message(api, office, world):
    case = open_case(api, office.requester)
    once = mail(office.requester, case=case, body="Kun én gang")
    world.deliver(once)
    world.deliver(once)
    world.deliver(mail(office.requester, case=case, body="Kun én gang", message_id=once.data["message_id"]))
    assert len(messages(api, office.agent, case["id"])) == 1
    new = mail(office.requester, body="Ny sag")
    world.deliver(new)
    world.deliver(mail(office.requester, body="Ny sag", message_id=new.data["message_id"]))
    assert api.as_(office.requester).get("/api/v1/cases").json["total"] == 2


def test_programs_in_a_mail_are_not_kept_and_staff_are_told(api, office, world):
    world.deliver(mail(office.requester, attachments=[("virus.exe", b"MZ..."), ("ok.txt", b"ok")]))
    case = api.as_(office.requester).get("/api/v1/cases").json["items"][0]
    files = api.as_(office.agent).get(f"/api/v1/cases/{case['id']}/attachments").json["items"]
    assert [f["filename"] for f in files] == ["ok.txt"]
    notes = messages(api, office.agent, case["id"])
    assert notes[0]["visibility"] == "internal"
    assert "virus.exe" in notes[0]["body"]
    assert messages(api, office.requester, case["id"]) == []


def test_a_case_opened_by_mail_before_the_user_record_arrived_gets_the_organisation_later(api, office, world):
    newcomer_id = str(uuid.uuid4())

    class Sender:
        user_id, email, name = newcomer_id, "ny@styrelsen.dk", "Ny Medarbejder"

    world.deliver(mail(Sender))
    agent_view = api.as_(office.agent).get("/api/v1/cases").json["items"][0]
    assert (agent_view["requester_id"], agent_view["organisation_id"]) == (newcomer_id, None)
    world.deliver(event("user.created", {"id": newcomer_id, "email": "ny@styrelsen.dk", "name": "Ny Medarbejder",
                                         "roles": ["requester"], "organisation_id": office.org, "team_ids": [],
                                         "language": "da", "active": True, "version": 1}))
    updated = api.as_(office.agent).get(f"/api/v1/cases/{agent_view['id']}").json
    assert (updated["organisation_id"], updated["version"]) == (office.org, 2)


def test_an_automatic_reply_naming_a_case_is_an_internal_note_and_moves_nothing(api, office, world):
    case = open_case(api, office.requester)
    api.as_(office.agent).post(f"/api/v1/cases/{case['id']}/resolve", {})
    out_of_office = mail(office.requester, case=case, body="Jeg er på ferie til mandag")
    out_of_office.data["auto_submitted"] = True
    world.deliver(out_of_office)
    now = api.as_(office.agent).get(f"/api/v1/cases/{case['id']}").json
    assert now["status"] == "resolved"
    assert [(m["body"], m["visibility"]) for m in messages(api, office.agent, case["id"])] == [
        ("Jeg er på ferie til mandag", "internal")]
    assert api.as_(office.requester).get("/api/v1/cases").json["total"] == 1


def test_an_automatic_mail_from_someone_not_on_the_case_opens_a_new_case_and_posts_nothing_there(api, office, world):
    case = open_case(api, office.requester)
    bounce = mail(office.outsider, case=case, body="Delivery failed", attachments=[("rapport.txt", b"bounce")])
    bounce.data["auto_submitted"] = True
    world.deliver(bounce)
    assert messages(api, office.agent, case["id"]) == []
    assert api.as_(office.agent).get(f"/api/v1/cases/{case['id']}/attachments").json["total"] == 0
    theirs = api.as_(office.outsider).get("/api/v1/cases").json["items"]
    assert [(c["related_case_id"], c["origin"]) for c in theirs] == [(None, "email")]
    staff_view = api.as_(office.agent).get(f"/api/v1/cases/{theirs[0]['id']}").json
    assert staff_view["related_case_id"] == case["id"]


def test_a_mail_from_a_staff_address_posts_an_internal_note_only_when_notify_vouches_for_the_sender(api, office,
                                                                                                    world):
    case = open_case(api, office.requester)
    for vouched in (None, False, "true"):
        forged = mail(office.drift_agent, case=case, body=f"Luk bare sagen ({vouched})")
        if vouched is not None:
            forged.data["sender_verified"] = vouched
        world.deliver(forged)
    assert messages(api, office.agent, case["id"]) == []
    opened = api.as_(office.agent).get(f"/api/v1/cases?requester_id={office.drift_agent.user_id}").json["items"]
    assert len(opened) == 3
    assert {c["related_case_id"] for c in opened} == {case["id"]}

    genuine = mail(office.drift_agent, case=case, body="Serveren er genstartet",
                   attachments=[("drift.log", b"genstartet")])
    genuine.data["sender_verified"] = True
    world.deliver(genuine)
    posted = messages(api, office.agent, case["id"])
    assert [(m["body"], m["visibility"], m["author_id"]) for m in posted] == [
        ("Serveren er genstartet", "internal", office.drift_agent.user_id)]
    assert len(posted[0]["attachment_ids"]) == 1
    assert messages(api, office.requester, case["id"]) == []


def test_the_requester_is_known_by_address_and_case_number_without_any_vouching(api, office, world):
    case = open_case(api, office.requester)
    reply = mail(office.requester, case=case, body="Tak, det virker")
    reply.data["sender_verified"] = False
    world.deliver(reply)
    assert [(m["body"], m["visibility"]) for m in messages(api, office.requester, case["id"])] == [
        ("Tak, det virker", "external")]
