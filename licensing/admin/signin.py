"""Sign-in and sign-out, and the guard that sends signed-out visitors of /admin to /login."""

from urllib.parse import urlsplit

from flask import g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError

from .. import audit
from ..auth import admin_from_session
from ..database import write
from ..errors import error_response
from ..throttle import LOGIN_FAILED, account_key, retry_after
from ..users import check_credentials
from . import bp

PUBLIC_ENDPOINTS = frozenset({"admin.login", "admin.login_submit", "admin.static"})
# One sentence for an unknown account and a wrong password: the page must not tell them apart.
FAILED = "That email and password do not match an admin account."
HOME = "admin.new_license"


@bp.before_request
def _require_admin():
    """Only the session opens admin pages; an Authorization header is never looked at."""
    if request.endpoint == "admin.static":
        return None
    g.admin = admin_from_session()
    if g.admin is None and request.endpoint not in PUBLIC_ENDPOINTS:
        wanted = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("admin.login", next=wanted))
    return None


@bp.after_request
def _no_store(response):
    """Customer records and licenses stay out of shared and back-button caches."""
    if request.endpoint != "admin.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(CSRFError)
def _csrf_failed(exc):
    return render_template(
        "error.html", title="The form has expired",
        message="This form was not sent with its security token. Reload the page and try again.",
    ), 400


@bp.errorhandler(404)
def _not_found(exc):
    return render_template(
        "error.html", title="Not found",
        message="Nothing is here: check the address, or search for the customer.",
    ), 404


def _safe_next(target):
    """Only a path on this site's admin pages, so /login cannot redirect anyone elsewhere."""
    if not target or not target.startswith("/admin") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.get("/login")
def login():
    target = _safe_next(request.args.get("next"))
    if g.admin is not None:
        return redirect(target or url_for(HOME))
    return render_template("login.html", email="", next=target)


@bp.post("/login")
def login_submit():
    email = request.form.get("email", "")[:320]
    password = request.form.get("password", "")
    target = _safe_next(request.form.get("next"))
    account = account_key(email)
    wait = retry_after(account, audit.client_address())
    if wait:
        return _rate_limited(email, target, wait)
    user = check_credentials(email, password)
    if user is None:
        write(lambda: audit.record(LOGIN_FAILED, account))
        return render_template("login.html", email=email, next=target, error=FAILED), 200
    user_id, user_email = user.id, user.email
    write(lambda: audit.record("login", user_email))
    _new_session()
    session["admin_id"] = user_id
    return redirect(target or url_for(HOME))


def _new_session():
    """Start an empty session, so a signed-in admin gets a CSRF token of their own."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches the signed token per request


def _rate_limited(email, target, wait):
    minutes = max(1, round(wait / 60))
    message = (f"Too many failed sign-ins for this account or from this address. Try again in"
               f" {minutes} minute{'s' if minutes != 1 else ''}.")
    headers = {"Retry-After": str(wait)}
    if request.accept_mimetypes.best == "application/json":
        return error_response(429, "rate_limited", message, headers=headers)
    page = render_template("login.html", email=email, next=target, error=message,
                           error_code="rate_limited")
    return page, 429, headers


@bp.post("/logout")
def logout():
    email = g.admin.email
    write(lambda: audit.record("logout", email))
    _new_session()
    return redirect(url_for("admin.login"))
