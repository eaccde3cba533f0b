"""Admin accounts: creation, password checks, and the development admin."""

import os
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit
from .emails import normalize
from .extensions import db
from .models import AdminUser

MIN_PASSWORD = 12
DEV_ADMIN_EMAIL = "admin@licensing.example"
# A hash to check against when the account is unknown, so both failures cost the same time.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method="scrypt")


class UserError(ValueError):
    pass


def create_user(email, password):
    """Add an admin user; the caller commits."""
    display, normalized = normalize(email)
    if len(password) < MIN_PASSWORD:
        raise UserError(f"A password has at least {MIN_PASSWORD} characters.")
    if db.session.scalar(select(AdminUser.id).where(AdminUser.email_normalized == normalized)):
        raise UserError(f"An admin user {display} exists already.")
    user = AdminUser(email=display, email_normalized=normalized,
                     password_hash=generate_password_hash(password, method="scrypt"))
    db.session.add(user)
    return user


def check_credentials(email, password):
    """The user when email and password match, else None; the same work either way."""
    try:
        _display, normalized = normalize(email)
    except ValueError:
        normalized = None
    user = None
    if normalized:
        user = db.session.scalar(select(AdminUser).where(AdminUser.email_normalized == normalized))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    return user if user and ok else None


def ensure_dev_admin(instance_path):
    """Make the development admin once; return (email, password) to print on every start.

    The password is kept in the instance folder (mode 0600) so `make run` can show it again.
    """
    path = os.path.join(instance_path, "dev-admin-password")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            password = handle.read().strip()
        if check_credentials(DEV_ADMIN_EMAIL, password):
            return DEV_ADMIN_EMAIL, password
    password = secrets.token_urlsafe(12)
    _display, normalized = normalize(DEV_ADMIN_EMAIL)
    user = db.session.scalar(select(AdminUser).where(AdminUser.email_normalized == normalized))
    if user is None:
        create_user(DEV_ADMIN_EMAIL, password)
        audit.record("user_created", "make run", DEV_ADMIN_EMAIL)
    else:
        user.password_hash = generate_password_hash(password, method="scrypt")
    db.session.commit()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password)
    return DEV_ADMIN_EMAIL, password
