"""The audit trail: who did what, when and from where."""

import json
from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import select

from .extensions import db
from .ids import isoformat
from .models import AuditEvent, Customer, License

COLUMNS = ("when", "what", "who", "from", "target")


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


@dataclass(frozen=True)
class Entry:
    """One line of the trail, whichever table it comes from."""

    at: datetime
    action: str
    actor: str
    target: str
    remote_addr: str
    detail: str = ""
    license_id: str | None = None

    def as_row(self):
        """The CLI's columns: when, what, who, from, target."""
        target = self.target
        if self.license_id:
            target = f"{self.license_id} {self.detail}: {self.target}"
        return (isoformat(self.at), self.action, self.actor, self.remote_addr or "unknown", target)


def _issuances(limit):
    """Issuing is recorded by the license row itself: issued_by, issued_at, issued_from."""
    rows = db.session.execute(
        select(License.id, License.issued_at, License.issued_by, License.issued_from,
               License.sku, License.users, License.is_trial, Customer.organization,
               Customer.email)
        .join(Customer, Customer.id == License.customer_id)
        .order_by(License.issued_at.desc(), License.id.desc()).limit(limit)
    )
    return [
        Entry(row.issued_at, "license_issued", row.issued_by, f"{row.organization} <{row.email}>",
              row.issued_from, f"{row.sku} {'trial' if row.is_trial else 'license'},"
              f" {row.users} users", license_id=row.id)
        for row in rows
    ]


def trail(limit=200):
    """Audit events and license issuances merged, newest first."""
    events = [Entry(e.at, e.action, e.actor, e.target, e.remote_addr, e.detail)
              for e in recent(limit)]
    entries = events + _issuances(limit)
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
