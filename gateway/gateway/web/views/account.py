"""Accounts without staff help: a forgotten password, the link that sets a new one, and signing up (seed 000).

The gateway does the work (``webauth.request_password_reset``, ``complete_password_reset``, ``register``);
these pages never say whether an address has a user.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from servicekit import errors as problems

from ... import webauth
from ...i18n import _
from ...identity.schemas import MIN_PASSWORD_LENGTH
from ..blueprint import bp
from ..language import current_language
from ..pages import form_text


@bp.route("/glemt-adgangskode", methods=["GET", "POST"])
def password_forgotten():
    errors: dict[str, str] = {}
    sent = False
    email = form_text("email")
    if request.method == "POST":
        if not email:
            errors["email"] = _("Enter your e-mail address.")
        else:
            try:
                webauth.request_password_reset(email)
                sent = True
            except webauth.LoginRefused as err:
                errors["form"] = str(err)
    status = 422 if errors.get("email") else 429 if errors else 200
    return render_template("web/password_forgotten.html", errors=errors, email=email, sent=sent), status


@bp.route("/nulstil-adgangskode", methods=["GET", "POST"])
def password_reset():
    """The page the mailed link opens: choose a new password, twice."""
    token = request.values.get("token") or ""
    errors: dict[str, str] = {}
    if request.method == "POST":
        password, repeated = request.form.get("password") or "", request.form.get("repeated") or ""
        if len(password) < MIN_PASSWORD_LENGTH:
            errors["password"] = _("Choose a password of at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
        elif password != repeated:
            errors["repeated"] = _("The two passwords are not the same.")
        else:
            try:
                webauth.complete_password_reset(token, password)
            except problems.ValidationFailed as err:
                errors.update(_field_errors(err, {"new_password": "password", "password": "password"}))
                errors.setdefault("form", err.detail or str(err))
            except webauth.LoginRefused as err:
                errors["form"] = str(err)
            else:
                flash(_("Your new password is saved. Sign in with it."), "success")
                return redirect(url_for("web.login"), code=303)
    return render_template("web/password_reset.html", errors=errors, token=token,
                           min_length=MIN_PASSWORD_LENGTH), 422 if errors else 200


@bp.route("/opret-bruger", methods=["GET", "POST"])
def sign_up():
    """Seed 000: a requester registers with the address of their organisation and gets a link to set a password."""
    errors: dict[str, str] = {}
    form = {"email": form_text("email"), "name": form_text("name")}
    sent = False
    if request.method == "POST":
        if not form["email"]:
            errors["email"] = _("Enter your e-mail address.")
        if not form["name"]:
            errors["name"] = _("Enter your name.")
        if not errors:
            try:
                webauth.register(form["email"], form["name"], current_language())
                sent = True
            except problems.ValidationFailed as err:
                errors.update(_field_errors(err, {}))
                errors.setdefault("form", err.detail or str(err))
            except (problems.Forbidden, webauth.LoginRefused) as err:
                errors["form"] = getattr(err, "detail", None) or str(err)
    status = 422 if errors else 200
    return render_template("web/sign_up.html", errors=errors, form=form, sent=sent), status


def _field_errors(err: problems.ServiceError, renamed: dict[str, str]) -> dict[str, str]:
    return {renamed.get(name, name): " ".join(messages if isinstance(messages, list) else [str(messages)])
            for name, messages in (err.errors or {}).items()}
