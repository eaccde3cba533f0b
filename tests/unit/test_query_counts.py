"""A lookup takes at most 2 SQL statements and an issue at most 6, whatever the history.

Counted by the same hook the benchmark uses (bench.queries); the token check counts as one. A
customer with 100 licenses, trials among them, takes no more statements than one with none: an
N+1 on licenses would show here first.
"""

from datetime import timedelta

import pytest

from bench.queries import count_request
from licensing.ids import new_id
from licensing.models import License

MAX_PER_LOOKUP = 2
MAX_PER_ISSUE = 6
HISTORY = 100
ISSUE = {"sku": "E20", "users": 250, "expiresAt": "2027-12-31"}


def customer_body(email):
    return {**ISSUE, "email": email, "organization": "Acme Corp", "contactName": "Ada Admin"}


def counted(client, db, method, path, headers, **kwargs):
    """One request in a fresh session, as each request gets under gunicorn."""
    db.session.remove()
    return count_request(client, db.engine, method, path, headers=headers, **kwargs)


def give_history(client, db, auth, email, licenses):
    """A customer holding `licenses` licenses (one in three a trial); returns its id."""
    first = client.post("/api/v1/license", json={**customer_body(email), "isTrial": True},
                        headers=auth)
    assert first.status_code == 201, first.text
    body = first.get_json()
    stored = db.session.get(License, body["id"])
    db.session.add_all(
        License(
            id=new_id(), customer_id=stored.customer_id, sku=stored.sku, users=stored.users,
            is_trial=n % 3 == 0, issued_at=stored.issued_at - timedelta(days=n),
            starts_at=stored.starts_at, expires_at=stored.expires_at,
            issued_by=stored.issued_by, issued_from="", file=stored.file,
        )
        for n in range(1, licenses)
    )
    db.session.commit()
    return body["customer"]["id"]


@pytest.fixture
def veteran(client, db, auth):
    email = "veteran@acme.example"
    return email, give_history(client, db, auth, email, HISTORY)


@pytest.fixture
def newcomer(client, db, auth):
    email = "newcomer@acme.example"
    return email, give_history(client, db, auth, email, 1)


def lookup(client, db, auth, email):
    response, log = counted(client, db, "GET", f"/api/v1/customers?email={email}", auth)
    assert response.status_code == 200, response.text
    return response.get_json()["customers"], log


def issue(client, db, auth, body, key=None):
    headers = {**auth, "Idempotency-Key": key} if key else auth
    response, log = counted(client, db, "POST", "/api/v1/license", headers, json=body)
    assert response.status_code == 201, response.text
    return response.get_json(), log


def test_lookup_of_customer_with_100_licenses_takes_two_statements(client, db, auth, veteran):
    customers, log = lookup(client, db, auth, "Veteran@ACME.example")
    assert len(customers[0]["licenses"]) == HISTORY
    assert len(log) <= MAX_PER_LOOKUP, log


def test_lookup_of_unknown_email_takes_two_statements(client, db, auth):
    customers, log = lookup(client, db, auth, "nobody@acme.example")
    assert customers == []
    assert len(log) <= MAX_PER_LOOKUP, log


def test_issue_to_new_customer_takes_at_most_six_statements(client, db, auth):
    body, log = issue(client, db, auth, customer_body("first-order@acme.example"))
    assert body["resolution"] == "created"
    assert len(log) <= MAX_PER_ISSUE, log


def test_repeat_trial_by_email_for_customer_with_100_licenses_takes_at_most_six(
        client, db, auth, veteran):
    body, log = issue(client, db, auth, {**customer_body(veteran[0]), "isTrial": True})
    assert body["resolution"] == "email"
    assert [w["code"] for w in body["warnings"]] == ["repeat_trial"]
    assert len(body["warnings"][0]["previousTrialIds"]) == 1 + (HISTORY - 1) // 3
    assert len(log) <= MAX_PER_ISSUE, log


def test_issue_by_customer_id_for_customer_with_100_licenses_takes_at_most_six(
        client, db, auth, veteran):
    body, log = issue(client, db, auth, {**ISSUE, "customerId": veteran[1], "isTrial": True})
    assert body["resolution"] == "customerId"
    assert len(log) <= MAX_PER_ISSUE, log


@pytest.mark.parametrize("key", [None, "order-4711"], ids=["plain", "idempotency-key"])
def test_statements_do_not_grow_with_the_customers_history(
        client, db, auth, veteran, newcomer, key):
    counts = {}
    for name, (email, customer_id) in (("veteran", veteran), ("newcomer", newcomer)):
        _customers, looked = lookup(client, db, auth, email)
        _body, by_email = issue(client, db, auth, {**customer_body(email), "isTrial": True},
                                key and f"{key}-{name}-email")
        _body, by_id = issue(client, db, auth, {**ISSUE, "customerId": customer_id},
                             key and f"{key}-{name}-id")
        counts[name] = (len(looked), len(by_email), len(by_id))
    assert counts["veteran"] == counts["newcomer"]
