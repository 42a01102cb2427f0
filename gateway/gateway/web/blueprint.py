"""The web front end's Flask blueprint (its views register on it)."""

from flask import Blueprint

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/web")
