"""Who is calling: an API token (Authorization: Bearer) or a signed-in admin session."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import g, request, session
from sqlalchemy import bindparam, select

from .errors import Unauthorized
from .extensions import csrf, db
from .ids import utcnow
from .models import AdminUser, ApiToken

TOKEN_PREFIX = "lic_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Every API request runs this: built once, and only the columns the credential needs.
TOKEN_BY_HASH = select(
    ApiToken.id, ApiToken.name, ApiToken.token_hash, ApiToken.revoked_at
).where(ApiToken.token_hash == bindparam("digest"))


@dataclass(frozen=True)
class Credential:
    kind: str  # "token" or "admin"
    id: str
    name: str  # the token's name or the admin's email: what issuedBy records

    @property
    def key(self):
        """The owner of Idempotency-Keys sent with this credential."""
        return f"{self.kind}:{self.id}"


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(name):
    """Make a token; the caller commits. The plain token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(name=name, token_hash=hash_token(token))
    db.session.add(record)
    return token, record


def revoke_token(name):
    record = db.session.scalar(select(ApiToken).where(ApiToken.name == name))
    if record is None or record.revoked_at is not None:
        return None
    record.revoked_at = utcnow()
    return record


def _token_credential(header):
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return None
    digest = hash_token(token)
    record = db.session.execute(TOKEN_BY_HASH, {"digest": digest}).first()
    if record is None or record.revoked_at is not None:
        return None
    # The index compares hashes, never the token itself; confirm in constant time anyway.
    if not hmac.compare_digest(record.token_hash, digest):
        return None
    return Credential("token", record.id, record.name)


def admin_from_session():
    """The signed-in admin, or None."""
    user_id = session.get("admin_id")
    if not isinstance(user_id, str):
        return None
    return db.session.get(AdminUser, user_id)


def authenticate_api():
    """Set g.credential for an API request, or raise Unauthorized.

    A request that sends a bearer token is judged on the token alone. A session-authenticated
    write must carry the CSRF token, as the admin pages' own calls do.
    """
    header = request.headers.get("Authorization")
    if header is not None:
        credential = _token_credential(header)
        if credential is None:
            raise Unauthorized("The API token is missing, malformed, unknown or revoked.")
    else:
        admin = admin_from_session()
        if admin is None:
            raise Unauthorized(
                "Send a valid API token as 'Authorization: Bearer <token>', or sign in."
            )
        if request.method not in SAFE_METHODS:
            csrf.protect()
        credential = Credential("admin", admin.id, admin.email)
    g.credential = credential
    return credential
