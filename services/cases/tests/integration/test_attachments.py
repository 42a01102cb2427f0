"""Attachments: upload, the "only attachments" view, safe streamed download, limits."""

import base64
import hashlib
import io
import uuid

import pytest
from helpers import Api, event, make_settings, outbox_events
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cases.app import build_context, create_app

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def open_case(api, who):
    return api.as_(who).post("/api/v1/cases", {"title": "Skærmen", "description": "Flimrer"}).json


def upload(api, who, case_id, content, name, **form):
    return api.as_(who).post(f"/api/v1/cases/{case_id}/attachments",
                             data={"file": (io.BytesIO(content), name), **form}, content_type="multipart/form-data")


def test_a_requester_attaches_a_file_and_downloads_the_same_bytes(api, office):
    case = open_case(api, office.requester)
    answer = upload(api, office.requester, case["id"], PNG, "skærm billede.png")
    assert answer.status == 201
    meta = answer.json
    assert (meta["filename"], meta["size"], meta["content_type"]) == ("skærm billede.png", len(PNG), "image/png")
    assert meta["sha256"] == hashlib.sha256(PNG).hexdigest()
    download = api.as_(office.agent).get(f"/api/v1/cases/{case['id']}/attachments/{meta['id']}")
    assert download.status == 200
    assert download.data == PNG
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''sk%C3%A6rm%20billede.png" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in download.headers["Content-Security-Policy"]
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_html_pretending_to_be_an_image_is_served_as_bytes_to_download(api, office):
    case = open_case(api, office.requester)
    meta = upload(api, office.requester, case["id"], b"<html><script>alert(document.cookie)</script>",
                  "kat.png").json
    assert meta["content_type"] == "application/octet-stream"
    download = api.as_(office.agent).get(f"/api/v1/cases/{case['id']}/attachments/{meta['id']}")
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_programs_are_refused_with_415(api, office):
    case = open_case(api, office.requester)
    assert upload(api, office.requester, case["id"], b"MZ\x90\x00rest", "faktura.pdf").status == 415
    assert upload(api, office.requester, case["id"], b"echo hi", "install.bat").status == 415
    assert api.as_(office.requester).get(f"/api/v1/cases/{case['id']}/attachments").json["total"] == 0


def test_a_path_in_the_file_name_is_dropped(api, office):
    case = open_case(api, office.requester)
    assert upload(api, office.requester, case["id"], b"x", "../../etc/passwd").json["filename"] == "passwd"


def test_a_missing_file_field_is_422(api, office):
    case = open_case(api, office.requester)
    answer = api.as_(office.requester).post(f"/api/v1/cases/{case['id']}/attachments", data={"other": "x"},
                                            content_type="multipart/form-data")
    assert (answer.status, answer.json["errors"]) == (422, {"file": ["Missing data for required field."]})
    assert answer.headers["Content-Type"] == "application/problem+json"


def test_an_upload_to_a_case_the_caller_may_not_see_is_404_before_the_form_is_read(api, office):
    case = open_case(api, office.requester)
    url = f"/api/v1/cases/{case['id']}/attachments"
    without_file = api.as_(office.outsider).post(url, data={"other": "x"}, content_type="multipart/form-data")
    bad_form = upload(api, office.outsider, case["id"], b"x", "x.txt", message_id="ikke et id", visibility="x")
    assert (without_file.status, bad_form.status) == (404, 404)
    assert "errors" not in bad_form.json
    assert api.as_(office.agent).get(url).json["total"] == 0


def test_files_on_a_message_belong_to_it_and_internal_files_stay_internal(api, office):
    case = open_case(api, office.requester)
    cid = case["id"]
    note = api.as_(office.agent).post(f"/api/v1/cases/{cid}/messages", {"body": "log", "visibility": "internal"}).json
    internal = upload(api, office.agent, cid, b"intern log", "server.log", message_id=note["id"]).json
    reply = api.as_(office.requester).post(f"/api/v1/cases/{cid}/messages", {"body": "Se vedhæftet"}).json
    external = upload(api, office.requester, cid, PNG, "fejl.png", message_id=reply["id"]).json
    assert (internal["visibility"], external["visibility"]) == ("internal", "external")
    staff_view = api.as_(office.agent).get(f"/api/v1/cases/{cid}/messages").json["items"]
    assert {m["id"]: m["attachment_ids"] for m in staff_view} == {note["id"]: [internal["id"]],
                                                                  reply["id"]: [external["id"]]}
    only_files = api.as_(office.requester).get(f"/api/v1/cases/{cid}/attachments").json
    assert [a["id"] for a in only_files["items"]] == [external["id"]]
    assert api.as_(office.requester).get(f"/api/v1/cases/{cid}/attachments/{internal['id']}").status == 404
    assert api.as_(office.agent).get(f"/api/v1/cases/{cid}/attachments").json["total"] == 2
    assert upload(api, office.requester, cid, b"x", "x.txt", message_id=note["id"]).status == 404


