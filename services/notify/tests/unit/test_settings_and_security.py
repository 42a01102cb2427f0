"""Settings, the SMTP URL, webhook signatures and the webhook address policy."""

from __future__ import annotations

import ipaddress

import pytest

from notify import config
from notify.mail.smtp import SmtpTarget
from notify.webhooks.signing import sign, signature, verify
from notify.webhooks.urlguard import HostPolicy, UnsafeUrl, embedded_ipv4
from servicekit.config import ConfigError

BASE = {"DATABASE_URL": "sqlite:///x.db", "AMQP_URL": "memory://"}


def test_the_inbound_address_and_domains_default_to_the_sender_address():
    settings = config.load({**BASE, "MAIL_FROM": "Servicedesk <sd@styrelsen.example>"})
    assert settings.inbound_address == "Servicedesk <sd@styrelsen.example>"
    assert settings.inbound_domains == ("styrelsen.example",)


@pytest.mark.parametrize("name,value", [
    ("SMTP_URL", "http://mail.example"), ("MAIL_FROM", "not an address"), ("MAIL_RETRY_DELAYS", "10,-1"),
    ("IMAP_URL", "pop3://mail.example"), ("WEBHOOK_CA_BUNDLE", "/no/such/ca.pem"),
])
def test_a_bad_setting_stops_the_start_and_is_named(name, value):
    with pytest.raises(ConfigError) as err:
        config.load({**BASE, name: value})
    assert name in str(err.value)


@pytest.mark.parametrize("url,expected", [
    ("smtp://mail.example", ("smtp", "mail.example", 25, None, None, True)),
    ("smtps://user%40x:p%3Ass@mail.example", ("smtps", "mail.example", 465, "user@x", "p:ss", True)),
    ("smtp+starttls://u:p@mail.example:2525?verify=false", ("smtp+starttls", "mail.example", 2525, "u", "p", False)),
])
def test_the_smtp_url_says_how_to_connect(url, expected):
    target = SmtpTarget.from_url(url)
    assert (target.scheme, target.host, target.port, target.username, target.password, target.verify) == expected


@pytest.mark.parametrize("url", ["smtp://user:pw@mail.example", "smtp://user@mail.example:2525",
                                 "smtps://mail.example?cafile=/no/such/ca.pem"])
def test_an_smtp_url_that_would_send_the_password_in_clear_text_stops_the_start(url):
    with pytest.raises(ConfigError) as err:
        config.load({**BASE, "SMTP_URL": url})
    assert "SMTP_URL" in str(err.value)


@pytest.mark.parametrize("url", ["smtps://user:pw@mail.example", "smtp+starttls://user:pw@mail.example",
                                 "smtp://user:pw@relay.intern?allow_plaintext_auth=true", "smtp://mail.example"])
def test_credentials_over_tls_or_said_on_purpose_are_accepted(url):
    assert config.load({**BASE, "SMTP_URL": url}).smtp_url == url


def test_inbound_tls_needs_both_a_certificate_and_its_key_that_load(tmp_path):
    from notify_support import make_certificates

    certificates = make_certificates(tmp_path)
    loaded = config.load({**BASE, "INBOUND_TLS_CERT": certificates.cert, "INBOUND_TLS_KEY": certificates.key})
    assert loaded.inbound_tls_cert == certificates.cert
    with pytest.raises(ConfigError, match="INBOUND_TLS_KEY"):
        config.load({**BASE, "INBOUND_TLS_CERT": certificates.cert})
    with pytest.raises(ConfigError, match="INBOUND_TLS_CERT"):
        config.load({**BASE, "INBOUND_TLS_CERT": certificates.ca, "INBOUND_TLS_KEY": certificates.key})


def test_a_signature_covers_the_timestamp_and_the_body():
    header = sign("hemmelighed-0123456789", b'{"a":1}', now=1_800_000_000)
    assert header.startswith("t=1800000000,v1=")
    assert verify("hemmelighed-0123456789", b'{"a":1}', header, now=1_800_000_010)
    assert not verify("hemmelighed-0123456789", b'{"a":2}', header, now=1_800_000_010)
    assert not verify("en-anden-hemmelighed-01", b'{"a":1}', header, now=1_800_000_010)
    assert not verify("hemmelighed-0123456789", b'{"a":1}', header, now=1_800_000_000 + 3600), "replayed"
    assert not verify("hemmelighed-0123456789", b'{"a":1}', "garbage")


