"""Simultaneous requests against a multi-worker gunicorn: one customer, every license, no 5xx."""

import sqlite3

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.support import unique_email
from tests.support.burst import burst, case_variant, post_license
from tests.support.databases import backend
from tests.support.verifier import verify_license_file

NEW_CUSTOMER = {"organization": "Race Condition Ltd", "contactName": "Ada Lovelace",
                "sku": "E20", "users": 50, "expiresAt": "2030-01-31"}


@pytest.fixture(scope="module")
def engine(busy_server):
    """The server's database, read from the test process."""
    engine = sa.create_engine(busy_server.env["DATABASE_URL"])
    yield engine
    engine.dispose()


def test_32_simultaneous_requests_for_one_new_email_make_one_customer(busy_server, engine):
    email = unique_email("race")
    spellings = [case_variant(email, i) for i in range(32)]
    assert len(set(spellings)) == 32

    responses = burst(32, lambda i, http: post_license(
        busy_server, http, {**NEW_CUSTOMER, "email": spellings[i]}))

    assert [r.status_code for r in responses] == [201] * 32, [r.text for r in responses
                                                             if r.status_code != 201]
    bodies = [r.json() for r in responses]
    assert len({b["customer"]["id"] for b in bodies}) == 1
    assert sorted(b["resolution"] for b in bodies) == ["created"] + ["email"] * 31
    license_ids = {b["id"] for b in bodies}
    assert len(license_ids) == 32

    with engine.connect() as conn:
        customers = conn.execute(sa.text(
            "SELECT id FROM customers WHERE email_normalized = :e"), {"e": email}).all()
        bound = conn.execute(sa.text(
            "SELECT id FROM licenses WHERE customer_id = :c"), {"c": customers[0].id}).all()
    assert len(customers) == 1
    assert {row.id for row in bound} == license_ids

    lookup = busy_server.session().get(busy_server.url + "/api/v1/customers",
                                       params={"email": email.upper()}, timeout=30)
    (customer,) = lookup.json()["customers"]
    assert {lic["id"] for lic in customer["licenses"]} == license_ids


def test_every_license_of_the_race_verifies(busy_server):
    email = unique_email("verify")
    responses = burst(8, lambda i, http: post_license(
        busy_server, http, {**NEW_CUSTOMER, "email": case_variant(email, i)}))
    pem = busy_server.session().get(busy_server.url + "/api/v1/signing-key.pem",
                                    timeout=30).content
    for response in responses:
        assert response.status_code == 201, response.text
        payload = verify_license_file(response.json()["license"], pem)
        assert payload["customer"]["id"] == responses[0].json()["customer"]["id"]


@pytest.mark.skipif(backend() != "sqlite", reason="WAL is an SQLite journal mode")
def test_sqlite_database_of_a_multi_worker_server_is_in_wal_mode(busy_server):
    path = make_url(busy_server.env["DATABASE_URL"]).database
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
