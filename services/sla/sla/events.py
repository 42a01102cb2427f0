"""The events the sla service publishes: their types, the schemas of their ``data`` and how they are built.

The schemas are served as ``/asyncapi.json``.  Every ``sla.*`` event is about a
case (``subject`` = the case id) except ``sla.task_deadline_passed`` (the task id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields

from servicekit.events import Event

from .domain import CLOSED, ClockRules, clock_paused, metric_state
from .models import CaseClock, ClockMetric

SERVICE = "sla"

SLA_WARNING = "sla.warning"
SLA_BREACHED = "sla.breached"
SLA_MET = "sla.met"
CASE_AUTO_CLOSE_DUE = "sla.case_auto_close_due"
TASK_DEADLINE_PASSED = "sla.task_deadline_passed"


class SlaNoticeData(Schema):
    """``sla.warning``, ``sla.breached`` and ``sla.met``: the clock's full state when it happened.

    The clock belongs to the case: ``case_version`` is the version of the case the clock has
    applied. A notice does not change the case, so several notices share a version; order them
    by ``case_version``, then by the event's ``time``.
    """

    case_id = fields.String(required=True)
    case_number = fields.String(required=True)
    case_version = fields.Integer(required=True, metadata={"description": "The case version the clock reflects"})
    metric = fields.String(required=True, metadata={"enum": ["first_response", "resolution"]})
    status = fields.String(required=True, metadata={"enum": ["running", "paused", "met", "stopped"],
                                                    "description": "The clock's state"})
    paused = fields.Boolean(required=True, metadata={"description": "The case is in a pausing status"})
    due_at = fields.DateTime(allow_none=True, metadata={"description": "When the clock is (or was) due"})
    warning_at = fields.DateTime(allow_none=True, metadata={"description": "When it warns (or warned)"})
    met_at = fields.DateTime(allow_none=True, metadata={"description": "When it was met (null until then)"})
    breached = fields.Boolean(required=True, metadata={
        "description": "Whether the clock is breached: true on sla.breached, on sla.met whether it was met late"})
    policy_id = fields.String(allow_none=True)
    team_id = fields.String(allow_none=True)
    assignee_id = fields.String(allow_none=True)
    priority = fields.String(metadata={"description": "The case's priority"})
    target_seconds = fields.Integer(metadata={"description": "The clock's target in business seconds"})
    remaining_seconds = fields.Integer(metadata={"description": "Business seconds left (negative: overdue)"})
    elapsed_seconds = fields.Integer(metadata={"description": "Business seconds counted"})


class CaseAutoCloseDueData(Schema):
    case_id = fields.String(required=True)
    case_version = fields.Integer(required=True, metadata={"description": "The version at which it was resolved"})
    case_number = fields.String()
    resolved_at = fields.DateTime()


class TaskDeadlinePassedData(Schema):
    task_id = fields.String(required=True)
    deadline = fields.DateTime(required=True)
    task_number = fields.String()
    case_id = fields.String(allow_none=True)


PUBLISHED_EVENTS = {
    SLA_WARNING: SlaNoticeData,
    SLA_BREACHED: SlaNoticeData,
    SLA_MET: SlaNoticeData,
    CASE_AUTO_CLOSE_DUE: CaseAutoCloseDueData,
    TASK_DEADLINE_PASSED: TaskDeadlinePassedData,
}


def sla_notice(event_type: str, clock: CaseClock, metric: ClockMetric, *, rules: ClockRules, at: datetime) -> Event:
    data: dict[str, Any] = {
        "case_id": clock.case_id,
        "case_number": clock.number,
        "case_version": clock.version,
        "metric": metric.metric,
        "paused": clock_paused(clock.status, rules.pause_statuses),
        **metric_state(metric, rules.calendar, at, breach_fired=event_type == SLA_BREACHED),
        "policy_id": clock.policy_id,
        "team_id": clock.team_id,
        "assignee_id": clock.assignee_id,
        "priority": clock.priority,
    }
    return Event.new(event_type, service=SERVICE, subject=clock.case_id, data=data)


def auto_close_due(case_id: str, payload: dict[str, Any], clock: CaseClock | None) -> Event:
    data = {
        "case_id": case_id,
        "case_version": payload.get("case_version"),
        "case_number": clock.number if clock is not None else "",
        "resolved_at": payload.get("resolved_at"),
    }
    return Event.new(CASE_AUTO_CLOSE_DUE, service=SERVICE, subject=case_id, data=data)


def task_deadline_passed(task_id: str, deadline: datetime, payload: dict[str, Any]) -> Event:
    data = {
        "task_id": task_id,
        "deadline": deadline,
        "task_number": payload.get("task_number", ""),
        "case_id": payload.get("case_id"),
    }
    return Event.new(TASK_DEADLINE_PASSED, service=SERVICE, subject=task_id, data=data)


def still_open(clock: CaseClock | None) -> bool:
    return clock is not None and clock.status != CLOSED
