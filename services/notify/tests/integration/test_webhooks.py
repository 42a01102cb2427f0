"""Webhooks: registered through the API, delivered to a real HTTP server, signed, retried, logged."""

from __future__ import annotations

import json

import pytest
from notify_support import DrippingReceiver, WebhookReceiver, case_data, event, new_id, task_data, wait_for

from notify.webhooks.signing import verify

SECRET = "s3cret-for-the-crm-0123456789"


@pytest.fixture
def receiver():
    server = WebhookReceiver(statuses=[500, 200])
    server.start()
    yield server
    server.stop()


@pytest.fixture
def admin(notify_service, make_identity, sign_identity):
    return notify_service.client(make_identity(roles=("admin",)), sign_identity)


def register(admin, url, **extra):
    response = admin.post("/api/v1/webhooks", json={"url": url, "events": ["case.*"], "secret": SECRET, **extra})
    assert response.status_code == 201, response.json
    return response.json


def test_a_delivery_carries_a_valid_signature_and_is_retried_after_a_failure(notify_service, admin, receiver):
    hook = register(admin, receiver.url)
    case = case_data(requester_id=new_id(), actor_id=new_id(), version=1)
    notify_service.publish(event("case.created", case, source="cases"))

    assert wait_for(lambda: len(receiver.requests) >= 2), "the failed delivery should be tried again"
    first, second = receiver.requests[:2]
    assert first["body"] == second["body"]
    for request in (first, second):
        assert verify(SECRET, request["body"], request["headers"]["X-Servicedesk-Signature"])
        assert not verify("another-secret-0123456789", request["body"], request["headers"]["X-Servicedesk-Signature"])
        assert request["headers"]["X-Servicedesk-Event"] == "case.created"
        assert request["headers"]["Content-Type"] == "application/cloudevents+json"
    assert receiver.json(1)["data"]["id"] == case["id"]

    def log():
        deliveries = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json
        return deliveries if deliveries["items"] and deliveries["items"][0]["status"] == "delivered" else None

    deliveries = wait_for(log)
    [delivery] = deliveries["items"]
    assert delivery["attempts"] == 2 and delivery["last_status_code"] == 200
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 200]
    assert delivery["event_type"] == "case.created"


def test_internal_message_bodies_are_left_out_unless_the_subscription_asks_for_them(notify_service, admin):
    plain, internal = WebhookReceiver(), WebhookReceiver()
    plain.start()
    internal.start()
    try:
        patterns = ["case.message_added", "case.reopened", "task.#"]
        register(admin, plain.url, events=patterns)
        register(admin, internal.url, events=patterns, include_internal=True)
        agent = new_id()
        case = case_data(requester_id=new_id(), version=3, actor_id=agent)
        note = dict(case, message={"id": new_id(), "author_id": agent, "visibility": "internal",
                                   "body": "Kun til internt brug", "via": "portal", "attachment_ids": []})
        reopened = dict(case, version=4, status="in_progress", reason="Kunden ringede: løsningen holdt ikke",
                        changes={"status": {"old": "resolved", "new": "in_progress"}})
        task = task_data(case_id=case["id"], team_id=new_id(), version=2, status="resolved",
                         solution="Hemmelig løsning", actor_id=agent,
                         changes={"status": {"old": "assigned", "new": "resolved"},
                                  "solution": {"old": None, "new": "Hemmelig løsning"}})
        task_reopened = dict(task, version=3, status="assigned", solution=None, reason="Printeren driller igen",
                             changes={"status": {"old": "resolved", "new": "assigned"},
                                      "solution": {"old": "Hemmelig løsning", "new": None}})
        task_updated = dict(task, version=4, description="Ny intern beskrivelse",
                            changes={"description": {"old": "Toneren i printer P3 er tom.",
                                                     "new": "Ny intern beskrivelse"}})
        notify_service.publish(event("case.message_added", note), event("case.reopened", reopened),
                               event("task.resolved", task), event("task.reopened", task_reopened),
                               event("task.updated", task_updated))
        assert wait_for(lambda: len(plain.requests) == 5 and len(internal.requests) == 5)
        withheld = ["Kun til internt brug", "løsningen holdt ikke", "Hemmelig løsning", "Printeren driller",
                    "intern beskrivelse", "Toneren i printer"]
        sent_plain = json.dumps([plain.json(i) for i in range(5)], ensure_ascii=False)
        sent_internal = json.dumps([internal.json(i) for i in range(5)], ensure_ascii=False)
        assert [text for text in withheld if text in sent_plain] == []
        assert [text for text in withheld if text not in sent_internal] == []
        by_type = {plain.json(i)["type"]: plain.json(i)["data"] for i in range(5)}
        assert by_type["case.message_added"]["message"]["body_redacted"] is True
        assert by_type["task.resolved"]["changes"]["solution"]["redacted"] is True
        assert by_type["task.resolved"]["changes"]["status"] == {"old": "assigned", "new": "resolved"}
        assert by_type["case.reopened"]["reason"] is None and by_type["task.reopened"]["reason_redacted"] is True
    finally:
        plain.stop()
        internal.stop()


