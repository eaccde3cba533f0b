"""Statements per request, counted in-process on the benchmark's own database."""

from urllib.parse import quote

from . import data
from .queries import count_request

ISSUE = {"sku": "E20", "users": 250, "expiresAt": "2027-12-31"}


def count_statements(token, customers):
    """{scenario: statements} for lookups and issues, the veteran (100 licenses) included."""
    from licensing import create_app
    from licensing.extensions import db

    app = create_app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        engine = db.engine
    veteran_email, _n, veteran_org, veteran_contact = data.customer(data.VETERAN)
    counts = {}

    def count(name, method, path, expect, extra_headers=(), **kwargs):
        response, log = count_request(client, engine, method, path,
                                      headers={**headers, **dict(extra_headers)}, **kwargs)
        if response.status_code != expect:
            raise RuntimeError(f"{name}: {response.status_code} {response.get_data(as_text=True)}")
        counts[name] = len(log)
        return response.get_json()

    def lookup(name, email):
        return count(name, "GET", "/api/v1/customers?email=" + quote(email), 200)

    try:
        veteran = lookup("lookup: customer with 100 licenses", veteran_email)["customers"][0]
        if len(veteran["licenses"]) < data.VETERAN_LICENSES:
            raise RuntimeError("the veteran customer lacks its licenses")
        lookup("lookup: customer with 0-3 licenses", data.customer(customers // 2)[0])
        lookup("lookup: unknown email", data.missing_email(7))
        count("issue: new customer", "POST", "/api/v1/license", 201, json={
            **ISSUE, "email": data.new_email("statements", 1), "organization": "Newco",
            "contactName": "Nia New"})
        count("issue: by email, repeat trial, 100 licenses", "POST", "/api/v1/license", 201,
              json={**ISSUE, "email": veteran_email, "organization": veteran_org,
                    "contactName": veteran_contact, "isTrial": True})
        count("issue: by customerId, 100 licenses", "POST", "/api/v1/license", 201,
              json={**ISSUE, "customerId": veteran["id"]})
        count("issue with Idempotency-Key: new customer", "POST", "/api/v1/license", 201,
              json={**ISSUE, "email": data.new_email("statements", 2),
                    "organization": "Newco", "contactName": "Nia New"},
              extra_headers={"Idempotency-Key": "bench-statements-1"})
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return counts
