"""Log-in (``/auth/token``), the caller's own profile (``/me``) and personal API tokens."""

from __future__ import annotations

from flask.views import MethodView

from servicekit.pagination import PageArgs
from servicekit.web import ApiBlueprint, db_session

from ..access import logged_in_only, require_logged_in_user, require_user
from ..identity import users
from ..identity.schemas import MePatch, PasswordChange, normalise_email
from ..identity.views import user_view
from ..runtime import gateway
from . import api_tokens, password_links, registration
from .login import authenticate_password
from .schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenPage,
    MeRead,
    PasswordResetConfirm,
    PasswordResetRequest,
    Registration,
    TokenRequest,
    TokenResponse,
)

blp = ApiBlueprint("auth", __name__, url_prefix="/api/v1", description="Log-in, your own profile and API tokens")


@blp.route("/auth/token", methods=["POST"])
@blp.doc(security=[])  # answers without credentials
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
@blp.alt_response(401, description="Wrong e-mail address or password (the answer does not say which)")
@blp.alt_response(429, description="Too many attempts: wait `Retry-After` seconds")
def issue_token(credentials):
    """Log in with e-mail and password and get an access token."""
    user = authenticate_password(db_session(), credentials["email"], credentials["password"])
    token, expires_in = gateway().access_tokens.issue(user.id)
    return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}


@blp.route("/auth/password-reset", methods=["POST"])
@blp.doc(security=[])  # answers without credentials
@blp.arguments(PasswordResetRequest)
@blp.response(202)
@blp.alt_response(429, description="Too many attempts from this client: wait `Retry-After` seconds")
def request_password_reset(data):
    """Forgotten password: mails a one-time link to choose a new one. The answer is the same whether or
    not the address has a user."""
    password_links.request_link(data["email"])


@blp.route("/auth/password-reset/confirm", methods=["POST"])
@blp.doc(security=[])  # answers without credentials
@blp.arguments(PasswordResetConfirm)
@blp.response(204)
def confirm_password_reset(data):
    """Choose a new password with the link's token; every session and token of the user ends."""
    password_links.use_link(data["token"], data["password"])


@blp.route("/auth/register", methods=["POST"])
@blp.doc(security=[])  # answers without credentials
@blp.arguments(Registration)
@blp.response(202)
@blp.alt_response(422, description="The address's domain belongs to no organisation here")
def register(data):
    """Sign up as a requester with an address of your organisation's mail domain; a link to choose the
    password is mailed (someone who already has a user gets a password link instead)."""
    registration.register(normalise_email(data["email"]), data["name"].strip() or data["email"], data["language"])


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeRead)
    def get(self):
        """Who I am: roles, organisation, teams and language."""
        return user_view(users.get_user(db_session(), require_user().user_id))

    @blp.arguments(MePatch)
    @blp.response(200, MeRead)
    def patch(self, data):
        """Change my own name or language."""
        return users.update_own_profile(db_session(), require_user(), data)


@blp.route("/me/password", methods=["POST"])
@blp.arguments(PasswordChange)
@blp.response(204)
def change_password(data):
    """Change my password; every session and access token of mine ends and my personal API tokens are
    revoked."""
    users.change_own_password(db_session(), require_user(), data, gateway().passwords)


@blp.route("/api-tokens")
class ApiTokens(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ApiTokenPage)
    def get(self, args):
        """My personal API tokens (never their secrets).

        Managing API tokens takes a log-in: a call with a personal API token is refused (403)."""
        return api_tokens.list_tokens(db_session(), require_logged_in_user(), args)

    @logged_in_only
    @blp.arguments(ApiTokenCreate)
    @blp.response(201, ApiTokenCreated)
    def post(self, data):
        """Create a personal API token for an integration; the secret is shown this once.

        Managing API tokens takes a log-in: a call with a personal API token is refused (403)."""
        return api_tokens.create_token(db_session(), require_logged_in_user(), data)


@blp.route("/api-tokens/<token_id>", methods=["DELETE"])
@blp.response(204)
def revoke_api_token(token_id):
    """Revoke one of my API tokens (administrators: anyone's).

    Managing API tokens takes a log-in: a call with a personal API token is refused (403)."""
    api_tokens.revoke_token(db_session(), require_logged_in_user(), token_id)
