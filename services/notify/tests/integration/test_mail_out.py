"""Mail out, end to end: events in over RabbitMQ, mails out to a real SMTP server."""

from __future__ import annotations

import pytest
from notify_cast import meet_the_cast
from notify_support import MailCatcher, case_data, event, new_id, task_data, wait_for
from sqlalchemy import select

from notify.models import OutgoingMail


def recipients_of(notify, kind: str) -> set[str]:
    with notify.database.transaction() as session:
        return set(session.scalars(select(OutgoingMail.recipient).where(OutgoingMail.kind == kind)))


def settled(notify, marker_case: dict, cast, mail_catcher) -> None:
    """Publish a last event and wait for its mail: everything published before it has been handled."""
    marker = dict(marker_case, id=new_id(), version=1, actor_id=cast.agent["id"], title="Markør")
    notify.publish(event("case.created", marker))
    assert wait_for(lambda: [r for r in mail_catcher.to(cast.email("requester")) if "Markør" in r.message["Subject"]])


def test_a_new_case_sends_the_requester_a_receipt_with_its_number_and_tells_the_team_but_not_the_actor(
        notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], team_id=cast.team["id"], actor_id=cast.agent["id"])
    notify_service.publish(event("case.created", case, source="cases"))

    receipt = mail_catcher.wait_for_mail_to(cast.email("requester"))[0]
    assert receipt.message["Subject"] == ("[SAG 2611-0042] Vi har modtaget din henvendelse: "
                                          "Printeren på 3. sal virker ikke")
    assert receipt.message["Auto-Submitted"] == "auto-replied"
    assert receipt.message["Reply-To"] == "sag@sd.example"
    assert f"<case-{case['id']}@sd.example>" in receipt.message["References"]
    assert "Kære Anne Hansen,\n" in receipt.text and "sag SAG 2611-0042" in receipt.text
    assert f"https://servicedesk.example/sager/{case['id']}" in receipt.text
    assert f'href="https://servicedesk.example/sager/{case["id"]}"' in receipt.html

    team_mail = mail_catcher.wait_for_mail_to(cast.email("colleague"))[0]
    assert team_mail.message["Subject"].startswith("[SAG 2611-0042] Ny sag til Kundebetjening")
    assert team_mail.message["Auto-Submitted"] == "auto-generated"
    settled(notify_service, case, cast, mail_catcher)
    assert recipients_of(notify_service, "case_new") == {f"user:{cast.colleague['id']}"}
    assert mail_catcher.to(cast.email("agent")) == []


def test_a_status_change_reaches_the_requester_and_every_follower_in_their_language_but_not_the_actor(
        notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], follower_ids=[cast.follower["id"], cast.agent["id"]],
                     team_id=cast.team["id"], assignee_id=cast.agent["id"], status="waiting_requester", version=3,
                     actor_id=cast.agent["id"], changes={"status": {"old": "in_progress", "new": "waiting_requester"}})
    notify_service.publish(event("case.status_changed", case, source="cases"))

    danish = mail_catcher.wait_for_mail_to(cast.email("requester"))[0]
    english = mail_catcher.wait_for_mail_to(cast.email("follower"))[0]
    assert danish.message["Subject"] == "[SAG 2611-0042] Vi afventer dit svar: Printeren på 3. sal virker ikke"
    assert "Skriv dit svar over denne linje" in danish.text
    assert english.message["Subject"] == ("[SAG 2611-0042] We are waiting for your answer: "
                                          "Printeren på 3. sal virker ikke")
    assert english.message["Content-Language"] == "en"
    assert recipients_of(notify_service, "case_waiting") == {f"user:{cast.requester['id']}",
                                                             f"user:{cast.follower['id']}"}


def test_the_same_change_announced_as_status_changed_and_resolved_sends_one_mail(notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], team_id=cast.team["id"], status="resolved", version=5,
                     actor_id=cast.agent["id"], changes={"status": {"old": "in_progress", "new": "resolved"}})
    notify_service.publish(event("case.status_changed", case), event("case.resolved", case))
    settled(notify_service, case, cast, mail_catcher)
    resolved = [r for r in mail_catcher.to(cast.email("requester")) if "udført" in r.message["Subject"]]
    assert len(resolved) == 1


