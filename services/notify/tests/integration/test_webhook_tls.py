"""HTTPS deliveries through the guarded connections: the certificate and the host name (SNI) are checked."""

from __future__ import annotations

import pytest
from notify_support import DrippingReceiver, WebhookReceiver, case_data, event, make_certificates, new_id, wait_for

SECRET = "s3cret-for-the-crm-0123456789"
ALLOWED = "localhost,127.0.0.1"  # the name, and the internal address it resolves to


@pytest.fixture
def certificates(tmp_path):
    return make_certificates(tmp_path)


def deliver_once(start_notify, mail_catcher, make_identity, sign_identity, url, **environ):
    notify = start_notify(mail_catcher.url, WEBHOOK_ALLOWED_HOSTS=ALLOWED, WEBHOOK_MAX_ATTEMPTS="1", **environ)
    admin = notify.client(make_identity(roles=("admin",)), sign_identity)
    hook = admin.post("/api/v1/webhooks", json={"url": url, "events": ["case.*"], "secret": SECRET}).json
    notify.publish(event("case.created", case_data(requester_id=new_id(), version=1)))

    def finished():
        items = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json["items"]
        return items if items and items[0]["status"] != "pending" else None

    [delivery] = wait_for(finished, timeout=15)
    return delivery


@pytest.fixture
def https_receiver(certificates):
    receiver = WebhookReceiver(tls=certificates.server_context(), host="localhost")
    receiver.start()
    yield receiver
    receiver.stop()


def test_a_receiver_whose_certificate_our_ca_bundle_trusts_gets_the_delivery_with_its_name_as_sni(
        start_notify, mail_catcher, make_identity, sign_identity, certificates, https_receiver):
    delivery = deliver_once(start_notify, mail_catcher, make_identity, sign_identity, https_receiver.url,
                            WEBHOOK_CA_BUNDLE=certificates.ca)
    assert delivery["status"] == "delivered", delivery
    assert len(https_receiver.requests) == 1
    assert https_receiver.server_names == ["localhost"]


def test_a_certificate_no_trusted_ca_signed_is_refused(start_notify, mail_catcher, make_identity, sign_identity,
                                                       https_receiver):
    delivery = deliver_once(start_notify, mail_catcher, make_identity, sign_identity, https_receiver.url)
    assert delivery["status"] == "failed"
    assert "CERTIFICATE_VERIFY_FAILED" in delivery["last_error"]
    assert https_receiver.requests == []


def test_a_certificate_for_another_name_is_refused(start_notify, mail_catcher, make_identity, sign_identity,
                                                   tmp_path):
    other = make_certificates(tmp_path, names=("crm.example",), addresses=())
    receiver = WebhookReceiver(tls=other.server_context(), host="localhost")
    receiver.start()
    try:
        delivery = deliver_once(start_notify, mail_catcher, make_identity, sign_identity, receiver.url,
                                WEBHOOK_CA_BUNDLE=other.ca)
    finally:
        receiver.stop()
    assert delivery["status"] == "failed"
    assert "localhost" in delivery["last_error"] and receiver.requests == []


def test_a_tls_receiver_that_drips_its_answer_is_cut_off_at_the_deadline(start_notify, mail_catcher, make_identity,
                                                                        sign_identity, certificates):
    slow = DrippingReceiver(b"HTTP/1.1 200 OK\r\nX-Slow: ", tls=certificates.server_context(), host="localhost")
    slow.start()
    try:
        delivery = deliver_once(start_notify, mail_catcher, make_identity, sign_identity, slow.url,
                                WEBHOOK_CA_BUNDLE=certificates.ca, WEBHOOK_TIMEOUT="1")
    finally:
        slow.stop()
    assert delivery["status"] == "failed"
    assert "no complete answer within 1 s" in delivery["last_error"]
    assert delivery["attempt_log"][0]["duration_ms"] < 3000
