"""Human labels of the API's codes (statuses, priorities, types ...) and seed 000's status explanations."""

from __future__ import annotations

from ..i18n import _l

CASE_STATUSES = {
    "registered": _l("Registered"),
    "in_progress": _l("In progress"),
    "assigned": _l("Assigned"),
    "waiting_internal": _l("Waiting (internal)"),
    "waiting_requester": _l("Waiting for requester"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}

# Seed 000: what each status code means to the requester, shown wherever the status is.
CASE_STATUS_EXPLANATIONS = {
    "registered": _l("The case has been received, but work on it has not started yet."),
    "in_progress": _l("Work on the case has started."),
    "assigned": _l("The case has been assigned to a specific member of staff."),
    "waiting_internal": _l("The case has been passed on for further handling internally."),
    "waiting_requester": _l("We are waiting for an answer from the person who created the case, "
                            "who has been notified by e-mail."),
    "resolved": _l("The case is considered resolved and an answer has been sent. "
                   "It can be reopened if it is not solved after all."),
    "closed": _l("The case was resolved 7 days ago and is closed. It can no longer be reopened."),
}

# Colour of the DKFDS badge of each status (info / success / warning / error, or none).
CASE_STATUS_VARIANTS = {
    "registered": "info",
    "in_progress": "info",
    "assigned": "info",
    "waiting_internal": "warning",
    "waiting_requester": "warning",
    "resolved": "success",
    "closed": "",
}

OPEN_CASE_STATUSES = ("registered", "in_progress", "assigned", "waiting_internal", "waiting_requester")

TASK_STATUSES = {
    "registered": _l("Registered"),
    "assigned": _l("Assigned"),
    "in_progress": _l("In progress"),
    "resolved": _l("Solved"),  # seed 001: a task is "løst", a case "udført"
    "closed": _l("Closed"),
}

PRIORITIES = {"critical": _l("Critical"), "high": _l("High"), "normal": _l("Normal"), "low": _l("Low")}
PRIORITY_VARIANTS = {"critical": "error", "high": "warning", "normal": "info", "low": ""}
LEVELS = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")}
CASE_TYPES = {
    "incident": _l("Incident (something does not work)"),
    "request": _l("Request"),
    "question": _l("Question"),
    "complaint": _l("Complaint"),
}
ORIGINS = {
    "portal": _l("Self-service portal"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "chat": _l("Chat"),
    "web_form": _l("Web form"),
    "api": _l("Integration (API)"),
}
HISTORY_FIELDS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "status": _l("Status"),
    "priority": _l("Priority"),
    "urgency": _l("Urgency"),
    "impact": _l("Impact"),
    "type": _l("Type"),
    "category": _l("Category"),
    "product": _l("Product"),
    "team_id": _l("Team"),
    "assignee_id": _l("Agent"),
    "private": _l("Private"),
    "parent_id": _l("Parent case"),
    "merged_into_id": _l("Merged into"),
    "requester_id": _l("Requester"),
    "follower_ids": _l("Shared with"),
    "priority_overridden": _l("Priority set by hand"),
    "organisation_id": _l("Organisation"),
    "origin": _l("Channel"),
    "resolved_at": _l("Resolved at"),
    "closed_at": _l("Closed at"),
    "handed_over_from_team_id": _l("Handed over from team"),
    "owning_team_id": _l("Owning team"),
    "related_case_id": _l("Related case"),
    "solution_message_id": _l("Solution"),
}


def label(table: dict, code: str | None) -> str:
    """The label of a code, or the code itself when the API sent one we do not know yet."""
    if code is None:
        return ""
    value = table.get(code)
    return str(value) if value is not None else str(code)
