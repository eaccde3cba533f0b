"""The admin pages: sign-in, the license form, customers, issued licenses, audit."""

from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/admin")

from . import display, signin, views  # noqa: E402,F401  (registers filters and routes on bp)
