"""``/api/v1/cases/{id}/shares``: share a case with colleagues of its organisation."""

from __future__ import annotations

from flask.views import MethodView

from servicekit.web import ApiBlueprint, current_identity, db_session

from ..schemas.cases import FollowerRead, ShareBody
from ..service import shares
from .common import options, transaction

blp = ApiBlueprint("sharing", __name__, url_prefix="/api/v1/cases", description="Sharing a case (followers)")


@blp.route("/<uuid:case_id>/shares")
class Shares(MethodView):
    @blp.response(200, FollowerRead(many=True))
    def get(self, case_id):
        """Who the case is shared with"""
        return shares.list_followers(db_session(), current_identity(), str(case_id))

    @blp.arguments(ShareBody)
    @blp.response(201, FollowerRead)
    def post(self, body, case_id):
        """Share with a user of the case's organisation: they may read and write, and hear of changes"""
        actor = current_identity()
        with transaction() as session:
            follower = shares.share(session, options(), actor, str(case_id), body["user_id"])
            view = {"user_id": follower.user_id, "added_by": follower.added_by, "added_at": follower.added_at}
        return view, 201


@blp.route("/<uuid:case_id>/shares/<uuid:user_id>", methods=["DELETE"])
@blp.response(204)
def unshare(case_id, user_id):
    """Stop sharing (the requester, staff, or the follower themself)"""
    with transaction() as session:
        shares.unshare(session, options(), current_identity(), str(case_id), str(user_id))