def test_a_requester_may_not_add_files_to_an_agents_message(api, office):
    case = open_case(api, office.requester)
    reply = api.as_(office.agent).post(f"/api/v1/cases/{case['id']}/messages", {"body": "Svar"}).json
    assert upload(api, office.requester, case["id"], b"x", "x.txt", message_id=reply["id"]).status == 403


@pytest.fixture
def small_limit_api(cases_database_url, tmp_path, identity_keys, sign_identity, office):
    settings = make_settings(cases_database_url, str(tmp_path / "small"), identity_keys[1],
                             MAX_ATTACHMENT_BYTES="2048")
    context = build_context(settings)
    yield Api(create_app(settings, context), sign_identity)
    context.database.dispose()


def test_a_file_past_max_attachment_bytes_is_413_and_nothing_is_kept(small_limit_api, office, tmp_path):
    case = open_case(small_limit_api, office.requester)
    exactly = upload(small_limit_api, office.requester, case["id"], b"a" * 2048, "ok.txt")
    assert exactly.status == 201
    too_big = upload(small_limit_api, office.requester, case["id"], b"b" * 2049, "big.txt")
    assert too_big.status == 413
    assert too_big.headers["Content-Type"] == "application/problem+json"
    far_too_big = upload(small_limit_api, office.requester, case["id"], b"c" * 200_000, "huge.txt")
    assert far_too_big.status == 413
    stored = [p for p in (tmp_path / "small").rglob("*") if p.is_file()]
    assert len(stored) == 1


def test_a_loose_file_from_staff_is_internal_unless_they_say_otherwise_and_the_requesters_are_external(api, office):
    case = open_case(api, office.requester)
    cid = case["id"]
    working = upload(api, office.agent, cid, b"intern arbejdsfil", "noter.txt").json
    shown = upload(api, office.agent, cid, b"vejledning", "vejledning.txt", visibility="external").json
    theirs = upload(api, office.requester, cid, b"skaermbillede", "fejl.txt").json
    assert (working["visibility"], shown["visibility"], theirs["visibility"]) == ("internal", "external", "external")
    seen = api.as_(office.requester).get(f"/api/v1/cases/{cid}/attachments").json["items"]
    assert {a["id"] for a in seen} == {shown["id"], theirs["id"]}
    assert upload(api, office.requester, cid, b"x", "x.txt", visibility="internal").status == 403
    assert upload(api, office.agent, cid, b"x", "x.txt", visibility="secret").status == 422


def test_a_file_on_a_message_keeps_the_messages_visibility(api, office):
    case = open_case(api, office.requester)
    note = api.as_(office.agent).post(f"/api/v1/cases/{case['id']}/messages",
                                      {"body": "log", "visibility": "internal"}).json
    refused = upload(api, office.agent, case["id"], b"log", "log.txt", message_id=note["id"], visibility="external")
    assert (refused.status, list(refused.json["errors"])) == (422, ["visibility"])
    assert upload(api, office.agent, case["id"], b"log", "log.txt", message_id=note["id"],
                  visibility="internal").json["visibility"] == "internal"


@pytest.fixture
def failing_attachment_rows(app):
    """A database that refuses to record one file name: the transaction fails after the bytes are stored."""
    engine = app.extensions["servicekit"].database.engine
    with engine.begin() as conn:
        conn.execute(text(
            "CREATE FUNCTION refuse_attachment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.filename = 'afvist.txt' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$"))
        conn.execute(text("CREATE TRIGGER refuse_attachment BEFORE INSERT ON case_attachments "
                          "FOR EACH ROW EXECUTE FUNCTION refuse_attachment()"))
    yield
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse_attachment ON case_attachments"))
        conn.execute(text("DROP FUNCTION refuse_attachment()"))


def stored_files(tmp_path):
    return sorted(p.name for p in (tmp_path / "data").rglob("*") if p.is_file())


def test_a_file_whose_transaction_fails_is_not_left_on_disk_unless_another_attachment_has_it(
        api, office, world, tmp_path, failing_attachment_rows):
    case = open_case(api, office.requester)
    failed = upload(api, office.requester, case["id"], b"kun denne gang", "afvist.txt")
    assert failed.status == 500
    assert stored_files(tmp_path) == []

    kept = upload(api, office.requester, case["id"], b"samme indhold", "ok.txt").json
    assert upload(api, office.requester, case["id"], b"samme indhold", "afvist.txt").status == 500
    assert stored_files(tmp_path) == [kept["sha256"]]
    download = api.as_(office.agent).get(f"/api/v1/cases/{case['id']}/attachments/{kept['id']}")
    assert download.data == b"samme indhold"

    mail = event("email.received", {
        "id": str(uuid.uuid4()), "message_id": f"<{uuid.uuid4()}@example.dk>", "from_email": office.requester.email,
        "from_name": "Rikke", "sender_user_id": office.requester.user_id, "subject": "Ny fejl", "body": "Se fil",
        "attachments": [{"filename": "afvist.txt", "content_base64": base64.b64encode(b"fra mailen").decode()}]},
        source="servicedesk/notify")
    with pytest.raises(DBAPIError):
        world.deliver(mail)
    assert stored_files(tmp_path) == [kept["sha256"]]


