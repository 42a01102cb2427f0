"""The look-up of a case the replica lacks: when the gateway cannot answer, the caller learns it (503)."""

import socket

import pytest

from tasks.gateway import CasesUnreachable, GatewayCases


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_without_a_service_key_the_cases_service_cannot_be_asked():
    with pytest.raises(CasesUnreachable):
        GatewayCases("http://127.0.0.1:1", None).find_case("00000000-0000-0000-0000-000000000000")


def test_a_gateway_that_is_away_makes_the_cases_service_unreachable():
    cases = GatewayCases(f"http://127.0.0.1:{closed_port()}", "tasks-test-key-0123456789", timeout=2)
    with pytest.raises(CasesUnreachable) as refused:
        cases.find_case("00000000-0000-0000-0000-000000000000")
    assert refused.value.status == 503 and refused.value.retry_after == 5
