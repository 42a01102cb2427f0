"""A message's files in its mails: fetched from the real cases service through the real gateway, sent to a
real SMTP server; never an internal file to a requester, links past the size limit, a wait while the
gateway is away."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import requests
from notify_cast import meet_the_cast
from notify_gateway import SERVICE_KEY, RunningCases, RunningGateway, serve, start_cases, start_gateway
from notify_support import case_data, event, free_port, team_data, wait_for
from sqlalchemy import select

from notify.models import OutgoingMail


@dataclass
class CasesBehindGateway:
    cases: RunningCases
    gateway: RunningGateway
    team_id: str

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.gateway.url}{path}", headers=self.gateway.admin_headers(),
                                timeout=10, **kwargs)

    def open_case(self) -> dict:
        response = self.call("POST", "/api/v1/cases", json={"title": "Printeren virker ikke",
                                                            "description": "Den blinker.", "team_id": self.team_id})
        assert response.status_code == 201, response.text
        return response.json()

    def upload(self, case_id: str, filename: str, content: bytes, content_type: str, **form: str) -> dict:
        response = self.call("POST", f"/api/v1/cases/{case_id}/attachments", data=form,
                             files={"file": (filename, content, content_type)})
        assert response.status_code == 201, response.text
        return response.json()

    def reply(self, case_id: str, body: str, files: list[dict]) -> dict:
        response = self.call("POST", f"/api/v1/cases/{case_id}/messages", json={
            "body": body, "visibility": "external", "attachment_ids": [f["id"] for f in files]})
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture(scope="module")
def behind_gateway(postgres_databases, rabbitmq_url, bus_namespace, identity_keys, tmp_path_factory):
    """The cases service (with a team to take cases) behind the gateway, each on a local port."""
    prefix = bus_namespace["QUEUE_PREFIX"]
    cases = start_cases(postgres_databases.create("cases"), rabbitmq_url, {**bus_namespace, "QUEUE_PREFIX":
                        f"{prefix}cases."}, identity_keys[1], str(tmp_path_factory.mktemp("cases-data")))
    gateway = start_gateway(postgres_databases.create("gateway"), rabbitmq_url,
                            {**bus_namespace, "QUEUE_PREFIX": f"{prefix}gw."}, identity_keys, CASES_URL=cases.url)
    team = team_data("Support", [])
    cases.tell(event("team.created", team, source="gateway"))
    yield CasesBehindGateway(cases, gateway, team["id"])
    gateway.stop()
    cases.stop()


def reply_event(cast, case: dict, message: dict, attachment_ids: list[str]):
    """``case.message_added`` for the agent's reply on ``case``, as the cases service tells it to notify."""
    data = case_data(id=case["id"], number=case["number"], title=case["title"], requester_id=cast.requester["id"],
                     follower_ids=[cast.follower["id"]], team_id=cast.team["id"], assignee_id=cast.agent["id"],
                     version=3, actor_id=cast.agent["id"])
    data["message"] = {**message, "author_id": cast.agent["id"], "attachment_ids": attachment_ids}
    data["author_is_staff"] = True
    return event("case.message_added", data, source="cases")


def attachments_of(received) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in received.message.iter_attachments()}


def mail_row(notify, recipient: str) -> OutgoingMail | None:
    with notify.database.transaction() as session:
        found = session.scalar(select(OutgoingMail).where(OutgoingMail.recipient == recipient))
        if found is not None:
            session.expunge(found)
        return found


def test_a_reply_with_a_file_reaches_the_requester_and_followers_with_it_attached_but_never_an_internal_file(
        start_notify, mail_catcher, behind_gateway):
    notify = start_notify(mail_catcher.url, GATEWAY_URL=behind_gateway.gateway.url, SERVICE_API_KEY=SERVICE_KEY)
    cast = meet_the_cast(notify)
    case = behind_gateway.open_case()
    offer = b"%PDF-1.4\n" + bytes(range(256)) * 40 + uuid.uuid4().bytes
    shared = behind_gateway.upload(case["id"], "tilbud på printer.pdf", offer, "application/pdf")
    message = behind_gateway.reply(case["id"], "Her er tilbuddet.", [shared])
    secret = behind_gateway.upload(case["id"], "intern-vurdering.txt", b"kun for os", "text/plain",
                                   visibility="internal")
    notify.publish(reply_event(cast, case, message, [shared["id"], secret["id"]]))

    danish = mail_catcher.wait_for_mail_to(cast.email("requester"))[0]
    english = mail_catcher.wait_for_mail_to(cast.email("follower"))[0]
    for received in (danish, english):
        assert attachments_of(received) == {"tilbud på printer.pdf": offer}
        assert "intern-vurdering" not in received.message.as_string()
        assert "Her er tilbuddet." in received.text
    assert danish.message["Content-Language"] == "da" and english.message["Content-Language"] == "en"
    assert "Filerne" not in danish.text and "findes ikke" not in danish.text


