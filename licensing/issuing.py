"""Issue a license: resolve the customer, sign, store; all in one transaction."""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from .audit import client_address
from .database import violates, write
from .errors import IdempotencyConflict
from .extensions import db
from .ids import new_id, to_millis, utcnow
from .models import IdempotencyKey, License
from .resolver import resolve_customer
from .schemas import IssuedLicenseSchema, license_view
from .signing import sign
from .skus import SKU_NAMES, feature_flags

IDEMPOTENCY_CONSTRAINT = "pk_idempotency_keys"
# The contract keeps keys at least this long; pruning never goes below it.
IDEMPOTENCY_KEY_MIN_HOURS = 24
ISSUED_LICENSE = IssuedLicenseSchema()  # built once: building a schema costs more than a dump


@dataclass
class Issued:
    """The answer to an issue request: a new license, or the replay of an earlier answer."""

    status: int
    body: dict
    replayed: bool = False


def license_payload(license_, customer):
    """The license file's payload, in the format Mattermost servers load."""
    features = {"users": license_.users, **feature_flags(license_.sku)}
    return {
        "id": license_.id,
        "issued_at": to_millis(license_.issued_at),
        "starts_at": to_millis(license_.starts_at),
        "expires_at": to_millis(license_.expires_at),
        "customer": {
            "id": customer.id, "name": customer.contact_name,
            "email": customer.email, "company": customer.organization,
        },
        "features": features,
        "sku_name": SKU_NAMES[license_.sku],
        "sku_short_name": license_.sku,
        "is_trial": license_.is_trial,
    }


def issue_license(data, issued_by):
    """Resolve the customer and add a signed license to the session; the caller commits."""
    customer, resolution, warnings = resolve_customer(data)
    license_ = License(
        id=new_id(), customer=customer, sku=data["sku"], users=data["users"],
        is_trial=data["is_trial"], issued_at=utcnow(), starts_at=data["starts_at"],
        expires_at=data["expires_at"], issued_by=issued_by,
        issued_from=client_address(),
    )
    private_key = current_app.extensions["keys"].private_key()
    license_.file = sign(license_payload(license_, customer), private_key)
    db.session.add(license_)
    db.session.flush()
    return license_, resolution, warnings


def request_hash(body):
    """Equal JSON gives an equal hash, whatever the bytes."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def issue(data, issued_by, credential=None, idempotency_key=None, body=None):
    """Issue in one write transaction, honouring an Idempotency-Key when one is sent."""

    def work():
        if idempotency_key is not None:
            replay = _claim_key(credential, idempotency_key, request_hash(body))
            if replay is not None:
                return replay
        license_, resolution, warnings = issue_license(data, issued_by)
        answer = Issued(201, ISSUED_LICENSE.dump(
            {**license_view(license_), "resolution": resolution, "warnings": warnings}
        ))
        if idempotency_key is not None:
            stored = IdempotencyKey.credential == credential, IdempotencyKey.key == idempotency_key
            db.session.execute(update(IdempotencyKey).where(*stored).values(
                response_status=answer.status, response_body=json.dumps(answer.body)))
        return answer

    return write(work)


def _claim_key(credential, key, digest):
    """Claim the key for this transaction, or return the earlier answer stored under it.

    A concurrent holder of the same key makes the insert wait (PostgreSQL: row lock; SQLite:
    the write lock) until it commits, so a repeat in flight gets the first answer.
    """
    try:
        with db.session.begin_nested():
            db.session.execute(insert(IdempotencyKey).values(
                credential=credential, key=key, request_hash=digest,
                response_status=0, response_body="", created_at=utcnow(),
            ))
    except IntegrityError as exc:
        if not violates(exc, IDEMPOTENCY_CONSTRAINT):
            raise
        stored = db.session.get(IdempotencyKey, (credential, key), populate_existing=True)
        if stored.request_hash != digest:
            raise IdempotencyConflict(
                "This Idempotency-Key was used with a different body: use a new key for a"
                " new request."
            ) from None
        return Issued(stored.response_status, json.loads(stored.response_body), replayed=True)
    return None


def prune_idempotency_keys(older_than_hours=IDEMPOTENCY_KEY_MIN_HOURS):
    """Delete stored answers older than the given age; the caller commits. Returns the count."""
    if older_than_hours < IDEMPOTENCY_KEY_MIN_HOURS:
        raise ValueError(f"keys are kept at least {IDEMPOTENCY_KEY_MIN_HOURS} hours")
    cutoff = utcnow() - timedelta(hours=older_than_hours)
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return result.rowcount
