"""The rule table: who hears what (pure, no I/O)."""

from __future__ import annotations

import pytest

from notify import domain


class Directory:
    def __init__(self, teams=None, mailboxes=None):
        self.teams = teams or {}
        self.mailboxes = mailboxes or {}

    def team_member_ids(self, team_id):
        return self.teams.get(team_id, [])

    def team_address(self, team_id):
        return self.mailboxes.get(team_id)


CASE = {"id": "c1", "requester_id": "req", "follower_ids": ["fol"], "team_id": "t1", "assignee_id": "agent",
        "version": 3, "status": "in_progress"}
TEAM = Directory(teams={"t1": ["agent", "mate"]})


def reached(event_type, data, directory=TEAM):
    return {rule.kind: domain.recipients(rule, event_type, data, directory)
            for rule in domain.rules_for(event_type, data)}


def message(author, visibility, **extra):
    return dict(CASE, actor_id=author, message={"author_id": author, "visibility": visibility, **extra})


def test_the_receipt_goes_to_the_requester_even_when_they_opened_the_case_themselves():
    found = reached("case.created", dict(CASE, actor_id="req"))
    assert found["case_receipt"].user_ids == ("req",)
    assert found["case_new"].user_ids == ("agent", "mate")


def test_nobody_hears_of_their_own_action():
    found = reached("case.created", dict(CASE, actor_id="mate"))
    assert found["case_new"].user_ids == ("agent",)
    status = reached("case.status_changed", dict(CASE, actor_id="fol", changes={"status": {"old": "x"}}))
    assert status["case_status"].user_ids == ("req",)


def test_a_staff_reply_reaches_the_requester_and_followers_and_is_mandatory():
    found = reached("case.message_added", message("agent", "external"))
    assert found["case_reply"].user_ids == ("req", "fol")
    assert "case_reply" in domain.MANDATORY_KINDS


def test_a_requesters_message_goes_to_the_assignee_or_else_the_team():
    assert reached("case.message_added", message("req", "external"))["case_customer_message"].user_ids == ("agent",)
    unassigned = dict(message("fol", "external"), assignee_id=None)
    assert reached("case.message_added", unassigned)["case_customer_message"].user_ids == ("agent", "mate")


def test_a_staff_followers_external_message_is_a_staff_reply_to_the_requester():
    by_staff_follower = dict(message("fol", "external"), author_is_staff=True)
    found = reached("case.message_added", by_staff_follower)
    assert found["case_reply"].user_ids == ("req",)
    assert "case_customer_message" not in found
    by_customer_follower = dict(message("fol", "external"), author_is_staff=False)
    assert set(reached("case.message_added", by_customer_follower)) == {"case_customer_message"}


def test_a_requesters_message_reaches_an_assignee_who_also_follows_the_case():
    found = reached("case.message_added", dict(message("req", "external"), assignee_id="fol", author_is_staff=False))
    assert found["case_customer_message"].user_ids == ("fol",)


def test_an_internal_message_never_reaches_a_requester_or_follower_even_when_they_are_staff_elsewhere():
    found = reached("case.message_added", dict(message("mate", "internal"), assignee_id="fol"))
    assert "case_reply" not in found
    assert found["case_internal_note"].user_ids == ()


def test_a_forward_is_not_an_internal_note_and_goes_to_its_external_parties():
    forwarded = message("agent", "internal", via="forward", to=["lev@partner.example"], cc=["cc@partner.example"])
    assert "case_internal_note" not in reached("case.message_added", forwarded)
    assert reached("case.forwarded", forwarded)["case_forward"].addresses == ("lev@partner.example",
                                                                             "cc@partner.example")


@pytest.mark.parametrize("status,kind", [
    ("waiting_requester", "case_waiting"), ("resolved", "case_resolved"), ("closed", "case_closed"),
    ("assigned", "case_status"),
])
def test_each_status_has_its_notice(status, kind):
    assert list(reached("case.status_changed", dict(CASE, status=status, actor_id="agent"))) == [kind]


def test_a_status_announced_under_two_types_has_one_notice_key():
    [status_rule] = domain.rules_for("case.status_changed", dict(CASE, status="resolved"))
    [resolved_rule] = domain.rules_for("case.resolved", dict(CASE, status="resolved"))
    assert domain.notice_key(status_rule, "case.status_changed", "e1", "c1", CASE) == \
        domain.notice_key(resolved_rule, "case.resolved", "e2", "c1", CASE)


def test_an_update_that_changes_no_status_or_assignee_tells_nobody():
    assert reached("case.updated", dict(CASE, changes={"title": {"old": "a", "new": "b"}})) == {}


def test_a_team_with_its_own_mailbox_gets_one_mail_and_its_members_in_app_notices():
    directory = Directory(teams={"t1": ["agent", "mate"]}, mailboxes={"t1": "support@sd.example"})
    found = reached("case.created", dict(CASE, actor_id="req"), directory)["case_new"]
    assert found.team_ids_by_mail == ("t1",)
    assert found.in_app_only_ids == ("agent", "mate") and found.user_ids == ()


@pytest.mark.parametrize("event_type", ["case.assigned", "case.updated"])
def test_assignment_notices_are_for_staff_and_still_reach_a_staff_follower_who_is_assigned(event_type):
    assert {"case_assigned", "case_team_queue"} <= domain.STAFF_KINDS
    assigned = dict(CASE, assignee_id="fol", actor_id="mate", changes={"assignee_id": {"old": None, "new": "fol"}})
    assert reached(event_type, assigned)["case_assigned"].user_ids == ("fol",)


def test_a_resolved_task_tells_its_approver_and_is_mandatory():
    task = {"id": "t", "team_id": "t1", "assignee_id": "mate", "approver_id": "agent", "created_by": "agent",
            "actor_id": "mate", "version": 2}
    found = reached("task.resolved", task)
    assert found["task_resolved"].user_ids == ("agent",)
    assert "task_resolved" in domain.MANDATORY_KINDS


def test_a_task_comment_reaches_the_tasks_people_but_not_its_author():
    task = {"id": "t", "team_id": "t1", "assignee_id": "mate", "approver_id": "boss", "created_by": "agent",
            "comment": {"author_id": "mate"}, "actor_id": "mate"}
    assert reached("task.commented", task)["task_commented"].user_ids == ("boss", "agent")


def test_sla_warnings_reach_the_assignee_and_the_team():
    found = reached("sla.breached", {"case_id": "c1", "team_id": "t1", "assignee_id": "agent", "actor_id": None})
    assert found["sla_breached"].user_ids == ("agent", "mate")


def test_mandatory_kinds_cannot_be_turned_off_and_optional_ones_can():
    assert domain.visible_channels("case_reply", [("email", False)]) == {"email": True, "in_app": True}
    assert domain.visible_channels("case_status", [("email", False)]) == {"email": False, "in_app": True}
    assert domain.visible_channels("case_forward", []) == {"email": True}


def test_a_mail_to_participants_carries_only_external_files_and_a_forward_the_files_the_agent_chose():
    assert domain.KIND_FILES == {"case_reply": ("external",), "case_customer_message": ("external",),
                                 "case_forward": ("external", "internal")}
    assert sorted(domain.OUTSIDE_KINDS) == ["case_forward"]
    assert all(rule.files == () for rules in domain.RULES.values() for rule in rules if rule.internal)
