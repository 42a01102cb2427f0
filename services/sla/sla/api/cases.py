"""A case's SLA clocks and the weekly compliance figures."""

from __future__ import annotations

from servicekit.web import ApiBlueprint, db_session

from ..schemas import CaseSlaRead, StatsArgs, StatsRead
from ..service.policies import default_policy
from ..service.views import case_sla, sla_stats
from . import access

blp = ApiBlueprint("sla_cases", __name__, url_prefix="/api/v1", description="SLA clocks of cases")


@blp.route("/cases/<case_id>/sla")
@blp.response(200, CaseSlaRead)
@blp.alt_response(404, description="No such case, no clock yet, or the caller is a requester")
def get_case_sla(case_id: str):
    """The case's clocks: due times, and remaining business seconds on the policy's calendar (staff only)."""
    access.case_reader()
    return case_sla(db_session(), case_id, now=access.now())


@blp.route("/sla/stats")
@blp.arguments(StatsArgs, location="query")
@blp.response(200, StatsRead)
def get_stats(args):
    """SLA compliance per week: clocks met in time vs breached, per metric (staff)."""
    access.staff()
    session = db_session()
    time_zone = default_policy(session).calendar.time_zone
    return sla_stats(session, weeks=args["weeks"], now=access.now(), time_zone=time_zone, team_id=args["team_id"])
