"""The log-in page offers single sign-on only when the gateway has an OpenID Connect provider configured."""

from __future__ import annotations

import pytest
from gatewaykit import GatewayHarness
from webkit import HTML, text


@pytest.fixture(scope="module")
def sso_gateway(postgres_databases, rabbitmq_url, bus_namespace, identity_keys):
    # the provider is only asked for its metadata when someone uses the button; nobody does here
    harness = GatewayHarness.start(postgres_databases.create("gateway_sso_button"), rabbitmq_url, bus_namespace,
                                   identity_keys, OIDC_ISSUER="https://login.example.dk/realms/styrelsen",
                                   OIDC_CLIENT_ID="servicedesk")
    yield harness
    harness.stop()


def test_the_sso_button_is_shown_when_configured_and_keeps_where_to_go_next(sso_gateway):
    page = text(sso_gateway.client.get("/log-ind?next=/sager", headers=HTML))
    assert 'href="/log-ind/sso?next=/sager"' in page or 'href="/log-ind/sso?next=%2Fsager"' in page
    assert "Log ind med single sign-on" in page


def test_no_sso_button_without_a_provider(client):
    page = text(client.get("/log-ind", headers=HTML))
    assert "/log-ind/sso" not in page and "single sign-on" not in page