def test_an_external_message_is_wrapped_in_the_header_and_footer_with_the_agent_and_team(
        notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], follower_ids=[cast.follower["id"]], team_id=cast.team["id"],
                     assignee_id=cast.agent["id"], version=4, actor_id=cast.agent["id"])
    case["message"] = {"id": new_id(), "case_id": case["id"], "author_id": cast.agent["id"], "visibility": "external",
                       "body": "Vi har bestilt en ny toner. <b>Den kommer i morgen.</b>", "via": "portal",
                       "attachment_ids": [], "is_solution": False}
    notify_service.publish(event("case.message_added", case, source="cases"))

    mail = mail_catcher.wait_for_mail_to(cast.email("requester"))[0]
    thread = f"<case-{case['id']}@sd.example>"
    assert mail.message["In-Reply-To"] == thread and mail.message["References"] == thread
    assert mail.message["Message-ID"].endswith("@sd.example>") and mail.message["Message-ID"] != thread
    lines = [line.strip() for line in mail.text.splitlines()]
    assert "Kære Anne Hansen," in lines  # seed 001: "Kære <navn>," … "Med venlig hilsen <agent>, <team>"
    assert "Kære Anne Hansen," in mail.html
    assert "Vi har bestilt en ny toner. <b>Den kommer i morgen.</b>" in lines
    assert lines[lines.index("Med venlig hilsen"):][:3] == ["Med venlig hilsen", "Carl Agent", "Kundebetjening"]
    assert "&lt;b&gt;Den kommer i morgen.&lt;/b&gt;" in mail.html and "<b>Den" not in mail.html
    english = mail_catcher.wait_for_mail_to(cast.email("follower"))[0]
    assert "Dear Bo Jensen,\n" in english.text and "Kind regards" in english.text
    assert english.message["References"] == thread and english.message["Message-ID"] != mail.message["Message-ID"]
    settled(notify_service, case, cast, mail_catcher)
    assert recipients_of(notify_service, "case_reply") == {f"user:{cast.requester['id']}",
                                                           f"user:{cast.follower['id']}"}
    assert mail_catcher.to(cast.email("agent")) == []


@pytest.mark.parametrize("said_by_cases", [True, False], ids=["author_is_staff", "directory"])
def test_a_staff_followers_external_message_reaches_the_requester_as_a_reply(notify_service, mail_catcher,
                                                                             said_by_cases):
    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], follower_ids=[cast.agent["id"]], team_id=cast.team["id"],
                     assignee_id=cast.colleague["id"], version=4, actor_id=cast.agent["id"])
    case["message"] = {"id": new_id(), "case_id": case["id"], "author_id": cast.agent["id"], "visibility": "external",
                       "body": "Jeg har kigget på printeren.", "via": "portal", "attachment_ids": []}
    if said_by_cases:
        case["author_is_staff"] = True
    notify_service.publish(event("case.message_added", case, source="cases"))

    mail = mail_catcher.wait_for_mail_to(cast.email("requester"))[0]
    assert "Jeg har kigget på printeren." in mail.text
    settled(notify_service, case, cast, mail_catcher)
    assert all_recipients(notify_service).get("case_reply") == users(cast.requester)
    assert "case_customer_message" not in all_recipients(notify_service)


def signature_of(mail, opening="Med venlig hilsen") -> list[str]:
    lines = [line.strip() for line in mail.text.splitlines()]
    start = lines.index(opening) + 1
    return lines[start:lines.index("", start)]


def test_a_reply_whose_author_is_heard_of_after_the_message_is_signed_with_their_name(notify_service,
                                                                                       mail_catcher):
    from notify_support import user_data

    cast = meet_the_cast(notify_service)
    newcomer = user_data("Frida Ny", "frida@sd.example", roles=("agent",))
    case = case_data(requester_id=cast.requester["id"], team_id=cast.team["id"], assignee_id=newcomer["id"],
                     version=4, actor_id=newcomer["id"], author_is_staff=True)
    case["message"] = {"id": new_id(), "case_id": case["id"], "author_id": newcomer["id"], "visibility": "external",
                       "body": "Printeren er skiftet.", "via": "portal", "attachment_ids": []}
    notify_service.publish(event("case.message_added", case, source="cases"))

    def tried():
        with notify_service.database.transaction() as session:
            return session.scalar(select(OutgoingMail.attempts).where(OutgoingMail.kind == "case_reply"))

    assert wait_for(tried), "the reply waits for its author's name"
    notify_service.publish(event("user.created", newcomer, source="gateway"))
    mail = mail_catcher.wait_for_mail_to(cast.email("requester"))[0]
    assert signature_of(mail) == ["Frida Ny", "Kundebetjening"]