def test_files_together_past_the_limit_are_named_with_links_to_the_case_instead_of_attached(
        start_notify, mail_catcher, behind_gateway):
    notify = start_notify(mail_catcher.url, GATEWAY_URL=behind_gateway.gateway.url, SERVICE_API_KEY=SERVICE_KEY,
                          MAIL_ATTACHMENTS_MAX_BYTES="3000")
    cast = meet_the_cast(notify)
    case = behind_gateway.open_case()
    photos = [behind_gateway.upload(case["id"], name, uuid.uuid4().bytes * 100, "image/png")
              for name in ("printer-forfra.png", "printer-bagfra.png")]  # 1,600 bytes each
    message = behind_gateway.reply(case["id"], "Se billederne.", photos)
    notify.publish(reply_event(cast, case, message, [p["id"] for p in photos]))

    danish = mail_catcher.wait_for_mail_to(cast.email("requester"))[0]
    english = mail_catcher.wait_for_mail_to(cast.email("follower"))[0]
    links = {p["filename"]: f"https://servicedesk.example/sager/{case['id']}/bilag/{p['id']}" for p in photos}
    for received, heading in ((danish, "Filerne er for store til at blive sendt med denne mail."),
                              (english, "The files are too large to send with this mail.")):
        assert attachments_of(received) == {}
        assert heading in received.text and heading in received.html
        for name, link in links.items():
            assert f"- {name} (2 KB): {link}" in received.text
            assert f'<a href="{link}"' in received.html and f">{name}</a>" in received.html


def test_a_reply_waits_for_its_file_while_the_gateway_is_away_and_then_goes_with_it(
        start_notify, mail_catcher, behind_gateway):
    port = free_port()  # the gateway is not there yet
    notify = start_notify(mail_catcher.url, GATEWAY_URL=f"http://127.0.0.1:{port}", SERVICE_API_KEY=SERVICE_KEY)
    cast = meet_the_cast(notify)
    case = behind_gateway.open_case()
    content = f"ERROR 42 {uuid.uuid4()}\n".encode()
    log = behind_gateway.upload(case["id"], "fejllog.txt", content, "text/plain")
    message = behind_gateway.reply(case["id"], "Se loggen.", [log])
    notify.publish(reply_event(cast, case, message, [log["id"]]))

    def waiting():
        row = mail_row(notify, f"user:{cast.requester['id']}")
        return row if row and row.attempts >= 2 else None

    row = wait_for(waiting)
    assert row.status == "pending" and "attachments not available" in row.last_error
    assert mail_catcher.to(cast.email("requester")) == []

    server = serve(behind_gateway.gateway.app, port)
    try:
        received = mail_catcher.wait_for_mail_to(cast.email("requester"))[0]
    finally:
        server.shutdown()
        server.server_close()
    assert attachments_of(received) == {"fejllog.txt": content}
    assert mail_row(notify, f"user:{cast.requester['id']}").status == "sent"


def test_a_file_the_case_no_longer_has_is_named_and_the_reply_goes_without_it(
        start_notify, mail_catcher, behind_gateway):
    notify = start_notify(mail_catcher.url, GATEWAY_URL=behind_gateway.gateway.url, SERVICE_API_KEY=SERVICE_KEY)
    cast = meet_the_cast(notify)
    case = behind_gateway.open_case()
    kept = behind_gateway.upload(case["id"], "manual.txt", f"Tryk på knappen {uuid.uuid4()}".encode(), "text/plain")
    lost = behind_gateway.upload(case["id"], "faktura.pdf", b"%PDF-1.4 " + uuid.uuid4().bytes, "application/pdf")
    message = behind_gateway.reply(case["id"], "To filer.", [kept, lost])
    behind_gateway.cases.stored_file(lost["sha256"]).unlink()  # the store lost it: the download is 404
    notify.publish(reply_event(cast, case, message, [kept["id"], lost["id"]]))

    received = mail_catcher.wait_for_mail_to(cast.email("requester"))[0]
    assert list(attachments_of(received)) == ["manual.txt"]
    assert "Disse filer findes ikke længere på sagen og er ikke vedhæftet:\n- faktura.pdf" in received.text
    assert "faktura.pdf" in received.html


def test_a_forward_carries_the_files_the_agent_chose_internal_ones_too(start_notify, mail_catcher, behind_gateway):
    notify = start_notify(mail_catcher.url, GATEWAY_URL=behind_gateway.gateway.url, SERVICE_API_KEY=SERVICE_KEY,
                          MAIL_ATTACHMENTS_MAX_BYTES="0")  # no link would open for a supplier: always attached
    cast = meet_the_cast(notify)
    case = behind_gateway.open_case()
    content = f"intern log {uuid.uuid4()}".encode()
    log = behind_gateway.upload(case["id"], "log.txt", content, "text/plain", visibility="internal")
    data = case_data(id=case["id"], number=case["number"], title=case["title"], requester_id=cast.requester["id"],
                     team_id=cast.team["id"], assignee_id=cast.agent["id"], version=3, actor_id=cast.agent["id"])
    data["message"] = {"id": str(uuid.uuid4()), "author_id": cast.agent["id"], "visibility": "internal",
                       "via": "forward", "body": "Kan I se på loggen?", "attachment_ids": [log["id"]],
                       "to": ["service@leverandor.example"], "cc": []}
    notify.publish(event("case.forwarded", data, source="cases"))

    forward = mail_catcher.wait_for_mail_to("service@leverandor.example")[0]
    assert attachments_of(forward) == {"log.txt": content}
