"""Application factory of the gateway."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy.exc import IntegrityError
from werkzeug.middleware.proxy_fix import ProxyFix

from servicekit import errors
from servicekit.auth import IdentitySigner, read_key
from servicekit.config import ConfigError, Settings
from servicekit.i18n import _ as kit_gettext
from servicekit.runtime import build_service_context
from servicekit.web import ServiceContext, create_service_app, db_session, problem_response

from . import config
from .api import BLUEPRINTS
from .apidocs.views import init_apidocs
from .auth.passwords import Passwords
from .auth.principals import authenticate
from .auth.throttle import LoginRefused, Throttle, ThrottlePolicy
from .auth.tokens import AccessTokens
from .i18n import _
from .identity.admin import ensure_first_admin
from .identity.common import is_unique_violation
from .identity.events import PUBLISHED_EVENTS
from .metrics import GatewayMetrics
from .routing.proxy import bp as routing_bp
from .routing.table import UPSTREAM_SERVICES
from .routing.upstream import Upstreams
from .runtime import Gateway
from .security import init_security
from .sso import init_sso
from .web import bp as web_pages
from .webauth import init_webauth

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def build_context(settings: Settings) -> ServiceContext:
    try:
        private_key = read_key(settings.identity_private_key, settings.identity_private_key_file,
                               "IDENTITY_PRIVATE_KEY")
        signer = IdentitySigner(private_key)
    except (ValueError, OSError) as err:
        raise ConfigError({"IDENTITY_PRIVATE_KEY": [str(err)]}) from None
    context = build_service_context(settings)
    context.extras["gateway"] = _gateway(settings, context, private_key, signer)
    return context


def _gateway(settings: Settings, context: ServiceContext, private_key: str, signer: IdentitySigner) -> Gateway:
    metrics = GatewayMetrics(context.metrics)
    return Gateway(
        settings=settings,
        signer=signer,
        access_tokens=AccessTokens(private_key, timedelta(seconds=settings.access_token_ttl)),
        passwords=Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib),
        throttle=Throttle(context.database, ThrottlePolicy(
            max_failures=settings.login_max_failures,
            lockout=timedelta(seconds=settings.login_lockout_seconds),
            max_lockout=timedelta(seconds=settings.login_lockout_max_seconds),
            client_limit=settings.login_rate_per_client,
            client_window=timedelta(seconds=settings.login_rate_window),
        )),
        service_keys=settings.service_keys,
        upstreams=Upstreams(
            {name: getattr(settings, f"{name}_url") for name in UPSTREAM_SERVICES},
            connect_timeout=settings.upstream_connect_timeout, read_timeout=settings.upstream_read_timeout,
            metrics=metrics,
        ),
        pool=ThreadPoolExecutor(max_workers=16, thread_name_prefix="gateway-compose"),
        metrics=metrics,
    )


def create_app(settings: Settings | None = None, context: ServiceContext | None = None) -> Flask:
    context = context or build_context(settings or config.load())
    settings = context.settings
    app = create_service_app(
        import_name=__name__,
        context=context,
        blueprints=BLUEPRINTS,
        title="servicedesk",
        description="The public API of servicedesk: identity and access at the gateway, cases, tasks, "
                    "notifications and SLA behind it.",
        authenticate=authenticate,
        published_events=PUBLISHED_EVENTS,
        configure=_configure,
    )
    if settings.trusted_proxy_count:
        n = settings.trusted_proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    ensure_first_admin(context.database, settings, context.extras["gateway"].passwords)
    return app


def _configure(app: Flask) -> None:
    app.register_blueprint(routing_bp)
    init_webauth(app)
    init_sso(app)
    app.register_blueprint(web_pages)
    init_apidocs(app)
    init_security(app)

    @app.errorhandler(LoginRefused)
    def on_login_refused(err: LoginRefused):
        body = errors.RateLimited(str(err), retry_after=err.retry_after).to_problem()
        return problem_response(body, {"Retry-After": str(err.retry_after)})

    @app.errorhandler(IntegrityError)
    def on_integrity_error(err: IntegrityError):
        db_session().rollback()
        if not is_unique_violation(err):  # a broken rule of the schema: a bug, not the caller's doing
            log.error("integrity error", exc_info=err)
            return problem_response(errors.ServiceError(kit_gettext("Something went wrong on our side."))
                                    .to_problem())
        # the checks before a write found it free, but a concurrent request took it first
        return problem_response(errors.Conflict(_("This conflicts with a change saved at the same moment. "
                                                  "Reload and try again.")).to_problem())
