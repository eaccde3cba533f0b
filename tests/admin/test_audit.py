"""The audit trail page: sign-ins, failures and issued licenses in one newest-first list."""

from datetime import timedelta

from licensing.audit import trail as audit_trail
from licensing.ids import utcnow
from licensing.models import AuditEvent, Customer, License
from tests.admin.conftest import ADMIN_EMAIL, csrf_token, sign_in


def test_audit_page_lists_sign_ins_failures_and_issued_licenses(client, admin, db):
    sign_in(client, password="wrong password!", address="10.9.8.7")
    sign_in(client)
    body = {"email": "orders@northwind.example", "organization": "Northwind Traders",
            "contactName": "Sam Carter", "sku": "E20", "users": 250, "expiresAt": "2030-01-31"}
    token = csrf_token(client, "/admin/licenses/new")
    issued = client.post("/api/v1/license", json=body, headers={"X-CSRFToken": token}).get_json()

    html = client.get("/admin/audit").get_data(as_text=True)
    rows = html[html.index('id="audit-trail"'):].split("<tr")[2:]
    actions = [row.split('class="audit-', 1)[1].split('"', 1)[0] for row in rows]
    assert actions == ["license_issued", "login", "login_failed"]
    issued_row, login_row, failed_row = rows
    assert ADMIN_EMAIL in issued_row and "127.0.0.1" in issued_row
    assert f'href="/admin/licenses/{issued["id"]}"' in issued_row
    assert "Northwind Traders &lt;orders@northwind.example&gt;" in issued_row
    assert "E20 license, 250 users" in issued_row
    assert ADMIN_EMAIL in login_row
    assert ADMIN_EMAIL in failed_row and "10.9.8.7" in failed_row
    assert "wrong password" not in html  # passwords are never recorded


def test_audit_trail_merges_events_and_licenses_newest_first(db):
    now = utcnow()
    customer = Customer(email="a@b.example", email_normalized="a@b.example",
                        organization="Org", contact_name="Contact")
    db.session.add_all([
        AuditEvent(at=now - timedelta(minutes=3), action="token_created", actor="cli",
                   target="portal", remote_addr="cli"),
        AuditEvent(at=now - timedelta(minutes=1), action="login", actor="x@y.example",
                   remote_addr="10.0.0.1"),
        License(customer=customer, sku="E10", users=5, is_trial=True, file="f",
                issued_at=now - timedelta(minutes=2), starts_at=now,
                expires_at=now + timedelta(days=30), issued_by="portal", issued_from="10.0.0.2"),
    ])
    db.session.commit()
    entries = audit_trail()
    assert [(e.action, e.actor, e.remote_addr) for e in entries] == [
        ("login", "x@y.example", "10.0.0.1"),
        ("license_issued", "portal", "10.0.0.2"),
        ("token_created", "cli", "cli"),
    ]
    assert entries[1].detail == "E10 trial, 5 users" and entries[1].license_id
    assert len(audit_trail(limit=2)) == 2
