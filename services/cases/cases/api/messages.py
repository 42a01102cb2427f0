"""``/api/v1/cases/{id}/messages``: the conversation, and the solution mark."""

from __future__ import annotations

from flask.views import MethodView

from servicekit.pagination import page
from servicekit.web import ApiBlueprint, current_identity, db_session

from ..schemas.cases import CaseRead
from ..schemas.messages import MessageCreate, MessagePage, MessageQueryArgs, MessageRead
from ..service import messages
from ..service.common import get_case, read_case
from .common import etag, if_match, options, transaction

blp = ApiBlueprint("messages", __name__, url_prefix="/api/v1/cases", description="Messages on a case")


@blp.route("/<uuid:case_id>/messages")
class Messages(MethodView):
    @blp.arguments(MessageQueryArgs, location="query")
    @blp.response(200, MessagePage)
    def get(self, args, case_id):
        """The conversation; requesters and followers never see internal messages"""
        items, total = messages.list_messages(db_session(), current_identity(), str(case_id), page=args["page"],
                                              per_page=args["per_page"], visibility=args["visibility"],
                                              sort=args["sort"])
        return page(items, total, args)

    @blp.arguments(MessageCreate)
    @blp.response(201, MessageRead)
    def post(self, data, case_id):
        """Write on the case (with files uploaded before, `attachment_ids`); requesters and followers write
        external messages only"""
        actor = current_identity()
        with transaction() as session:
            message = messages.post_message(session, options(), actor, str(case_id), data["body"],
                                            data["visibility"], via="portal" if not actor.is_staff else "api",
                                            attachment_ids=data["attachment_ids"])
            case = get_case(session, actor, str(case_id))
            view = messages.get_message_view(session, actor, case, message)
        return view, 201


@blp.route("/<uuid:case_id>/messages/<uuid:message_id>/solution", methods=["POST", "DELETE"])
@blp.response(200, CaseRead)
def solution(case_id, message_id):
    """Staff: mark this message as the solution (POST) or take the mark away (DELETE)"""
    from flask import request

    actor = current_identity()
    chosen = str(message_id) if request.method == "POST" else None
    with transaction() as session:
        case = messages.mark_solution(session, options(), actor, str(case_id), chosen, if_match())
        view = read_case(session, actor, case)
    return view, 200, etag(case.version)
