"""HTTP endpoints of the identity store: organisations, users, teams and members."""

from __future__ import annotations

from flask.views import MethodView

from servicekit import errors
from servicekit.pagination import PageArgs
from servicekit.web import ApiBlueprint, admin_only, db_session

from ..access import actor_id, caller, require_admin, require_service, require_staff
from ..runtime import gateway
from . import organisations, teams, users
from .schemas import (
    ContactLookup,
    ContactRead,
    MemberCreate,
    MemberPage,
    MemberPatch,
    MemberRead,
    OrganisationCreate,
    OrganisationPage,
    OrganisationPatch,
    OrganisationQueryArgs,
    OrganisationRead,
    TeamCreate,
    TeamPage,
    TeamPatch,
    TeamQueryArgs,
    TeamRead,
    UserCreate,
    UserPage,
    UserPatch,
    UserQueryArgs,
    UserRead,
)
from .views import organisation_view, team_view

blp = ApiBlueprint("identity", __name__, url_prefix="/api/v1",
                description="Organisations, users and teams (the identity store)")
internal = ApiBlueprint("contacts", __name__, url_prefix="/internal/v1",
                     description="For the system's own services: contacts from inbound mail")


# -- organisations ---------------------------------------------------------------------------------

@blp.route("/organisations")
class Organisations(MethodView):
    @blp.arguments(OrganisationQueryArgs, location="query")
    @blp.response(200, OrganisationPage)
    def get(self, args):
        """Organisations (staff: all; a requester: their own)."""
        identity = caller()
        only = None if identity.is_staff else (identity.organisation_id or "-")
        return organisations.list_organisations(db_session(), args, only_id=only)

    @admin_only
    @blp.arguments(OrganisationCreate)
    @blp.response(201, OrganisationRead)
    def post(self, data):
        """Create an organisation (admin)."""
        return organisations.create_organisation(db_session(), data, actor_id=actor_id(require_admin()))


@blp.route("/organisations/<organisation_id>")
class OrganisationById(MethodView):
    @blp.response(200, OrganisationRead)
    def get(self, organisation_id):
        """One organisation (staff, or a member of it)."""
        identity = caller()
        org = organisations.get_organisation(db_session(), organisation_id)
        if not identity.is_staff and identity.organisation_id != org.id:
            raise errors.NotFound()
        return organisation_view(org)

    @admin_only
    @blp.arguments(OrganisationPatch)
    @blp.response(200, OrganisationRead)
    def patch(self, data, organisation_id):
        """Change an organisation's name, case visibility or mail domains (admin)."""
        return organisations.update_organisation(db_session(), organisation_id, data,
                                                 actor_id=actor_id(require_admin()))


# -- users -----------------------------------------------------------------------------------------

@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQueryArgs, location="query")
    @blp.response(200, UserPage)
    def get(self, args):
        """Find users. Staff search everyone; a requester finds colleagues of their own organisation
        (id, name and e-mail only), for example to share a case."""
        return users.list_users(db_session(), args, caller())

    @admin_only
    @blp.arguments(UserCreate)
    @blp.response(201, UserRead)
    @blp.alt_response(409, description="A user with this e-mail address exists")
    def post(self, data):
        """Create a user (admin)."""
        return users.create_user(db_session(), data, gateway().passwords, actor_id=actor_id(require_admin()))


@blp.route("/users/<user_id>")
class UserById(MethodView):
    @blp.response(200, UserRead)
    def get(self, user_id):
        """One user (staff; a requester: themself, or a colleague as id, name and e-mail)."""
        return users.visible_user(db_session(), user_id, caller())

    @admin_only
    @blp.arguments(UserPatch)
    @blp.response(200, UserRead)
    def patch(self, data, user_id):
        """Change a user (admin): e-mail, name, password, roles, organisation, language, flags."""
        return users.update_user(db_session(), user_id, data, gateway().passwords, actor=require_admin())


@blp.route("/users/<user_id>/deactivate", methods=["POST"])
@admin_only
@blp.response(200, UserRead)
def deactivate_user(user_id):
    """Deactivate a user (admin): they can no longer log in, and their tokens stop working."""
    return users.update_user(db_session(), user_id, {"active": False}, gateway().passwords, actor=require_admin())


@blp.route("/users/<user_id>/activate", methods=["POST"])
@admin_only
@blp.response(200, UserRead)
def activate_user(user_id):
    """Activate a deactivated user again (admin)."""
    return users.update_user(db_session(), user_id, {"active": True}, gateway().passwords, actor=require_admin())


# -- teams -----------------------------------------------------------------------------------------

@blp.route("/teams")
class Teams(MethodView):
    @blp.arguments(TeamQueryArgs, location="query")
    @blp.response(200, TeamPage)
    def get(self, args):
        """Teams with their members (staff)."""
        require_staff()
        return teams.list_teams(db_session(), args)

    @admin_only
    @blp.arguments(TeamCreate)
    @blp.response(201, TeamRead)
    def post(self, data):
        """Create a team (admin)."""
        return teams.create_team(db_session(), data, actor_id=actor_id(require_admin()))


@blp.route("/teams/<team_id>")
class TeamById(MethodView):
    @blp.response(200, TeamRead)
    def get(self, team_id):
        """One team with its members (staff)."""
        require_staff()
        return team_view(teams.get_team(db_session(), team_id))

    @admin_only
    @blp.arguments(TeamPatch)
    @blp.response(200, TeamRead)
    def patch(self, data, team_id):
        """Rename a team or change its e-mail address (admin)."""
        return teams.update_team(db_session(), team_id, data, actor_id=actor_id(require_admin()))


@blp.route("/teams/<team_id>/members")
class TeamMembers(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, MemberPage)
    def get(self, args, team_id):
        """The members of a team (staff), in the order they joined."""
        require_staff()
        return teams.list_members(db_session(), team_id, args)

    @admin_only
    @blp.arguments(MemberCreate)
    @blp.response(201, MemberRead)
    def post(self, data, team_id):
        """Add a staff member to a team, as dispatcher or not (admin)."""
        return teams.add_member(db_session(), team_id, data, actor_id=actor_id(require_admin()))


@blp.route("/teams/<team_id>/members/<user_id>")
class TeamMemberById(MethodView):
    @admin_only
    @blp.arguments(MemberPatch)
    @blp.response(200, MemberRead)
    def patch(self, data, team_id, user_id):
        """Make a member dispatcher of the team, or not (admin)."""
        return teams.set_dispatcher(db_session(), team_id, user_id, data["dispatcher"],
                                    actor_id=actor_id(require_admin()))

    @admin_only
    @blp.response(204)
    def delete(self, team_id, user_id):
        """Remove a member from a team (admin)."""
        teams.remove_member(db_session(), team_id, user_id, actor_id=actor_id(require_admin()))


# -- contacts for the services ---------------------------------------------------------------------

@internal.route("/contacts", methods=["POST"])
@internal.arguments(ContactLookup)
@internal.response(200, ContactRead)
@internal.alt_response(201, schema=ContactRead, description="A new requester was created")
def find_or_create_contact(data):
    """The user with this e-mail address; if none, a new requester in the organisation that owns the
    address's mail domain (for the notify service's inbound mail). 201 when created."""
    identity = require_service()
    view, created = users.find_or_create_contact(db_session(), data, actor_id=identity.user_id)
    return view, 201 if created else 200
