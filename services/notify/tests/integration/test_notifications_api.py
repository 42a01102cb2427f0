"""In-app notices and preferences over HTTP, with the gateway's identity token."""

from __future__ import annotations

from notify_cast import meet_the_cast
from notify_support import case_data, event, new_id, wait_for
from sqlalchemy import select

from notify.models import OutgoingMail
from servicekit.auth import Identity


def as_user(notify, user: dict, sign_identity, roles=None):
    identity = Identity(user_id=user["id"], roles=frozenset(roles or user["roles"]), name=user["name"],
                        email=user["email"], language=user["language"])
    return notify.client(identity, sign_identity)


def status_change(cast, status="in_progress", version=2, **extra):
    return case_data(requester_id=cast.requester["id"], follower_ids=[cast.follower["id"]], team_id=cast.team["id"],
                     status=status, version=version, actor_id=cast.agent["id"],
                     changes={"status": {"old": "registered", "new": status}}, **extra)


def test_my_notices_list_newest_first_count_unread_and_can_be_marked_read(notify_service, sign_identity):
    cast = meet_the_cast(notify_service)
    case = status_change(cast)
    notify_service.publish(event("case.status_changed", case))
    notify_service.publish(event("case.shared", dict(case, version=3, user_id=cast.follower["id"],
                                                     actor_id=cast.requester["id"], changes={})))
    follower = as_user(notify_service, cast.follower, sign_identity)
    assert wait_for(lambda: follower.get("/api/v1/notifications/unread-count").json["unread"] == 2)

    page = follower.get("/api/v1/notifications?unread=true", headers={"Accept-Language": "en"}).json
    assert page["total"] == 2 and page["page"] == 1 and page["per_page"] == 50
    newest, older = page["items"]
    assert newest["kind"] == "case_shared" and newest["title"].startswith("Anne Hansen shared a case with you")
    assert older["kind"] == "case_status" and older["read"] is False
    assert newest["link"] == f"/sager/{case['id']}" and newest["case_number"] == "SAG 2611-0042"
    danish = follower.get("/api/v1/notifications", headers={"Accept-Language": "da"}).json["items"][1]
    assert danish["title"] == "Status på din sag er nu Påbegyndt: Printeren på 3. sal virker ikke"

    read = follower.post(f"/api/v1/notifications/{older['id']}/read")
    assert read.status_code == 200 and read.json["read"] is True and read.json["read_at"]
    assert follower.get("/api/v1/notifications/unread-count").json == {"unread": 1}
    assert [n["id"] for n in follower.get("/api/v1/notifications?unread=true").json["items"]] == [newest["id"]]
    assert follower.post("/api/v1/notifications/read-all").json == {"marked": 1}
    assert follower.get("/api/v1/notifications/unread-count").json == {"unread": 0}
    assert follower.get("/api/v1/notifications").json["total"] == 2


def test_nobody_sees_or_marks_another_users_notice(notify_service, sign_identity):
    cast = meet_the_cast(notify_service)
    notify_service.publish(event("case.status_changed", status_change(cast)))
    follower = as_user(notify_service, cast.follower, sign_identity)
    notice = wait_for(lambda: follower.get("/api/v1/notifications").json["items"])[0]

    requester = as_user(notify_service, cast.requester, sign_identity)
    assert notice["id"] not in [n["id"] for n in requester.get("/api/v1/notifications").json["items"]]
    refused = requester.post(f"/api/v1/notifications/{notice['id']}/read")
    assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
    assert follower.get("/api/v1/notifications/unread-count").json == {"unread": 1}


def test_calls_without_the_gateways_token_are_refused(notify_service):
    response = notify_service.app.test_client().get("/api/v1/notifications")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_a_page_larger_than_200_is_a_clear_error(notify_service, make_identity, sign_identity):
    client = notify_service.client(make_identity(), sign_identity)
    response = client.get("/api/v1/notifications?per_page=500", headers={"Accept-Language": "da"})
    assert response.status_code == 422 and "per_page" in response.json["errors"]


