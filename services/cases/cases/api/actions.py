"""Actions on a case: resolve, reopen, close, merge, forward to external parties."""

from __future__ import annotations

from servicekit.errors import PROBLEM_MEDIA_TYPE
from servicekit.web import ApiBlueprint, current_identity

from ..schemas.cases import CaseRead, ClosingRefused, ForwardBody, MergeBody, ReopenBody, ResolveBody
from ..schemas.messages import MessageRead
from ..service import messages, updating
from ..service.common import get_case, read_case
from .common import etag, if_match, options, staff_only_on_case, transaction

blp = ApiBlueprint("case-actions", __name__, url_prefix="/api/v1/cases",
                   description="Resolve, reopen, close, merge, route and forward a case")


@blp.route("/<uuid:case_id>/resolve", methods=["POST"])
@staff_only_on_case
@blp.arguments(ResolveBody)
@blp.response(200, CaseRead)
def resolve(body, case_id):
    """Staff: mark as resolved (Udført); a handed-over case goes back to the team that handed it over"""
    actor = current_identity()
    with transaction() as session:
        case = updating.resolve_case(session, options(), actor, str(case_id), solution=body["solution"],
                                     visibility=body["visibility"], if_match=if_match())
        view = read_case(session, actor, case)
    return view, 200, etag(case.version)


@blp.route("/<uuid:case_id>/reopen", methods=["POST"])
@blp.arguments(ReopenBody)
@blp.response(200, CaseRead)
def reopen(body, case_id):
    """Reopen a resolved case (requester, follower or staff); a closed case stays closed"""
    actor = current_identity()
    with transaction() as session:
        case = updating.reopen_case(session, options(), actor, str(case_id), reason=body["reason"],
                                    if_match=if_match())
        view = read_case(session, actor, case)
    return view, 200, etag(case.version)


@blp.route("/<uuid:case_id>/close", methods=["POST"])
@blp.response(200, CaseRead)
@blp.alt_response(409, schema=ClosingRefused, content_type=PROBLEM_MEDIA_TYPE,
                  description="Open tasks block closing; staff find them named in `tasks`")
def close(case_id):
    """Close for good (the requester may close their own case); closing again changes nothing"""
    actor = current_identity()
    with transaction() as session:
        case = updating.close_case(session, options(), actor, str(case_id), if_match=if_match())
        view = read_case(session, actor, case)
    return view, 200, etag(case.version)


@blp.route("/<uuid:case_id>/merge", methods=["POST"])
@staff_only_on_case
@blp.arguments(MergeBody)
@blp.response(200, CaseRead)
def merge(body, case_id):
    """Staff: move messages, attachments and followers into another case and close this one"""
    actor = current_identity()
    with transaction() as session:
        updating.merge_case(session, options(), actor, str(case_id), body["into_id"], if_match=if_match())
        source = get_case(session, actor, str(case_id))
        view = read_case(session, actor, source)
    return view, 200, etag(source.version)


@blp.route("/<uuid:case_id>/route", methods=["POST"])
@staff_only_on_case
@blp.response(200, CaseRead)
def apply_routing(case_id):
    """Staff: move the case to the team the routing rules choose for it now"""
    actor = current_identity()
    with transaction() as session:
        case = updating.apply_routing(session, options(), actor, str(case_id), if_match=if_match())
        view = read_case(session, actor, case)
    return view, 200, etag(case.version)


@blp.route("/<uuid:case_id>/forward", methods=["POST"])
@staff_only_on_case
@blp.arguments(ForwardBody)
@blp.response(201, MessageRead)
def forward(body, case_id):
    """Staff: mail external parties (the notify service sends it); kept as an internal message"""
    actor = current_identity()
    with transaction() as session:
        message = messages.forward(session, options(), actor, str(case_id), to=body["to"], cc=body["cc"],
                                   body=body["body"], attachment_ids=body["attachment_ids"])
        case = get_case(session, actor, str(case_id))
        view = messages.get_message_view(session, actor, case, message)
    return view, 201