def test_an_opt_out_after_queueing_sends_no_internal_body_on_redelivery(start_notify, mail_catcher, make_identity,
                                                                         sign_identity):
    opted_in, moved_to = WebhookReceiver(statuses=[500]), WebhookReceiver()
    opted_in.start()
    moved_to.start()
    try:
        notify = start_notify(mail_catcher.url, WEBHOOK_RETRY_DELAYS="3600")
        admin = notify.client(make_identity(roles=("admin",)), sign_identity)
        hook = register(admin, opted_in.url, events=["case.message_added"], include_internal=True)
        agent = new_id()
        note = dict(case_data(requester_id=new_id(), version=3, actor_id=agent),
                    message={"id": new_id(), "author_id": agent, "visibility": "internal",
                             "body": "Kun til internt brug", "via": "portal", "attachment_ids": []})
        notify.publish(event("case.message_added", note, source="cases"))

        def tried_once():
            items = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json["items"]
            return items if items and items[0]["attempts"] == 1 else None

        [delivery] = wait_for(tried_once)
        assert "Kun til internt brug" in opted_in.requests[0]["body"].decode(), "sent in full while opted in"
        changed = admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"include_internal": False,
                                                                      "url": moved_to.url})
        assert changed.status_code == 200, changed.json
        again = admin.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver")
        assert again.status_code == 202, again.json

        assert wait_for(lambda: moved_to.requests), "the redelivery goes to the webhook's new address"
        [request] = moved_to.requests
        assert "Kun til internt brug" not in request["body"].decode()
        assert moved_to.json(0)["data"]["message"]["body_redacted"] is True
        assert verify(SECRET, request["body"], request["headers"]["X-Servicedesk-Signature"])
        assert len(opted_in.requests) == 1
    finally:
        opted_in.stop()
        moved_to.stop()


def test_only_admins_manage_webhooks(notify_service, make_identity, sign_identity):
    agent = notify_service.client(make_identity(roles=("agent",)), sign_identity)
    assert agent.get("/api/v1/webhooks").status_code == 403
    response = agent.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:1/x", "events": ["case.*"],
                                                    "secret": SECRET}, headers={"Accept-Language": "da"})
    assert response.status_code == 403
    assert response.json["title"] == "Ikke tilladt"


@pytest.mark.parametrize("url", ["http://localhost/hook", "http://169.254.169.254/latest/meta-data",
                                 "http://10.1.2.3/hook", "http://[::1]/hook", "ftp://example.com/hook"])
def test_a_webhook_may_not_point_at_internal_addresses(start_notify, mail_catcher, make_identity, sign_identity,
                                                         url):
    notify = start_notify(mail_catcher.url, WEBHOOK_ALLOWED_HOSTS="")
    admin = notify.client(make_identity(roles=("admin",)), sign_identity)
    response = admin.post("/api/v1/webhooks", json={"url": url, "events": ["case.*"], "secret": SECRET})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "url" in response.json["errors"]
    assert admin.get("/api/v1/webhooks").json["total"] == 0


def test_the_address_is_checked_again_when_delivering_so_a_host_that_turned_internal_is_refused(
        start_notify, mail_catcher, make_identity, sign_identity, receiver):
    # Registered while the allow-list admitted the host...
    registering = start_notify(mail_catcher.url, WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    registering.worker.stop(timeout=10)
    admin = registering.client(make_identity(roles=("admin",)), sign_identity)
    hook = register(admin, receiver.url)
    # ... delivered by a worker whose policy refuses it (as after DNS rebinding to a private address).
    delivering = start_notify(mail_catcher.url, WEBHOOK_ALLOWED_HOSTS="", WEBHOOK_MAX_ATTEMPTS="2")
    delivering.publish(event("case.created", case_data(requester_id=new_id(), version=1)))

    def failed():
        items = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json["items"]
        return items if items and items[0]["status"] == "failed" else None

    [delivery] = wait_for(failed)
    assert delivery["attempts"] == 2 and delivery["last_status_code"] is None
    assert "non-public address" in delivery["last_error"]
    assert receiver.requests == []


def deliveries_of(admin, hook, status):
    def settled():
        items = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json["items"]
        return items if items and items[0]["status"] == status else None

    return wait_for(settled)


def test_a_receiver_that_redirects_to_an_internal_address_is_not_followed(start_notify, mail_catcher,
                                                                            make_identity, sign_identity):
    internal = WebhookReceiver()  # stands for an internal service (the allow-list admits 127.0.0.1 here)
    internal.start()
    redirecting = WebhookReceiver(statuses=[302], answer_headers={"Location": f"{internal.url}?from=redirect"})
    redirecting.start()
    try:
        notify = start_notify(mail_catcher.url, WEBHOOK_MAX_ATTEMPTS="1")
        admin = notify.client(make_identity(roles=("admin",)), sign_identity)
        hook = register(admin, redirecting.url)
        notify.publish(event("case.created", case_data(requester_id=new_id(), version=1), source="cases"))

        [delivery] = deliveries_of(admin, hook, "failed")
        assert delivery["last_status_code"] == 302
        assert len(redirecting.requests) == 1
        assert internal.requests == [], "the redirect must not be followed"
    finally:
        redirecting.stop()
        internal.stop()


class RebindingResolver:
    """A name server for ``hooks.partner.example`` whose answer the test changes (DNS rebinding)."""

    def __init__(self, address: str):
        self.address = address
        self.asked: list[str] = []

    def __call__(self, host, port, *args, **kwargs):
        import socket

        self.asked.append(self.address)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (self.address, port))]