def test_an_internal_message_never_mails_the_requester_or_a_follower(notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], follower_ids=[cast.follower["id"]], team_id=cast.team["id"],
                     assignee_id=cast.colleague["id"], version=4, actor_id=cast.agent["id"])
    case["message"] = {"id": new_id(), "case_id": case["id"], "author_id": cast.agent["id"], "visibility": "internal",
                       "body": "Kunden er sur; vi giver ham en ny printer.", "via": "portal", "attachment_ids": []}
    notify_service.publish(event("case.message_added", case, source="cases"))

    note = mail_catcher.wait_for_mail_to(cast.email("colleague"))[0]
    assert "Intern note fra Carl Agent" in note.message["Subject"]
    settled(notify_service, case, cast, mail_catcher)
    leaked = [r for r in mail_catcher.received
              if {cast.email("requester"), cast.email("follower")} & set(r.rcpt_tos) and "sur" in r.text]
    assert leaked == []
    assert recipients_of(notify_service, "case_internal_note") == {f"user:{cast.colleague['id']}"}


def test_a_share_mails_the_person_it_was_shared_with_and_links_to_the_case(notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], follower_ids=[cast.follower["id"]], version=2,
                     actor_id=cast.requester["id"], user_id=cast.follower["id"])
    notify_service.publish(event("case.shared", case, source="cases"))

    mail = mail_catcher.wait_for_mail_to(cast.email("follower"))[0]
    assert mail.message["Subject"] == ("[SAG 2611-0042] Anne Hansen shared a case with you: "
                                       "Printeren på 3. sal virker ikke")
    assert f"https://servicedesk.example/sager/{case['id']}" in mail.text
    assert recipients_of(notify_service, "case_shared") == {f"user:{cast.follower['id']}"}


