"""Log-in, log-out and the language switch."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from ... import webauth
from ...i18n import _
from ..blueprint import bp
from ..client import page_api
from ..pages import form_text
from ..viewer import viewer

LANGUAGES = ("da", "en")


@bp.route("/log-ind", methods=["GET", "POST"])
def login():
    next_url = webauth.safe_next(request.values.get("next"))
    errors: dict[str, str] = {}
    email = form_text("email")
    if request.method == "POST":
        password = request.form.get("password") or ""
        if not email:
            errors["email"] = _("Enter your e-mail address.")
        if not password:
            errors["password"] = _("Enter your password.")
        if not errors:
            try:
                user = webauth.authenticate_password(email, password)
            except webauth.LoginFailed as err:
                errors["form"] = str(err) or _("The e-mail address or the password is wrong.")
            else:
                webauth.sign_in(user)
                return redirect(next_url)
    status = 200 if not errors else (401 if "form" in errors else 422)
    return render_template("web/login.html", errors=errors, email=email, next_url=next_url,
                           sign_up=sign_up_open()), status


def sign_up_open() -> bool:
    """Requesters may sign up themselves (seed 000) when the gateway allows it and can mail the link."""
    settings = current_app.extensions["servicekit"].settings
    return bool(settings.self_registration and settings.smtp_url)


@bp.post("/log-ud")
def logout():
    webauth.sign_out()  # keeps the session's language
    flash(_("You are signed out."), "success")
    return redirect(url_for("web.login"))


@bp.post("/sprog")
def switch_language():
    """The language switch: kept in the session, and as the signed-in user's preference."""
    language = request.form.get("sprog")
    if language in LANGUAGES:
        webauth.set_language(language)
        if viewer() is not None:
            page_api().patch("/api/v1/me", {"language": language})
    return redirect(webauth.safe_next(request.form.get("next")), code=303)
