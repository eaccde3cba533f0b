"""The audit trail: who did what, when and from where."""

import json

from flask import has_request_context, request
from sqlalchemy import select

from .extensions import db
from .models import AuditEvent


def client_address():
    return (request.remote_addr or "")[:64] if has_request_context() else "cli"


def record(action, actor, target="", **detail):
    """Add an event to the session; it is written with the change it describes."""
    db.session.add(AuditEvent(
        action=action, actor=actor[:320], target=target[:320], remote_addr=client_address(),
        detail=json.dumps(detail, sort_keys=True) if detail else "",
    ))


def recent(limit=200):
    return db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    ).all()