def test_a_resolved_task_mails_its_approver_and_not_the_agent_who_solved_it(notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    task = task_data(case_id=new_id(), team_id=cast.team["id"], assignee_id=cast.colleague["id"],
                     approver_id=cast.approver["id"], created_by=cast.agent["id"], status="resolved", version=3,
                     actor_id=cast.colleague["id"], solution="Toneren er skiftet.")
    notify_service.publish(event("task.resolved", task, source="tasks"))

    mail = mail_catcher.wait_for_mail_to(cast.email("approver"))[0]
    assert mail.message["Subject"] == "[SAG 2611-0042] Opgave TSK 2611-0007 er løst: Skift toner"
    assert "Toneren er skiftet." in mail.text
    assert f"https://servicedesk.example/opgaver/{task['id']}" in mail.text
    assert recipients_of(notify_service, "task_resolved") == {f"user:{cast.approver['id']}"}


def notices_of(notify, kind: str) -> set[str]:
    from notify.models import Notification

    with notify.database.transaction() as session:
        return set(session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def test_a_case_shared_by_the_person_it_is_shared_with_tells_nobody(notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], version=2, actor_id=cast.colleague["id"],
                     user_id=cast.colleague["id"])
    notify_service.publish(event("case.shared", case, source="cases"))
    settled(notify_service, case, cast, mail_catcher)
    assert recipients_of(notify_service, "case_shared") == set() and notices_of(notify_service, "case_shared") == set()
    assert mail_catcher.to(cast.email("colleague")) == []


def test_an_approver_who_resolves_their_own_task_is_not_told(notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    task = task_data(case_id=new_id(), team_id=cast.team["id"], assignee_id=cast.approver["id"],
                     approver_id=cast.approver["id"], created_by=cast.agent["id"], status="resolved", version=3,
                     actor_id=cast.approver["id"], solution="Toneren er skiftet.")
    notify_service.publish(event("task.resolved", task, source="tasks"))
    settled(notify_service, case_data(requester_id=cast.requester["id"]), cast, mail_catcher)
    assert recipients_of(notify_service, "task_resolved") == set()
    assert notices_of(notify_service, "task_resolved") == set()
    assert mail_catcher.to(cast.email("approver")) == []


def test_an_event_delivered_twice_sends_one_mail(notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], version=2, actor_id=cast.agent["id"],
                     user_id=cast.follower["id"])
    shared = event("case.shared", case, source="cases")
    notify_service.publish(shared, shared)
    settled(notify_service, case, cast, mail_catcher)
    assert len(mail_catcher.to(cast.email("follower"))) == 1


def test_a_mail_server_that_is_down_at_first_still_gets_the_mail_later(start_notify):
    catcher = MailCatcher()  # not started: nothing listens on its port yet
    notify = start_notify(catcher.url)
    cast = meet_the_cast(notify)
    case = case_data(requester_id=cast.requester["id"], actor_id=cast.agent["id"], version=2,
                     user_id=cast.follower["id"])
    notify.publish(event("case.shared", case, source="cases"))

    def retried():
        with notify.database.transaction() as session:
            mail = session.scalars(select(OutgoingMail)).first()
            return mail is not None and mail.attempts >= 2 and mail.status == "pending"

    assert wait_for(retried), "the mail should wait and be retried while the server is down"
    catcher.start()
    try:
        assert catcher.wait_for_mail_to(cast.email("follower"))

        def statuses():
            with notify.database.transaction() as session:
                return session.scalars(select(OutgoingMail.status)).all()

        assert wait_for(lambda: statuses() == ["sent"]), statuses()
        assert len(catcher.to(cast.email("follower"))) == 1
    finally:
        catcher.stop()


def test_a_mail_given_up_counts_in_the_workers_metrics_until_it_is_queued_again(start_notify):
    from sqlalchemy import update

    catcher = MailCatcher()  # never started: the mail server stays away
    notify = start_notify(catcher.url, MAIL_GIVE_UP_AFTER="1")
    cast = meet_the_cast(notify)
    notify.publish(event("case.shared", case_data(requester_id=cast.requester["id"], actor_id=cast.agent["id"],
                                                  version=2, user_id=cast.follower["id"]), source="cases"))

    def statuses():
        with notify.database.transaction() as session:
            return session.scalars(select(OutgoingMail.status)).all()

    assert wait_for(lambda: statuses() == ["failed"]), statuses()
    metrics = notify.context.metrics.registry
    assert metrics.get_sample_value("notify_mails_failed") == 1
    assert metrics.get_sample_value("notify_mails_total", {"outcome": "fail"}) == 1
    notify.worker.stop(timeout=10)
    with notify.database.transaction() as session:  # what notify-manage retry-failed-mails does
        session.execute(update(OutgoingMail).values(status="pending"))
    assert metrics.get_sample_value("notify_mails_failed") == 0


def test_a_forward_goes_to_the_external_parties_without_header_or_footer_and_their_reply_finds_the_case(
        start_notify, mail_catcher, real_gateway, published):
    import json
    import smtplib
    from email.message import EmailMessage

    from notify_gateway import SERVICE_KEY

    notify = start_notify(mail_catcher.url, GATEWAY_URL=real_gateway.url, SERVICE_API_KEY=SERVICE_KEY)
    cast = meet_the_cast(notify)
    case = case_data(requester_id=cast.requester["id"], team_id=cast.team["id"], assignee_id=cast.agent["id"],
                     version=4, actor_id=cast.agent["id"])
    case["message"] = {"id": new_id(), "author_id": cast.agent["id"], "visibility": "internal", "via": "forward",
                       "body": "Hej\n\nKan I se på printeren?\n\nMed venlig hilsen\nCarl", "attachment_ids": [],
                       "to": ["service@leverandor.example"], "cc": ["chef@leverandor.example"]}
    notify.publish(event("case.message_added", case), event("case.forwarded", case))

    forward = mail_catcher.wait_for_mail_to("service@leverandor.example")[0]
    assert set(forward.rcpt_tos) == {"service@leverandor.example", "chef@leverandor.example"}
    assert forward.message["Cc"] == "chef@leverandor.example"
    assert forward.message["Subject"] == "[SAG 2611-0042] Printeren på 3. sal virker ikke"
    assert forward.message["Auto-Submitted"] is None
    assert forward.text.startswith("Hej\n\nKan I se på printeren?") and "Kære" not in forward.text
    assert recipients_of(notify, "case_forward") == {"external"}
    assert recipients_of(notify, "case_internal_note") == set(), "a forward is no internal note to the assignee"

    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = "service@leverandor.example", "sag@sd.example", "SV: printer"
    reply["In-Reply-To"] = forward.message["Message-ID"]
    reply.set_content("Vi kommer i morgen.\n\n-----Oprindelig meddelelse-----\nHej")
    with smtplib.SMTP("127.0.0.1", notify.inbound_port, timeout=10) as client:
        client.send_message(reply)
    [received] = [json.loads(m.body)["data"] for m in wait_for(published)]
    assert received["case_id"] == case["id"] and received["matched_by"] == "headers"
    assert received["body"] == "Vi kommer i morgen."


def test_a_shared_mailbox_is_a_user_like_any_other_and_gets_the_receipt(notify_service, mail_catcher):
    from notify_support import user_data

    mailbox = user_data("Kontoret (fællespostkasse)", "kontoret@kunde.example", shared_mailbox=True)
    notify_service.publish(event("user.created", mailbox, source="gateway"))
    case = case_data(requester_id=mailbox["id"], actor_id="service:cases", title="Fra fællespostkassen")
    notify_service.publish(event("case.created", case, source="cases"))
    receipt = mail_catcher.wait_for_mail_to("kontoret@kunde.example")[0]
    assert "Kære Kontoret (fællespostkasse)" in receipt.text


def test_receipts_to_one_address_are_limited_per_hour(start_notify, mail_catcher):
    notify = start_notify(mail_catcher.url, AUTO_REPLY_LIMIT="1")
    cast = meet_the_cast(notify)
    first = case_data(requester_id=cast.requester["id"], actor_id=cast.requester["id"], title="Første")
    second = case_data(requester_id=cast.requester["id"], actor_id=cast.requester["id"], title="Anden",
                       number="SAG 2611-0043")
    notify.publish(event("case.created", first), event("case.created", second))
    assert mail_catcher.wait_for_mail_to(cast.email("requester"))
    share = case_data(requester_id=cast.requester["id"], version=2, actor_id=cast.agent["id"],
                      user_id=cast.follower["id"])
    notify.publish(event("case.shared", share))
    assert mail_catcher.wait_for_mail_to(cast.email("follower")), "later events are handled"
    subjects = [r.message["Subject"] for r in mail_catcher.to(cast.email("requester"))]
    assert subjects == ["[SAG 2611-0042] Vi har modtaget din henvendelse: Første"]


# -- who hears what: the rest of the rule table ------------------------------------------------------


def all_recipients(notify) -> dict[str, set[str]]:
    with notify.database.transaction() as session:
        rows = session.execute(select(OutgoingMail.kind, OutgoingMail.recipient)).all()
    found: dict[str, set[str]] = {}
    for kind, recipient in rows:
        found.setdefault(kind, set()).add(recipient)
    return found


def users(*people) -> set[str]:
    return {f"user:{p['id']}" for p in people}


def test_an_assignment_tells_the_new_assignee_and_not_the_actor(notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    to_colleague = case_data(requester_id=cast.requester["id"], team_id=cast.team["id"],
                             assignee_id=cast.colleague["id"], version=3, actor_id=cast.agent["id"],
                             changes={"assignee_id": {"old": cast.agent["id"], "new": cast.colleague["id"]}})
    to_self = case_data(requester_id=cast.requester["id"], team_id=cast.team["id"], assignee_id=cast.agent["id"],
                        version=2, actor_id=cast.agent["id"], number="SAG 2611-0043",
                        changes={"assignee_id": {"old": None, "new": cast.agent["id"]}})
    notify_service.publish(event("case.assigned", to_colleague), event("case.assigned", to_self))

    mail = mail_catcher.wait_for_mail_to(cast.email("colleague"))[0]
    assert mail.message["Subject"] == "[SAG 2611-0042] Sagen er tildelt dig: Printeren på 3. sal virker ikke"
    assert "Carl Agent har tildelt dig sag SAG 2611-0042" in mail.text
    settled(notify_service, to_colleague, cast, mail_catcher)
    assert all_recipients(notify_service).get("case_assigned") == users(cast.colleague)


def test_a_new_task_goes_to_its_assignee_else_to_its_team_and_a_reassignment_to_the_new_assignee(
        notify_service, mail_catcher):
    cast = meet_the_cast(notify_service)
    case_id = new_id()
    for_approver = task_data(case_id=case_id, team_id=cast.team["id"], assignee_id=cast.approver["id"],
                             created_by=cast.agent["id"], actor_id=cast.agent["id"])
    for_team = task_data(case_id=case_id, team_id=cast.team["id"], created_by=cast.approver["id"],
                         actor_id=cast.approver["id"])
    notify_service.publish(event("task.created", for_approver), event("task.created", for_team))
    mail = mail_catcher.wait_for_mail_to(cast.email("approver"))[0]
    assert mail.message["Subject"] == "[SAG 2611-0042] Opgave TSK 2611-0007 til dig: Skift toner"
    settled(notify_service, case_data(requester_id=cast.requester["id"]), cast, mail_catcher)
    assert all_recipients(notify_service)["task_assigned"] == users(cast.approver, cast.agent, cast.colleague)

    reassigned = dict(for_team, version=2, assignee_id=cast.colleague["id"], status="assigned",
                      actor_id=cast.agent["id"], changes={"assignee_id": {"old": None, "new": cast.colleague["id"]}})
    notify_service.publish(event("task.assigned", reassigned))
    assert wait_for(lambda: len(mail_catcher.to(cast.email("colleague"))) == 2)
    newest = mail_catcher.to(cast.email("colleague"))[-1]
    assert newest.message["Subject"] == "[SAG 2611-0042] Opgave TSK 2611-0007 til dig: Skift toner"
    settled(notify_service, case_data(requester_id=cast.requester["id"]), cast, mail_catcher)
    with notify_service.database.transaction() as session:
        per_notice = session.execute(select(OutgoingMail.notice_key, OutgoingMail.recipient)
                                     .where(OutgoingMail.kind == "task_assigned")).all()
    assert len(per_notice) == 4, "the reassignment tells the new assignee only (the actor is left out)"


@pytest.mark.parametrize("type_,kind", [("sla.warning", "sla_warning"), ("sla.breached", "sla_breached")])
def test_sla_warnings_and_breaches_go_to_the_assignee_and_the_team(notify_service, mail_catcher, type_, kind):
    cast = meet_the_cast(notify_service)
    data = {"case_id": new_id(), "case_number": "SAG 2611-0042", "metric": "resolution",
            "due_at": "2026-11-26T15:00:00+00:00", "met_at": None, "policy_id": new_id(),
            "team_id": cast.team["id"], "assignee_id": cast.approver["id"], "priority": "high",
            "target_seconds": 28800, "remaining_seconds": 3600 if kind == "sla_warning" else -60}
    notify_service.publish(event(type_, data, source="sla"))
    mail = mail_catcher.wait_for_mail_to(cast.email("approver"))[0]
    assert "SAG 2611-0042" in mail.message["Subject"] and "løsning" in mail.message["Subject"]
    settled(notify_service, case_data(requester_id=cast.requester["id"]), cast, mail_catcher)
    assert all_recipients(notify_service)[kind] == users(cast.approver, cast.agent, cast.colleague)


@pytest.mark.parametrize("assigned", [True, False])
def test_a_requesters_message_goes_to_the_assignee_else_to_the_team(notify_service, mail_catcher, assigned):
    cast = meet_the_cast(notify_service)
    case = case_data(requester_id=cast.requester["id"], follower_ids=[cast.follower["id"]], team_id=cast.team["id"],
                     assignee_id=cast.colleague["id"] if assigned else None, version=4,
                     actor_id=cast.requester["id"])
    case["message"] = {"id": new_id(), "case_id": case["id"], "author_id": cast.requester["id"],
                       "visibility": "external", "body": "Den blinker stadig.", "via": "email", "attachment_ids": []}
    notify_service.publish(event("case.message_added", case, source="cases"))

    mail = mail_catcher.wait_for_mail_to(cast.email("colleague"))[0]
    assert mail.message["Subject"] == "[SAG 2611-0042] Nyt svar fra Anne Hansen: Printeren på 3. sal virker ikke"
    assert "Den blinker stadig." in mail.text
    settled(notify_service, case, cast, mail_catcher)
    expected = users(cast.colleague) if assigned else users(cast.agent, cast.colleague)
    assert all_recipients(notify_service)["case_customer_message"] == expected
    assert "case_reply" not in all_recipients(notify_service), "the requester's own words are not sent back"
