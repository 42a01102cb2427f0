"""Pure SLA rules: which policy wins, who responds, which timers a clock needs."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sla.calendar import BusinessCalendar
from sla.domain import (
    ClockRules,
    TimerKind,
    apply_status,
    case_timers,
    is_agent_response,
    match_key,
    select_policy,
    task_deadline_timer,
)
from sla.models import ClockMetric

ALL = {p: {"first_response": 3600, "resolution": 7200} for p in ("critical", "high", "normal", "low")}
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@dataclass
class P:
    name: str
    organisation_id: str | None = None
    category: str | None = None
    case_type: str | None = None
    targets: dict = field(default_factory=lambda: ALL)


def winner(policies, **case):
    case = {"priority": "normal", "organisation_id": "org-1", "category": "Print", "case_type": "incident", **case}
    found = select_policy(policies, **case)
    return found.name if found else None


def test_the_most_specific_matching_policy_wins():
    policies = [P("default"), P("type", case_type="incident"), P("category", category="print"),
                P("org", organisation_id="org-1"), P("org+type", organisation_id="org-1", case_type="incident")]
    assert winner(policies) == "org+type"
    assert winner(policies, case_type="request") == "org"
    assert winner(policies, organisation_id="org-2") == "category"
    assert winner(policies, organisation_id="org-2", category=None) == "type"
    assert winner(policies, organisation_id=None, category=None, case_type="question") == "default"


def test_a_policy_without_a_target_for_the_priority_lets_a_broader_one_apply():
    policies = [P("default"), P("org", organisation_id="org-1", targets={"critical": ALL["critical"]})]
    assert winner(policies, priority="critical") == "org"
    assert winner(policies, priority="low") == "default"
    assert winner([P("org", organisation_id="org-1")], organisation_id="org-2") is None


def test_categories_match_without_regard_to_letter_case_and_say_so_in_the_match_key():
    assert match_key(None, "Print", None) == match_key(None, "PRINT", None) == "*|print|*"
    assert match_key("org-1", None, "incident") == "org-1|*|incident"


def test_only_an_external_message_from_staff_is_a_response():
    case = {"requester_id": "req", "follower_ids": ["fol"], "author_is_staff": None}  # an event without the flag
    message = {"visibility": "external", "author_id": "agent"}
    assert is_agent_response(message, author_roles=["agent"], **case)
    assert not is_agent_response({**message, "visibility": "internal"}, author_roles=["agent"], **case)
    assert not is_agent_response({**message, "author_id": "req"}, author_roles=["requester"], **case)
    assert not is_agent_response({**message, "author_id": "service:notify"}, author_roles=None, **case)
    assert not is_agent_response({**message, "author_id": None}, author_roles=None, **case)
    assert not is_agent_response({**message, "author_id": "fol"}, author_roles=None, **case)
    assert is_agent_response(message, author_roles=None, **case)


def clock(metric="resolution", target=7200) -> ClockMetric:
    return ClockMetric(metric=metric, target_seconds=target, consumed_seconds=0.0, running_since=T0)


TARGETS = {"first_response": 3600, "resolution": 7200}
RULES = ClockRules(calendar=BusinessCalendar(always_open=True), pause_statuses=("waiting_requester",),
                   warning_percent=50)


def test_a_running_clock_wants_a_warning_and_a_breach_and_a_fired_breach_silences_both():
    metric = clock()
    apply_status([metric], RULES, old_status="registered", new_status="in_progress", at=T0, resolved_at=T0,
                 targets=TARGETS, fired_breaches=set())
    wanted = case_timers([metric], set(), status="in_progress", resolved_at=None, resolved_version=None,
                         auto_closed_versions=set(), auto_close_after=timedelta(days=7))
    assert {(w.kind, w.due_at) for w in wanted} == {(TimerKind.SLA_BREACH, T0 + timedelta(hours=2)),
                                                   (TimerKind.SLA_WARNING, T0 + timedelta(hours=1))}
    assert case_timers([metric], {(TimerKind.SLA_BREACH, "resolution")}, status="in_progress", resolved_at=None,
                       resolved_version=None, auto_closed_versions=set(), auto_close_after=timedelta(days=7)) == []


def test_a_paused_clock_wants_no_timers_and_keeps_its_remaining_time():
    metric = clock()
    apply_status([metric], RULES, old_status="in_progress", new_status="waiting_requester",
                 at=T0 + timedelta(minutes=30), resolved_at=T0, targets=TARGETS, fired_breaches=set())
    assert metric.running_since is None and metric.consumed_seconds == 1800 and metric.due_at is None
    assert case_timers([metric], set(), status="waiting_requester", resolved_at=None, resolved_version=None,
                       auto_closed_versions=set(), auto_close_after=timedelta(days=7)) == []


def test_resolving_meets_the_resolution_and_wants_the_auto_close():
    metric = clock()
    met = apply_status([metric], RULES, old_status="in_progress", new_status="resolved", at=T0 + timedelta(hours=3),
                       resolved_at=T0 + timedelta(hours=3), targets=TARGETS, fired_breaches={"resolution"})
    assert met == ["resolution"] and metric.met_late is True
    [auto_close] = case_timers([metric], set(), status="resolved", resolved_at=T0, resolved_version=4,
                               auto_closed_versions=set(), auto_close_after=timedelta(days=7))
    assert auto_close.kind == TimerKind.AUTO_CLOSE and auto_close.due_at == T0 + timedelta(days=7)
    assert auto_close.payload["case_version"] == 4


def test_an_open_task_with_a_deadline_wants_one_timer_until_that_deadline_has_fired():
    deadline = T0 + timedelta(days=1)
    wanted = task_deadline_timer(status="assigned", deadline=deadline, fired_deadlines=set(), payload={})
    assert wanted.kind == TimerKind.TASK_DEADLINE and wanted.due_at == deadline
    assert task_deadline_timer(status="assigned", deadline=deadline, fired_deadlines={deadline}, payload={}) is None
    assert task_deadline_timer(status="resolved", deadline=deadline, fired_deadlines=set(), payload={}) is None
    assert task_deadline_timer(status="assigned", deadline=None, fired_deadlines=set(), payload={}) is None


def test_the_authors_staff_flag_from_the_event_decides_when_present():
    case = {"requester_id": "req", "follower_ids": []}
    message = {"visibility": "external", "author_id": "someone"}
    assert not is_agent_response(message, author_roles=["agent"], author_is_staff=False, **case)
    assert is_agent_response(message, author_roles=["requester"], author_is_staff=True, **case)
    assert not is_agent_response({**message, "visibility": "internal"}, author_roles=None, author_is_staff=True,
                                 **case)
    assert is_agent_response(message, author_roles=None, author_is_staff=None, **case)


def test_a_fired_auto_close_is_not_wanted_again_for_the_same_resolution_but_is_for_a_later_one():
    metric = clock()
    metric.met_at = T0
    want = {"status": "resolved", "resolved_at": T0, "auto_close_after": timedelta(days=7)}
    assert case_timers([metric], set(), resolved_version=4, auto_closed_versions={4}, **want) == []
    [again] = case_timers([metric], set(), resolved_version=6, auto_closed_versions={4}, **want)
    assert again.kind == TimerKind.AUTO_CLOSE and again.payload["case_version"] == 6