def test_a_required_notice_cannot_be_turned_off(notify_service, sign_identity):
    cast = meet_the_cast(notify_service)
    requester = as_user(notify_service, cast.requester, sign_identity)
    before = requester.get("/api/v1/notification-preferences").json["items"]
    by_kind = {p["kind"]: p for p in before}
    assert by_kind["case_reply"]["mandatory"] and by_kind["case_receipt"]["mandatory"]
    assert not by_kind["case_status"]["mandatory"]
    assert "task_assigned" not in by_kind, "requesters are never told about tasks"
    assert "case_assigned" not in by_kind and "case_team_queue" not in by_kind, "nor about assignments"
    agent = as_user(notify_service, cast.agent, sign_identity)
    offered_to_staff = {p["kind"] for p in agent.get("/api/v1/notification-preferences").json["items"]}
    assert {"case_assigned", "case_team_queue", "task_assigned"} <= offered_to_staff

    refused = requester.put("/api/v1/notification-preferences", headers={"Accept-Language": "da"},
                            json={"items": [{"kind": "case_status", "channels": {"email": False}},
                                            {"kind": "case_reply", "channels": {"email": False}}]})
    assert refused.status_code == 422
    assert refused.json["errors"]["case_reply"] == ["Denne notifikation er påkrævet og kan ikke slås fra."]
    assert requester.get("/api/v1/notification-preferences").json["items"] == before


def test_an_optional_notice_turned_off_by_mail_still_shows_in_the_app(notify_service, mail_catcher, sign_identity):
    cast = meet_the_cast(notify_service)
    requester = as_user(notify_service, cast.requester, sign_identity)
    changed = requester.put("/api/v1/notification-preferences",
                            json={"items": [{"kind": "case_status", "channels": {"email": False}}]})
    assert changed.status_code == 200
    assert {p["kind"]: p for p in changed.json["items"]}["case_status"]["channels"] == {"email": False,
                                                                                      "in_app": True}
    notify_service.publish(event("case.status_changed", status_change(cast)))

    assert mail_catcher.wait_for_mail_to(cast.email("follower")), "the follower still gets the mail"
    assert wait_for(lambda: requester.get("/api/v1/notifications").json["total"] == 1)
    with notify_service.database.transaction() as session:
        recipients = set(session.scalars(select(OutgoingMail.recipient)))
    assert f"user:{cast.requester['id']}" not in recipients


def test_a_stale_status_event_arriving_late_tells_nobody(notify_service, mail_catcher, sign_identity):
    cast = meet_the_cast(notify_service)
    newer = status_change(cast, status="waiting_requester", version=4)
    older = dict(status_change(cast, status="in_progress", version=3), id=newer["id"])
    notify_service.publish(event("case.status_changed", newer), event("case.status_changed", older))
    follower = as_user(notify_service, cast.follower, sign_identity)
    wait_for(lambda: follower.get("/api/v1/notifications").json["total"] >= 1)
    notify_service.publish(event("case.shared", dict(newer, id=new_id(), version=1, user_id=cast.follower["id"])))
    assert wait_for(lambda: follower.get("/api/v1/notifications").json["total"] == 2)
    kinds = [n["kind"] for n in follower.get("/api/v1/notifications").json["items"]]
    assert sorted(kinds) == ["case_shared", "case_waiting"]


def test_a_notice_names_a_person_heard_of_after_it_was_queued(notify_service, sign_identity):
    from notify_support import user_data

    cast = meet_the_cast(notify_service)
    newcomer = user_data("Frida Ny", "frida@kunde.example")
    share = dict(status_change(cast), version=3, user_id=cast.follower["id"], actor_id=newcomer["id"], changes={})
    notify_service.publish(event("case.shared", share))
    follower = as_user(notify_service, cast.follower, sign_identity)
    [before] = wait_for(lambda: follower.get("/api/v1/notifications").json["items"])
    assert before["actor_name"] is None and before["title"].startswith("Kundebetjening har delt en sag med dig")

    notify_service.publish(event("user.created", newcomer, source="gateway"))

    def named():
        [notice] = follower.get("/api/v1/notifications").json["items"]
        return notice if notice["actor_name"] == "Frida Ny" else None

    notice = wait_for(named)
    assert notice and notice["title"].startswith("Frida Ny har delt en sag med dig")
