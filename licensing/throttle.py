"""Sign-in throttling: failed sign-ins per account and per address, counted in the database.

The count lives in the audit trail (one `login_failed` event per failure), so it holds across
every worker and instance that shares the database, and survives restarts.
"""

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from .emails import InvalidEmail, normalize
from .extensions import db
from .ids import utcnow
from .models import AuditEvent

LOGIN_FAILED = "login_failed"


def account_key(email):
    """The account a sign-in names: its normalized email, or the text as typed when invalid."""
    try:
        return normalize(email)[1]
    except InvalidEmail:
        return (email if isinstance(email, str) else "").strip().casefold()[:320]


def retry_after(account, address, now=None):
    """Seconds until another sign-in may be tried for account from address; 0 means now.

    Blocked while LOGIN_MAX_FAILURES failures for the account, or from the address, fall in the
    last LOGIN_WINDOW_SECONDS. The limit-th newest failure tells both whether the count reached
    the limit and when it drops below it again. Both queries run on ix_audit_events_action_at.
    """
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    now = now or utcnow()
    wait = 0
    for column, value in ((AuditEvent.actor, account), (AuditEvent.remote_addr, address)):
        at = db.session.scalar(
            select(AuditEvent.at)
            .where(AuditEvent.action == LOGIN_FAILED, AuditEvent.at > now - window,
                   column == value)
            .order_by(AuditEvent.at.desc())
            .offset(limit - 1).limit(1)
        )
        if at is not None:
            wait = max(wait, math.ceil((at + window - now).total_seconds()), 1)
    return wait
