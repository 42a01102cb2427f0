"""Admin: SLA policies and working calendars.  Staff may read them; only admins change them."""

from __future__ import annotations

from servicekit.i18n import request_language
from servicekit.pagination import PageArgs, page, page_schema
from servicekit.web import ApiBlueprint, admin_only, db_session, staff_only

from ..schemas import (
    CalendarCreate,
    CalendarDayRead,
    CalendarDaysArgs,
    CalendarPatch,
    CalendarRead,
    PolicyCreate,
    PolicyListArgs,
    PolicyPatch,
    PolicyRead,
)
from ..service import calendars, policies
from ..service.recompute import calendar_scope, policy_scope, replan_open_clocks
from ..service.views import calendar_days
from . import access

blp = ApiBlueprint("sla_admin", __name__, url_prefix="/api/v1/sla", description="SLA policies and calendars")


@blp.route("/calendars", methods=["GET"])
@staff_only
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(CalendarRead))
def list_calendars(args):
    access.staff()
    return page(*calendars.list_calendars(db_session(), page=args["page"], per_page=args["per_page"]), args)


@blp.route("/calendars", methods=["POST"])
@admin_only
@blp.arguments(CalendarCreate)
@blp.response(201, CalendarRead)
def create_calendar(values):
    access.admin()
    session = db_session()
    row = calendars.create_calendar(session, values)
    session.commit()
    return row


@blp.route("/calendars/<calendar_id>", methods=["GET"])
@blp.response(200, CalendarRead)
def get_calendar(calendar_id: str):
    access.staff()
    return calendars.get_calendar(db_session(), calendar_id)


@blp.route("/calendars/<calendar_id>", methods=["PATCH"])
@admin_only
@blp.arguments(CalendarPatch)
@blp.response(200, CalendarRead)
def update_calendar(changes, calendar_id: str):
    """Change a calendar; the open clocks on it are re-planned, a few hundred per transaction."""
    access.admin()
    session = db_session()
    expected = access.if_match()
    calendars.get_calendar(session, calendar_id)
    return replan_open_clocks(
        session, scope=calendar_scope(calendar_id), **access.replanning(),
        change=lambda: calendars.update_calendar(session, calendar_id, changes, expected))


@blp.route("/calendars/<calendar_id>/days", methods=["GET"])
@staff_only
@blp.arguments(CalendarDaysArgs, location="query")
@blp.response(200, CalendarDayRead(many=True))
def list_calendar_days(args, calendar_id: str):
    """The calendar's working hours day by day, with holiday names: to check a calendar by eye."""
    access.staff()
    row = calendars.get_calendar(db_session(), calendar_id)
    language = "en_US" if request_language() == "en" else "da"
    return calendar_days(calendars.business_calendar(row), args["start"], args["days"], language=language)


@blp.route("/policies", methods=["GET"])
@staff_only
@blp.arguments(PolicyListArgs, location="query")
@blp.response(200, page_schema(PolicyRead))
def list_policies(args):
    access.staff()
    found = policies.list_policies(db_session(), page=args["page"], per_page=args["per_page"], active=args["active"])
    return page(*found, args)


@blp.route("/policies", methods=["POST"])
@admin_only
@blp.arguments(PolicyCreate)
@blp.response(201, PolicyRead)
def create_policy(values):
    """A new policy; open cases it matches better than their current one move to it."""
    access.admin()
    session = db_session()
    return replan_open_clocks(session, scope=policy_scope(policy_id=None, criteria=values), **access.replanning(),
                              change=lambda: policies.create_policy(session, values))


@blp.route("/policies/<policy_id>", methods=["GET"])
@blp.response(200, PolicyRead)
def get_policy(policy_id: str):
    access.staff()
    return policies.get_policy(db_session(), policy_id)


@blp.route("/policies/<policy_id>", methods=["PATCH"])
@admin_only
@blp.arguments(PolicyPatch)
@blp.response(200, PolicyRead)
def update_policy(changes, policy_id: str):
    """Change a policy (``If-Match: <version>`` refuses a lost update); open clocks are re-planned."""
    access.admin()
    session = db_session()
    expected = access.if_match()
    current = policies.get_policy(session, policy_id)
    matching = ("organisation_id", "category", "case_type", "active")
    criteria = {k: changes.get(k, getattr(current, k)) for k in matching} if set(changes) & set(matching) else None
    return replan_open_clocks(session, scope=policy_scope(policy_id=policy_id, criteria=criteria),
                              **access.replanning(),
                              change=lambda: policies.update_policy(session, policy_id, changes, expected))
