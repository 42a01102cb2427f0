"""Admin settings: routing rules, the default team, the priority matrix; and reply templates."""

from __future__ import annotations

from flask.views import MethodView

from servicekit.pagination import page
from servicekit.web import ApiBlueprint, admin_only, current_identity, db_session

from ..schemas.admin import (
    DefaultTeam,
    DefaultTeamRead,
    PriorityMatrix,
    RoutingRuleCreate,
    RoutingRuleList,
    RoutingRulePatch,
    RoutingRuleRead,
)
from ..schemas.messages import (
    ReplyTemplateArgs,
    ReplyTemplateCreate,
    ReplyTemplatePage,
    ReplyTemplatePatch,
    ReplyTemplateRead,
)
from ..service import routing, templates
from ..service.common import require_staff
from .common import transaction

routing_blp = ApiBlueprint("routing", __name__, url_prefix="/api/v1", description="Where new cases land; priorities")
templates_blp = ApiBlueprint("reply-templates", __name__, url_prefix="/api/v1/reply-templates",
                             description="Reply templates: agents read, admins write")


@routing_blp.route("/routing-rules")
class RoutingRules(MethodView):
    @routing_blp.response(200, RoutingRuleList)
    def get(self):
        """Staff: the rules in the order they are tried, and the default team"""
        require_staff(current_identity())
        session = db_session()
        return {"items": routing.list_rules(session), "default_team_id": routing.default_team_id(session)}

    @admin_only
    @routing_blp.arguments(RoutingRuleCreate)
    @routing_blp.response(201, RoutingRuleRead)
    def post(self, data):
        """Admin: add a rule (category, product, type, origin → team)"""
        with transaction() as session:
            return routing.create_rule(session, current_identity(), data), 201


@routing_blp.route("/routing-rules/<uuid:rule_id>")
class RoutingRule(MethodView):
    @admin_only
    @routing_blp.arguments(RoutingRulePatch)
    @routing_blp.response(200, RoutingRuleRead)
    def patch(self, data, rule_id):
        """Admin: change a rule or move it (`position`)"""
        with transaction() as session:
            return routing.update_rule(session, current_identity(), str(rule_id), data)

    @admin_only
    @routing_blp.response(204)
    def delete(self, rule_id):
        """Admin: remove a rule"""
        with transaction() as session:
            routing.delete_rule(session, current_identity(), str(rule_id))


@routing_blp.route("/routing-rules/default-team")
class DefaultTeamView(MethodView):
    @routing_blp.response(200, DefaultTeamRead)
    def get(self):
        """Staff: the team that receives what no rule routes"""
        require_staff(current_identity())
        return {"team_id": routing.default_team_id(db_session())}

    @admin_only
    @routing_blp.arguments(DefaultTeam)
    @routing_blp.response(200, DefaultTeamRead)
    def put(self, data):
        """Admin: choose the default (main) team"""
        with transaction() as session:
            return {"team_id": routing.set_default_team(session, current_identity(), data["team_id"])}


@routing_blp.route("/priority-matrix")
class PriorityMatrixView(MethodView):
    @routing_blp.response(200, PriorityMatrix)
    def get(self):
        """Staff: urgency × impact → priority"""
        require_staff(current_identity())
        return {"matrix": routing.priority_matrix(db_session())}

    @admin_only
    @routing_blp.arguments(PriorityMatrix)
    @routing_blp.response(200, PriorityMatrix)
    def put(self, data):
        """Admin: replace the matrix (new cases and changes of urgency or impact use it)"""
        with transaction() as session:
            return {"matrix": routing.set_priority_matrix(session, current_identity(), data["matrix"])}


@templates_blp.route("")
class ReplyTemplates(MethodView):
    @templates_blp.arguments(ReplyTemplateArgs, location="query")
    @templates_blp.response(200, ReplyTemplatePage)
    def get(self, args):
        """Staff: templates, by language and team (a team's own and the shared ones)"""
        items, total = templates.list_templates(db_session(), current_identity(), args)
        return page(items, total, args)

    @admin_only
    @templates_blp.arguments(ReplyTemplateCreate)
    @templates_blp.response(201, ReplyTemplateRead)
    def post(self, data):
        """Admin: add a template"""
        with transaction() as session:
            return templates.create_template(session, current_identity(), data), 201


@templates_blp.route("/<uuid:template_id>")
class ReplyTemplate(MethodView):
    @templates_blp.response(200, ReplyTemplateRead)
    def get(self, template_id):
        """Staff: one template"""
        return templates.get_template(db_session(), current_identity(), str(template_id))

    @admin_only
    @templates_blp.arguments(ReplyTemplatePatch)
    @templates_blp.response(200, ReplyTemplateRead)
    def patch(self, data, template_id):
        """Admin: change a template"""
        with transaction() as session:
            return templates.update_template(session, current_identity(), str(template_id), data)

    @admin_only
    @templates_blp.response(204)
    def delete(self, template_id):
        """Admin: remove a template"""
        with transaction() as session:
            templates.delete_template(session, current_identity(), str(template_id))