def test_a_name_that_resolves_to_loopback_when_delivering_is_refused(start_notify, mail_catcher, make_identity,
                                                                    sign_identity, receiver):
    from notify.webhooks.deliveries import WebhookSender
    from notify.webhooks.urlguard import HostPolicy

    notify = start_notify(mail_catcher.url, WEBHOOK_ALLOWED_HOSTS="")
    notify.worker.stop(timeout=10)  # the sender below, with the rebinding name server, is the only one
    rebinding = RebindingResolver("93.184.215.14")  # public when the webhook is registered
    policy = HostPolicy.from_setting([], resolver=rebinding)
    notify.context.extras["host_policy"] = policy
    admin = notify.client(make_identity(roles=("admin",)), sign_identity)
    hook = register(admin, f"http://hooks.partner.example:{receiver.port}/hooks/servicedesk")
    assert admin.post(f"/api/v1/webhooks/{hook['id']}/ping").status_code == 202

    rebinding.address = "127.0.0.1"  # ... and the receiver on loopback when the delivery connects
    sender = WebhookSender(notify.database, policy, retry_delays=(60.0,), max_attempts=1, timeout=5)
    assert sender.deliver_due() == 1

    [delivery] = deliveries_of(admin, hook, "failed")
    assert "non-public address (127.0.0.1)" in delivery["last_error"]
    assert rebinding.asked == ["93.184.215.14", "127.0.0.1"]
    assert receiver.requests == []


def test_bad_input_is_a_clear_problem_and_changes_nothing(admin):
    response = admin.post("/api/v1/webhooks", json={"url": "not a url", "events": ["kage.*"], "secret": "kort"},
                          headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"url", "events", "secret"}
    assert admin.get("/api/v1/webhooks").json["total"] == 0
    assert admin.get(f"/api/v1/webhooks/{new_id()}").status_code == 404


def test_a_webhook_can_be_paused_changed_and_removed(admin, receiver):
    hook = register(admin, receiver.url)
    changed = admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False, "events": ["task.resolved"]})
    assert changed.status_code == 200
    assert changed.json["active"] is False and changed.json["events"] == ["task.resolved"]
    assert "secret" not in changed.json
    assert admin.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert admin.get(f"/api/v1/webhooks/{hook['id']}").status_code == 404


@pytest.mark.parametrize("head,outcome", [
    (b"HTTP/1.1 200 OK\r\nX-Slow: ", "failed"),  # headers that never end
    (b"HTTP/1.1 500 Oops\r\nContent-Length: 100000\r\n\r\nfejl", "failed"),  # a refusal whose body never ends
    (b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nok", "delivered"),  # a 2xx: its body is not read
])
def test_a_receiver_that_drips_its_answer_is_cut_off_at_the_deadline(start_notify, mail_catcher, make_identity,
                                                                      sign_identity, head, outcome):
    slow = DrippingReceiver(head)
    slow.start()
    try:
        notify = start_notify(mail_catcher.url, WEBHOOK_TIMEOUT="1", WEBHOOK_MAX_ATTEMPTS="1")
        admin = notify.client(make_identity(roles=("admin",)), sign_identity)
        hook = register(admin, slow.url)
        notify.publish(event("case.created", case_data(requester_id=new_id(), version=1)))

        def finished():
            items = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json["items"]
            return items if items and items[0]["status"] != "pending" else None

        [delivery] = wait_for(finished, timeout=15)
        assert delivery["status"] == outcome
        [attempt] = delivery["attempt_log"]
        assert attempt["duration_ms"] < 3000
        if outcome == "failed":
            assert "no complete answer within 1 s" in attempt["error"]
    finally:
        slow.stop()