def test_the_signature_is_the_documented_hmac():
    import hashlib
    import hmac

    expected = hmac.new(b"k" * 16, b"1700000000." + b"body", hashlib.sha256).hexdigest()
    assert signature("k" * 16, b"body", 1_700_000_000) == f"t=1700000000,v1={expected}"


@pytest.mark.parametrize("url,reason", [
    ("http://localhost:8080/x", "private"), ("http://127.0.0.1/x", "private"), ("http://[::1]/x", "private"),
    ("http://169.254.169.254/latest", "private"), ("http://192.168.1.10/x", "private"),
    ("http://100.64.0.1/x", "private"), ("gopher://example.com/", "scheme"),
    ("http://user:pw@example.com/", "credentials"),
])
def test_without_an_allow_list_internal_addresses_are_refused(url, reason):
    with pytest.raises(UnsafeUrl) as err:
        HostPolicy.from_setting([]).check_url(url)
    assert err.value.reason == reason


@pytest.mark.parametrize("address", [
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::808:808",  # local-use NAT64 (RFC 8215), never public
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:c0a8:10a::1",  # 6to4 of 192.168.1.10
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
    "::ffff:127.0.0.1", "::ffff:10.1.2.3",  # IPv4-mapped
    "::7f00:1", "::a01:203",  # IPv4-compatible (deprecated) 127.0.0.1, 10.1.2.3
])
def test_an_ipv6_address_that_carries_an_internal_ipv4_address_is_refused(address):
    with pytest.raises(UnsafeUrl) as err:
        HostPolicy.from_setting([]).check_url(f"http://[{address}]/hook")
    assert err.value.reason == "private"


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "2606:4700::1111"])
def test_an_ipv6_address_that_carries_a_public_ipv4_address_is_allowed(address):
    assert embedded_ipv4(ipaddress.ip_address(address)) in ([ipaddress.ip_address("8.8.8.8")], [])
    HostPolicy.from_setting([]).check_url(f"http://[{address}]/hook")


def test_an_allow_list_admits_only_what_it_names():
    policy = HostPolicy.from_setting(["127.0.0.1", "*.intern.example", "10.20.0.0/16"])
    policy.check_url("http://127.0.0.1:8000/hook")
    policy.check_url("http://10.20.3.4/hook")
    assert policy.host_listed("crm.intern.example") and not policy.host_listed("intern.example.evil")
    with pytest.raises(UnsafeUrl) as err:
        policy.check_url("http://localhost/hook")
    assert err.value.reason == "not_listed"
    with pytest.raises(UnsafeUrl) as err:
        policy.check_url("http://10.21.0.1/hook")
    assert err.value.reason == "not_listed"


def test_a_listed_name_must_still_resolve_to_public_addresses_unless_an_address_entry_admits_them():
    with pytest.raises(UnsafeUrl) as err:
        HostPolicy.from_setting(["localhost"]).check_url("http://localhost:8000/hook")
    assert (err.value.reason, err.value.params["address"]) == ("private", "127.0.0.1")
    HostPolicy.from_setting(["localhost", "127.0.0.1"]).check_url("http://localhost:8000/hook")
    HostPolicy.from_setting(["localhost", "127.0.0.0/8"]).check_url("http://localhost:8000/hook")


def test_the_service_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "notify_service_key"
    key_file.write_text("a-key-from-a-secret-file-0123\n")
    assert config.load({**BASE, "SERVICE_API_KEY_FILE": str(key_file)}).service_api_key == \
        "a-key-from-a-secret-file-0123"
    with pytest.raises(ConfigError, match="SERVICE_API_KEY_FILE"):
        config.load({**BASE, "SERVICE_API_KEY_FILE": str(tmp_path / "missing")})