def message_files(api, who, case_id):
    return {m["id"]: m["attachment_ids"] for m in api.as_(who).get(f"/api/v1/cases/{case_id}/messages").json["items"]}


def test_files_uploaded_before_a_reply_belong_to_it_and_its_event_names_them(api, office, app):
    case = open_case(api, office.requester)
    cid = case["id"]
    first = upload(api, office.requester, cid, PNG, "fejl.png").json
    second = upload(api, office.requester, cid, b"log", "log.txt").json
    reply = api.as_(office.requester).post(f"/api/v1/cases/{cid}/messages",
                                           {"body": "Se filerne", "attachment_ids": [second["id"], first["id"]]})
    assert reply.status == 201, reply.json
    both = sorted([first["id"], second["id"]])
    assert reply.json["attachment_ids"] == both
    assert message_files(api, office.agent, cid) == {reply.json["id"]: both}
    files = api.as_(office.agent).get(f"/api/v1/cases/{cid}/attachments").json["items"]
    assert {(f["message_id"], f["visibility"]) for f in files} == {(reply.json["id"], "external")}
    added = [e for e in outbox_events(app, cid) if e["type"] == "case.message_added"]
    assert [e["data"]["message"]["attachment_ids"] for e in added] == [both]


def test_a_reply_makes_its_files_its_own_visibility(api, office):
    case = open_case(api, office.requester)
    cid = case["id"]
    shown = upload(api, office.agent, cid, b"vejledning", "vejledning.txt", visibility="external").json
    working = upload(api, office.agent, cid, b"arbejdsfil", "arbejdsfil.txt").json
    note = api.as_(office.agent).post(f"/api/v1/cases/{cid}/messages", {
        "body": "Intern note", "visibility": "internal", "attachment_ids": [shown["id"]]})
    answer = api.as_(office.agent).post(f"/api/v1/cases/{cid}/messages", {
        "body": "Her er filen", "attachment_ids": [working["id"]]})
    assert (note.status, answer.status) == (201, 201)
    requester = api.as_(office.requester)
    assert requester.get(f"/api/v1/cases/{cid}/attachments/{shown['id']}").status == 404
    assert requester.get(f"/api/v1/cases/{cid}/attachments/{working['id']}").data == b"arbejdsfil"
    assert [a["id"] for a in requester.get(f"/api/v1/cases/{cid}/attachments").json["items"]] == [working["id"]]
    history = requester.get(f"/api/v1/cases/{cid}/history")
    assert "vejledning" not in history.text and "arbejdsfil.txt" in history.text
    assert message_files(api, office.requester, cid) == {answer.json["id"]: [working["id"]]}


def test_a_reply_naming_files_that_are_not_the_callers_loose_files_on_the_case_is_422_and_changes_nothing(
        api, office):
    case = open_case(api, office.requester)
    cid = case["id"]
    api.as_(office.requester).post(f"/api/v1/cases/{cid}/shares", {"user_id": office.colleague.user_id})
    mine = upload(api, office.requester, cid, b"min fil", "min.txt").json
    agents = upload(api, office.agent, cid, b"agentens fil", "agent.txt", visibility="external").json
    posted = api.as_(office.requester).post(f"/api/v1/cases/{cid}/messages", {"body": "Første"}).json
    on_message = upload(api, office.requester, cid, b"vedhaeftet", "vedh.txt", message_id=posted["id"]).json
    other_case = open_case(api, office.requester)
    elsewhere = upload(api, office.requester, other_case["id"], b"anden sag", "anden.txt").json
    refused = {
        "another's file": (office.requester, [mine["id"], agents["id"]]),
        "an unknown id": (office.requester, [str(uuid.uuid4())]),
        "a file on a message": (office.requester, [on_message["id"]]),
        "a file of another case": (office.requester, [elsewhere["id"]]),
        "the requester's file, by a follower": (office.colleague, [mine["id"]]),
    }
    for what, (who, ids) in refused.items():
        answer = api.as_(who).post(f"/api/v1/cases/{cid}/messages", {"body": "Se her", "attachment_ids": ids})
        assert (answer.status, list(answer.json.get("errors", {}))) == (422, ["attachment_ids"]), what
    internal = api.as_(office.requester).post(f"/api/v1/cases/{cid}/messages", {
        "body": "Hemmeligt", "visibility": "internal", "attachment_ids": [mine["id"]]})
    assert internal.status == 403
    assert message_files(api, office.agent, cid) == {posted["id"]: [on_message["id"]]}
    files = api.as_(office.agent).get(f"/api/v1/cases/{cid}/attachments").json["items"]
    loose = {a["id"]: a["message_id"] for a in files}
    assert (loose[mine["id"]], loose[agents["id"]]) == (None, None)
    assert api.as_(office.agent).get(f"/api/v1/cases/{cid}").json["version"] == case["version"] + 1  # the share
