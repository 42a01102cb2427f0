"""The SLA clock of a case through the gateway: the agent's reply meets the first response, waiting pauses it."""

from datetime import datetime

from system import wait_for

CLOCK_FIELDS = {"due_at", "met_at", "breached", "remaining_seconds"}


def assert_contract_shape(view: dict) -> None:
    """``GET /api/v1/cases/{id}/sla`` as the public contract writes it."""
    assert isinstance(view["policy_id"], str) and view["policy_id"]
    assert isinstance(view["paused"], bool)
    for metric in ("first_response", "resolution"):
        clock = view[metric]
        assert set(clock) >= CLOCK_FIELDS, (metric, clock)
        assert isinstance(clock["breached"], bool) and isinstance(clock["remaining_seconds"], int)
        for instant in ("due_at", "met_at"):
            assert clock[instant] is None or datetime.fromisoformat(clock[instant]).tzinfo is not None


def test_an_agents_external_reply_meets_the_first_response_and_waiting_for_the_requester_pauses(system, world):
    case = world.open_case("anne", title="Skærmen flimrer")
    sofie = world.as_("sofie")

    def sla(condition):
        def read():
            response = sofie.get(f"/api/v1/cases/{case['id']}/sla")
            return response.json() if response.status_code == 200 and condition(response.json()) else None
        return read

    started = wait_for(sla(lambda view: True), message="the SLA clock of the new case")
    assert_contract_shape(started)
    assert started["paused"] is False and started["first_response"]["met_at"] is None
    assert started["first_response"]["due_at"] is not None and started["resolution"]["due_at"] is not None

    reply = sofie.post(f"/api/v1/cases/{case['id']}/messages",
                       json={"body": "Vi kigger på din skærm i dag.", "visibility": "external"})
    assert reply.status_code == 201, reply.text
    met = wait_for(sla(lambda view: view["first_response"]["met_at"] is not None),
                   message="the first response to be met by the agent's reply")
    assert_contract_shape(met)
    assert met["first_response"]["breached"] is False
    assert datetime.fromisoformat(met["first_response"]["met_at"]) == datetime.fromisoformat(reply.json()["created_at"])
    assert met["resolution"]["met_at"] is None and met["paused"] is False

    current = sofie.get(f"/api/v1/cases/{case['id']}").json()
    waiting = sofie.patch(f"/api/v1/cases/{case['id']}", json={"status": "waiting_requester"},
                          headers={"If-Match": str(current["version"])})
    assert waiting.status_code == 200, waiting.text
    paused = wait_for(sla(lambda view: view["paused"]), message="the clock to pause while waiting for the requester")
    assert_contract_shape(paused)
    assert paused["resolution"]["due_at"] is None and paused["resolution"]["met_at"] is None
    assert paused["first_response"]["met_at"] == met["first_response"]["met_at"]
