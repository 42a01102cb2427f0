"""``/api/v1/cases``: open, list, search, read and change cases; bulk edit; history; statistics."""

from __future__ import annotations

from flask.views import MethodView

from servicekit.errors import PROBLEM_MEDIA_TYPE
from servicekit.pagination import page
from servicekit.web import ApiBlueprint, current_identity, db_session, service, staff_only

from ..schemas.admin import CaseStats, StatsArgs
from ..schemas.cases import (
    BulkAnswer,
    BulkBody,
    CaseCreate,
    CasePage,
    CasePatch,
    CaseQueryArgs,
    CaseRead,
    ClosingRefused,
    HistoryArgs,
    HistoryPage,
)
from ..service import bulk, creating, history, listing, stats, updating
from ..service.common import get_case, get_case_by_number, read_case
from ..service.views import case_view
from .common import etag, if_match, options, staff_only_on_case, transaction

blp = ApiBlueprint("cases", __name__, url_prefix="/api/v1/cases", description="Cases (sager): open, find, change")


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseQueryArgs, location="query")
    @blp.response(200, CasePage)
    def get(self, args):
        """List the cases I may see: views, status filter, full-text search, sorting, pages"""
        items, total = listing.list_cases(db_session(), current_identity(), args)
        return page(items, total, args)

    @blp.arguments(CaseCreate)
    @blp.response(201, CaseRead)
    def post(self, data):
        """Open a case; it lands in a team by the routing rules or in the default team"""
        actor = current_identity()
        with transaction() as session:
            case = creating.create_case(session, options(), actor, data)
            view = case_view(case, [], actor)  # a new case has no followers yet
        return view, 201, etag(case.version)


@blp.route("/stats")
@blp.arguments(StatsArgs, location="query")
@blp.response(200, CaseStats)
def case_stats(args):
    """Staff: open cases by status, team and priority; created vs resolved per day"""
    return stats.case_stats(db_session(), current_identity(), days=args["days"], team_id=args["team_id"],
                            timezone=options().timezone)


@blp.route("/by-number/<string:number>")
@blp.response(200, CaseRead)
def case_by_number(number):
    """A case by its number: `SAG 2611-0042`, `sag2611-0042` and `SAG 2611-42` are the same"""
    viewer = current_identity()
    session = db_session()
    case = get_case_by_number(session, viewer, number)
    return read_case(session, viewer, case), 200, etag(case.version)


@blp.route("/<uuid:case_id>")
class OneCase(MethodView):
    @blp.response(200, CaseRead)
    def get(self, case_id):
        """A case, with its `version` also as `ETag`"""
        viewer = current_identity()
        session = db_session()
        case = get_case(session, viewer, str(case_id))
        return read_case(session, viewer, case), 200, etag(case.version)

    @staff_only_on_case
    @blp.arguments(CasePatch)
    @blp.response(200, CaseRead)
    @blp.alt_response(409, schema=ClosingRefused, content_type=PROBLEM_MEDIA_TYPE,
                      description="Not allowed from the current status, or (`status: closed`) open tasks block "
                                  "closing, named in `tasks` for staff")
    @blp.alt_response(412, description="If-Match names an older version: nothing was changed")
    def patch(self, data, case_id):
        """Staff: change fields, team, agent or status; send `If-Match: <version>` against lost updates"""
        actor = current_identity()
        with transaction() as session:
            case = updating.update_case(session, options(), actor, str(case_id), data, if_match())
            view = read_case(session, actor, case)
        return view, 200, etag(case.version)


@blp.route("/bulk", methods=["POST"])
@staff_only
@blp.arguments(BulkBody)
@blp.response(200, BulkAnswer)
def bulk_edit(body):
    """Staff: change many cases at once; each is changed or refused on its own rules"""
    results = bulk.bulk_update(service().database, options(), current_identity(), body["ids"], body["changes"])
    return {"results": results}


@blp.route("/<uuid:case_id>/history")
@blp.arguments(HistoryArgs, location="query")
@blp.response(200, HistoryPage)
def case_history(args, case_id):
    """Every change: who, when, field, old and new (requesters see what concerns them)"""
    items, total = history.list_history(db_session(), current_identity(), str(case_id), page=args["page"],
                                        per_page=args["per_page"])
    return page(items, total, args)
